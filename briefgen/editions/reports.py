"""What ``briefgen impact`` and ``briefgen diff`` show: their findings worded for a
terminal, or as plain data for ``--format json``.

The findings themselves come from :func:`briefgen.facts.graph.impact_of` (what depends on
a record) and :func:`briefgen.editions.changes.brief_changes` (what changed in a brief).
"""

from __future__ import annotations

from typing import Any

from briefgen.editions.changes import BriefChanges, ClaimChange, words
from briefgen.errors import Pos
from briefgen.facts.graph import Impact, kind_of
from briefgen.facts.model import FactBase, Source
from briefgen.facts.syntax import MENTION_WORDS_RE, scan_references
from briefgen.words import printable

# -- impact ------------------------------------------------------------------------------


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
    # Each line made safe for the terminal: a heading or id from content cannot start a line.
    return "\n".join(printable(line) for line in lines)


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


# -- diff --------------------------------------------------------------------------------


def plain(base: FactBase, text: str | None) -> str:
    """A statement for the terminal: entity ids written as names, whitespace folded, hidden
    characters escaped (words.printable)."""
    text = MENTION_WORDS_RE.sub(lambda m: m.group(1), text or "")  # words of one's own, as written
    out, last = [], 0
    for ref in scan_references(text):
        if ref.how != "mention":
            continue
        entity = base.entity(ref.ref)
        name = (getattr(entity, "short", None) or entity.name) if entity else ref.token
        out.extend([text[last : ref.offset], name])
        last = ref.offset + len(ref.token)
    out.append(text[last:])
    return printable(words("".join(out)))


def source_label(source: Source) -> str:
    """A short human name for a source in the terminal."""
    first = source.author[0].short() if source.author else None
    title = source.title_short or source.title or source.custom.description
    return printable(", ".join(x for x in (first, title) if x) or source.id)


def format_text(changes: BriefChanges, base: FactBase) -> str:
    """The diff as lines for a terminal."""
    old = changes.old_base
    head = f"brief '{changes.brief}' since {changes.rev} (commit {changes.short_commit}"
    head += f", edition dated {changes.old_date.human()})" if changes.old_date else ")"
    lines = [head]
    if not changes.existed:
        lines.append(f"  the brief did not exist at {changes.rev}: everything is new")
    if changes.empty:
        lines.append("  no changes to its claims or sources")

    def block(title: str, items: list[str]) -> None:
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines.extend(items)

    block("claims added", [f"  + {c.id}: {plain(base, c.statement)}" for c in changes.added])
    block("claims removed", [f"  - {c.id}: {plain(old, c.statement)}" for c in changes.removed])
    block(
        "claims reworded",
        [
            f"  ~ {c.claim.id}\n      was: {plain(old, c.old.statement)}\n      now: {plain(base, c.claim.statement)}"
            for c in changes.reworded
        ],
    )
    for title, group in (
        ("claims regraded", changes.regraded),
        ("claims re-dated", changes.redated),
        ("claims re-sourced", changes.resourced),
    ):
        block(title, [f"  ~ {c.claim.id}: {printable('; '.join(c.details))}" for c in group])
    block("sources added", [f"  + {s.id}: {source_label(s)}" for s in changes.sources_added])
    block("sources removed", [f"  - {s.id}: {source_label(s)}" for s in changes.sources_removed])
    block(
        "sources regraded", [f"  ~ {s.source.id}: {printable('; '.join(s.details))}" for s in changes.sources_regraded]
    )
    return "\n".join(lines)


def as_json(changes: BriefChanges) -> dict[str, Any]:
    """The diff as plain data (``briefgen diff --format json``)."""

    def claim_change(c: ClaimChange) -> dict[str, Any]:
        return {"id": c.claim.id, "details": c.details}

    return {
        "brief": changes.brief,
        "since": changes.rev,
        "commit": changes.commit,
        "existed": changes.existed,
        "edition_date": str(changes.old_date) if changes.old_date else None,
        "claims_added": [c.id for c in changes.added],
        "claims_removed": [c.id for c in changes.removed],
        "claims_reworded": [
            {"id": c.claim.id, "was": words(c.old.statement), "now": words(c.claim.statement)} for c in changes.reworded
        ],
        "claims_regraded": [claim_change(c) for c in changes.regraded],
        "claims_redated": [claim_change(c) for c in changes.redated],
        "claims_resourced": [claim_change(c) for c in changes.resourced],
        "sources_added": [s.id for s in changes.sources_added],
        "sources_removed": [s.id for s in changes.sources_removed],
        "sources_regraded": [{"id": s.source.id, "details": s.details} for s in changes.sources_regraded],
    }
