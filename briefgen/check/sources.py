"""Sources and quotes: archives exist inside content/archive/ and can be read, via chains
end, every quote stands verbatim in the archive it is checked against, and its locator
says where."""

from __future__ import annotations

from dataclasses import dataclass

from briefgen.check import quotes
from briefgen.check.archives import ArchiveError, read_archive
from briefgen.check.archives.locators import exists, grammar
from briefgen.check.fields import Checker
from briefgen.errors import Pos
from briefgen.facts.graph import via_loops
from briefgen.facts.load import display_path
from briefgen.facts.model import Citation, FactBase


@dataclass(frozen=True)
class LocatorFix:
    """A locator ``check --fix-locators`` writes: at ``pos`` (the locator's value, or the
    citation's first key when it has none), ``old`` (None: missing) becomes ``new``."""

    pos: Pos
    old: str | None
    new: str
    claim: str
    cite: Citation


def check_sources(checker: Checker, base: FactBase) -> None:
    """Archives exist inside content/archive/ and read, via chains end, quotes stand
    verbatim at their locators."""
    _load_archives(checker, base)
    for source in base.sources.values():
        if via_loops(base, source.id):
            checker.problem(
                source.custom.where("via"),
                "BG118",
                f"'via' of source '{source.id}' goes round in a circle",
                "a source reported by another must end at one that is not",
            )
    for source_id in base.archives:
        _check_citations(checker, base, source_id)


def _load_archives(checker: Checker, base: FactBase) -> None:
    content = checker.project.content.resolve()
    archive_root = content / "archive"
    for source in base.sources.values():
        path_text = source.custom.archive
        if not path_text:
            continue
        where = source.custom.where("archive")
        path = (content / path_text).resolve()
        if not path.is_relative_to(archive_root):
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' is outside content/archive/: '{path_text}'",
                "keep archived copies in content/archive/ and write the path relative to content/",
            )
            continue
        if not path.is_file():
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' not found: content/{path_text}",
                "put the source's archived copy there, or fix the path (relative to content/)",
            )
            continue
        try:
            base.archives[source.id] = read_archive(path)
        except OSError as exc:
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' cannot be read: content/{path_text} ({exc.strerror})",
                "check the file's permissions",
            )
        except ArchiveError as exc:
            # Bytes that are not text are pointed at in the archive itself (as BG003 does
            # for YAML); a file that cannot be read at all, at the source's archive line.
            pos = Pos(display_path(path), exc.line, exc.col) if exc.line else where
            checker.problem(pos, "BG130", f"archive of '{source.id}': {exc.message}", exc.hint)


def _check_citations(checker: Checker, base: FactBase, source_id: str) -> None:
    """Quotes and locators of every citation checked against ``source_id``'s archive."""
    archive = base.archives[source_id]
    for result in quotes.verify_quotes(base, source_id, archive):
        cite = result.cite
        if not result.verified:
            near = quotes.nearest_passage(cite.quote or "", archive.text)
            checker.problem(
                cite.where("quote"),
                "BG112",
                f"quote in claim '{result.claim}' is not in the archived text of '{source_id}'",
                f'the nearest passage reads: "{near}"',
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
    for claim in base.claims.values():
        for cite in claim.sources:
            if cite.quote or not cite.locator or quotes.archive_source(base, cite.ref) != source_id:
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
    for source_id in base.archives:
        for result in quotes.verify_quotes(base, source_id):
            if result.verified and not result.locator_matches:
                cite = result.cite
                pos = cite.where("locator") if cite.locator else cite.pos
                fixes.append(LocatorFix(pos, cite.locator, result.found[0], result.claim, cite))
    return fixes
