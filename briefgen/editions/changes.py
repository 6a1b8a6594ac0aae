"""What changed in a brief since an edition, as data: claim by claim (added, removed,
reworded, regraded, re-dated, re-sourced) and source by source (added, removed,
regraded). ``reports`` words it; the "what changed" annex lays it out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from briefgen.editions.revisions import Revision
from briefgen.facts.graph import brief_parts, claims_used_by, via_chain
from briefgen.facts.model import Brief, Claim, FactBase, PartialDate, Source
from briefgen.facts.syntax import scan_references


def brief_sources(base: FactBase, brief: Brief, used: list[str]) -> list[str]:
    """The sources a brief cites: in its prose and through its claims, with their via chains."""
    found: dict[str, None] = {}
    direct = [r.ref for _n, text, _p in brief_parts(brief) for r in scan_references(text or "") if r.how == "cite"]
    cited = [r for r in direct if r in base.sources]
    cited += [c.ref for claim_id in used for c in base.claims[claim_id].sources]
    for source_id in cited:
        if source_id in base.sources:
            found.update(dict.fromkeys(via_chain(base, source_id)))
    return list(found)


@dataclass
class ClaimChange:
    """A claim in both editions, and what changed about it."""

    claim: Claim
    old: Claim
    details: list[str]


@dataclass
class SourceChange:
    """A source whose reliability changed since the revision, and how."""

    source: Source
    details: list[str]


@dataclass
class BriefChanges:
    """What changed in one brief's claims and sources since a revision."""

    brief: str
    rev: str
    commit: str
    existed: bool  # the brief was there at the revision
    old_date: PartialDate | None
    old_base: FactBase
    added: list[Claim] = field(default_factory=list)
    removed: list[Claim] = field(default_factory=list)
    reworded: list[ClaimChange] = field(default_factory=list)
    regraded: list[ClaimChange] = field(default_factory=list)
    redated: list[ClaimChange] = field(default_factory=list)
    resourced: list[ClaimChange] = field(default_factory=list)
    sources_added: list[Source] = field(default_factory=list)
    sources_removed: list[Source] = field(default_factory=list)
    sources_regraded: list[SourceChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.reworded,
                self.regraded,
                self.redated,
                self.resourced,
                self.sources_added,
                self.sources_removed,
                self.sources_regraded,
            )
        )

    @property
    def short_commit(self) -> str:
        return self.commit[:10]


def words(text: str | None) -> str:
    """Whitespace folded: a rewrapped statement is not a reworded one."""
    return re.sub(r"\s+", " ", text or "").strip()


def _date(date: PartialDate | None) -> str:
    return date.human() if date else "not stated"


def _regrades(old: Claim, new: Claim) -> tuple[list[str], list[str]]:
    """(regrading details, re-sourcing details) between two versions of a claim."""
    grades: list[str] = []
    sources: list[str] = []
    for name in ("likelihood", "confidence"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            grades.append(f"{name} {before or 'none'} → {after or 'none'}")
    old_cites = {(c.ref, c.locator): c for c in old.sources}
    new_cites = {(c.ref, c.locator): c for c in new.sources}
    for key, cite in new_cites.items():
        where = f"{key[0]}" + (f", {key[1]}" if key[1] else "")
        if key not in old_cites:
            sources.append(f"now cites {where}")
        elif old_cites[key].credibility != cite.credibility:
            grades.append(f"credibility of {where}: {old_cites[key].credibility or '?'} → {cite.credibility or '?'}")
    for key in old_cites:
        if key not in new_cites:
            sources.append(f"no longer cites {key[0]}" + (f", {key[1]}" if key[1] else ""))
    return grades, sources


def _source_grade(source: Source) -> str:
    return (source.custom.reliability or "ungraded") + (" (retracted)" if source.custom.retracted else "")


def brief_changes(old: Revision, base: FactBase, brief_id: str) -> BriefChanges:
    """How brief ``brief_id`` (which exists now) changed since ``old``."""
    brief = base.briefs[brief_id]
    old_brief = old.base.briefs.get(brief_id)
    changes = BriefChanges(
        brief_id, old.rev, old.commit, old_brief is not None, old_brief.date if old_brief else None, old.base
    )
    now_used = claims_used_by(base, brief)
    then_used = claims_used_by(old.base, old_brief) if old_brief else []
    then_set = set(then_used)
    changes.added = [base.claims[c] for c in now_used if c not in then_set]
    changes.removed = [old.base.claims[c] for c in then_used if c not in set(now_used)]
    for claim_id in now_used:
        if claim_id not in then_set:
            continue
        new, was = base.claims[claim_id], old.base.claims[claim_id]
        if words(new.statement) != words(was.statement):
            changes.reworded.append(ClaimChange(new, was, []))
        grades, sources = _regrades(was, new)
        if grades:
            changes.regraded.append(ClaimChange(new, was, grades))
        if sources:
            changes.resourced.append(ClaimChange(new, was, sources))
        if new.as_of != was.as_of:
            changes.redated.append(ClaimChange(new, was, [f"as of {_date(was.as_of)} → {_date(new.as_of)}"]))
    now_sources = brief_sources(base, brief, now_used)
    then_sources = brief_sources(old.base, old_brief, then_used) if old_brief else []
    changes.sources_added = [base.sources[s] for s in now_sources if s not in then_sources]
    changes.sources_removed = [old.base.sources[s] for s in then_sources if s not in now_sources]
    for source_id in now_sources:
        if source_id in then_sources:
            before, after = _source_grade(old.base.sources[source_id]), _source_grade(base.sources[source_id])
            if before != after:
                changes.sources_regraded.append(
                    SourceChange(base.sources[source_id], [f"reliability {before} → {after}"])
                )
    return changes
