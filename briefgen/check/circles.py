"""Links that go round in a circle: every field that names another record of its own kind.

A judgment resting on itself through ``supports``, a source reported ``via`` itself, a
place ``within`` itself, an actor its own ``parent``, a claim ``superseded_by`` itself:
each circle, however long, is reported once at each of its members, with the way round.
Finding them is ``facts.graph.circles``'s job (linear, no recursion); saying so is this
module's. Everything downstream (the citation plan, staleness, impact) walks these links
with a visited set, so a circle never hangs or crashes it, but only this module reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

from briefgen.check.fields import Checker
from briefgen.errors import Pos
from briefgen.facts.graph import Circle, circles
from briefgen.facts.load import find_in_file
from briefgen.facts.model import FactBase, Record
from briefgen.facts.reuse import Reuse


class _Link(NamedTuple):
    """One field that links records of a collection to records of the same collection."""

    collection: str
    field: str  # the YAML key, for messages
    code: str
    targets: Callable[[Record], Sequence[str]]
    where: Callable[[Record], Pos]
    hint: str


def _one(value: str | None) -> Sequence[str]:
    return [value] if value else []


_LINKS = (
    _Link(
        "claims",
        "supports",
        "BG119",
        lambda r: r.supports,  # type: ignore[attr-defined]
        lambda r: r.where("supports"),
        "a judgment cannot rest on what rests on it: remove one of the supports on the way round",
    ),
    _Link(
        "sources",
        "via",
        "BG118",
        lambda r: _one(r.custom.via),  # type: ignore[attr-defined]
        lambda r: r.custom.where("via"),  # type: ignore[attr-defined]
        "a source reported by another must end at one that is not (one with an archive)",
    ),
    _Link(
        "places",
        "within",
        "BG124",
        lambda r: _one(r.within),  # type: ignore[attr-defined]
        lambda r: r.where("within"),
        "a place lies within a larger one: remove 'within' from the largest place on the way round",
    ),
    _Link(
        "actors",
        "parent",
        "BG124",
        lambda r: _one(r.parent),  # type: ignore[attr-defined]
        lambda r: r.where("parent"),
        "an actor's parent is the larger organisation: remove 'parent' from the top one on the way round",
    ),
    _Link(
        "claims",
        "superseded_by",
        "BG124",
        lambda r: _one(r.superseded_by),  # type: ignore[attr-defined]
        lambda r: r.where("superseded_by"),
        "'superseded_by' names the newer claim: the newest one is superseded by nothing",
    ),
)


def check_circles(checker: Checker, base: FactBase, reuse: Reuse | None = None) -> None:
    """BG118, BG119, BG124: each circle once at each member, with the way round. With
    ``reuse``, each file's part of a graph is kept by the file's list of records."""
    for link in _LINKS:
        records = base.collection(link.collection)
        if reuse is None:
            graph = {ident: link.targets(rec) for ident, rec in records.items()}
        else:
            graph = {}
            for part in reuse.per_file(f"circles.{link.field}", link.collection, partial(_graph, link)):
                graph.update(part)
        found = circles(graph) if reuse is None else reuse.same(f"circles.{link.field}", graph, circles)
        for circle in found:
            rec = records[circle.member]
            checker.problem(_at(checker, link.where(rec), circle), link.code, _message(link, circle), link.hint)


def _graph(link: _Link, records: list[Record]) -> dict[str, Sequence[str]]:
    return {rec.id: link.targets(rec) for rec in records}  # type: ignore[attr-defined]


def _at(checker: Checker, where: Pos, circle: Circle) -> Pos:
    """The id leading round, inside the field's value (a list may hold several ids)."""
    loaded = checker.files.get(where.file)
    return find_in_file(loaded.lines if loaded else [], where, circle.next, 0)


def _message(link: _Link, circle: Circle) -> str:
    noun = link.collection[:-1]
    if circle.next == circle.member:
        return f"{noun} '{circle.member}' names itself in '{link.field}'"
    return f"'{link.field}' of {noun} '{circle.member}' goes round in a circle: {circle.way}"
