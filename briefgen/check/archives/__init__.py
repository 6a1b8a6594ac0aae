"""Archived sources read into located passages: what a quote is checked against.

An archive is a plain-text file (``.txt``), a saved web page (``.html``, ``.htm``) or a
PDF (``.pdf``) under ``content/archive/``. Each reader turns its format into a list of
:class:`Passage` (a locator such as ``para. 3`` or ``p. 12``, and the passage's text
under the one normalisation of :mod:`.normalise`); quotes are then found in the passages
and their locators checked against where they were found (``check/quotes.py``). The
format rules (what a paragraph is, page labels) are in docs/content-format.md.

Archives are untrusted content: every reader refuses what it cannot read with an
:class:`ArchiveError`, never a traceback, and the PDF and web page readers run in a
child process (:mod:`.child`) that is killed when it takes too long.
"""

from __future__ import annotations

from briefgen.check.archives.model import Archive, ArchiveError, Passage
from briefgen.check.archives.read import FORMATS, read_archive

__all__ = ["FORMATS", "Archive", "ArchiveError", "Passage", "read_archive"]
