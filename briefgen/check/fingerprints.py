"""Archive fingerprints: the archived file a source's quotes were verified against is the
file still there, byte for byte.

A quote check proves a quote stands in the archive; it cannot tell that the archive was
swapped for another text (a re-download, an edit "to fix a typo") since the analyst
verified it. ``custom.archive_sha256`` records the file's SHA-256 (``briefgen archive``
writes it), and every check compares it with the bytes the sources pass read.
"""

from __future__ import annotations

from briefgen.check.fields import Checker
from briefgen.facts.model import FactBase


def check_fingerprints(checker: Checker, base: FactBase) -> None:
    """BG126: an archive whose bytes no longer match its recorded SHA-256; BG214: an
    archive with no SHA-256 recorded (a warning, with the value to add)."""
    for source in base.sources.values():
        actual = base.archive_hashes.get(source.id)
        if actual is None:
            continue  # no archive, or one that could not be read (BG113 says so)
        recorded = source.custom.archive_sha256
        where_archive = source.custom.where("archive")
        if not recorded:
            checker.problem(
                where_archive,
                "BG214",
                f"archive of '{source.id}' has no fingerprint: add archive_sha256: {actual}",
                "once its quotes are verified, record it: "
                f"briefgen archive {source.id} content/{source.custom.archive} "
                f"(or write 'archive_sha256: {actual}' under 'custom:')",
                severity="warning",
            )
            continue
        if recorded.strip().lower() != actual:
            checker.problem(
                source.custom.where("archive_sha256"),
                "BG126",
                f"archive of '{source.id}' (content/{source.custom.archive}) has changed since it was recorded: "
                f"archive_sha256 is {recorded.strip()}, the file's bytes hash to {actual}",
                "re-verify the quotes citing it against the new text, then run "
                f"briefgen archive {source.id} FILE to record the new file",
            )
