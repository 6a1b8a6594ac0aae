"""The rules of the trade on each claim: facts have sources, every citation says where,
likelihood and confidence belong to judgments alone (circles of supports: ``circles``)."""

from __future__ import annotations

from briefgen.check.fields import Checker
from briefgen.errors import Pos, Problem
from briefgen.facts.model import Claim, FactBase
from briefgen.facts.reuse import Reuse, each
from briefgen.words import a


def check_claims(checker: Checker, base: FactBase, reuse: Reuse | None = None) -> None:
    """Each claim on its own (with ``reuse``, a claim object checked before is not again)."""
    for problems in each(reuse, base, "claims", ("claims",), _claim_problems):
        checker.problems.extend(problems)


def _claim_problems(claim: Claim) -> list[Problem]:
    out: list[Problem] = []

    def problem(pos: Pos, code: str, message: str, hint: str) -> None:
        out.append(Problem(pos, code, message, hint))

    if claim.kind == "fact" and not claim.sources:
        problem(
            claim.where("sources") if claim.field_pos and "sources" in claim.field_pos else claim.pos,
            "BG110",
            f"fact '{claim.id}' has no sources",
            "add sources: [{ref: ..., locator: ..., quote: ...}], or make it an assumption or judgment",
        )
    for cite in claim.sources:
        if not cite.locator and not cite.quote:
            problem(
                cite.pos,
                "BG111",
                f"a source of claim '{claim.id}' has neither locator nor quote",
                "say where in the source (locator: para. 4) or quote it (quote: ...)",
            )
    if claim.kind == "judgment":
        for name in ("likelihood", "confidence"):
            # A value that is there but not allowed was reported (BG105) where it stands.
            if getattr(claim, name) is None and name not in (claim.field_pos or {}):
                problem(
                    claim.pos,
                    "BG114",
                    f"judgment '{claim.id}' needs '{name}'",
                    f"add {name}: ..." + (" (e.g. likely)" if name == "likelihood" else " (high, moderate or low)"),
                )
    else:
        for name in ("likelihood", "confidence", "supports"):
            if getattr(claim, name):
                problem(
                    claim.where(name),
                    "BG114",
                    f"'{name}' is for judgments, but '{claim.id}' is {a(claim.kind)}",
                    f"remove '{name}' or make the claim kind: judgment",
                )
    return out
