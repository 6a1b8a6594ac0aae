"""What ``briefgen impact`` shows: the dependents of one record, for a terminal or as JSON.

The dependents themselves are found by :func:`briefgen.facts.graph.impact_of`; this
module only words them.
"""

from __future__ import annotations

from briefgen.errors import Pos
from briefgen.facts.graph import Impact, kind_of
from briefgen.facts.model import FactBase


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
