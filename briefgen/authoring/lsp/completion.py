"""Completion of ids: what may go where the cursor stands, and the ids that fit.

Where an id goes is read from the line being typed: after a key that takes ids (``ref``,
``about``, ``supports``, ``key_judgments``, ``from``, ``to``, ``via``, ``within``,
``parent``, ``superseded_by``, ``commodities``, ``custom.via``), as a list item under
one, inside a ``[flow, list]`` of one; and in prose after ``[@``, ``[[`` and ``@``. The
keys and the collections they take come from the content model, per collection file.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from briefgen.facts.graph import kind_of
from briefgen.facts.model import COLLECTIONS, ENTITY_COLLECTIONS, FactBase, Record, yaml_fields
from briefgen.facts.syntax import mention_allowed_before

#: At most this many items per answer; the list is marked incomplete, so the editor asks
#: again as the analyst types (a 10k-claim base would otherwise send 10k items each time).
MAX_ITEMS = 100

_PARTIAL_RE = re.compile(r"[a-z0-9-]*$")
_KEY_LINE_RE = re.compile(r"^(\s*)(?:-\s+)*([A-Za-z_][\w-]*):(?:\s+(.*))?$")
_ITEM_LINE_RE = re.compile(r"^(\s*)-\s+([a-z0-9-]*)$")


@functools.cache
def ref_keys(collection: str) -> dict[str, tuple[str, ...]]:
    """YAML key -> the collections its ids point into, for one collection's files (nested
    records included: ``ref`` of a claim's sources, ``via`` under a source's ``custom``)."""
    keys: dict[str, tuple[str, ...]] = {}

    def walk(cls: type[Record]) -> None:
        for key, f in yaml_fields(cls):
            meta = f.metadata
            if meta["kind"] in ("ref", "refs"):
                keys[key] = tuple(meta["refs"])
            elif meta["kind"] in ("record", "records") and meta["record"] is not None:
                walk(meta["record"])

    walk(COLLECTIONS[collection])
    return keys


@dataclass(frozen=True)
class Context:
    """What the cursor may complete: ids of ``targets``, replacing from ``start`` (0-based)."""

    targets: tuple[str, ...]
    start: int
    partial: str


def context_at(collection: str, lines: list[str], line: int, col: int) -> Context | None:
    """The completion context at 0-based ``line``/``col`` (characters) of a collection file."""
    if line >= len(lines):
        return None
    prefix = lines[line][:col]
    partial = _PARTIAL_RE.search(prefix)
    assert partial is not None  # the pattern matches the empty string
    start = partial.start()
    keys = ref_keys(collection)
    key_line = _KEY_LINE_RE.match(prefix)
    if key_line and key_line.group(2) in keys:
        value = key_line.group(3) or ""
        head = value[: len(value) - len(partial.group())]
        in_flow = head.lstrip().startswith("[") and head.rstrip().endswith(("[", ","))
        if head.strip() in ("", "'", '"') or in_flow:
            return Context(keys[key_line.group(2)], start, partial.group())
    item = _ITEM_LINE_RE.match(prefix)
    if item:
        owner = _owning_key(lines, line, len(item.group(1)))
        if owner in keys:
            return Context(keys[owner], start, partial.group())
    return _prose_context(prefix, start, partial.group())


def _owning_key(lines: list[str], line: int, indent: int) -> str | None:
    """The key a list item at ``indent`` stands under: the nearest line above with a
    ``key:`` and nothing after it, at an indent no deeper than the item's."""
    for index in range(line - 1, -1, -1):
        text = lines[index]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        m = _KEY_LINE_RE.match(text)
        lead = len(text) - len(text.lstrip())
        if m and not (m.group(3) or "").split("#")[0].strip() and lead <= indent:
            return m.group(2)
        if lead < indent:
            return None
    return None


def _prose_context(prefix: str, start: int, partial: str) -> Context | None:
    before = prefix[:start]
    if before.endswith("@{"):
        before = before[:-1]
    if before.endswith("@"):
        at = len(before) - 1
        opened = prefix.rfind("[", 0, at)
        if opened >= 0 and prefix.find("]", opened) < 0 and prefix[opened + 1 : opened + 2] == "@":
            return Context(("sources", "claims"), start, partial)  # inside a citation [@a; @b
        if mention_allowed_before(prefix, at):
            return Context(ENTITY_COLLECTIONS, start, partial)
        return None
    if re.search(r"\[\[\s*$", before):
        return Context(("claims",), start, partial)
    return None


def candidates(base: FactBase, context: Context) -> tuple[list[str], bool]:
    """Ids that fit ``context``: those starting with what is typed, then those containing
    it; at most MAX_ITEMS (then the list is incomplete)."""
    first: list[str] = []
    then: list[str] = []
    typed = context.partial
    for collection in context.targets:
        for ident in base.collection(collection):
            if ident.startswith(typed):
                first.append(ident)
                if len(first) > MAX_ITEMS:
                    return first[:MAX_ITEMS], True
            elif typed and typed in ident:
                then.append(ident)
    found = first + then
    return found[:MAX_ITEMS], len(found) > MAX_ITEMS


def one_line(text: str, limit: int = 100) -> str:
    """``text`` on one line, cut at ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def detail(base: FactBase, ident: str) -> tuple[str, str]:
    """(kind, one-line detail) of an id: a claim's statement, an entity's name, a source's
    title and grade."""
    kind = kind_of(base, ident) or "id"
    if kind == "claim":
        claim = base.claims[ident]
        return f"claim · {claim.kind}", one_line(claim.statement or "")
    if kind == "source":
        source = base.sources[ident]
        title = source.title or source.custom.description or ident
        grade = source.custom.reliability
        return "source", one_line(title) + (f" ({grade})" if grade else "")
    record = base.find(ident)
    name = getattr(record, "name", "") or ident
    short = getattr(record, "short", None)
    sort = getattr(record, "kind", None)
    return kind + (f" · {sort}" if sort else ""), one_line(name + (f" ({short})" if short else ""))
