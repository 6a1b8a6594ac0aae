"""Values read from YAML that remember where they stood, and the limits a file is held to.

Apart from the walk over PyYAML's nodes (facts/yamlnodes.py), so that what only uses the
values (the checks, the records cache) does not import PyYAML.
"""

from __future__ import annotations

import re

from briefgen.errors import Pos

#: A YAML file larger than this is refused before parsing (a fact base splits into files).
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Nodes reached again through aliases beyond this count are an alias bomb.
MAX_ALIAS_EXPANSION = 50_000
#: Characters of text a document may expand to, aliases included: a file's own limit. One
#: big anchored string repeated by many aliases costs nothing to load (the string is
#: shared) but every later stage copies it, so it is counted as written out.
MAX_EXPANDED_CHARS = MAX_FILE_BYTES
MAX_DEPTH = 200
#: A number written with more characters than this is refused (no count, id or
#: coordinate needs them), before it is converted.
MAX_NUMBER_CHARS = 100


class YMap(dict):  # type: ignore[type-arg]
    """A mapping that knows its own position and the position of each key and value."""

    pos: Pos
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]
    #: keys whose value the loader refused (a tag, an unreadable scalar), already reported
    rejected: frozenset[str] = frozenset()

    def where(self, key: str) -> Pos:
        """Position of ``key``'s value, or of the mapping when the key is absent."""
        return self.value_pos.get(key, self.pos)


class YList(list):  # type: ignore[type-arg]
    """A sequence that knows its own position and each item's."""

    pos: Pos
    item_pos: list[Pos]

    def where(self, index: int) -> Pos:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


#: Why a value written as text is read as a list: prose that starts with a claim in place
#: or a citation (``[[id]]``, ``[@id]``, ``[words]{@id}``).
READ_AS_A_LIST = "a value starting with '[' is read as a YAML list"


def quoted_example(key: str | None, value: str) -> str:
    """``key: "value"`` (or ``- "value"`` for a list item) for a hint that shows a value
    quoted: double quotes, or single ones when the value holds a double quote."""
    shown = value if len(value) <= 50 else value[:47] + "..."
    quoted = f'"{shown}"' if '"' not in shown else "'" + shown.replace("'", "''") + "'"
    return f"{key}: {quoted}" if key else f"- {quoted}"


#: What stands before a value on a line of YAML: indentation, list dashes, a plain key.
_BEFORE_VALUE = re.compile(r"^ *(?:- +)*(?:([A-Za-z_][\w-]*): +)?(?=\S)")


def written_value(line: str) -> tuple[str | None, str, int] | None:
    """The key (None for a list item or a key that is not a plain word), the value as
    written and its 0-based column on a line of YAML, for the hints that show a value
    quoted; None for a line with no value."""
    match = _BEFORE_VALUE.match(line)
    if match is None:
        return None
    return match.group(1), line[match.end() :].rstrip(), match.end()
