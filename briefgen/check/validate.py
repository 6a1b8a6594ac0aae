"""Check a loaded fact base and turn it into typed records, reporting every problem at once.

The one entry point of the check stage, :func:`validate_project`, reads every file of the
fact base (through the records cache) and runs the passes in order: (1) each record
against its field rules (``fields``); (2) ids unique across the base and every reference
resolving, prose included (``references``, ``links``); (3) the rules of the trade
(``claims``, ``circles``, ``sources`` and ``quotes``, ``fingerprints``, ``standards``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from briefgen.check import standards
from briefgen.check.circles import check_circles
from briefgen.check.claims import check_claims
from briefgen.check.fields import Checker, PendingRef, type_name
from briefgen.check.fingerprints import check_fingerprints
from briefgen.check.links import check_links
from briefgen.check.recordcache import RecordCache, record_cache
from briefgen.check.references import (
    check_cross_references,
    check_prose_references,
    check_references,
    check_usage,
    ids_and_gaps,
)
from briefgen.check.sources import check_sources
from briefgen.errors import Pos, Problem
from briefgen.facts.kinds import MAX_ID_LEN
from briefgen.facts.load import (
    MAX_FILE_BYTES,
    LoadedFile,
    ParseCache,
    YList,
    YMap,
    display_path,
    load_yaml_file,
    parse_bytes,
)
from briefgen.facts.model import COLLECTIONS, FactBase, Record
from briefgen.facts.project import Project, refuse_content_file
from briefgen.facts.reuse import no_reuse, reuse_for
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
    base = FactBase()
    disk = record_cache() if cache is None else None  # the preview's memory cache is faster still
    reuse = reuse_for(cache) if cache is not None else None
    if reuse is not None:
        reuse.start()
    parts: list[list[PendingRef]] = []  # each file's pending references (for reuse)
    in_base: list[tuple[str, list[Record]]] = []  # each file's records in the base (for reuse)
    if reuse is not None:
        reuse.files = in_base
    ids = reuse.job("validate.ids") if reuse is not None else no_reuse
    wrote_cache = False
    files, problems = project.collection_files()
    checker.problems.extend(problems)
    id_home: dict[str, tuple[str, Pos]] = {}
    for collection, path in files:
        refused = refuse_content_file(project, path)
        if refused is not None:
            checker.problems.append(refused)
            checker.broken.add(collection)
            continue
        disk_hit, disk_key = None, None
        if cache is not None:
            loaded = cache.load(path)
        elif disk is not None:
            loaded, disk_hit, disk_key = _load_with_disk(disk, path, collection)
        else:
            loaded = load_yaml_file(path)
        checker.files[loaded.display] = loaded
        memo = cache.records.get(path) if cache is not None else None
        if disk_hit is not None:
            records, file_problems, pending, broken = disk_hit
            checker.problems.extend(file_problems)
            checker.pending.extend(pending)
        elif memo is not None and memo[0] is loaded:
            # The file is unchanged since the last run: its records and the problems found
            # in them alone stand as they were (cross-file checks run again below).
            _, records, file_problems, pending, broken = memo
            checker.problems.extend(file_problems)
            checker.pending.extend(pending)
            parts.append(pending)
        else:
            first_problem, first_pending = len(checker.problems), len(checker.pending)
            broken = any(p.severity == "error" for p in loaded.problems)
            checker.problems.extend(loaded.problems)
            records = _file_records(checker, collection, loaded)
            file_pending = checker.pending[first_pending:]
            parts.append(file_pending)
            if cache is not None:
                cache.records[path] = (loaded, records, checker.problems[first_problem:], file_pending, broken)
            if disk is not None and disk_key is not None:
                wrote_cache = True
                found = (records, checker.problems[first_problem:], checker.pending[first_pending:], broken)
                disk.put(disk_key, loaded.display, found)
        if broken:
            checker.broken.add(collection)
        whole = True
        held = base.collection(collection)
        for rec, (rid, where) in zip(records, ids(records, _ids), strict=True):
            if rid in id_home:
                other_collection, other = id_home[rid]
                checker.problem(
                    where,
                    "BG107",
                    f"id '{rid}' is already used by a {other_collection[:-1]} at {other}",
                    "ids are unique across the whole fact base: rename one",
                )
                whole = False
                continue
            id_home[rid] = (collection, where)
            held[rid] = rec
        # The file's own list while all its records are in the base (the same object
        # while the file is unchanged: results kept by it are reused), else a new one.
        in_base.append((collection, records if whole else [r for r in records if held.get(r.id) is r]))  # type: ignore[attr-defined,misc]
    if disk is not None and wrote_cache:
        disk.prune()
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


def _load_with_disk(disk: RecordCache, path: Path, collection: str) -> tuple[LoadedFile, Any, str | None]:
    """The file, and its checked records from the disk cache when its bytes are known there."""
    display = display_path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return load_yaml_file(path), None, None
        raw = path.read_bytes()
    except OSError:
        return load_yaml_file(path), None, None
    key = disk.key(display, collection, raw)
    hit = disk.get(key, display)
    if hit is not None:
        return LoadedFile(path, display, None, [], raw.decode("utf-8-sig", errors="replace")), hit, key
    return parse_bytes(path, display, raw), None, key


def _ids(records: list[Record]) -> list[tuple[str, Pos]]:
    """Each record's id and where it is written."""
    return [(rec.id, rec.where("id")) for rec in records]  # type: ignore[attr-defined]


def _file_records(checker: Checker, collection: str, loaded: LoadedFile) -> list[Record]:
    """The records of one file, checked against their field rules (pass 1)."""
    data = loaded.data
    if data is None:
        if not loaded.problems:
            checker.problem(
                Pos(loaded.display), "BG007", "file is empty", "add records or delete the file", severity="warning"
            )
        return []
    if isinstance(data, YMap):
        items, positions = [data], [data.pos]
    elif isinstance(data, YList):
        items, positions = list(data), list(data.item_pos)
    else:
        checker.problem(
            Pos(loaded.display, 1, 1),
            "BG008",
            f"a {collection} file holds a list of records or one record, found {type_name(data)}",
            "start each record with '- id: ...'",
        )
        return []
    cls = COLLECTIONS[collection]
    singular = collection[:-1]
    records = []
    for item, pos in zip(items, positions, strict=True):
        ident = item.get("id") if isinstance(item, YMap) else None
        if isinstance(ident, str) and len(ident) > MAX_ID_LEN:
            ident = ident[:40] + "..."  # too long an id (BG123) is not repeated whole in every message
        label = f"{singular} '{ident}'" if isinstance(ident, str) else f"a {singular}"
        rec = checker.record(cls, item, pos, label)
        if rec is not None and getattr(rec, "id", None):
            records.append(rec)
    return records
