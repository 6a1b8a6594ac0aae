"""Pass 2 of validation: every id resolves to a record of the right collection, in fields
and in prose, and every source and entity is referred to somewhere."""

from __future__ import annotations

from collections.abc import Callable

from briefgen.check.fields import Checker, PendingRef
from briefgen.errors import Pos, Problem
from briefgen.facts.crossrefs import brief_targets
from briefgen.facts.graph import Prose, brief_parts, prose_of, prose_records, prose_texts
from briefgen.facts.load import find_in_file
from briefgen.facts.model import ENTITY_COLLECTIONS, Brief, Claim, FactBase
from briefgen.facts.reuse import Reuse, each, no_reuse
from briefgen.facts.syntax import (
    occurrences_before,
    scan_figure_labels,
    scan_link_texts,
    scan_malformed_mentions,
    scan_malformed_references,
    scan_references,
)
from briefgen.words import a, did_you_mean


def check_references(
    checker: Checker,
    base: FactBase,
    id_home: dict[str, tuple[str, Pos]],
    reuse: Reuse | None = None,
    parts: list[list[PendingRef]] | None = None,
    known: object = None,
) -> None:
    """Every id in a field resolves to a record of a collection the field takes. With
    ``reuse`` and ``parts`` (the pending references file by file), a file's list seen by
    the last check, with the same ids in the same collections (``known``: ids_and_gaps),
    is not resolved again."""
    if reuse is None or parts is None:
        _resolve(checker, checker.pending, id_home)
        return
    job = reuse.job("references.fields", known if known is not None else ids_and_gaps(checker, id_home))
    for part in parts:
        checker.problems.extend(job(part, lambda refs: _collected(checker, lambda: _resolve(checker, refs, id_home))))


def ids_and_gaps(checker: Checker, id_home: dict[str, tuple[str, Pos]]) -> object:
    """What resolving an id reads of the whole base: each id's collection, and the
    collections with a file that could not be read (``Reuse.job``'s ``depends``)."""
    return ({ident: home[0] for ident, home in id_home.items()}, frozenset(checker.broken))


def _collected(checker: Checker, run: Callable[[], None]) -> list[Problem]:
    """The problems ``run`` adds to the checker, taken off it (to be kept per record)."""
    start = len(checker.problems)
    run()
    found = checker.problems[start:]
    del checker.problems[start:]
    return found


def _resolve(checker: Checker, refs: list[PendingRef], id_home: dict[str, tuple[str, Pos]]) -> None:
    for ref in refs:
        home = id_home.get(ref.value)
        if home is None and checker.unknowable(ref.targets):
            continue
        if home is None:
            pool = [i for i, (c, _) in id_home.items() if c in ref.targets]
            wanted = _either(ref.targets)
            checker.problem(
                ref.pos,
                "BG103",
                f"unknown {wanted} '{ref.value}' in {ref.what}{did_you_mean(ref.value, pool)}",
                f"use the id of an existing {wanted}, or add one with that id",
            )
        elif home[0] not in ref.targets:
            wanted = _with_article(_either(ref.targets))
            checker.problem(
                ref.pos,
                "BG109",
                f"'{ref.value}' in {ref.what} is {_with_article(home[0][:-1])}, not {wanted}",
                f"refer to {wanted} here",
            )


def _either(collections: tuple[str, ...]) -> str:
    """'actor, mineral, place or route' for the collections a reference may point into."""
    nouns = [c[:-1] for c in collections]
    return nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]


def _with_article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _inside_link_texts(checker: Checker, prose: Prose, lines: list[str]) -> None:
    """BG135: a claim in place or a citation inside a link's text, ``[see [@a]](url)``: the
    Markdown makes neither the link nor a clean note of it, and prints the brackets."""
    text = prose.text or ""
    spans = scan_link_texts(text)
    # One sweep over both, in order: link texts nest and never cross (bracket pairs), so the
    # ones open at a reference are a stack, the innermost on top, closing first.
    open_ends: list[int] = []
    following = 0
    for ref in scan_references(text):
        while following < len(spans) and spans[following][0] < ref.offset:
            opener, closer = spans[following]
            while open_ends and open_ends[-1] < opener:
                open_ends.pop()
            open_ends.append(closer)
            following += 1
        while open_ends and open_ends[-1] < ref.offset:
            open_ends.pop()
        if ref.how in ("cite", "claim") and open_ends:
            checker.problem(
                place_in_file(lines, prose.pos, text, ref.token, ref.offset),
                "BG135",
                f"{prose.owner}: '{ref.token}' stands inside a link's text, which breaks the link: "
                "both would print as written",
                "put the citation or claim after the link: [the report](https://...) [@id]",
            )


def check_prose_references(
    checker: Checker,
    base: FactBase,
    id_home: dict[str, tuple[str, Pos]],
    reuse: Reuse | None = None,
    known: object = None,
) -> None:
    """Every id used in Markdown resolves; the position is the line inside the YAML block.
    With ``reuse``, a record seen by the last check, with the same ids in the same
    collections, is not scanned again."""

    def scan(text: str | None, pos: Pos, owner: str, claim_statement: bool, broken: frozenset[int]) -> None:
        if not text:
            return
        loaded = checker.files.get(pos.file)
        for ref in scan_references(text):
            if ref.offset - 1 in broken:
                continue  # the "@id" of a broken "[@...": said once, as BG134
            if ref.how == "xref":
                if claim_statement:
                    checker.problem(
                        place_in_file(loaded.lines if loaded else [], pos, text, ref.token, ref.offset),
                        "BG131",
                        f"{owner}: a claim statement cannot cross-reference ('{ref.token}')",
                        "a claim is shared by briefs, each numbered its own way: refer to figures, tables "
                        "and sections in the brief's prose",
                    )
                continue  # checked per brief, in check_cross_references
            home = id_home.get(ref.ref)
            allowed = {"cite": ("sources", "claims"), "claim": ("claims",), "mention": ENTITY_COLLECTIONS}[ref.how]
            if home is not None and home[0] in allowed and not (claim_statement and ref.how != "mention"):
                continue  # the common case: nothing to report, so no position to work out
            where = place_in_file(loaded.lines if loaded else [], pos, text, ref.token, ref.offset)
            if claim_statement and ref.how != "mention":
                checker.problem(
                    where,
                    "BG116",
                    f"{owner}: a claim statement cannot cite ('{ref.token}')",
                    "a claim's sources go in its 'sources' list; use @id to name entities",
                )
                continue
            wanted = {"cite": "source or claim", "claim": "claim", "mention": "actor, mineral, place or route"}[ref.how]
            if home is None and checker.unknowable(allowed):
                continue
            if home is None:
                pool = [i for i, (c, _) in id_home.items() if c in allowed]
                checker.problem(
                    where,
                    "BG115",
                    f"{owner}: unknown {wanted} '{ref.ref}' in '{ref.token}'{did_you_mean(ref.ref, pool)}",
                    "use the id of an existing record"
                    + (" (write \\@ for a literal @)" if ref.how == "mention" else ""),
                )
            elif home[0] not in allowed:
                checker.problem(
                    where,
                    "BG115",
                    f"{owner}: '{ref.ref}' is {a(home[0][:-1])}, but '{ref.token}' needs {a(wanted)}",
                    {
                        "cite": "cite with [@id], place a claim with [[id]], name an entity with @id",
                        "claim": "[[id]] writes a claim; cite a source with [@id]",
                        "mention": "@id names an entity; cite a source or claim with [@id]",
                    }[ref.how],
                )

    def record(rec: Claim | Brief) -> None:
        for prose in prose_of(rec):
            one(prose)

    def one(prose: Prose) -> None:
        loaded = checker.files.get(prose.pos.file)
        broken = scan_malformed_references(prose.text or "")
        for offset, token in broken:
            checker.problem(
                place_in_file(loaded.lines if loaded else [], prose.pos, prose.text or "", token, offset),
                "BG134",
                f"{prose.owner}: '{token}' is neither a claim in place nor a citation, and would print as written",
                "write [[claim-id]] or [@id] (ids in lowercase, brackets closed), or \\[ for a literal bracket",
            )
        scan(prose.text, prose.pos, prose.owner, prose.statement, frozenset(offset for offset, _ in broken))
        text = prose.text or ""
        # Only prose with a link of some form (inline, reference, or a label defined) and a
        # citation or claim needs the scan.
        if ("[[" in text or "[@" in text) and ("](" in text or "][" in text or "]:" in text):
            _inside_link_texts(checker, prose, loaded.lines if loaded else [])
        for offset, token in scan_malformed_mentions(prose.text or ""):
            checker.problem(
                place_in_file(loaded.lines if loaded else [], prose.pos, prose.text or "", token, offset),
                "BG133",
                f"{prose.owner}: '{token}' makes no mention in words of one's own",
                "write [words]{@id}: an existing id in lowercase, a closing }, no brackets inside the words",
            )

    if reuse is None:
        for rec in prose_records(base):
            record(rec)
        return
    depends = known if known is not None else ids_and_gaps(checker, id_home)
    for found in reuse.results(
        "references.prose", ("claims", "briefs"), lambda r: _collected(checker, lambda: record(r)), depends
    ):
        checker.problems.extend(found)


def check_cross_references(checker: Checker, base: FactBase, reuse: Reuse | None = None) -> None:
    """Every ``@fig-``, ``@tbl-`` and ``@sec-`` in a brief names one of its targets, and
    every ``{#fig-ID}`` stands where it makes a figure, once per brief (a brief object
    seen by the last check, with ``reuse``, is not scanned again)."""
    job = reuse.job("references.cross") if reuse else no_reuse
    for brief in base.briefs.values():
        checker.problems.extend(job(brief, lambda b: _collected(checker, lambda: _cross_references(checker, b))))


def _cross_references(checker: Checker, brief: Brief) -> None:
    targets = brief_targets(brief)
    seen: set[str] = set()
    for part, text, pos in brief_parts(brief):
        if not text:
            continue
        loaded = checker.files.get(pos.file)
        lines = loaded.lines if loaded else []
        for ref in scan_references(text):
            if ref.how != "xref" or ref.ref in targets.by_label:
                continue
            at = place_in_file(lines, pos, text, ref.token, ref.offset)
            kind = {"fig": "figure", "tbl": "table", "sec": "section"}[ref.ref[:3]]
            pool = [label for label in targets.by_label if label.startswith(ref.ref[:4])]
            checker.problem(
                at,
                "BG131",
                f"brief '{brief.id}', {part}: no {kind} '{ref.ref[4:]}' to refer to in "
                f"'{ref.token}'{did_you_mean(ref.ref, pool)}",
                f"the brief's {kind}s: {', '.join(pool)}" if pool else f"this brief has no {kind} to refer to",
            )
        for fig in scan_figure_labels(text):
            at = place_in_file(lines, pos, text, fig.token, fig.offset)
            if fig.label is None:
                message = f"'{fig.token}' is not a figure label"
                hint = "write {#fig-ID} with a lowercase id, e.g. {#fig-mining-belt}"
            elif not fig.placed:
                message = f"'{fig.token}' makes no figure here"
                hint = "put the image and its {#fig-ID} alone on a line, with a blank line before and after"
            elif fig.label in seen or targets.by_label[fig.label].generated:
                message = f"figure label '{fig.label}' is used twice in brief '{brief.id}'"
                hint = "give each figure a label of its own (generated ones are fig-routes, tbl-actors...)"
            else:
                seen.add(fig.label)
                continue
            checker.problem(at, "BG132", f"brief '{brief.id}', {part}: {message}", hint)


def _field_ids(refs: list[PendingRef]) -> set[str]:
    return {ref.value for ref in refs}


def _prose_ids(record: Claim | Brief) -> list[str]:
    return [r.ref for text in prose_texts(record) for r in scan_references(text)]


def place_in_file(lines: list[str], pos: Pos, text: str, token: str, offset: int) -> Pos:
    """Where ``token``, at ``offset`` of the prose ``text`` starting at ``pos``, stands in
    the file: counted among every time it is written there, code included (which the
    scans pass over but the file search cannot tell)."""
    return find_in_file(lines, pos, token, occurrences_before(text, token, offset))


def check_usage(
    checker: Checker, base: FactBase, reuse: Reuse | None = None, parts: list[list[PendingRef]] | None = None
) -> None:
    """Warn about sources and entities nothing refers to (with ``reuse`` and ``parts``,
    the ids each file's fields name are kept by the file's list of references)."""
    if checker.broken:
        return  # a file that could not be read may hold the references: say nothing false
    used: set[str] = set()
    if reuse is None or parts is None:
        used.update(ref.value for ref in checker.pending)
    else:
        job = reuse.job("references.field_ids")
        for part in parts:
            used.update(job(part, _field_ids))
    for ids in each(reuse, base, "references.prose_ids", ("claims", "briefs"), _prose_ids):
        used.update(ids)
    for source in base.sources.values():
        if source.id not in used:
            checker.problem(
                source.where("id"),
                "BG201",
                f"source '{source.id}' is never cited",
                "cite it from a claim, or remove it",
                severity="warning",
            )
    for name in ENTITY_COLLECTIONS:
        for ident, rec in base.collection(name).items():
            if ident not in used:
                checker.problem(
                    rec.where("id"),
                    "BG202",
                    f"{name[:-1]} '{ident}' is never referred to",
                    "refer to it from a claim's 'about' or in prose, or remove it",
                    severity="warning",
                )
