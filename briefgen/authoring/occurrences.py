"""Where each id is written in the fact base's YAML text: its definition, every field that
refers to it and every prose reference, each at its exact line and column.

One walk over the parsed YAML, led by the content model's field rules (``ref``, ``refs``,
``markdown``, nested records), serves ``briefgen rename`` and the language server alike
(definition, references, hover, rename). Positions are checked against the text: a
reference whose id is not written there as itself (a quoted escape, a citation broken
over lines) is left out rather than guessed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, MutableMapping, MutableSequence
from dataclasses import dataclass
from typing import Any

from briefgen.errors import Pos
from briefgen.facts.graph import find_prose_reference, reference_tokens
from briefgen.facts.load import YList, YMap
from briefgen.facts.model import COLLECTIONS, Record, yaml_fields
from briefgen.facts.syntax import CITE_ITEM_RE, CLAIM_RE, MENTION_RE


@dataclass(frozen=True)
class Occurrence:
    """One place an id is written: ``pos`` is its first character (1-based, in characters)."""

    ident: str
    pos: Pos
    role: str  # "definition", "field" or "prose"
    how: str = ""  # for prose: "cite", "claim" or "mention"; for a field: its YAML key

    @property
    def end_col(self) -> int:
        """The column just after the id."""
        return self.pos.col + len(self.ident)


@dataclass(frozen=True)
class Slot:
    """A value of the model that is or holds ids: an ``id``, a reference, or prose."""

    role: str  # "definition", "field" or "prose"
    container: Any  # the mapping or list that holds the value
    key: Any  # its key or index there
    value: str
    pos: Pos | None  # where the value starts (None in plain data)
    name: str  # the YAML key it stands under


def slots(collection: str, data: Any) -> Iterator[Slot]:
    """Every id-bearing value of a collection file's data (YMap/YList, or plain dicts and
    lists), in the file's order: the one walk rename and the language server share."""
    cls = COLLECTIONS[collection]
    records = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    for record in records:
        if isinstance(record, dict):
            ident = record.get("id")
            if isinstance(ident, str):
                yield Slot("definition", record, "id", ident, _value_pos(record, "id"), "id")
            yield from _record_slots(cls, record)


def _value_pos(container: Any, key: Any) -> Pos | None:
    if isinstance(container, YMap):
        return container.value_pos.get(key)
    if isinstance(container, YList) and isinstance(key, int) and key < len(container.item_pos):
        return container.item_pos[key]
    return None


_ID_FIELDS: dict[type, tuple[tuple[str, str, Any], ...]] = {}


def _id_fields(cls: type) -> tuple[tuple[str, str, Any], ...]:
    """(YAML key, kind, nested record class) of the fields of ``cls`` that are or hold ids
    (worked out once per class: a large base has tens of thousands of records)."""
    if cls not in _ID_FIELDS:
        wanted = ("ref", "refs", "markdown", "record", "records")
        _ID_FIELDS[cls] = tuple(
            (key, f.metadata["kind"], f.metadata["record"])
            for key, f in yaml_fields(cls)
            if f.metadata["kind"] in wanted
        )
    return _ID_FIELDS[cls]


def _record_slots(cls: type[Record], record: MutableMapping[str, Any]) -> Iterator[Slot]:
    for key, kind, nested in _id_fields(cls):
        if key not in record:
            continue
        value = record[key]
        if kind in ("ref", "refs") and isinstance(value, str):  # one id where a list may go
            yield Slot("field", record, key, value, _value_pos(record, key), key)
        elif kind == "refs" and isinstance(value, MutableSequence):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield Slot("field", value, index, item, _value_pos(value, index), key)
        elif kind == "markdown" and isinstance(value, str):
            yield Slot("prose", record, key, value, _value_pos(record, key), key)
        elif kind == "record" and isinstance(value, dict) and nested is not None:
            yield from _record_slots(nested, value)
        elif kind == "records" and isinstance(value, list) and nested is not None:
            for item in value:
                if isinstance(item, dict):
                    yield from _record_slots(nested, item)


def id_spans(token: str, how: str) -> list[tuple[int, str]]:
    """(offset in ``token``, id) of each id a prose token (``[@a; @b, p. 2]``, ``[[c]]``,
    ``@d``, ``@{d}``, ``{@d}`` of ``[words]{@d}``) writes, by the patterns of facts/syntax.py;
    none for a cross-reference (``@fig-x``), which names no record."""
    if how == "claim":
        m = CLAIM_RE.fullmatch(token)
        return [(m.start(1), m.group(1))] if m else []
    if how == "xref":
        return []  # a figure, table or section of a brief: no record's id
    if how == "mention" and token.startswith("{@") and token.endswith("}"):
        return [(2, token[2:-1])]  # the id part of a mention in words of its own, [words]{@id}
    if how == "mention":
        m = MENTION_RE.fullmatch(token)
        if not m:
            return []
        group = 1 if m.group(1) else 2
        return [(m.start(group), m.group(group))]
    body = token[1:-1]  # inside the brackets
    spans: list[tuple[int, str]] = []
    at = 0
    while at < len(body):
        m = CITE_ITEM_RE.match(body, at)
        if not m or m.end() == at:
            break
        group = 1 if m.group(1) else 2
        spans.append((m.start(group) + 1, m.group(group)))
        at = m.end()
    return spans


#: YAML node properties that may stand before a scalar: an anchor (&a) and a tag (!!str).
_NODE_PROPERTIES = re.compile(r"(?:[&!][^\s]*[ \t]+)+")


def file_occurrences(collection: str, data: Any, lines: list[str], display: str) -> list[Occurrence]:
    """Every id written in one collection file (``data`` with positions, ``lines`` its text)."""
    found: list[Occurrence] = []
    for slot in slots(collection, data):
        if slot.pos is None or not slot.pos.line:
            continue
        if slot.role == "prose":
            found.extend(_prose_occurrences(slot.value, slot.pos, lines, display))
            continue
        line = lines[slot.pos.line - 1] if slot.pos.line <= len(lines) else ""
        col = slot.pos.col
        props = _NODE_PROPERTIES.match(line, col - 1)
        if props:
            col = props.end() + 1  # an anchor or a tag before the value: '&hm harbour-master'
        if line[col - 1 : col] in ("'", '"'):
            col += 1  # a quoted scalar: the id starts after the quote
        if line[col - 1 : col - 1 + len(slot.value)] == slot.value:
            found.append(Occurrence(slot.value, Pos(display, slot.pos.line, col), slot.role, slot.name))
    return found


def _prose_occurrences(text: str, pos: Pos, lines: list[str], display: str) -> Iterator[Occurrence]:
    for token, how, nth, _refs in reference_tokens(text):
        at = find_prose_reference(lines, pos, token, nth)
        if at is None:
            continue  # not written as itself: the rename's final comparison refuses then
        for offset, ident in id_spans(token, how):
            yield Occurrence(ident, Pos(display, at.line, at.col + offset), "prose", how)


class OccurrenceIndex:
    """The occurrences of a whole fact base, by id and by file."""

    def __init__(self, per_file: dict[str, list[Occurrence]]):
        self.by_file = per_file

    @functools.cached_property
    def by_ident(self) -> dict[str, list[Occurrence]]:
        """Made when first asked (a rename, references): not on every check as one types."""
        out: dict[str, list[Occurrence]] = {}
        for found in self.by_file.values():
            for occ in found:
                out.setdefault(occ.ident, []).append(occ)
        return out

    def at(self, display: str, line: int, col: int) -> Occurrence | None:
        """The occurrence covering 1-based ``line``/``col`` of a file (its end included,
        where an editor's cursor stands after typing it)."""
        for occ in self.by_file.get(display, ()):
            if occ.pos.line == line and occ.pos.col <= col <= occ.end_col:
                return occ
        return None

    def of(self, ident: str) -> list[Occurrence]:
        return self.by_ident.get(ident, [])

    def definitions(self, ident: str) -> list[Occurrence]:
        return [o for o in self.of(ident) if o.role == "definition"]
