"""Check a loaded fact base and turn it into typed records, reporting every problem at once.

The one entry point of the check stage, :func:`validate_project`, reads every file of the
fact base (``loading``, through the records cache) and runs the passes in order: (1) each
record against its field rules (``fields``); (2) ids unique across the base and every reference
resolving, prose included (``references``, ``links``); (3) the rules of the trade
(``claims``, ``circles``, ``sources`` and ``quotes``, ``fingerprints``, ``standards``).
"""

from __future__ import annotations

from briefgen.check import standards
from briefgen.check.circles import check_circles
from briefgen.check.claims import check_claims
from briefgen.check.fields import Checker
from briefgen.check.fingerprints import check_fingerprints
from briefgen.check.links import check_links
from briefgen.check.loading import load_records
from briefgen.check.references import (
    check_cross_references,
    check_prose_references,
    check_references,
    check_usage,
    ids_and_gaps,
)
from briefgen.check.sources import check_sources
from briefgen.errors import Problem
from briefgen.facts.load import (
    ParseCache,
    load_yaml_file,
)
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.facts.reuse import reuse_for
from briefgen.gcpause import cycle_collection_paused


def validate_project(project: Project, cache: ParseCache | None = None) -> tuple[FactBase, list[Problem]]:
    """Load and check everything under ``project.content``; the base and every problem.

    With a ``cache`` (the live preview and the language server keep one), unchanged files
    are not parsed again, and what the passes work out from one record alone is reused for
    the record objects of those files (facts/reuse.py): a check after a one-file edit
    works that out for the edited file's records and runs only the joins across files.
    The cycle collector is paused meanwhile (see gcpause): it would find nothing to free.
    """
    with cycle_collection_paused():
        return _validate_project(project, cache)


def _validate_project(project: Project, cache: ParseCache | None) -> tuple[FactBase, list[Problem]]:
    checker = Checker(project)
    reuse = reuse_for(cache) if cache is not None else None
    if reuse is not None:
        reuse.start()
    loaded = load_records(project, checker, cache, reuse)
    base, id_home, parts = loaded.base, loaded.id_home, loaded.parts
    known = ids_and_gaps(checker, id_home) if reuse is not None else None
    check_references(checker, base, id_home, reuse, parts if reuse is not None else None, known)
    check_claims(checker, base, reuse)
    check_circles(checker, base, reuse)
    check_prose_references(checker, base, id_home, reuse, known)
    check_cross_references(checker, base, reuse)
    check_links(checker, base, reuse)
    check_sources(checker, base, reuse)
    check_fingerprints(checker, base)
    check_usage(checker, base, reuse, parts if reuse is not None else None)
    texts = {k: f.lines for k, f in checker.files.items()}
    checker.problems.extend(
        standards.check_standards(project, base, texts, reuse, cache.load if cache is not None else load_yaml_file)
    )
    if reuse is not None:
        reuse.finish()
    return base, checker.problems
