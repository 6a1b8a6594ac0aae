"""PyYAML's parse into positioned values (facts/load.py's parser).

Two walks give the same values, positions and problems: the event walk
(:class:`_EventBuilder`) reads the parser's events straight into values, and reads most
documents; the node walk (:class:`_Builder`) composes PyYAML's node tree first and walks
it, for what the event walk leaves to it (anchors and aliases, tags, merge keys, keys
that are lists or mappings, deep nesting, syntax errors). tests/test_yaml_events.py
compares the two.

The only module of facts/ that imports PyYAML (some tens of ms): a ``check`` or build whose
files all come from the records cache parses nothing, and so never imports it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import yaml

from briefgen.errors import Pos, Problem
from briefgen.facts.yamlresolve import SPECIAL_FIRST as _SPECIAL_FIRST
from briefgen.facts.yamlresolve import plain_tag, simple_int
from briefgen.facts.yvalues import (
    MAX_ALIAS_EXPANSION,
    MAX_DEPTH,
    MAX_EXPANDED_CHARS,
    MAX_NUMBER_CHARS,
    READ_AS_A_LIST,
    YList,
    YMap,
    quoted_example,
    written_value,
)

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


class Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with a fast path for the scalar type resolution it does per scalar."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return _STR_TAG  # quoted: always text
            return plain_tag(value)  # the table PyYAML's resolver holds (facts/yamlresolve)
        if not self.yaml_path_resolvers:  # the safe loader has none: the default tags
            return _MAP_TAG if kind is yaml.MappingNode else _SEQ_TAG
        return str(super().resolve(kind, value, implicit))

    def construct_scalar_value(self, node: yaml.ScalarNode) -> Any:
        self.constructed_objects.clear()  # scalars are never shared; keep no references
        return self.construct_object(node)


_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
#: What a value with each scalar tag must be, for messages.
_TAG_MEANS = {
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:int": "a whole number (!!int)",
    "tag:yaml.org,2002:float": "a number (!!float)",
    "tag:yaml.org,2002:bool": "true or false (!!bool)",
    "tag:yaml.org,2002:null": "empty (!!null)",
    "tag:yaml.org,2002:timestamp": "a date (!!timestamp)",
}
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
_ScalarNode = yaml.ScalarNode
_new_tuple = tuple.__new__


class _Builder:
    """Turns a composed node tree into YMap/YList/scalars, collecting problems."""

    def __init__(self, loader: Any, display: str):
        self.loader = loader
        self.display = display
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.expanded = 0

    def pos(self, node: yaml.Node) -> Pos:
        mark = node.start_mark
        # tuple.__new__ directly: Pos's own __new__ is Python code, and this runs for
        # every key and value of the fact base.
        return _new_tuple(Pos, (self.display, mark.line + 1, mark.column + 1))  # type: ignore[no-any-return]

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if node.tag == _STR_TAG and node.__class__ is _ScalarNode:
            return node.value  # most nodes are text: no constructor, nothing to track
        if id(node) in self.seen:
            # An alias: the node is built again, with all its items. Counting the items
            # (the text among them skips this check) keeps a wide list repeated by many
            # aliases from being expanded at all.
            self.expanded += 1 + (len(node.value) if isinstance(node.value, list) else 0)
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise _Abort(
                    Problem(
                        self.pos(node),
                        "BG006",
                        "aliases expand to too many nodes (a YAML alias bomb?)",
                        "write the values out, or use fewer nested aliases",
                    )
                )
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Abort(Problem(self.pos(node), "BG006", "YAML nested too deeply", "flatten the structure"))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                return self.bad_tag(node)
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                return self.bad_tag(node)
            out = YList()
            out.pos = self.pos(node)
            out.item_pos = []
            for item in node.value:
                out.append(self.build(item, depth + 1))
                out.item_pos.append(self.pos(item))
            return out
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        """The value of a scalar that is not plain text (a number, a date, a tag...)."""
        if node.tag not in _SCALAR_TAGS:
            return self.bad_tag(node)
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            # Refused before converting: int() of thousands of digits is slow, and past
            # Python's int-to-str limit it raises wherever the number is printed.
            self.problems.append(
                Problem(
                    self.pos(node),
                    "BG104",
                    f"a number of {len(node.value):,} characters; numbers may have at most {MAX_NUMBER_CHARS}",
                    "quote it to make it text, or write a shorter number",
                )
            )
            return None
        try:
            return self.loader.construct_scalar_value(node)
        except (yaml.YAMLError, ValueError, OverflowError, TypeError, KeyError, AttributeError, IndexError):
            # Explicit tags reach PyYAML's constructors with any text (``!!bool maybe``,
            # ``!!timestamp nonsense``), and those raise whatever their parsing hits.
            if node.tag == "tag:yaml.org,2002:timestamp":
                return node.value  # an impossible date: the validator says what is wrong with it
            shown = node.value if len(node.value) <= 40 else node.value[:40] + "..."
            self.problems.append(
                Problem(
                    self.pos(node),
                    "BG104",
                    f"cannot read '{shown}' as {_TAG_MEANS[node.tag]}",
                    "remove the tag (the '!!' word) or quote the value to make it text",
                )
            )
            return None

    def bad_tag(self, node: yaml.Node) -> None:
        self.problems.append(
            Problem(
                self.pos(node),
                "BG005",
                f"YAML tag {node.tag!r} is not allowed",
                "content holds plain data only: remove the tag (the text after '!')",
            )
        )
        return None

    def mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        out = YMap()
        out.pos = self.pos(node)
        out.key_pos = {}
        out.value_pos = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = self.build(value_node, depth + 1)
                sources = merged if isinstance(merged, list) else [merged]
                for src in sources:
                    if isinstance(src, YMap):
                        for k, v in src.items():
                            if k not in out:
                                out[k] = v
                                out.key_pos[k] = src.key_pos[k]
                                out.value_pos[k] = src.value_pos[k]
                continue
            key = key_node.value if key_node.tag == _STR_TAG and key_node.__class__ is _ScalarNode else None
            if key is None:
                before = len(self.problems)
                key = self.build(key_node, depth + 1)
                if len(self.problems) > before:
                    continue  # the key itself was refused, and said why: skip its value
            if not isinstance(key, str):
                key = _key_text(key)
                if key is None:
                    self.problems.append(_not_a_key(self.pos(key_node)))
                    continue
            if key in out:
                first = out.key_pos[key]
                self.problems.append(
                    Problem(
                        self.pos(key_node),
                        "BG002",
                        f"duplicate key {key!r} (first at line {first.line})",
                        "YAML keeps only one of them: delete or rename one",
                    )
                )
                continue
            reported = len(self.problems)
            out[key] = self.build(value_node, depth + 1)
            if out[key] is None and len(self.problems) > reported:
                out.rejected |= {key}  # the loader said what is wrong; "needs 'key'" would repeat it
            out.key_pos[key] = self.pos(key_node)
            out.value_pos[key] = self.pos(value_node)
        return out


def _key_text(key: Any) -> str | None:
    """A number, boolean or null written as a key, as the text it is read as; None for
    anything else (a date, a list...), which cannot be a key."""
    if isinstance(key, (int, float, bool)) or key is None:
        return str(key).lower() if isinstance(key, bool) or key is None else str(key)
    return None


def _not_a_key(pos: Pos) -> Problem:
    return Problem(pos, "BG104", "a key must be plain text", "write the key as text")


class _Fallback(Exception):
    """The document uses what only the node walk handles (anchors, aliases, tags, merge
    keys, keys that are lists or mappings, deep nesting, a syntax error...)."""


_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_StreamEndEvent = yaml.StreamEndEvent
_AliasEvent = yaml.AliasEvent


class _EventBuilder:
    """Builds YMap/YList/scalars straight from the parser's events, without composing
    yaml.Node objects and walking them again: the common documents (no anchor, alias,
    tag or merge key) in one pass. Whatever it does not handle raises :class:`_Fallback`,
    and the document is read again by the node walk, so every value, position and problem
    is the node walk's own. Scalars are handled inline in the loops: this runs for every
    key and value of the fact base.
    """

    def __init__(self, loader: Any, display: str):
        self.next_event: Callable[[], Any] = loader.get_event
        self.display = display
        #: non-text scalars and the problems go through the node walk's own code
        self.nodes = _Builder(loader, display)
        self.problems = self.nodes.problems

    def other_scalar(self, event: Any, tag: str, depth: int) -> Any:
        """A number, boolean, null or date (the node walk's own conversion and problems)."""
        if depth > MAX_DEPTH or tag == _MERGE_TAG:
            raise _Fallback
        value = event.value
        if tag == _INT_TAG and simple_int(value):
            return int(value)  # a count or a grade: what construct_yaml_int gives, without its steps
        return self.nodes.scalar(_ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style))

    def node(self, event: Any, depth: int) -> Any:
        cls = event.__class__
        if event.anchor is not None or cls is _AliasEvent or event.tag is not None:
            raise _Fallback
        if cls is _ScalarEvent:
            value = event.value
            if event.implicit[0] and value[:1] in _SPECIAL_FIRST:
                tag = plain_tag(value)
                if tag != _STR_TAG:
                    return self.other_scalar(event, tag, depth)
            return value
        if depth > MAX_DEPTH:
            raise _Fallback
        if cls is _MappingStartEvent:
            return self.mapping(event, depth)
        return self.sequence(event, depth)

    def sequence(self, event: Any, depth: int) -> YList:
        display, next_event = self.display, self.next_event
        out = YList()
        mark: Any = event.start_mark
        out.pos = _new_tuple(Pos, (display, mark.line + 1, mark.column + 1))
        item_pos: list[Pos] = []
        out.item_pos = item_pos
        depth += 1
        while True:
            item = next_event()
            cls = item.__class__
            if cls is _ScalarEvent and item.anchor is None and item.tag is None:
                value = item.value
                if item.implicit[0] and value[:1] in _SPECIAL_FIRST:
                    tag = plain_tag(value)
                    if tag != _STR_TAG:
                        value = self.other_scalar(item, tag, depth)
            elif cls is _SequenceEndEvent:
                return out
            else:
                value = self.node(item, depth)
            out.append(value)
            mark = item.start_mark
            item_pos.append(_new_tuple(Pos, (display, mark.line + 1, mark.column + 1)))

    def mapping(self, event: Any, depth: int) -> YMap:
        display, next_event, problems = self.display, self.next_event, self.problems
        out = YMap()
        mark: Any = event.start_mark
        out.pos = _new_tuple(Pos, (display, mark.line + 1, mark.column + 1))
        key_pos: dict[str, Pos] = {}
        value_pos: dict[str, Pos] = {}
        out.key_pos, out.value_pos = key_pos, value_pos
        depth += 1
        while True:
            key_event = next_event()
            if key_event.__class__ is not _ScalarEvent:
                if key_event.__class__ is _MappingEndEvent:
                    return out
                raise _Fallback  # a list or mapping as a key, an alias
            if key_event.anchor is not None or key_event.tag is not None:
                raise _Fallback
            key = key_event.value
            mark = key_event.start_mark
            where_key = _new_tuple(Pos, (display, mark.line + 1, mark.column + 1))
            if key_event.implicit[0] and key[:1] in _SPECIAL_FIRST:
                tag = plain_tag(key)
                if tag != _STR_TAG:
                    before = len(problems)
                    key = self.other_scalar(key_event, tag, depth)
                    if len(problems) > before:
                        self.skip()  # the key itself was refused, and said why: skip its value
                        continue
                    if not isinstance(key, str):
                        text = _key_text(key)
                        if text is None:
                            problems.append(_not_a_key(where_key))
                            self.skip()
                            continue
                        key = text
            if key in out:
                problems.append(
                    Problem(
                        where_key,
                        "BG002",
                        f"duplicate key {key!r} (first at line {key_pos[key].line})",
                        "YAML keeps only one of them: delete or rename one",
                    )
                )
                self.skip()
                continue
            item = next_event()
            if item.__class__ is _ScalarEvent and item.anchor is None and item.tag is None:
                value = item.value
                if item.implicit[0] and value[:1] in _SPECIAL_FIRST:
                    tag = plain_tag(value)
                    if tag != _STR_TAG:
                        reported = len(problems)
                        value = self.other_scalar(item, tag, depth)
                        if value is None and len(problems) > reported:
                            out.rejected |= {key}  # said already; "needs 'key'" would repeat it
            else:
                value = self.node(item, depth)  # a mapping or list: never None
            out[key] = value
            key_pos[key] = where_key
            mark = item.start_mark
            value_pos[key] = _new_tuple(Pos, (display, mark.line + 1, mark.column + 1))

    def skip(self) -> None:
        """Read past a value that is not built (the node walk never looks at it either)."""
        open_collections = 0
        while True:
            event = self.next_event()
            cls = event.__class__
            if cls is _MappingEndEvent or cls is _SequenceEndEvent:
                open_collections -= 1
            elif event.anchor is not None or cls is _AliasEvent or event.tag is not None:
                raise _Fallback
            elif cls is not _ScalarEvent:
                open_collections += 1
            if open_collections == 0:
                return

    def document(self) -> tuple[Any, list[Problem]]:
        next_event = self.next_event
        next_event()  # the stream's start
        if next_event().__class__ is _StreamEndEvent:
            return None, []  # no document at all
        value = self.node(next_event(), 0)
        next_event()  # the document's end
        if next_event().__class__ is not _StreamEndEvent:
            raise _Fallback  # a second document
        return value, self.problems


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value)


def _check_expanded_size(root: yaml.Node, display: str) -> None:
    """Raise BG006 when the document's text, every alias written out, is over
    :data:`MAX_EXPANDED_CHARS` characters.

    A node reached by aliases is one object in the composed tree, so each node's expanded
    size is worked out once (memoised by identity, depth first without recursion) and the
    walk stays linear in the file, whatever the aliases would expand to.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes being summed: the path from the root
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            total = sum(sizes.get(id(child), 0) for child in _children(node))
            sizes[key] = total
            open_nodes.discard(key)
            if total > MAX_EXPANDED_CHARS:
                mark = node.start_mark
                raise _Abort(
                    Problem(
                        Pos(display, mark.line + 1, mark.column + 1),
                        "BG006",
                        f"aliases expand to more than {MAX_EXPANDED_CHARS:,} characters of text (a YAML alias bomb?)",
                        "write the values out, or repeat less: text with its aliases expanded "
                        "is held to a file's own limit",
                    )
                )
            continue
        if key in sizes or key in open_nodes:
            continue  # done already, or a loop back to an open node (counted once)
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = len(node.value)
            continue
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


class _Abort(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _reader_problem(exc: yaml.reader.ReaderError, display: str, text: str) -> Problem:
    """A character YAML does not allow, at its line and column (PyYAML gives an offset:
    into the UTF-8 bytes with libyaml, into the text with the pure-Python reader)."""
    if _BaseLoader is getattr(yaml, "CSafeLoader", None):
        before = text.encode("utf-8")[: exc.position].decode("utf-8", errors="ignore")
    else:
        before = text[: exc.position]
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    char = exc.character
    shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
    return Problem(
        Pos(display, line, col),
        "BG001",
        f"character {shown} is not allowed in YAML ({exc.reason})",
        "delete it (copy-pasted text often carries invisible control characters); "
        'to keep it, write it as an escape in double quotes, e.g. "\\u0007"',
    )


def _syntax_problem(exc: yaml.YAMLError, display: str, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.position, int):
        return _reader_problem(exc, display, text)
    # Point at the start of the construct that went wrong (an unclosed bracket, a key
    # missing its colon) rather than where the parser gave up, often the end of the file.
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = context_mark or problem_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {what}" + (f" ({context})" if context else "")
    if context_mark is not None and problem_mark is not None and problem_mark.line != context_mark.line:
        message += f"; noticed at line {problem_mark.line + 1}"
    hint = "check indentation and quoting near this position"
    lines = text.splitlines()
    bad_line = lines[line - 1] if 0 < line <= len(lines) else ""
    # A tab is often on the line where the parser noticed the problem, not where the
    # construct began: look there too, and point at the tab itself.
    noticed = lines[problem_mark.line] if problem_mark is not None and problem_mark.line < len(lines) else ""
    indent = noticed[: len(noticed) - len(noticed.lstrip(" \t"))]
    if "\t" in indent and problem_mark is not None:
        line, col = problem_mark.line + 1, indent.index("\t") + 1
        message = message.split("; noticed at line")[0]
        hint = "YAML indents with spaces only: replace the tab characters with spaces"
    elif "tab character" in what or "\t" in what or "\t" in bad_line[: max(col, 1)] or (bad_line[:1] == "\t"):
        hint = "YAML indents with spaces only: replace the tab characters with spaces"
    elif problem_mark is not None and (found := _unquoted_value(lines, problem_mark.line)) is not None:
        line, col, hint = found
        message = message.split("; noticed at line")[0]
    elif (plain := _in_plain_words(what, context, lines, context_mark, problem_mark)) is not None:
        line, col, said, hint = plain
        message = f"{said} (YAML: {what}{f', {context}' if context else ''})"
    elif ": " in bad_line.split(":", 1)[-1]:
        written = written_value(bad_line)
        example = quoted_example(*written[:2]) if written and written[0] else 'statement: "A: B"'
        hint = f"a value holding ': ' must be quoted, e.g. {example}"
    return Problem(Pos(display, line, col), "BG001", message, hint)


def _in_plain_words(
    what: str, context: str | None, lines: list[str], context_mark: Any, problem_mark: Any
) -> tuple[int, int, str, str] | None:
    """The parser's message for the mistakes people make most, said in the file's terms:
    an unclosed bracket or quote, a line indented to match no block above it, a line with
    no colon. Its position, message and hint; None for any other (its own words stand)."""
    context = context or ""
    if what.startswith("did not find expected ',' or") and context_mark is not None:
        bracket = "]" if "sequence" in context else "}"
        opened = "list" if bracket == "]" else "mapping"
        at = context_mark.line
        written = written_value(lines[at]) if at < len(lines) else None
        example = f", e.g. {quoted_example(*written[:2])}" if written and written[0] else ""
        if at < len(lines) and bracket in lines[at][context_mark.column :]:
            # Closed on its line: something inside is not an item YAML can read.
            return (
                at + 1,
                context_mark.column + 1,
                f"YAML cannot read an item of this {opened}: items are separated by commas, and "
                "an item holding a quotation mark or a bracket is quoted whole",
                f'write [a, b, "c d"]; if the brackets are text, quote the whole value{example}',
            )
        return (
            at + 1,
            context_mark.column + 1,
            f"a {opened} opened with '{'[' if bracket == ']' else '{'}' here is not closed on its line",
            f"close it with '{bracket}'; if the bracket is text, quote the whole value{example}",
        )
    if "end of stream" in what and "quoted scalar" in context and context_mark is not None:
        return (
            context_mark.line + 1,
            context_mark.column + 1,
            "a quoted value opened here is never closed",
            "close it with the same quotation mark; inside single quotes write ' as '', "
            'inside double quotes write " as \\"',
        )
    if problem_mark is not None and (
        what.startswith(("did not find expected key", "did not find expected '-'", "expected <block end>"))
    ):
        return _misindented(lines, problem_mark.line)
    if problem_mark is not None and "<document start>" in what:
        return _under_indented_top(lines, problem_mark.line)
    if what.startswith("mapping values are not allowed") and problem_mark is not None:
        return _continued_with_colon(lines, problem_mark)
    if what.startswith("could not find expected ':'") and context_mark is not None:
        return (
            context_mark.line + 1,
            context_mark.column + 1,
            "this line has no ':' after its first word, so it is neither a 'key: value' nor a list item",
            "write it as 'key: value'; if it continues the text above, indent it under that "
            "value's first word, or write the value as a block (key: |) with the lines below it",
        )
    return None


def _continued_with_colon(lines: list[str], mark: Any) -> tuple[int, int, str, str] | None:
    """A ': ' on a line that continues a plain value from the line above (indented more
    than its key): YAML cannot start a key there. None for a ': ' on the value's own line
    (the caller's hint, quote the value, covers it)."""
    index = mark.line
    if not 0 < index < len(lines):
        return None
    start = index - 1
    while start > 0 and not lines[start].strip():
        start -= 1
    written = written_value(lines[start])
    indent = len(lines[index]) - len(lines[index].lstrip(" "))
    if written is None or not written[0] or indent <= len(lines[start]) - len(lines[start].lstrip(" -")):
        return None
    key = written[0]
    return (
        index + 1,
        mark.column + 1,
        f"this line continues the value of '{key}' on line {start + 1}, and a ': ' in it cannot start a key there",
        f"quote the whole value of '{key}' (a quoted value may run over several lines), or write it as a "
        f"block ({key}: |) with its lines below it",
    )


def _misindented(lines: list[str], index: int) -> tuple[int, int, str, str] | None:
    """A line indented to line up with nothing above it, or with a list item's ``-``
    rather than its keys (the commonest slip), or indented with a space YAML does not
    count: the line, and the indentations it could have, each with a line that has it.
    None when it lines up with something (the parser's own words stand)."""
    if not 0 <= index < len(lines) or not lines[index].strip():
        return None
    line = lines[index]
    margin = line[: len(line) - len(line.lstrip())]
    odd = next((ch for ch in margin if ch not in " \t"), None)
    if odd is not None:
        return (
            index + 1,
            margin.index(odd) + 1,
            f"this line is indented with U+{ord(odd):04X} ({unicodedata.name(odd, 'a space').lower()}), "
            "which YAML does not count as indentation",
            "replace it with ordinary spaces",
        )
    indent = len(line) - len(line.lstrip(" "))
    above = [
        (n, _indent_of(text), _key_column(text), _KEYED_ITEM_RE.match(text) is not None)
        for n, text in _structural_lines(lines[:index])
    ]
    if not above:
        return None
    if line.lstrip(" ").startswith("- "):
        for n, at, _key, _item in reversed(above):
            if at < indent:
                break
            if at == indent and not lines[n].lstrip(" ").startswith("-"):
                return (
                    index + 1,
                    indent + 1,
                    f"this list item stands among the keys of the mapping above (line {n + 1}), "
                    "where YAML expects a key",
                    "a list goes under its key, indented further: the key on a line of its own "
                    "('key:'), then each item two spaces further in",
                )
            if at == indent:
                break
    else:
        for n, at, key, item in reversed(above):
            if at < indent:
                break
            if at == indent:
                if item:
                    return (
                        index + 1,
                        indent + 1,
                        f"this line lines up with the '-' of the list item on line {n + 1}, not with its keys",
                        f"indent it by {key}, as the first key of that item on line {n + 1}",
                    )
                break
    if indent in {at for _, at, _, _ in above} | {key for _, _, key, _ in above}:
        return None
    # What it could line up with: a list item, with the items above (their '-'); a key,
    # with the keys above (a mapping's, or the first of a list item's), nearest first.
    is_item = line.lstrip(" ").startswith("- ")
    choices: dict[int, int] = {}
    for n, at, key, item in reversed(above):
        if len(choices) == 2:
            break
        dashed = lines[n].lstrip(" ").startswith("-")
        if is_item and dashed:
            choices.setdefault(at, n)
        elif not is_item:
            choices.setdefault(key if item else at, n)
    choices.pop(indent, None)
    if not choices:
        return None
    spaces = ", or by ".join(f"{column}, as line {n + 1}" for column, n in choices.items())
    return (
        index + 1,
        indent + 1,
        f"this line is indented {indent} space{'' if indent == 1 else 's'}, which lines up with no key or "
        "list item above it",
        f"indent it by {spaces} (spaces from the start of the line)",
    )


def _structural_lines(lines: list[str]) -> list[tuple[int, str]]:
    """The lines that hold keys and list items, with their numbers: blank lines, comments
    and the text of block scalars (the lines under ``body: |``) left out."""
    found: list[tuple[int, str]] = []
    block_at: int | None = None  # the indentation of the key whose block scalar runs on
    for n, text in enumerate(lines):
        if not text.strip():
            continue
        at = _indent_of(text)
        if block_at is not None and at > block_at:
            continue
        block_at = None
        if text.lstrip().startswith("#"):
            continue
        found.append((n, text))
        if _BLOCK_SCALAR_RE.search(text):
            block_at = at
    return found


#: A key whose value is a block scalar on the lines below: "body: |", "- statement: >-".
_BLOCK_SCALAR_RE = re.compile(r":[ \t]+[|>][-+0-9]*[ \t]*(?:#.*)?$")
#: A list item that holds a mapping: "  - ref: x" (its keys line up after the "- ").
_KEYED_ITEM_RE = re.compile(r" *- +[^\s#'\"\[{][^:\n]*:(?:\s|$)|\s*- +'[^']*':(?:\s|$)")


def _under_indented_top(lines: list[str], index: int) -> tuple[int, int, str, str] | None:
    """A line indented less than the file's first (an indented first line, the slip):
    YAML takes the block to have ended and looks for a second document."""
    first = next(
        (n for n, text in enumerate(lines[:index]) if text.strip() and not text.lstrip().startswith("#")), None
    )
    if first is None or not 0 <= index < len(lines) or _indent_of(lines[index]) >= _indent_of(lines[first]):
        return None
    spaces = _indent_of(lines[first])
    plural = "" if spaces == 1 else "s"
    return (
        index + 1,
        _indent_of(lines[index]) + 1,
        f"this line is indented less than the file's first line (line {first + 1}, {spaces} space{plural} in)",
        f"start the file's top level at the line's start: take the {spaces} space{plural} off line "
        f"{first + 1} and the lines of its block",
    )


def _indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _key_column(text: str) -> int:
    """Where a line's key starts: after a list item's ``- `` (``  - ref: x``: 4), else its indentation."""
    return len(text) - len(text.lstrip(" -")) if text.lstrip(" ").startswith("- ") else _indent_of(text)


def _unquoted_value(lines: list[str], index: int) -> tuple[int, int, str] | None:
    """A value on line ``index`` (where the parser noticed the problem) that YAML reads as
    something else because of its first character, the prose syntax's ``@mention``,
    ``[[claim]]`` and ``[@cite]`` first among them: its line, column and a hint that
    shows it quoted."""
    if not 0 <= index < len(lines):
        return None
    written = written_value(lines[index])
    if written is None:
        return None
    key, value, col = written
    first = value[:1]
    if first in "@`%":
        why = f"a value cannot start with '{first}' in YAML"
    elif value.startswith(("[[", "[@")) or (first == "[" and "]{@" in value):
        why = READ_AS_A_LIST
    elif first in "*&!":
        why = f"a value starting with '{first}' is read as a YAML {_MEANS[first]}"
    elif first in "|>" and value[1:].strip(" -+0123456789"):
        why = f"a value starting with '{first}' starts a block of text on the lines below"
    elif first in "\"'" and _text_after_closing_quote(value):
        why = "a quoted value ends at its closing quote, and text follows it here"
    else:
        return None
    return index + 1, col + 1, f"{why}: quote the whole value, e.g. {quoted_example(key, value)}"


def _text_after_closing_quote(value: str) -> bool:
    """``"Quoted" then text``: more than a comment after the quote that closes the value."""
    quote, at = value[0], 1
    while (at := value.find(quote, at)) != -1:
        if quote == "'" and value.startswith("''", at):
            at += 2  # a quote written twice stands for itself
        elif quote == '"' and value[at - 1] == "\\":
            at += 1
        else:
            rest = value[at + 1 :].strip()
            return bool(rest) and not rest.startswith("#")
    return False  # never closed: the parser's own message says so


_MEANS = {"*": "alias (Markdown's *emphasis* too)", "&": "anchor", "!": "tag"}


def parse_with_pyyaml(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document held in ``text`` with PyYAML; the value and the problems
    found. The event walk reads most documents; the node walk the rest (see _EventBuilder).
    (facts/load.py's parse_yaml_text tries the line walk first.)
    """
    if len(text) > MAX_EXPANDED_CHARS:
        # Without aliases a document's scalars hold at most its own characters, so the
        # event walk needs no expanded-size check (the node walk's) below this length.
        return _parse_with_nodes(text, display)
    try:
        loader = Loader(text)
    except yaml.YAMLError:
        return _parse_with_nodes(text, display)
    try:
        return _EventBuilder(loader, display).document()
    except (_Fallback, yaml.YAMLError):
        pass
    finally:
        loader.dispose()
    return _parse_with_nodes(text, display)


def _parse_with_nodes(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Compose the document's node tree, then walk it (see _Builder)."""
    try:
        loader = Loader(text)
    except yaml.YAMLError as exc:  # the C reader rejects some control characters up front
        return None, [_syntax_problem(exc, display, text)]
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        builder = _Builder(loader, display)
        value = builder.build(node)  # refuses too many aliased nodes first (BG006)
        if "&" in text:  # no anchor, no alias: the text is its own bound (a cheap scan)
            _check_expanded_size(node, display)
        return value, builder.problems
    except _Abort as abort:
        return None, [abort.problem]
    except yaml.composer.ComposerError as exc:
        if "expected a single document" in str(exc):
            mark = exc.problem_mark
            return None, [
                Problem(
                    Pos(display, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0),
                    "BG001",
                    "this file holds more than one YAML document ('---')",
                    "keep one document per file: remove the '---' line or split the file",
                )
            ]
        return None, [_syntax_problem(exc, display, text)]
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, display, text)]
    finally:
        loader.dispose()
