"""Pass 1 of the check: every file of the fact base read into typed records.

Each file comes from the records cache when its bytes were checked before (check/recordcache.py), from the
caller's ParseCache (the live preview, the language server), or is parsed and checked
against its field rules (``fields``). Ids are made unique across the base here. What
checks one record alone ends here: the passes across records are ``validate``'s.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any, NamedTuple

from briefgen.check.fields import Checker, PendingRef, type_name
from briefgen.check.forkload import FORK_MIN_BYTES, Split, can_fork, fork_split
from briefgen.check.recordcache import RecordCache, RecordCodec, record_cache
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
    unparsed,
)
from briefgen.facts.model import COLLECTIONS, FactBase, Record
from briefgen.facts.project import Project, refuse_content_file
from briefgen.facts.reuse import Reuse, no_reuse
from briefgen.gcpause import cycle_collection_paused
from briefgen.words import a


class Loaded(NamedTuple):
    """The fact base as read, and what the passes across records need of the reading."""

    base: FactBase
    #: each id, with the collection and place it was first written
    id_home: dict[str, tuple[str, Pos]]
    #: each file's references still to resolve (kept for reuse)
    parts: list[list[PendingRef]]
    #: each file's records in the base (kept for reuse)
    in_base: list[tuple[str, list[Record]]]


def read_base(project: Project) -> tuple[FactBase, dict[Path, bytes | None]]:
    """The fact base as pass 1 reads it, with no pass across records run: for a project
    whose check result is known (check/resultcache.py), so its problems are known too.
    With it, each file's bytes as read (SHA-1; None where the bytes were not seen), so the
    caller can tell they are the bytes that were checked."""
    read: dict[Path, bytes | None] = {}
    with cycle_collection_paused():
        return load_records(project, Checker(project), None, None, read).base, read


def load_records(
    project: Project,
    checker: Checker,
    cache: ParseCache | None,
    reuse: Reuse | None,
    read: dict[Path, bytes | None] | None = None,
) -> Loaded:
    """Every collection file of ``project`` read into records, each checked on its own;
    problems go to ``checker``. ``read``, when given, gets each file's bytes as read
    (SHA-1), None for a file read without its bytes being seen here."""
    base = FactBase()
    disk = record_cache() if cache is None else None  # the preview's memory cache is faster still
    parts: list[list[PendingRef]] = []  # each file's pending references (for reuse)
    in_base: list[tuple[str, list[Record]]] = []  # each file's records in the base (for reuse)
    if reuse is not None:
        reuse.files = in_base
    ids = reuse.job("validate.ids") if reuse is not None else no_reuse
    wrote_cache = False
    files, problems = project.collection_files()
    checker.problems.extend(problems)
    id_home: dict[str, tuple[str, Pos]] = {}
    plan = _plan(project, files, disk) if cache is None else None
    split = _fork(project, files, plan, disk) if plan is not None and plan.start < len(files) else None
    codec = disk if disk is not None else RecordCodec()  # one for all the child's files: it keeps class tables
    try:
        for index, (collection, path) in enumerate(files):
            if split is not None:
                split.drain()  # so that the child never waits on a full pipe
            refused = plan.refusals[index] if plan is not None else refuse_content_file(project, path)
            if refused is not None:
                checker.problems.append(refused)
                checker.broken.add(collection)
                continue
            disk_hit, disk_key, encoded = None, None, None
            prepared = plan.prepared.get(index) if plan is not None else None
            from_child = (
                _from_child(split, index, path, prepared, codec) if split is not None and prepared is not None else None
            )
            raw: bytes | None = prepared[0] if prepared is not None else None
            if from_child is not None:
                loaded, disk_hit, encoded = from_child
                disk_key = prepared[1] if prepared is not None else None
            elif cache is not None:
                loaded = cache.load(path)
            elif disk is not None:
                loaded, disk_hit, disk_key, raw = _load_with_disk(disk, path, collection, prepared)
            elif prepared is not None:
                loaded = parse_bytes(path, display_path(path), prepared[0])
            else:
                loaded = load_yaml_file(path)
            if read is not None:
                read[path] = hashlib.sha1(raw).digest() if raw is not None and cache is None else None
            checker.files[loaded.display] = loaded
            memo = cache.records.get(path) if cache is not None else None
            if disk_hit is not None:
                records, file_problems, pending, broken = disk_hit
                checker.problems.extend(file_problems)
                checker.pending.extend(pending)
                if encoded is not None and disk is not None and disk_key is not None:
                    wrote_cache = True
                    disk.put_encoded(disk_key, encoded)
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
                        f"id '{rid}' is already used by {a(other_collection[:-1])} at {other}",
                        "ids are unique across the whole fact base: rename one",
                    )
                    whole = False
                    continue
                id_home[rid] = (collection, where)
                held[rid] = rec
            # The file's own list while all its records are in the base (the same object
            # while the file is unchanged: results kept by it are reused), else a new one.
            in_base.append((collection, records if whole else [r for r in records if held.get(r.id) is r]))  # type: ignore[attr-defined,misc]
    finally:
        if split is not None:
            split.close()
    if disk is not None and wrote_cache:
        disk.prune()
    return Loaded(base, id_home, parts, in_base)


def _load_with_disk(
    disk: RecordCache, path: Path, collection: str, prepared: tuple[bytes, str | None] | None = None
) -> tuple[LoadedFile, Any, str | None, bytes | None]:
    """The file, its checked records from the disk cache when its bytes are known there,
    their key, and the bytes read (``prepared``: the file's bytes and key, already read)."""
    display = display_path(path)
    if prepared is not None and prepared[1] is not None:
        raw, key = prepared[0], prepared[1]
    else:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return load_yaml_file(path), None, None, None
            raw = path.read_bytes()
        except OSError:
            return load_yaml_file(path), None, None, None
        key = disk.key(display, collection, raw)
    hit = disk.get(key, display)
    if hit is not None:
        return unparsed(path, display, raw), hit, key, raw
    return parse_bytes(path, display, raw), None, key, raw


class _Plan(NamedTuple):
    """What a large cold pass 1 knows before it forks (see check/forkload.py)."""

    #: each file's refusal (refuse_content_file), made once
    refusals: list[Problem | None]
    #: by index, each readable file's bytes and its records-cache key (None: no cache)
    prepared: dict[int, tuple[bytes, str | None]]
    #: the indices of the files to parse (not in the records cache)
    to_parse: set[int]
    #: the first index the child does
    start: int


#: The share of the bytes to parse the child takes: it also encodes its results, and runs
#: about 30% slower beside the parent than alone (two processes on this 2-core machine
#: share its caches), so it takes less than half. Since the line walk (facts/yamllines.py)
#: made parsing cheaper, encoding is a larger part of the child's work: at 0.40 the parent
#: waited 0.05-0.15 s for it; 0.20 to 0.35 measure the same (bench/README.md).
CHILD_SHARE = 0.30


def _plan(project: Project, files: list[tuple[str, Path]], disk: RecordCache | None) -> _Plan | None:
    """The files read and split between parent and child (none for the child when little
    is left to parse), or None: few bytes in all, or no forking here."""
    sizes = 0
    for _, path in files:
        with contextlib.suppress(OSError):  # the loop reports it
            sizes += path.stat().st_size
    if sizes < FORK_MIN_BYTES or not can_fork():
        return None
    refusals = [refuse_content_file(project, path) for _, path in files]
    prepared: dict[int, tuple[bytes, str | None]] = {}
    to_parse: dict[int, int] = {}
    for index, ((collection, path), refused) in enumerate(zip(files, refusals, strict=True)):
        if refused is not None:
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            raw = path.read_bytes()
        except OSError:
            continue  # the loop reports it, as it would without a plan
        key = disk.key(display_path(path), collection, raw) if disk is not None else None
        prepared[index] = (raw, key)
        if key is None or not disk.has(key):  # type: ignore[union-attr]
            to_parse[index] = len(raw)
    total = sum(to_parse.values())
    if total < FORK_MIN_BYTES:  # mostly in the records cache: no child, the bytes read serve
        return _Plan(refusals, prepared, set(), len(files))
    start, taken = len(files), 0
    for index in sorted(to_parse, reverse=True):
        if taken >= CHILD_SHARE * total:
            break
        start, taken = index, taken + to_parse[index]
    return _Plan(refusals, prepared, set(to_parse), start)


def _fork(project: Project, files: list[tuple[str, Path]], plan: _Plan, disk: RecordCache | None) -> Split | None:
    """The child that parses and checks the files from ``plan.start`` on."""
    codec = disk if disk is not None else RecordCodec()

    def work(index: int) -> bytes:
        if index not in plan.to_parse:
            return b""  # refused, unreadable or in the records cache: the parent's to do
        collection, path = files[index]
        display = display_path(path)
        loaded = parse_bytes(path, display, plan.prepared[index][0])
        checker = Checker(project)
        checker.files[display] = loaded
        broken = any(p.severity == "error" for p in loaded.problems)
        checker.problems.extend(loaded.problems)
        records = _file_records(checker, collection, loaded)
        return codec.encode_payload((records, checker.problems, checker.pending, broken), display) or b""

    return fork_split(plan.start, len(files), work)


def _from_child(
    split: Split, index: int, path: Path, prepared: tuple[bytes, str | None], codec: RecordCodec
) -> tuple[LoadedFile, Any, bytes] | None:
    """The file as the child read and checked it (as a records-cache hit is: no parsed
    data), with the bytes it came in; None when the parent is to do it."""
    payload = split.take(index)
    if payload is None:
        return None
    display = display_path(path)
    try:
        found = codec.decode_payload(payload, display)
    except Exception:  # a damaged result: parse the file here instead
        return None
    return unparsed(path, display, prepared[0]), found, payload


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
