"""Sources and quotes: every cited source is graded, archives exist inside
content/archive/ (via circles: ``circles``) and can be read, every quote stands verbatim
in the archive it is checked against, and its locator says where."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import partial
from typing import NamedTuple

from briefgen.check import quotes
from briefgen.check.archives import ArchiveError, read_archive
from briefgen.check.archives.locators import exists, grammar
from briefgen.check.archives.model import ArchivePartError
from briefgen.check.fields import Checker
from briefgen.check.quotecache import QuoteCache, quote_cache
from briefgen.check.references import place_in_file
from briefgen.errors import Pos, Problem
from briefgen.facts.graph import cited_sources, prose_of
from briefgen.facts.load import display_path
from briefgen.facts.model import Brief, Citation, FactBase
from briefgen.facts.project import ignored_reason
from briefgen.facts.reuse import Reuse
from briefgen.facts.syntax import scan_references
from briefgen.files import RefusedFile, read_regular, resolve

#: An archived text larger than this is refused unread (as a YAML file over 8 MiB is):
#: quotes are searched in it, and it is held in memory while the fact base is checked.
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024


class LocatorFix(NamedTuple):
    """A locator ``check --fix-locators`` writes: at ``pos`` (the locator's value, or the
    citation's first key when it has none), ``old`` (None: missing) becomes ``new``."""

    pos: Pos
    old: str | None
    new: str
    claim: str
    cite: Citation


def check_sources(checker: Checker, base: FactBase, reuse: Reuse | None = None) -> None:
    """Cited sources are graded, archives exist inside content/archive/ and read, quotes
    stand verbatim at their locators. With ``reuse``, where a quote stands in an archive
    (and the nearest passage to a quote that is not there) is kept in memory by the quote,
    its locator and the archive's identity, instead of in the quote cache on disk; and an
    archive checked against the very same citation objects of the same claims gives the
    problems it gave."""
    check_grades(checker, base, reuse)
    _load_archives(checker, base)
    grouped = quotes.citations_by_archive(base, reuse)
    cache = quote_cache() if base.archives and reuse is None else None
    for source_id in base.archives:
        citations = grouped.get(source_id, [])
        identity = base.archives[source_id].identity
        if reuse is None or not identity:
            _check_citations(checker, base, source_id, citations, cache, reuse)
            continue
        # Citation objects by id: the result holds them, so no other object takes an id
        # while the result is kept.
        key = (source_id, identity, tuple(id(cite) for _, cite in citations), tuple(c for c, _ in citations))
        found, _held = reuse.value(
            "sources.citations", key, partial(_citation_problems, checker, base, source_id, citations, reuse)
        )
        checker.problems.extend(found)
    if cache is not None:
        cache.prune()
    _check_prose_locators(checker, base)


def _check_prose_locators(checker: Checker, base: FactBase) -> None:
    """BG129 for a citation in a brief's prose, ``[@source, para. 12]``, whose locator names no place
    in the archive that source is checked against: the note would print it as written,
    as a claim's citation with the same locator is refused (:func:`_check_citations`)."""
    targets: dict[str, str | None] = {}
    found: dict[tuple[str, str], bool] = {}
    # Only a brief's prose cites: a claim's statement may not (BG116, references.py).
    for brief in base.briefs.values():
        _check_brief_locators(checker, base, brief, targets, found)


def _check_brief_locators(
    checker: Checker,
    base: FactBase,
    brief: Brief,
    targets: dict[str, str | None],
    found: dict[tuple[str, str], bool],
) -> None:
    """One brief's prose citations; ``targets`` (source -> the source whose archive it is
    checked against) and ``found`` ((that source, locator) -> there?) are kept across briefs:
    they cite the same places again and again."""
    for prose in prose_of(brief):
        text = prose.text or ""
        for ref in scan_references(text) if "[@" in text else ():
            if ref.how != "cite" or not ref.locator or ref.ref not in base.sources:
                continue
            if ref.ref not in targets:
                targets[ref.ref] = quotes.archive_source(base, ref.ref)
            target = targets[ref.ref]
            archive = base.archives.get(target) if target is not None else None
            if archive is None or target is None:
                continue
            key = (target, ref.locator)
            if key not in found:
                found[key] = exists(ref.locator, archive)
            if found[key]:
                continue
            loaded = checker.files.get(prose.pos.file)
            checker.problem(
                place_in_file(loaded.lines if loaded else [], prose.pos, text, ref.token, ref.offset),
                "BG129",
                f"{prose.owner}: the archive of '{target}' has no {ref.locator}"
                + (f" (the citation of '{ref.ref}', known through it)" if ref.ref != target else ""),
                grammar(archive),
            )


def _citation_problems(
    checker: Checker, base: FactBase, source_id: str, citations: list[tuple[str, Citation]], reuse: Reuse
) -> tuple[list[Problem], list[tuple[str, Citation]]]:
    """:func:`_check_citations`'s problems, taken off the checker, with the citations."""
    start = len(checker.problems)
    _check_citations(checker, base, source_id, citations, None, reuse)
    found = checker.problems[start:]
    del checker.problems[start:]
    return found, citations


def _load_archives(checker: Checker, base: FactBase) -> None:
    content = checker.project.content.resolve()
    archive_root = content / "archive"
    for source in base.sources.values():
        path_text = source.custom.archive
        if not path_text:
            continue
        where = source.custom.where("archive")
        try:
            path = resolve(content / path_text)
        except OSError as exc:
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' (content/{path_text}) cannot be followed: {exc.strerror}",
                "replace the link with the archived file itself in content/archive/",
            )
            continue
        if not path.is_relative_to(archive_root):
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' is outside content/archive/: '{path_text}'",
                "keep archived copies in content/archive/ and write the path relative to content/",
            )
            continue
        hidden = ignored_reason(path_text) or ignored_reason(path.relative_to(content))
        if hidden:
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' is not read: {hidden}",
                "hidden and editor files under content/ are never used: "
                "keep the archived text under a plain name in content/archive/",
            )
            continue
        try:
            raw = read_regular(path, MAX_ARCHIVE_BYTES)
        except RefusedFile as refused:
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' (content/{path_text}) {refused.reason}; not read",
                "split the text and archive the part the quotes come from"
                if refused.size is not None
                else "replace it with a plain text file under content/archive/ "
                "(a pipe or a device is never read: it could block the check or fill memory)",
            )
            continue
        except OSError:
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' not found: content/{path_text}",
                "put the source's plain text there, or fix the path (relative to content/)",
            )
            continue
        digest = base.archive_hashes[source.id] = hashlib.sha256(raw).hexdigest()  # for check/fingerprints.py
        try:
            base.archives[source.id] = read_archive(raw, path.suffix, source.custom.archive_parts, digest)
        except ArchivePartError as exc:
            parts = source.custom.archive_parts
            pos = parts[exc.index].pos if exc.index < len(parts) else source.custom.where("archive_parts")
            checker.problem(pos, "BG130", f"archive_parts of '{source.id}': {exc.message}", exc.hint)
        except ArchiveError as exc:
            # Bytes that are not text are pointed at in the archive itself (as BG003 does
            # for YAML); a file that cannot be read at all, at the source's archive line.
            pos = Pos(display_path(path), exc.line, exc.col) if exc.line else where
            checker.problem(pos, "BG130", f"archive of '{source.id}': {exc.message}", exc.hint)


def _check_citations(
    checker: Checker,
    base: FactBase,
    source_id: str,
    citations: list[tuple[str, Citation]],
    cache: QuoteCache | None = None,
    reuse: Reuse | None = None,
) -> None:
    """Quotes and locators of every citation checked against ``source_id``'s archive
    (``citations``: those checked against it, from quotes.citations_by_archive)."""
    archive = base.archives[source_id]
    if reuse is not None and archive.identity:
        checks: Iterable[quotes.QuoteCheck] = quotes.unsettled(source_id, archive, citations, reuse)
    else:
        checks = quotes.verify_quotes(base, source_id, archive, citations, cache)
    for result in checks:
        cite = result.cite
        if not result.verified:
            quote = cite.quote or ""
            if reuse is not None and archive.identity:
                key = (archive.identity, quote)
                near = reuse.value("quotes.nearest", key, partial(quotes.nearest_passage, quote, archive.text))
            else:
                near = quotes.nearest_passage(quote, archive.text)
            checker.problem(
                cite.where("quote"),
                "BG112",
                f"quote in claim '{result.claim}' is not in the archived text of '{source_id}'",
                f'the nearest passage reads: "{quotes.in_context(near, archive.text)}"',
            )
        elif not cite.locator:
            checker.problem(
                cite.pos,
                "BG215",
                f"the citation of '{cite.ref}' in claim '{result.claim}' has no locator; "
                f"the quote is in {result.found[0]}",
                f"add 'locator: {result.found[0]}' (briefgen check --fix-locators writes it)",
                severity="warning",
            )
        elif not result.locator_matches:
            checker.problem(
                cite.where("locator"),
                "BG129",
                f"the quote is in {_either(result.found)}, not {cite.locator}",
                f"write 'locator: {result.found[0]}' (briefgen check --fix-locators corrects it); " + grammar(archive),
            )
    for _claim_id, cite in citations:
        if cite.quote or not cite.locator:
            continue
        if not exists(cite.locator, archive):
            checker.problem(
                cite.where("locator"),
                "BG129",
                f"the archive of '{source_id}' has no {cite.locator}",
                grammar(archive),
            )


def _either(found: tuple[str, ...]) -> str:
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " or " + found[-1]


def locator_fixes(base: FactBase) -> list[LocatorFix]:
    """The locators ``check --fix-locators`` writes: where a quote is found but its locator
    is missing or wrong, the first place the quote stands."""
    fixes = []
    grouped = quotes.citations_by_archive(base)
    for source_id in base.archives:
        for result in quotes.verify_quotes(base, source_id, citations=grouped.get(source_id, [])):
            if result.verified and not result.locator_matches:
                cite = result.cite
                pos = cite.where("locator") if cite.locator else cite.pos
                fixes.append(LocatorFix(pos, cite.locator, result.found[0], result.claim, cite))
    return fixes


def check_grades(checker: Checker, base: FactBase, reuse: Reuse | None = None) -> None:
    """BG125: every source a brief could cite, or relay a citation through, has its
    Admiralty reliability: a note's grade is printed from it, and a missing letter would
    read as a grade never given (F says "cannot be judged")."""
    rejected = {p.pos for p in checker.problems if p.code == "BG105"}
    for source_id, relayed in cited_sources(base, reuse).items():
        source = base.sources[source_id]
        if "custom" in (source.field_pos or {}) and source.custom.field_pos is None:
            continue  # 'custom' is there but not a mapping (BG008 already says so)
        written = (source.custom.field_pos or {}).get("reliability")
        if source.custom.reliability or written in rejected:
            continue  # graded, or graded wrongly (BG105 already says so)
        how = "is cited" if relayed is None else f"relays cited source '{relayed}' (via)"
        checker.problem(
            written or source.where("id"),
            "BG125",
            f"source '{source_id}' {how} but has no reliability grade (custom.reliability)",
            "grade it: add 'reliability:' under 'custom:' with an Admiralty letter A-E, "
            "or F when its reliability cannot be judged",
        )
