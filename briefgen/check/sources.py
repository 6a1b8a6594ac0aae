"""Sources and quotes: every cited source is graded, archives exist inside
content/archive/ (via circles: ``circles``), and every quote stands verbatim in the
archived text it is checked against."""

from __future__ import annotations

import hashlib

from briefgen.check import quotes
from briefgen.check.fields import Checker
from briefgen.facts.files import RefusedFile, read_regular
from briefgen.facts.graph import cited_sources, via_chain
from briefgen.facts.model import FactBase
from briefgen.facts.project import ignored_reason

#: An archived text larger than this is refused unread (as a YAML file over 8 MiB is):
#: quotes are searched in it, and it is held in memory while the fact base is checked.
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024


def check_sources(checker: Checker, base: FactBase) -> None:
    """Cited sources are graded, archives exist inside content/archive/, quotes stand verbatim."""
    check_grades(checker, base)
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
        base.archive_hashes[source.id] = hashlib.sha256(raw).hexdigest()  # for check/fingerprints.py
        base.archives[source.id] = quotes.normalise(raw.decode("utf-8", errors="replace"))
    for claim in base.claims.values():
        for cite in claim.sources:
            if not cite.quote or cite.ref not in base.sources:
                continue
            archived = _archive_for(base, cite.ref)
            if archived is None:
                continue
            source_id, text = archived
            if not quotes.quote_in(cite.quote, text):
                near = quotes.nearest_passage(cite.quote, text)
                checker.problem(
                    cite.where("quote"),
                    "BG112",
                    f"quote in claim '{claim.id}' is not in the archived text of '{source_id}'",
                    f'the nearest passage reads: "{near}"',
                )


def _archive_for(base: FactBase, source_id: str) -> tuple[str, str] | None:
    """The archived text a quote from ``source_id`` is checked against: its own, else that
    of the first source along its ``via`` chain that has one."""
    for current in via_chain(base, source_id):
        if current in base.archives:
            return current, base.archives[current]
    return None


def check_grades(checker: Checker, base: FactBase) -> None:
    """BG125: every source a brief could cite, or relay a citation through, has its
    Admiralty reliability: a note's grade is printed from it, and a missing letter would
    read as a grade never given (F says "cannot be judged")."""
    rejected = {p.pos for p in checker.problems if p.code == "BG105"}
    for source_id, relayed in cited_sources(base).items():
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
