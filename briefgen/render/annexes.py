"""The annexes every brief gets without its authors writing them.

"Likelihood and confidence" (the ICD 203 scale with its bands, and what each confidence
level means here), "Single-source facts" (the facts that rest on one independent source)
and "Source grading" (each cited source with its Admiralty grades), plus "What changed
since the last edition" when the build is asked for it. The data is computed here from
the brief's plan; ``templates/partials/standards.html.j2`` lays it out. A brief switches
them off with ``standard_annexes: false``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from markdown_it.token import Token

from briefgen.facts.graph import independent_sources, via_chain
from briefgen.facts.model import CONFIDENCES, CREDIBILITY, LIKELIHOOD_BANDS, Claim, FactBase, Plain, Source
from briefgen.lazyinit import lazy_dataclass
from briefgen.render.markdown import parse_inline
from briefgen.render.naming import entity_name
from briefgen.render.plan import BriefPlan

if TYPE_CHECKING:  # only a build with --changes-since needs the module (and pays its import)
    from briefgen.editions.changes import BriefChanges

#: What each confidence level means in a briefgen brief (after ICD 203's usage), with the
#: evidence rule the build enforces for "high".
CONFIDENCE_MEANINGS = {
    "high": "the judgment rests on good information from at least two independent sources graded A or B whose "
    "information is graded 1 or 2 (the build checks this); it can still be wrong",
    "moderate": "the information is credibly sourced and plausible, but not corroborated or not good enough "
    "for high confidence",
    "low": "the information is scant, questionable or fragmented, or comes from sources whose reliability is uncertain",
}


class Entry(NamedTuple):
    """One generated annex: its anchor, heading and kind (which macro lays it out)."""

    anchor: str
    heading: str
    kind: str  # changes, likelihood, single-source, grading


@dataclass(repr=False, eq=False)
class SingleSourceFact(Plain):
    """A fact of the brief that rests on one independent source."""

    claim: Claim
    tokens: list[Token]
    source: Source  # the one independent source
    notes: list[int]  # numbers of the notes citing it


@dataclass(repr=False, eq=False)
class GradingRow(Plain):
    """One cited source in the grading annex, with the grades given to what is cited from it."""

    source: Source
    credibilities: list[int]  # credibility grades given to what the brief cites from it
    through: list[Source]  # the sources it reaches us through (via chain), empty if none
    notes: list[int]


@lazy_dataclass(repr=False, eq=False)
class ChangeItem(Plain):
    """One claim changed since the last edition."""

    claim_id: str
    tokens: list[Token]
    details: list[str] = field(default_factory=list)
    before: list[Token] = field(default_factory=list)


@lazy_dataclass(repr=False, eq=False)
class ChangeGroup(Plain):
    """Changed claims under one heading ("New in this edition", "No longer used"...)."""

    title: str
    items: list[ChangeItem]


@lazy_dataclass(repr=False, eq=False)
class ChangesView(Plain):
    """The annex "What changed since the last edition", ready for the template."""

    changes: BriefChanges
    groups: list[ChangeGroup]
    sources: list[tuple[str, Source, str]]  # (added/removed/regraded, source, detail)


@dataclass(repr=False, eq=False)
class StandardAnnexes(Plain):
    """What a template needs for the generated annexes of one brief."""

    entries: list[Entry] = field(default_factory=list)
    bands: dict[str, str] = field(default_factory=lambda: dict(LIKELIHOOD_BANDS))
    terms_used: list[str] = field(default_factory=list)  # likelihood terms of the brief's judgments
    confidences: list[tuple[str, str]] = field(default_factory=list)
    credibility: dict[int, str] = field(default_factory=lambda: dict(CREDIBILITY))
    facts: int = 0  # facts the brief uses
    single_source: list[SingleSourceFact] = field(default_factory=list)
    single_roots: list[Source] = field(default_factory=list)
    grading: list[GradingRow] = field(default_factory=list)
    changes: ChangesView | None = None

    def entry(self, kind: str) -> Entry | None:
        return next((e for e in self.entries if e.kind == kind), None)


def statement_tokens(base: FactBase, text: str) -> list[Token]:
    """A claim statement's inline tokens, entities named by their short names.

    Annexes come after the text, where every entity was already named in full.
    """
    tokens = parse_inline(text)
    _name_short(base, tokens)
    return tokens


def _name_short(base: FactBase, tokens: list[Token]) -> None:
    for tok in tokens:
        if tok.type != "bg_mention":
            continue
        meta = tok.meta
        entity = base.entity(meta["id"])
        meta["entity"] = entity
        if meta.get("words"):
            _name_short(base, tok.children or [])  # mentions inside the writer's own words
            meta["text"] = "".join(t.content for t in tok.children or [] if t.type in ("text", "code_inline"))
            continue
        start, determined = meta.get("sentence_start", False), meta.get("determined", False)
        meta["text"] = (
            entity_name(entity, first=False, sentence_start=start, determined=determined) if entity else meta["id"]
        )


def _notes_for(plan: BriefPlan, claim_id: str) -> list[int]:
    return [n.number for n in plan.notes if claim_id in n.claims]


def _changes_view(changes: BriefChanges, base: FactBase) -> ChangesView:
    old = changes.old_base

    def item(
        claim: Claim, where: FactBase, details: list[str] | None = None, before: Claim | None = None
    ) -> ChangeItem:
        return ChangeItem(
            claim.id,
            statement_tokens(where, claim.statement or ""),
            details or [],
            statement_tokens(old, before.statement or "") if before else [],
        )

    groups = [
        ChangeGroup("New in this edition", [item(c, base) for c in changes.added]),
        ChangeGroup("No longer used", [item(c, old) for c in changes.removed]),
        ChangeGroup("Reworded", [item(c.claim, base, None, c.old) for c in changes.reworded]),
        ChangeGroup("Regraded", [item(c.claim, base, c.details) for c in changes.regraded]),
        ChangeGroup("Re-dated", [item(c.claim, base, c.details) for c in changes.redated]),
        ChangeGroup("Re-sourced", [item(c.claim, base, c.details) for c in changes.resourced]),
    ]
    sources = [("added", s, "") for s in changes.sources_added]
    sources += [("removed", s, "") for s in changes.sources_removed]
    sources += [("regraded", c.source, "; ".join(c.details)) for c in changes.sources_regraded]
    return ChangesView(changes, [g for g in groups if g.items], sources)


def standard_annexes(plan: BriefPlan, base: FactBase, changes: BriefChanges | None = None) -> StandardAnnexes:
    """The generated annexes of a planned brief (none when the brief switches them off)."""
    out = StandardAnnexes(confidences=[(c, CONFIDENCE_MEANINGS[c]) for c in CONFIDENCES])
    if changes is not None:
        out.changes = _changes_view(changes, base)
        out.entries.append(Entry("annex-changes", "What changed since the last edition", "changes"))
    facts = [c for c in plan.claims_used if c.kind == "fact"]
    out.facts = len(facts)
    for claim in facts:
        roots = independent_sources(base, claim)
        if len(roots) == 1:
            out.single_source.append(
                SingleSourceFact(
                    claim,
                    statement_tokens(base, claim.statement or ""),
                    base.sources[roots[0]],
                    _notes_for(plan, claim.id),
                )
            )
    out.single_roots = list({f.source.id: f.source for f in out.single_source}.values())
    used_terms = {c.likelihood for c in plan.claims_used if c.kind == "judgment" and c.likelihood}
    out.terms_used = [t for t in LIKELIHOOD_BANDS if t in used_terms]
    for source in plan.bibliography:
        notes = [n for n in plan.notes if n.source.id == source.id]
        out.grading.append(
            GradingRow(
                source,
                sorted({n.credibility for n in notes if n.credibility}),
                [base.sources[s] for s in via_chain(base, source.id)[1:]],
                [n.number for n in notes],
            )
        )
    if not plan.brief.standard_annexes:
        return out
    if out.terms_used:
        out.entries.append(Entry("annex-likelihood", "Likelihood and confidence", "likelihood"))
    if out.single_source:
        out.entries.append(Entry("annex-single-source", "Single-source facts", "single-source"))
    if out.grading:
        out.entries.append(Entry("annex-grading", "Source grading", "grading"))
    return out
