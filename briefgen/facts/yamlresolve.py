"""What a plain YAML scalar means: PyYAML's implicit resolvers, without importing PyYAML.

PyYAML's safe loader types a plain (unquoted, untagged) scalar by matching it against
the YAML 1.1 patterns below, tried in order for its first character: ``yes`` is a
boolean, ``0x1F`` a number, ``2024-01-02`` a date, ``~`` a null; anything else is text.
The table is PyYAML's (``yaml/resolver.py``), copied so that reading a fact base with
the line walk (facts/yamllines.py) imports no PyYAML at all (some 20 ms of every cold
``check``); the event walk asks it too (facts/yamlnodes.py), so there is one table.
tests/test_yaml_lines.py holds it equal to PyYAML's own, pattern for pattern, so an
upgrade of PyYAML that changed its resolvers fails there rather than reading silently
otherwise.
"""

from __future__ import annotations

import re

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

#: (tag, pattern, first characters) in PyYAML's order of registration.
_RESOLVERS = [
    (
        "tag:yaml.org,2002:bool",
        re.compile(
            r"""^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""",
            re.X,
        ),
        "yYnNtTfFoO",
    ),
    (
        "tag:yaml.org,2002:float",
        re.compile(
            r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        "-+0123456789.",
    ),
    (
        INT_TAG,
        re.compile(
            r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
            re.X,
        ),
        "-+0123456789",
    ),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), "<"),
    (
        "tag:yaml.org,2002:null",
        re.compile(
            r"""^(?: ~
                    |null|Null|NULL
                    | )$""",
            re.X,
        ),
        ["~", "n", "N", ""],
    ),
    (
        TIMESTAMP_TAG,
        re.compile(
            r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
            re.X,
        ),
        "0123456789",
    ),
    ("tag:yaml.org,2002:value", re.compile(r"^(?:=)$"), "="),
    # PyYAML's own note: "only for documentation purposes", plain scalars cannot start so.
    ("tag:yaml.org,2002:yaml", re.compile(r"^(?:!|&|\*)$"), "!&*"),
]

#: First character (``""`` for the empty scalar) -> [(tag, pattern)], as PyYAML keeps them.
IMPLICIT_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _pattern, _firsts in _RESOLVERS:
    for _first in _firsts:
        IMPLICIT_RESOLVERS.setdefault(_first, []).append((_tag, _pattern))

#: First characters of plain scalars that may mean other than text.
SPECIAL_FIRST = frozenset(IMPLICIT_RESOLVERS)

#: Tags of short plain scalars already seen: keys and enum values repeat across a fact
#: base, and the answer depends on the text alone.
_SEEN: dict[str, str] = {}
_MAX_SEEN, _MAX_SEEN_LEN = 4096, 40


def plain_tag(value: str) -> str:
    """The tag PyYAML gives the plain scalar ``value`` (its resolver's ``resolve``)."""
    tag = _SEEN.get(value)
    if tag is None:
        tag = STR_TAG
        for candidate, pattern in IMPLICIT_RESOLVERS.get(value[:1], ()):
            if pattern.match(value):
                tag = candidate
                break
        if len(value) <= _MAX_SEEN_LEN:
            if len(_SEEN) >= _MAX_SEEN:
                _SEEN.clear()
            _SEEN[value] = tag
    return tag


def simple_int(value: str) -> bool:
    """An int tag's text that ``int()`` reads as PyYAML's constructor does: decimal digits,
    no sign, no underscore, no leading zero (octal), and short."""
    return value.isdigit() and value.isascii() and value[0] != "0" and len(value) <= 18
