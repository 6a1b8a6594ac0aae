"""Analytic standards (ICD 203, the Admiralty code) enforced on a checked fact base.

Pure functions: the fact base and the briefs in, :class:`Problem` s out. Facts are kept
apart from judgments (no estimative words in a fact; a judgment says exactly its own
likelihood term and keeps confidence out of that sentence; one ICD 203 row per brief),
confidence is capped by the evidence, stale claims are found per brief, and nothing may
rest on a retracted source or a deprecated or superseded claim. No Markdown or Jinja here:
the validator calls :func:`check_standards` and stays fast. Finding the words (likelihood
terms, hedges, confidence) is ``wording``'s job; which claims a brief uses, ``facts.graph``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from briefgen.check.wording import (
    CONFIDENCE_RE,
    ROW_1,
    ROW_2,
    Term,
    estimative_words,
    likelihood_terms,
    masked,
    sentence_around,
)
from briefgen.errors import Pos, Problem
from briefgen.facts.config import Config, Duration, duration_problem, first_day, last_day, load_config, parse_duration
from briefgen.facts.graph import (
    FileTexts,
    Impact,
    Use,
    brief_parts,
    brief_uses,
    claims_used_by,
    impact_of,
    publication,
    supporters,
    via_chain,
)
from briefgen.facts.load import LoadedFile, find_in_file, load_yaml_file
from briefgen.facts.model import Brief, Claim, FactBase
from briefgen.facts.project import Project
from briefgen.facts.reuse import Reuse, each, no_reuse
from briefgen.words import a


def _pos_in(text: str, start: int, value_pos: Pos, texts: FileTexts) -> Pos:
    """File position of the word starting at ``start`` in a prose value."""
    m = re.match(r"[\w’'-]+", text[start:])
    word = m.group(0) if m else text[start : start + 1]
    return find_in_file(texts[value_pos.file], value_pos, word, text[:start].count(word))


# -- grading and corroboration ---------------------------------------------------------------


def evidence(base: FactBase, claim: Claim) -> list[tuple[str, str, int | None]]:
    """(cited source, reliability of its weakest link, credibility) for every citation a
    judgment rests on: its own and, through ``supports``, those of the claims under it."""
    out: list[tuple[str, str, int | None]] = []
    seen: set[str] = set()
    stack = [claim.id]
    while stack:
        current = base.claims.get(stack.pop())
        if current is None or current.id in seen:
            continue
        seen.add(current.id)
        for cite in current.sources:
            if cite.ref not in base.sources:
                continue
            # A report is no more reliable than the publication relaying it.
            grades = [base.sources[s].custom.reliability or "F" for s in via_chain(base, cite.ref)]
            out.append((cite.ref, max(grades), cite.credibility))
        stack.extend(current.supports)
    return out


def strong_independent_sources(base: FactBase, claim: Claim) -> list[str]:
    """Independent sources behind a judgment with a citation graded A/B and 1/2."""
    roots: dict[str, None] = {}
    for source, reliability, credibility in evidence(base, claim):
        if reliability in ("A", "B") and credibility in (1, 2):
            roots[publication(base, source)] = None
    return list(roots)


# -- the checks ------------------------------------------------------------------------------


def check_standards(
    project: Project,
    base: FactBase,
    texts: Mapping[str, list[str]],
    reuse: Reuse | None = None,
    load: Callable[[Path], LoadedFile] = load_yaml_file,
) -> list[Problem]:
    """Every analytic-standards problem of a fact base (``texts``: YAML files' lines by
    path). With ``reuse``, what depends on one claim or brief alone is taken from the last
    check where the record is the same object."""
    files = FileTexts(texts)
    config, problems = load_config(project, load)
    for found in each(reuse, base, "standards.facts", ("claims",), lambda c: list(_check_fact(c, files))):
        problems.extend(found)
    for found in each(reuse, base, "standards.judgments", ("claims",), lambda c: list(_check_judgment(c, files))):
        problems.extend(found)
    problems.extend(_check_confidence(base, reuse))
    used_by = reuse.job("standards.brief_uses") if reuse else no_reuse
    uses = {brief.id: used_by(brief, lambda b: brief_uses(b, files)) for brief in base.briefs.values()}
    used = {brief.id: claims_used_by(base, brief) for brief in base.briefs.values()}
    for brief in base.briefs.values():
        problems.extend(_check_key_judgments(base, brief, files))
        problems.extend(_check_rows(base, brief, used[brief.id], files))
        problems.extend(_check_dates(base, brief, used[brief.id]))
        problems.extend(_check_staleness(base, brief, used[brief.id], config, files))
    problems.extend(_check_withdrawn(base, files, [u for b in uses.values() for u in b], reuse))
    return problems


def _check_fact(claim: Claim, files: FileTexts) -> Iterator[Problem]:
    """BG203: a fact states what is, without estimating."""
    if claim.kind == "fact" and claim.statement:
        where = claim.where("statement")
        for word, start in estimative_words(claim.statement):
            yield Problem(
                _pos_in(claim.statement, start, where, files),
                "BG203",
                f"fact '{claim.id}' uses the estimative word '{word}'",
                "state only what the source reports (quote its own words if it hedges), "
                "or make the claim a judgment with likelihood and confidence",
                "warning",
            )


def _check_judgment(claim: Claim, files: FileTexts) -> Iterator[Problem]:
    """BG204, BG205: a judgment says exactly its likelihood, and no confidence beside it."""
    if claim.kind == "judgment" and claim.statement and claim.likelihood:
        where = claim.where("statement")
        plain = masked(claim.statement)
        terms = likelihood_terms(claim.statement, plain)
        own = [t for t in terms if t.row == 1 and t.term == claim.likelihood]
        if not own:
            yield Problem(
                where,
                "BG204",
                f"judgment '{claim.id}' has likelihood '{claim.likelihood}', but its statement does not say "
                f"'{claim.likelihood}'",
                f"word the statement with '{claim.likelihood}' (e.g. 'X is {claim.likelihood} to ...'), "
                "or change the likelihood",
                "warning",
            )
        for term in terms:
            if term in own:
                continue
            yield Problem(
                _pos_in(claim.statement, term.start, where, files),
                "BG204",
                f"judgment '{claim.id}' has likelihood '{claim.likelihood}', but its statement says '{term.text}'",
                f"use exactly its own term, '{claim.likelihood}', or change the likelihood",
                "warning",
            )
        spans = {sentence_around(plain, t.start) for t in own}
        for m in CONFIDENCE_RE.finditer(plain):
            if any(start <= m.start() < end for start, end in spans):
                yield Problem(
                    _pos_in(claim.statement, m.start(), where, files),
                    "BG205",
                    f"judgment '{claim.id}' states its confidence ('{m.group(0)}') in the same sentence as its "
                    f"likelihood ('{claim.likelihood}')",
                    "keep the likelihood in the statement and the confidence in 'confidence:' "
                    "(the brief shows it as a badge)",
                    "warning",
                )


def _check_confidence(base: FactBase, reuse: Reuse | None = None) -> Iterator[Problem]:
    """BG207: high confidence needs two independent sources graded A/B with credibility 1/2."""
    if reuse is None:
        held = [_held_high(list(base.claims.values()))]
    else:
        held = list(reuse.per_file("standards.high", "claims", _held_high))
    for claim in (claim for part in held for claim in part):
        strong = strong_independent_sources(base, claim)
        if len(strong) >= 2:
            continue
        found = f"only '{strong[0]}'" if strong else "none"
        yield Problem(
            claim.where("confidence"),
            "BG207",
            f"judgment '{claim.id}' is held with high confidence, but the evidence allows at most moderate: "
            f"high needs two independent sources graded A or B with credibility 1 or 2, found {found}",
            "lower confidence to moderate, or add a second independent source (sources reported via the same "
            "publication count as one)",
            "warning",
        )


def _held_high(claims: list[Claim]) -> list[Claim]:
    """The judgments held with high confidence."""
    return [claim for claim in claims if claim.kind == "judgment" and claim.confidence == "high"]


def _withdrawn_ids(claims: list[Claim]) -> list[str]:
    return [claim.id for claim in claims if _withdrawn_claim(claim)]


def _check_rows(base: FactBase, brief: Brief, used: list[str], files: FileTexts) -> Iterator[Problem]:
    """BG206: one brief speaks one ICD 203 row, over its prose and the claims it uses."""
    found: list[tuple[Term, Pos, str]] = []  # term, position, text it stands in
    judgments = 0
    texts: list[tuple[str, Pos]] = []
    for claim_id in used:
        claim = base.claims[claim_id]
        judgments += claim.kind == "judgment" and bool(claim.likelihood)
        texts.append((claim.statement or "", claim.where("statement")))
    texts.extend((text or "", pos) for _name, text, pos in brief_parts(brief))
    for text, pos in texts:
        found.extend((term, pos, text) for term in likelihood_terms(text))
    rows = {1: [f for f in found if f[0].row == 1], 2: [f for f in found if f[0].row == 2]}
    if (not rows[1] and not judgments) or not rows[2]:
        return
    # The likelihood field is always first-row, so a brief with judgments speaks row 1.
    main = 1 if judgments or len(rows[1]) >= len(rows[2]) else 2
    other = 2 if main == 1 else 1
    example = f"'{rows[main][0][0].text}'" if rows[main] else "the likelihood of its judgments"
    for term, pos, text in rows[other]:
        yield Problem(
            _pos_in(text, term.start, pos, files),
            "BG206",
            f"brief '{brief.id}' mixes the two ICD 203 rows: '{term.text}' (row {other}) beside {example} (row {main})",
            "use the terms of one row throughout the brief: "
            + ", ".join(ROW_1 if main == 1 else ROW_2)
            + (" (the row of the likelihood field)" if main == 1 else ""),
            "warning",
        )


def _check_key_judgments(base: FactBase, brief: Brief, files: FileTexts) -> Iterator[Problem]:
    """BG127: a key judgment is a judgment. The brief shows each with likelihood and
    confidence badges, as the analyst's estimate; a fact, gap or assumption there would
    be presented as one."""
    where = brief.where("key_judgments")
    for index, claim_id in enumerate(brief.key_judgments):
        claim = base.claims.get(claim_id)
        if claim is None or claim.kind == "judgment":
            continue  # an unknown id is BG103's
        nth = sum(earlier.count(claim_id) for earlier in brief.key_judgments[:index])
        yield Problem(
            find_in_file(files[where.file], where, claim_id, nth),
            "BG127",
            f"key judgment '{claim_id}' of brief '{brief.id}' is {a(claim.kind)}, not a judgment",
            f"place the {claim.kind or 'claim'} in the summary or a section with [[{claim_id}]], or list a judgment "
            "(kind: judgment, with likelihood and confidence) that rests on it",
        )


def _check_dates(base: FactBase, brief: Brief, used: list[str]) -> Iterator[Problem]:
    """BG128: no claim a brief uses is dated after the brief. The title block states the
    newest as_of as the information cut-off, which cannot lie after the brief's date."""
    if brief.date is None:
        return
    end = last_day(brief.date)
    for claim_id in used:
        claim = base.claims[claim_id]
        if claim.as_of is not None and first_day(claim.as_of) > end:
            yield Problem(
                claim.where("as_of"),
                "BG128",
                f"claim '{claim.id}' is as of {claim.as_of.human()}, after the date of brief '{brief.id}' "
                f"({brief.date.human()}) that uses it",
                "correct the claim's as_of (when the information was true, not when it was written), "
                "or date the brief later",
            )


def _check_staleness(
    base: FactBase, brief: Brief, used: list[str], config: Config, files: FileTexts
) -> Iterator[Problem]:
    """BG208, BG209: claims older than the brief's (or the project's) max_age, and the
    judgments resting on them."""
    max_age: Duration | None = config.max_age
    origin = "briefgen.yaml"
    if brief.max_age:
        max_age = parse_duration(brief.max_age)
        origin = "the brief"
        if max_age is None:
            yield duration_problem(brief.where("max_age"), f"'max_age' of brief '{brief.id}'", brief.max_age)
            return
    if max_age is None or brief.date is None:
        return
    on = first_day(brief.date)

    def stale(claim: Claim) -> bool:
        return claim.as_of is not None and max_age.after(last_day(claim.as_of)) < on

    for claim_id in used:
        claim = base.claims[claim_id]
        if stale(claim):
            assert claim.as_of is not None
            yield Problem(
                claim.where("as_of"),
                "BG208",
                f"claim '{claim.id}' is stale in brief '{brief.id}': as of {claim.as_of.human()}, more than "
                f"{max_age.human()} (max_age {max_age}, from {origin}) before the brief's date, {brief.date.human()}",
                "update the claim with newer information and its as_of, or raise max_age",
                "warning",
            )
    # A judgment is stale when anything it rests on is, however indirectly.
    memo: dict[str, str | None] = {}
    for claim_id in used:
        claim = base.claims[claim_id]
        if claim.kind != "judgment":
            continue
        for support in claim.supports:
            other = base.claims.get(support)
            if other is None:
                continue
            root = support if stale(other) else _stale_root(base, support, frozenset({claim_id}), stale, memo)
            if root is None:
                continue
            where = claim.where("supports")
            through = "" if root == support else f", which rests on stale claim '{root}'"
            yield Problem(
                find_in_file(files[where.file], where, support, 0),
                "BG209",
                f"judgment '{claim.id}' is stale in brief '{brief.id}': it rests on '{support}'{through} "
                f"(older than max_age {max_age})",
                "update the claims it rests on, or review the judgment and its supports",
                "warning",
            )


def _stale_root(
    base: FactBase, claim_id: str, trail: frozenset[str], stale: Callable[[Claim], bool], memo: dict[str, str | None]
) -> str | None:
    """The first stale claim under ``claim_id`` (itself excluded), depth first in the order
    of ``supports``, or None; claims in ``trail`` are not entered.

    Iterative, with ``memo`` shared across calls, so a chain of any depth or a lattice of
    shared supports is walked once; a claim still being walked (a circle, reported as
    BG119) is passed over. A module function rather than a closure calling itself, which
    would be a reference cycle holding the fact base (see gcpause)."""
    if claim_id in memo:
        return memo[claim_id]
    walking = set(trail)
    walking.add(claim_id)
    stack: list[tuple[str, Iterator[str]]] = [(claim_id, iter(_supports_of(base, claim_id)))]
    while stack:
        current, pending = stack[-1]
        found: str | None = None
        descended = False
        for support in pending:
            other = base.claims.get(support)
            if other is None or support in walking:
                continue
            if stale(other):
                found = support
                break
            if support in memo:
                found = memo[support]
                if found:
                    break
                continue
            walking.add(support)
            stack.append((support, iter(_supports_of(base, support))))
            descended = True
            break
        if descended:
            continue
        # ``current`` is done: its answer is ``found``, and its parent's too when found.
        stack.pop()
        walking.discard(current)
        memo[current] = found
        while found and stack:
            parent, _ = stack.pop()
            walking.discard(parent)
            memo[parent] = found
    return memo[claim_id]


def _supports_of(base: FactBase, claim_id: str) -> list[str]:
    claim = base.claims.get(claim_id)
    return claim.supports if claim else []


def _withdrawn_claim(claim: Claim) -> bool:
    return claim.status in ("deprecated", "superseded") or bool(claim.superseded_by)


def _claim_state(claim: Claim) -> str:
    """'deprecated' or 'superseded' (a claim with ``superseded_by`` is superseded)."""
    return "deprecated" if claim.status == "deprecated" else "superseded"


def _check_withdrawn(
    base: FactBase, files: FileTexts, uses: list[Use], reuse: Reuse | None = None
) -> Iterator[Problem]:
    """BG210, BG211: nothing current may rest on a retracted source or a withdrawn claim;
    every brief and section still depending on one is listed."""
    retracted = [s.id for s in base.sources.values() if s.custom.retracted]
    if reuse is None:
        withdrawn = _withdrawn_ids(list(base.claims.values()))
    else:
        withdrawn = [
            ident for part in reuse.per_file("standards.withdrawn", "claims", _withdrawn_ids) for ident in part
        ]
    if not retracted and not withdrawn:
        return
    backers = supporters(base)  # once: each impact below walks it
    for source_id in retracted:
        impact = impact_of(base, source_id, files, uses, backers)
        hint = f"cite another source, or mark the claim 'status: deprecated'; 'briefgen impact {source_id}' lists all"
        for claim_id in impact.claims:
            claim = base.claims[claim_id]
            if _withdrawn_claim(claim):
                continue
            for cite in claim.sources:
                chain = via_chain(base, cite.ref)
                if source_id not in chain:
                    continue
                how = "" if cite.ref == source_id else f" '{cite.ref}', known only through it,"
                yield Problem(
                    cite.where("ref"),
                    "BG210",
                    f"claim '{claim_id}' cites{how} retracted source '{source_id}'",
                    hint,
                )
        yield from _brief_dependents(impact, f"retracted source '{source_id}'", "BG210", hint)
    for claim_id in withdrawn:
        claim = base.claims[claim_id]
        state = _claim_state(claim)
        hint = (
            f"use '{claim.superseded_by}' instead"
            if claim.superseded_by
            else "remove the reference or replace the claim"
        ) + f"; 'briefgen impact {claim_id}' lists all"
        for other_id in backers.get(claim_id, []):
            other = base.claims[other_id]
            if _withdrawn_claim(other):
                continue
            where = other.where("supports")
            yield Problem(
                find_in_file(files[where.file], where, claim_id, 0),
                "BG211",
                f"judgment '{other_id}' rests on {state} claim '{claim_id}'",
                hint,
            )
        # A withdrawn judgment resting on this one reports its own dependents (BG211 above
        # and here, in its own turn): the walk stops there, so a chain stays linear.
        impact = impact_of(base, claim_id, files, uses, backers, through=lambda c: not _withdrawn_claim(base.claims[c]))
        yield from _brief_dependents(impact, f"{state} claim '{claim_id}'", "BG211", hint)


def _brief_dependents(impact: Impact, what: str, code: str, hint: str) -> Iterator[Problem]:
    """One error per brief part that still depends on a withdrawn record, at its first use."""
    for (brief, part), part_uses in impact.parts().items():
        first = part_uses[0]
        routes = list(dict.fromkeys(impact.through[u] for u in part_uses))
        shown = "; ".join(routes[:3]) + (f"; and {len(routes) - 3} more" if len(routes) > 3 else "")
        yield Problem(
            first.pos,
            code,
            f"brief '{brief}', {part}: depends on {what} ({shown})",
            hint,
        )
