"""The fact base as a graph: the one home of every walk over its links.

Pure functions over a loaded fact base (no Markdown, no Jinja): the ``via`` chains of
sources and the publications they reach us through, the ``supports`` of judgments, the
parts of a brief and the claims it uses, and what depends on a record (the core of
``briefgen impact`` and of the retraction rules in ``check.standards``). A source's
dependents include every source known only ``via`` it; a claim's include every judgment
resting on it through ``supports``, however indirectly; a brief depends on a record where
its prose names, cites or places it or one of its dependents.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.errors import Pos
from briefgen.facts.load import find_in_file
from briefgen.facts.model import ENTITY_COLLECTIONS, Brief, Claim, FactBase
from briefgen.facts.syntax import scan_references


class FileTexts:
    """File texts by display path: the ones the validator already read, else read from disk."""

    def __init__(self, known: Mapping[str, str] | None = None):
        self._texts = dict(known or {})

    def __getitem__(self, name: str) -> str:
        if name not in self._texts:
            try:
                self._texts[name] = Path(name).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                self._texts[name] = ""
        return self._texts[name]


@dataclass(frozen=True)
class Use:
    """One place in a brief that refers to ``ref``: which brief, which part, where."""

    brief: str
    part: str  # "summary", "key judgments", "section 'Heading'" or "annex 'Heading'"
    ref: str
    pos: Pos


def brief_parts(brief: Brief) -> Iterator[tuple[str, str | None, Pos]]:
    """(part name, Markdown text, position of the text) for each prose part of a brief."""
    yield "summary", brief.summary, brief.where("summary")
    for section in brief.sections:
        yield f"section '{section.heading}'", section.body, section.where("body")
    for annex in brief.annexes:
        yield f"annex '{annex.heading}'", annex.body, annex.where("body")


@dataclass(frozen=True)
class Prose:
    """One Markdown field of the fact base: whose it is, its text and where the text starts."""

    owner: str  # "claim 'id'" or "brief 'id'", for messages
    text: str | None
    pos: Pos
    statement: bool  # a claim's statement (which may name entities but cite nothing)


def all_prose(base: FactBase) -> Iterator[Prose]:
    """Every prose field: claim statements, then each brief's parts in reading order."""
    for claim in base.claims.values():
        yield Prose(f"claim '{claim.id}'", claim.statement, claim.where("statement"), True)
    for brief in base.briefs.values():
        for _part, text, pos in brief_parts(brief):
            yield Prose(f"brief '{brief.id}'", text, pos, False)


def brief_uses(brief: Brief, texts: FileTexts) -> list[Use]:
    """Every id a brief refers to, in reading order, with its position in the YAML file."""
    uses: list[Use] = []
    parts = list(brief_parts(brief))
    for name, text, pos in parts[:1]:
        uses.extend(_prose_uses(brief.id, name, text, pos, texts))
    counts: dict[str, int] = {}
    where = brief.where("key_judgments")
    for claim_id in brief.key_judgments:
        nth = counts.get(claim_id, 0)
        counts[claim_id] = nth + 1
        uses.append(Use(brief.id, "key judgments", claim_id, find_in_file(texts[where.file], where, claim_id, nth)))
    for name, text, pos in parts[1:]:
        uses.extend(_prose_uses(brief.id, name, text, pos, texts))
    return uses


def _prose_uses(brief: str, part: str, text: str | None, pos: Pos, texts: FileTexts) -> Iterator[Use]:
    if not text:
        return
    counts: dict[str, int] = {}
    for ref in scan_references(text):
        nth = counts.get(ref.token, 0)
        counts[ref.token] = nth + 1
        yield Use(brief, part, ref.ref, find_in_file(texts[pos.file], pos, ref.token, nth))


@dataclass
class Impact:
    """Everything that depends on one record."""

    target: str
    kind: str  # source, claim, actor, mineral, place or route
    pos: Pos
    sources: list[str] = field(default_factory=list)  # sources known only through it
    claims: list[str] = field(default_factory=list)  # claims citing it, naming it or about it
    judgments: list[str] = field(default_factory=list)  # claims resting on those through supports
    entities: list[str] = field(default_factory=list)  # entities that refer to it
    uses: list[Use] = field(default_factory=list)  # places in briefs that depend on it
    #: for each use, the ids that lead from the use back to the target (for messages)
    through: dict[Use, str] = field(default_factory=dict)

    def parts(self) -> dict[tuple[str, str], list[Use]]:
        """Uses grouped by (brief, part), in reading order."""
        grouped: dict[tuple[str, str], list[Use]] = {}
        for use in self.uses:
            grouped.setdefault((use.brief, use.part), []).append(use)
        return grouped


def supporters(base: FactBase) -> dict[str, list[str]]:
    """Claim id -> the claims that list it in ``supports``."""
    out: dict[str, list[str]] = {}
    for claim in base.claims.values():
        for support in claim.supports:
            out.setdefault(support, []).append(claim.id)
    return out


def via_chain(base: FactBase, source_id: str) -> list[str]:
    """``source_id`` and every source it is reported through, in order. The chain stops at
    a source known first-hand, at an id the base does not hold, or where it would come
    back to a source already in it (:func:`via_loops` tells which)."""
    chain = [source_id]
    src = base.sources.get(source_id)
    nxt = src.custom.via if src else None
    while nxt and nxt in base.sources and nxt not in chain:
        chain.append(nxt)
        nxt = base.sources[nxt].custom.via
    return chain


def via_loops(base: FactBase, source_id: str) -> bool:
    """Whether ``source_id``'s via chain goes round in a circle instead of ending."""
    chain = via_chain(base, source_id)
    last = base.sources.get(chain[-1])
    return bool(last and last.custom.via and last.custom.via in chain)


def cited_sources(base: FactBase) -> dict[str, str | None]:
    """Every source something cites, and every source one is known ``via``: each mapped to
    None when a claim or prose cites it, else to the cited source it relays."""
    direct: dict[str, None] = {}
    for claim in base.claims.values():
        for cite in claim.sources:
            if cite.ref in base.sources:
                direct[cite.ref] = None
    for prose in all_prose(base):
        for ref in scan_references(prose.text or ""):
            if ref.how == "cite" and ref.ref in base.sources:
                direct[ref.ref] = None
    out: dict[str, str | None] = dict(direct)
    for source_id in direct:
        for relay in via_chain(base, source_id)[1:]:
            out.setdefault(relay, source_id)
    return out


def publication(base: FactBase, source_id: str) -> str:
    """The source at the end of the via chain: the publication it reaches us through."""
    return via_chain(base, source_id)[-1]


def independent_sources(base: FactBase, claim: Claim) -> list[str]:
    """The publications a claim's sources reach us through (sources ``via`` one count once)."""
    roots: dict[str, None] = {}
    for cite in claim.sources:
        if cite.ref in base.sources:
            roots[publication(base, cite.ref)] = None
    return list(roots)


def claims_used_by(base: FactBase, brief: Brief) -> list[str]:
    """The claims a brief uses, in reading order, as its citation plan counts them: claims
    cited or placed in its prose, its key judgments, and the supports of a judgment that
    cites nothing itself (its notes cite those). ``tests/test_graph.py`` holds the plan to
    this rule, on the example and on generated briefs."""
    used: dict[str, None] = {}
    parts = list(brief_parts(brief))
    for ref in scan_references(parts[0][1] or ""):
        if ref.how != "mention":
            _use_claim(base, ref.ref, used)
    for claim_id in brief.key_judgments:
        _use_claim(base, claim_id, used)
    for _name, text, _pos in parts[1:]:
        for ref in scan_references(text or ""):
            if ref.how != "mention":
                _use_claim(base, ref.ref, used)
    return list(used)


def _use_claim(base: FactBase, claim_id: str, used: dict[str, None]) -> None:
    """Add a claim to ``used`` and, when it cites nothing itself, the claims it rests on.

    A module function, not a recursive closure: a closure that calls itself is a reference
    cycle holding the fact base, which only the cycle collector could free (see gcpause).
    """
    todo = [claim_id]
    while todo:
        current = todo.pop()
        claim = base.claims.get(current)
        if claim is None or current in used:
            continue
        used[current] = None
        if not claim.sources:
            todo.extend(reversed(claim.supports))


def kind_of(base: FactBase, ident: str) -> str | None:
    if ident in base.sources:
        return "source"
    if ident in base.claims:
        return "claim"
    for name in ENTITY_COLLECTIONS:
        if ident in base.collection(name):
            return name[:-1]
    return None


def _entity_refs(record: object) -> list[str]:
    """Ids of entities an entity refers to (parent, within, from, to, via, commodities)."""
    refs: list[str] = []
    for name in ("parent", "within", "from_", "to"):
        value = getattr(record, name, None)
        if value:
            refs.append(value)
    for name in ("via", "commodities"):
        refs.extend(getattr(record, name, None) or [])
    return refs


def impact_of(base: FactBase, ident: str, texts: FileTexts, uses: list[Use] | None = None) -> Impact:
    """Everything that depends on the source, claim or entity ``ident`` (which must exist).

    ``uses`` is every brief's :func:`brief_uses`, when the caller has them already.
    """
    kind = kind_of(base, ident)
    assert kind is not None, ident
    record = base.find(ident)
    assert record is not None
    impact = Impact(ident, kind, record.where("id"))
    # Why each dependent depends on the target: dependent id -> the id it depends through.
    reason: dict[str, str] = {ident: ident}
    if kind == "source":
        for source in base.sources.values():
            chain = via_chain(base, source.id)
            if source.id != ident and ident in chain:
                impact.sources.append(source.id)
                reason[source.id] = ident
        cited = {ident, *impact.sources}
        for claim in base.claims.values():
            hit = next((c.ref for c in claim.sources if c.ref in cited), None)
            if hit is not None:
                impact.claims.append(claim.id)
                reason[claim.id] = hit
    elif kind != "claim":
        for name in ENTITY_COLLECTIONS:
            for other_id, other in base.collection(name).items():
                if ident in _entity_refs(other):
                    impact.entities.append(other_id)
        for claim in base.claims.values():
            named = ident in claim.about or any(
                r.ref == ident and r.how == "mention" for r in scan_references(claim.statement or "")
            )
            if named:
                impact.claims.append(claim.id)
                reason[claim.id] = ident
    # Judgments resting on the target or its dependent claims, however indirectly.
    backers = supporters(base)
    queue = [ident, *impact.claims] if kind == "claim" else list(impact.claims)
    done = set(queue)
    while queue:
        current = queue.pop(0)
        for judgment in backers.get(current, []):
            if judgment in done:
                continue
            done.add(judgment)
            impact.judgments.append(judgment)
            reason[judgment] = current
            queue.append(judgment)
    if uses is None:
        uses = [u for brief in base.briefs.values() for u in brief_uses(brief, texts)]
    for use in uses:
        if use.ref in reason:
            impact.uses.append(use)
            impact.through[use] = _path(reason, use.ref, ident)
    return impact


def _path(reason: dict[str, str], start: str, target: str) -> str:
    """'a -> b -> target' from a dependent back to the target."""
    steps = [start]
    while steps[-1] != target and len(steps) <= len(reason):
        steps.append(reason[steps[-1]])
    return " -> ".join(steps)
