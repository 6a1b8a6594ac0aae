"""Check a loaded fact base and turn it into typed records, reporting every problem at once.

The one entry point of the check stage, :func:`validate_project`, reads every file of the
fact base (``loading``, through the records cache) and runs the passes in order: (1) each
record against its field rules (``fields``); (2) ids unique across the base and every reference
resolving, prose included (``references``, ``links``); (3) the rules of the trade
(``claims``, ``circles``, ``sources`` and ``quotes``, ``fingerprints``, ``standards``).
On a large base, a one-shot check runs the sources and standards passes in a forked child
(``forkload``) while it runs the others, and puts their problems where they belong.
"""

from __future__ import annotations

from briefgen.check import standards
from briefgen.check.circles import check_circles
from briefgen.check.claims import check_claims
from briefgen.check.fields import Checker
from briefgen.check.fingerprints import check_fingerprints
from briefgen.check.forkload import Split, can_fork, fork_split
from briefgen.check.links import check_links
from briefgen.check.loading import load_records
from briefgen.check.recordcache import RecordCodec
from briefgen.check.references import (
    check_cross_references,
    check_prose_references,
    check_references,
    check_usage,
    ids_and_gaps,
)
from briefgen.check.sources import check_sources, load_archives
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
    texts = {k: f.lines for k, f in checker.files.items()}
    side = _fork_side_passes(checker, base, texts) if cache is None else None
    try:
        known = ids_and_gaps(checker, id_home) if reuse is not None else None
        check_references(checker, base, id_home, reuse, parts if reuse is not None else None, known)
        check_claims(checker, base, reuse)
        check_circles(checker, base, reuse)
        check_prose_references(checker, base, id_home, reuse, known)
        check_cross_references(checker, base, reuse)
        check_links(checker, base, reuse)
        sources_at = len(checker.problems)
        if side is None:
            check_sources(checker, base, reuse)
        else:
            load_archives(Checker(project), base)  # the archives as read; the child reports on them
        check_fingerprints(checker, base)
        check_usage(checker, base, reuse, parts if reuse is not None else None)
        found = _side_results(side) if side is not None else None
        if side is not None and found is None:  # the child failed: its passes here, in its place
            found = _side_passes(checker, base, texts, sources_at)
        if found is not None:
            checker.problems[sources_at:sources_at] = found[0]
            checker.problems.extend(found[1])
        else:
            checker.problems.extend(
                standards.check_standards(
                    project, base, texts, reuse, cache.load if cache is not None else load_yaml_file
                )
            )
    finally:
        if side is not None:
            side.close()
    if reuse is not None:
        reuse.finish()
    return base, checker.problems


#: Claims from which a one-shot check runs the sources and standards passes in a forked
#: child while it runs the others (the two take about 0.4 s of CPU at 10k claims; fork
#: and sending the problems back cost a few ms).
SIDE_MIN_CLAIMS = 2500


def _fork_side_passes(checker: Checker, base: FactBase, texts: dict[str, list[str]]) -> Split | None:
    """A child running ``check_sources`` and the standards on the base as loaded (they
    read nothing the passes before them write but problems of pass 1), or None."""
    if len(base.claims) < SIDE_MIN_CLAIMS or not can_fork():
        return None
    at = len(checker.problems)

    def work(_: int) -> bytes:
        sources, standards = _side_passes(checker, base, texts, at)
        codec = RecordCodec()
        return b"%d\0" % len(sources) + codec.encode_problems(sources + standards)

    return fork_split(0, 1, work)


def _side_passes(
    checker: Checker, base: FactBase, texts: dict[str, list[str]], at: int
) -> tuple[list[Problem], list[Problem]]:
    """The problems of ``check_sources`` (seeing the first ``at`` problems, as in order
    it would: pass 1's) and of the standards."""
    own = Checker(checker.project, list(checker.problems[:at]), checker.pending, checker.files, set(checker.broken))
    check_sources(own, base)
    return own.problems[at:], standards.check_standards(checker.project, base, texts, None, load_yaml_file)


def _side_results(side: Split) -> tuple[list[Problem], list[Problem]] | None:
    payload = side.take(0)
    if payload is None:
        return None
    try:
        count, rest = payload.split(b"\0", 1)
        problems = RecordCodec().decode_problems(rest)
        cut = int(count)
    except Exception:  # a damaged result: the passes run here instead
        return None
    return problems[:cut], problems[cut:]
