"""What depends on a record: the claims, judgments, briefs and sections that rest on it.

Pure functions over a checked fact base (no Markdown, no Jinja), shared by
``briefgen impact`` and the retraction rules in ``standards``. A source's dependents
include every source known only ``via`` it; a claim's include every judgment resting on
it through ``supports``, however indirectly; a brief depends on a record where its prose
names, cites or places it or one of its dependents.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.errors import Pos
from briefgen.facts.load import find_in_file
from briefgen.facts.model import ENTITY_COLLECTIONS, Brief, FactBase
from briefgen.facts.syntax import scan_references

word_pos = find_in_file  # the name the standards checks use


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
        uses.append(Use(brief.id, "key judgments", claim_id, word_pos(texts[where.file], where, claim_id, nth)))
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
        yield Use(brief, part, ref.ref, word_pos(texts[pos.file], pos, ref.token, nth))


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


def via_root(base: FactBase, source_id: str) -> str:
    """The source at the end of ``source_id``'s via chain: the publication it reaches us through."""
    seen = {source_id}
    current = source_id
    while True:
        src = base.sources.get(current)
        nxt = src.custom.via if src else None
        if not nxt or nxt in seen or nxt not in base.sources:
            return current
        seen.add(nxt)
        current = nxt


def via_chain(base: FactBase, source_id: str) -> list[str]:
    """``source_id`` and every source it is reported through, in order."""
    chain = [source_id]
    src = base.sources.get(source_id)
    nxt = src.custom.via if src else None
    while nxt and nxt in base.sources and nxt not in chain:
        chain.append(nxt)
        nxt = base.sources[nxt].custom.via
    return chain


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


# -- showing -----------------------------------------------------------------------------


def _label(base: FactBase, ident: str) -> str:
    """'fact', 'judgment', 'source'... for one id."""
    claim = base.claims.get(ident)
    return claim.kind if claim else (kind_of(base, ident) or "?")


def report_text(base: FactBase, impact: Impact) -> str:
    """What depends on a record, as lines for a terminal (positions first, for editors)."""
    lines = [f"{impact.pos}: {impact.kind} '{impact.target}'"]

    def block(title: str, ids: list[str]) -> None:
        lines.append(f"{title} ({len(ids)}){':' if ids else ''}")
        for ident in ids:
            record = base.find(ident)
            where = record.where("id") if record else Pos("?")
            lines.append(f"  {where}: {_label(base, ident)} '{ident}'")

    if impact.kind == "source":
        block("sources known only through it", impact.sources)
    if impact.kind not in ("source", "claim"):
        block("entities referring to it", impact.entities)
    if impact.kind != "claim":
        block("claims", impact.claims)
    block("judgments resting on it through supports", impact.judgments)
    parts = impact.parts()
    briefs = list(dict.fromkeys(brief for brief, _ in parts))
    lines.append(f"briefs ({len(briefs)}){':' if briefs else ''}")
    for brief in briefs:
        lines.append(f"  {brief}")
        for (owner, part), uses in parts.items():
            if owner == brief:
                lines.append(f"    {uses[0].pos}: {part} ({'; '.join(dict.fromkeys(impact.through[u] for u in uses))})")
    return "\n".join(lines)


def report_json(base: FactBase, impact: Impact) -> dict[str, object]:
    """The same as plain data (``briefgen impact --format json``)."""

    def rec(ident: str) -> dict[str, object]:
        record = base.find(ident)
        where = record.where("id") if record else Pos("?")
        return {"id": ident, "kind": _label(base, ident), "file": where.file, "line": where.line, "col": where.col}

    parts = impact.parts()
    briefs: dict[str, list[dict[str, object]]] = {}
    for (brief, part), uses in parts.items():
        briefs.setdefault(brief, []).append(
            {
                "part": part,
                "file": uses[0].pos.file,
                "line": uses[0].pos.line,
                "col": uses[0].pos.col,
                "refs": list(dict.fromkeys(u.ref for u in uses)),
                "through": list(dict.fromkeys(impact.through[u] for u in uses)),
            }
        )
    return {
        **rec(impact.target),
        "kind": impact.kind,
        "sources": [rec(i) for i in impact.sources],
        "entities": [rec(i) for i in impact.entities],
        "claims": [rec(i) for i in impact.claims],
        "judgments": [rec(i) for i in impact.judgments],
        "briefs": [{"id": brief, "parts": items} for brief, items in briefs.items()],
    }
