"""The line walk: a reader for the plain YAML most content files are written in.

A fact base's files use a small part of YAML: block mappings and lists, keys that are
plain words, values on one line (plain, quoted, a flow list of plain words) and block
scalars (``|``, ``>``). This walk reads such a document a line at a time, one regular
expression per line, without PyYAML's event objects (making those alone took more than
half of a cold ``check``'s parse). It gives what the event walk gives
(facts/yamlnodes.py): the same values, the same positions, no problems.

Whatever it does not read, or is not sure of, raises :class:`Declined`, and PyYAML reads
the document: a tab or a carriage return anywhere, an anchor, alias or tag, an escape in
double quotes, a comment after a value, a value going on to the next line, a duplicate
key, a key that is not a plain word, a flow mapping, an empty document, a syntax error.
So every problem is reported by PyYAML's walks, never here. tests/test_yaml_lines.py
holds the two walks equal on generated documents.

No PyYAML here (importing it is some 20 ms of a cold ``check``): what a plain scalar
means is PyYAML's resolvers' answer, from facts/yamlresolve.py. Text, decimal numbers and
dates are read here; booleans, nulls, floats and other numbers are left to PyYAML.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from briefgen.errors import Pos
from briefgen.facts.yamlresolve import INT_TAG, SPECIAL_FIRST, STR_TAG, TIMESTAMP_TAG, plain_tag, simple_int
from briefgen.facts.yvalues import YList, YMap


class Declined(Exception):
    """The document is not one the line walk reads: read it with PyYAML."""


#: Characters the walk leaves to PyYAML wherever they stand: tabs, every line break but
#: ``\n`` (YAML 1.1 also breaks lines at CR, NEL, LS and PS), the byte order mark, and
#: what YAML does not allow in a stream (C0 and C1 controls, surrogates, U+FFFE and
#: U+FFFF: PyYAML reports those). Written as the few ranges refused rather than the
#: many allowed: a class of those compiles in microseconds, not milliseconds.
_DECLINED_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
#: Every line split in one pass, in C: its indentation, a list's dash, a key (a plain
#: word) and the spaces after its colon, and the rest (trailing spaces are cut in Python:
#: a lazy ``(.*?) *$`` made the pass twice as long).
_LINE = re.compile(r"^( *)(- +)?(?:([A-Za-z_][A-Za-z0-9_-]*):( +|$))?(.*)$", re.MULTILINE)
#: Characters a plain value may not start with here (YAML's indicators; the ones with a
#: meaning of their own, quotes, flow lists and block scalars, are read before this test).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
#: Characters that make a flow list more than plain words separated by commas.
_FLOW_DECLINED = re.compile(r"[\[\]{}#&*!|>'\"%@`:?]")
#: First characters of a plain value that is not simply text.
_NEEDS_CARE = _INDICATORS | SPECIAL_FIRST
_BLOCK_HEADERS = {"|": (True, True), "|-": (True, False), ">": (False, True), ">-": (False, False)}
#: A longer key is left to PyYAML, which refuses an implicit key of over 1024 characters.
_MAX_KEY = 1000
#: Deeper than this is left to PyYAML (which refuses past facts/yvalues.MAX_DEPTH).
_MAX_DEPTH = 50
_new_tuple = tuple.__new__


def read_lines(text: str, display: str) -> Any:
    """The value of the YAML document ``text`` (``display``: its file, for positions), or
    :class:`Declined`."""
    if _DECLINED_CHARS.search(text) is not None:
        raise Declined
    return _LineWalk(text, display).document()


def _plain(value: str) -> Any:
    """A plain scalar whose first character is in SPECIAL_FIRST: text, a decimal number, a
    date, or Declined (left to PyYAML's constructors)."""
    tag = plain_tag(value)
    if tag == STR_TAG:
        return value
    if tag == INT_TAG and simple_int(value):
        return int(value)
    if tag == TIMESTAMP_TAG and len(value) == 10:  # the date alone, 2024-01-02
        try:
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            return value  # an impossible date stays text, as PyYAML's walks leave it
    raise Declined


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _LineWalk:
    """One document's lines read as nested block collections. Each method is given the
    index of the line its node starts on (and the node's column) and returns the node and
    the index of the next line to read: blank and comment lines are skipped between nodes."""

    def __init__(self, text: str, display: str):
        self.lines = text.split("\n")
        self.tokens: list[tuple[str, str, str, str, str]] = _LINE.findall(text)
        self.count = len(self.lines)
        # A last line with no line break after it: a block scalar ending there keeps no
        # final line break (not read here).
        self.ends_unbroken = not text.endswith("\n")
        self.display = display

    def pos(self, index: int, col: int) -> Pos:
        return _new_tuple(Pos, (self.display, index + 1, col + 1))  # type: ignore[no-any-return]

    def next_content(self, index: int) -> int:
        """The first line from ``index`` that is neither blank nor a comment."""
        tokens, count = self.tokens, self.count
        while index < count:
            _, dash, key, _, rest = tokens[index]
            if dash or key or (rest and rest[0] != "#"):
                return index
            index += 1
        return index

    def document(self) -> Any:
        if len(self.tokens) != self.count:
            raise Declined  # one match a line, always: but read nothing that was split otherwise
        start = self.next_content(0)
        if start == self.count:
            raise Declined  # no document, or comments alone
        value, after = self.block(start, len(self.tokens[start][0]), 0)
        if after != self.count:
            raise Declined  # more after the top collection ends: an error, or a second document
        return value

    def block(self, index: int, col: int, depth: int) -> tuple[Any, int]:
        """The list or mapping starting at line ``index``, column ``col``."""
        _, dash, key, _, _ = self.tokens[index]
        if dash:
            return self.sequence(index, col, depth)
        if key:
            return self.mapping(index, col, depth)
        raise Declined

    def mapping(self, index: int, col: int, depth: int) -> tuple[YMap, int]:
        """A block mapping whose keys stand at ``col``, the first on line ``index`` (alone
        on its line, or after a list's dash)."""
        if depth > _MAX_DEPTH:
            raise Declined
        tokens, count, display = self.tokens, self.count, self.display
        out = YMap()
        out.pos = _new_tuple(Pos, (display, index + 1, col + 1))
        key_pos: dict[str, Pos] = {}
        value_pos: dict[str, Pos] = {}
        out.key_pos, out.value_pos = key_pos, value_pos
        value: Any
        _, _, key, gap, rest = tokens[index]
        while True:
            index_of_key = index
            if key in out or len(key) > _MAX_KEY or (key[0] in SPECIAL_FIRST and plain_tag(key) != STR_TAG):
                raise Declined  # a duplicate or a key too long (PyYAML says so), or not text
            key_pos[key] = _new_tuple(Pos, (display, index + 1, col + 1))
            if rest:
                if rest[-1] == " ":
                    rest = rest.rstrip(" ")
                start = col + len(key) + 1 + len(gap)
                first = rest[0]
                # The common values inline (this runs for every key of the fact base): text
                # in double quotes, and plain text that cannot mean anything else.
                if first == '"':
                    value = rest[1:-1]
                    if rest[-1] != '"' or len(rest) < 2 or '"' in value or "\\" in value:
                        raise Declined  # on more lines, escapes, or more after the closing quote
                    index += 1
                elif first in _NEEDS_CARE or ": " in rest or " #" in rest or rest[-1] == ":":
                    value, index = self.inline(rest, index, start, col, depth)
                else:
                    value = rest
                    index += 1
                where = _new_tuple(Pos, (display, index_of_key + 1, start + 1))
            else:
                following = self.next_content(index + 1)
                below = tokens[following] if following < count else ("", "", "", "", "")
                below_col = len(below[0])
                if following < count and below_col > col:
                    value, index = self.block(following, below_col, depth + 1)
                    where = value.pos
                elif following < count and below_col == col and below[1]:
                    value, index = self.sequence(following, col, depth + 1)  # a list not indented
                    where = value.pos
                else:
                    # Nothing: null, where PyYAML places it, just past the colon.
                    value, where = None, _new_tuple(Pos, (display, index + 1, col + len(key) + 2))
                    index = following
            out[key] = value
            value_pos[key] = where
            while index < count:  # to the next line that is not blank or a comment
                indent, dash, key, gap, rest = tokens[index]
                if key or dash or (rest and rest[0] != "#"):
                    break
                index += 1
            else:
                return out, index
            if len(indent) < col:
                return out, index
            if len(indent) > col or dash or not key:
                raise Declined

    def sequence(self, index: int, col: int, depth: int) -> tuple[YList, int]:
        """A block list whose dashes stand at ``col``, the first on line ``index``."""
        if depth > _MAX_DEPTH:
            raise Declined
        tokens, count = self.tokens, self.count
        out = YList()
        out.pos = self.pos(index, col)
        item_pos: list[Pos] = []
        out.item_pos = item_pos
        while True:
            _, dash, key, _, rest = tokens[index]
            start = col + len(dash)
            if rest and rest[-1] == " ":
                rest = rest.rstrip(" ")
            if key:
                value, index = self.mapping(index, start, depth + 1)
                where = value.pos
            elif rest:
                where = _new_tuple(Pos, (self.display, index + 1, start + 1))
                value, index = self.inline(rest, index, start, col, depth)
                index = self.next_content(index)
            else:
                raise Declined  # a dash alone on its line: the item on the next lines
            out.append(value)
            item_pos.append(where)
            if index == count:
                return out, index
            indent, dash, _, _, _ = tokens[index]
            if len(indent) > col:
                raise Declined
            if len(indent) < col or not dash:
                return out, index  # the caller decides whether what follows belongs

    def inline(self, rest: str, index: int, start: int, col: int, depth: int) -> tuple[Any, int]:
        """The value ``rest`` written at line ``index``, column ``start``, in a block at
        ``col``; and the line after it. Whether the next line goes on with the value is
        the caller's question (a line indented past the block's column)."""
        first = rest[0]
        if first == '"':
            inner = rest[1:-1]
            if len(rest) < 2 or rest[-1] != '"' or '"' in inner or "\\" in inner:
                raise Declined  # on more lines, escapes, or more after the closing quote
            value: Any = inner
        elif first == "'":
            inner = rest[1:-1]
            if len(rest) < 2 or rest[-1] != "'" or "'" in inner.replace("''", ""):
                raise Declined
            value = inner.replace("''", "'")
        elif first == "[":
            value = self.flow_list(rest, index, start, depth)
        elif rest in _BLOCK_HEADERS:
            return self.block_scalar(rest, index, col)
        elif first in _INDICATORS or ": " in rest or " #" in rest or rest[-1] == ":":
            raise Declined
        elif first in SPECIAL_FIRST:
            value = _plain(rest)
        else:
            value = rest
        return value, index + 1

    def flow_list(self, rest: str, index: int, start: int, depth: int) -> YList:
        """``[a, b, c]`` on one line, plain words only."""
        if depth + 1 > _MAX_DEPTH or rest[-1] != "]" or _FLOW_DECLINED.search(rest, 1, len(rest) - 1):
            raise Declined
        out = YList()
        out.pos = self.pos(index, start)
        item_pos: list[Pos] = []
        out.item_pos = item_pos
        inner = rest[1:-1]
        if not inner.strip(" "):
            return out
        display, line_number = self.display, index + 1
        col = start + 1
        for item in inner.split(","):
            word = item.strip(" ")
            if not word or word[0] == "-":
                raise Declined  # an empty item (a trailing comma), or a dash
            out.append(_plain(word) if word[0] in SPECIAL_FIRST else word)
            item_pos.append(_new_tuple(Pos, (display, line_number, col + len(item) - len(item.lstrip(" ")) + 1)))
            col += len(item) + 1
        return out

    def block_scalar(self, header: str, index: int, col: int) -> tuple[str, int]:
        """A ``|`` or ``>`` scalar (clipped or stripped) below line ``index``, in a block at
        ``col``; the text and the line after it."""
        literal, clip = _BLOCK_HEADERS[header]
        lines, count = self.lines, self.count
        first = index + 1
        if first >= count or not lines[first].strip(" "):
            raise Declined  # empty, or starting with blank lines (their indentation counts)
        indent = _indent(lines[first])
        if indent <= col:
            raise Declined
        body: list[str] = []
        at = first
        while at < count:
            line = lines[at]
            stripped = line.lstrip(" ")
            if not stripped:
                if len(line) > indent:
                    raise Declined  # spaces past the indentation are text: left to PyYAML
                body.append("")
            elif len(line) - len(stripped) < indent:
                break
            elif not literal and line[indent] == " ":
                raise Declined  # a more indented line is not folded: left to PyYAML
            else:
                body.append(line[indent:])
            at += 1
        while body[-1] == "":
            body.pop()
        if at == count and self.ends_unbroken and lines[at - 1].strip(" "):
            raise Declined  # no line break after the last line: nothing to clip to
        if literal:
            text = "\n".join(body)
        else:
            parts: list[str] = []
            blank = 0
            for line in body:
                if not line:
                    blank += 1
                    continue
                if parts:
                    parts.append("\n" * blank if blank else " ")
                parts.append(line)
                blank = 0
            text = "".join(parts)
        return (text + "\n" if clip else text), at
