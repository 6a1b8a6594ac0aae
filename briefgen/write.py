"""Write outputs atomically: temporary files beside their targets, fsync, then rename.

A failed or interrupted build therefore leaves the previous file whole; readers (the
preview server, a PDF viewer) never see a half-written one.

The files of one write (a build's outputs) switch as one set, folder by folder:

1. every target is checked first (``check_targets``): a folder standing where a file goes,
   a read-only file, a folder that cannot be written is BG401, and nothing is touched;
2. every file is written to a locked temporary file beside its target and synced;
3. a journal, ``.briefgen-switch``, naming those temporary files, is written and synced
   (atomically: ``.briefgen-switch.new`` renamed into place);
4. the temporary files are renamed over their targets, the folder synced, the journal
   removed.

A process killed before step 3 leaves every previous output as it was (and stale
temporary files, removed by the next write). Killed during step 4, the folder holds some
new files and some old until the next briefgen run that writes there, or any ``build``
or ``check`` at its start, which completes the renames from the journal (rolls forward):
from then on the folder is all new. Writers of one folder take turns (an ``flock`` on the
folder), so two builds at once never mix their outputs either.

A process killed outright cannot remove its temporary files (``.NAME.XXXXXXXX.part``);
the next write into that folder does, for output names only, and only when no live
writer holds the file's lock (every writer locks its temporary files until the rename).

Test-only: ``BRIEFGEN_TEST_PAUSE_BETWEEN_RENAMES=K`` makes a write that keeps a journal
stop after K of its renames (0: with the journal on disk, before the first), say so on
stderr and sleep, so tests can kill it there. Never set it otherwise.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no locks, so stale temporary files are left alone
    fcntl = None  # type: ignore[assignment]

from briefgen.errors import BriefgenError, Pos, Problem

#: BG401's hint from this layer, which does not know how its command writes elsewhere:
#: ``build`` names its ``--out`` (commands/check_build.py); ``init`` takes it as it is.
UNWRITABLE_HINT = "choose another folder, or fix the folder's permissions"


def _problem(path: Path, exc: OSError) -> Problem:
    where = Pos(str(path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Problem(where, "BG401", f"cannot write here: {exc.strerror}", UNWRITABLE_HINT)
    if exc.errno == errno.ENOSPC:
        return Problem(
            where, "BG402", "the disk is full", "free some space and build again; earlier outputs are intact"
        )
    if exc.errno == errno.ENOENT:
        return Problem(
            where,
            "BG403",
            f"cannot create the output folder: {exc.strerror}",
            "check the path (the folders above it must exist and take new folders), or choose another folder",
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return Problem(
            where,
            "BG401",
            "cannot write here: a file stands where a folder goes",
            "the output path names a file, not a folder",
        )
    return Problem(where, "BG403", f"cannot write the output: {exc.strerror or exc}", "check the output folder")


def ensure_folder(folder: Path) -> None:
    """Create the output folder (and parents), or fail with a clear message."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BriefgenError(_problem(folder, exc)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BriefgenError(_problem(folder, OSError(errno.EACCES, "permission denied")))


#: A temporary file of a brief's output: ``.<brief-id>.html|pdf.`` + mkstemp's 8 characters + ``.part``.
_PART_RE = re.compile(r"^\.[a-z0-9]+(?:-[a-z0-9]+)*\.(?:html|pdf)\.[a-z0-9_]{8}\.part$")
#: A temporary file younger than this is never removed: its writer may not have locked it yet.
STALE_AFTER = 2.0


def clean_stale_parts(folder: Path) -> list[Path]:
    """Remove temporary output files that a killed build left in ``folder``.

    Careful on purpose: only names of our own pattern, only regular files, only when older
    than STALE_AFTER and when the lock can be taken (a live writer holds it until its
    rename; the kernel drops the lock of a killed one).
    """
    removed: list[Path] = []
    if fcntl is None:
        return removed
    try:
        entries = [e for e in os.scandir(folder) if _PART_RE.match(e.name)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < STALE_AFTER:
                continue
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino == info.st_ino:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # locked by a live writer, or gone already
        finally:
            os.close(fd)
    return removed


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# -- checking the targets before anything is written -------------------------------------------


def check_targets(paths: Iterable[Path]) -> None:
    """Fail with BG401 for every target that could not be replaced, before anything changes.

    Called by the build before it lays anything out (a mistake shows in a second, not after
    the PDFs), and again by ``write_all_atomic`` itself, since the disk may change meanwhile.
    """
    paths = list(paths)
    problems: list[Problem] = []
    bad_folders: set[Path] = set()
    for folder in dict.fromkeys(path.parent for path in paths):
        try:
            ensure_folder(folder)
        except BriefgenError as exc:
            problems.extend(exc.problems)
            bad_folders.add(folder)
    for path in paths:
        if path.parent in bad_folders:
            continue
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(_problem(path, exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            problems.append(
                Problem(
                    Pos(str(path)),
                    "BG401",
                    f"cannot write here: a folder stands where {path.name} goes",
                    "move or remove that folder, or build into another with --out",
                )
            )
        elif stat.S_ISREG(info.st_mode) and (not info.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK)):
            # The rename would replace it regardless; a read-only file was made so on purpose.
            problems.append(
                Problem(
                    Pos(str(path)),
                    "BG401",
                    "cannot write here: the file is read-only",
                    f"make it writable (chmod u+w {path}), or choose another folder with --out",
                )
            )
    if problems:
        raise BriefgenError(problems)


# -- the journal of a switch ----------------------------------------------------------------------

JOURNAL = ".briefgen-switch"
_JOURNAL_NEW = JOURNAL + ".new"
_JOURNAL_HEAD = "briefgen-switch 1"
#: A temporary file of ours, any target name: ``.<name>.`` + mkstemp's 8 characters + ``.part``.
_TEMP_RE = re.compile(r"^\.(?P<target>[^/\0]+)\.[a-z0-9_]{8}\.part$")
#: Seconds to wait for another writer of the same folder before giving up (BG410).
LOCK_WAIT = 30.0
PAUSE_ENV = "BRIEFGEN_TEST_PAUSE_BETWEEN_RENAMES"


def _journal_text(temp_names: list[str]) -> bytes:
    body = "".join(f"{line}\n" for line in [_JOURNAL_HEAD, *temp_names])
    return (body + f"sha256 {hashlib.sha256(body.encode()).hexdigest()}\n").encode()


def _journal_names(raw: bytes) -> list[str] | None:
    """The temporary names a journal lists, or None when it is not a whole journal of ours."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return None
    body, _, last = text.rstrip("\n").rpartition("\n")
    lines = body.split("\n")
    digest = hashlib.sha256((body + "\n").encode()).hexdigest()
    if lines[0] != _JOURNAL_HEAD or last != f"sha256 {digest}":
        return None
    names = lines[1:]
    return names if all(_TEMP_RE.match(name) for name in names) else None


def _write_journal(folder: Path, temp_names: list[str]) -> None:
    """Put the journal on disk, whole (written beside, synced, renamed, the folder synced)."""
    new = folder / _JOURNAL_NEW
    fd = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        try:
            _write_fd(fd, _journal_text(temp_names))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(new, folder / JOURNAL)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(new)
        raise
    _sync_folder(folder)


def _roll_forward(folder: Path) -> list[Path]:
    """Finish the switch a journal in ``folder`` describes; the targets replaced now.

    The caller holds the folder's lock. Temporary files already renamed are simply gone;
    a journal that is not whole (never written by a briefgen) is removed unused.
    """
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / _JOURNAL_NEW)  # a journal being written when its writer died
    journal = folder / JOURNAL
    try:
        fd = os.open(journal, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return []
    try:
        raw = os.read(fd, 1 << 20)
    finally:
        os.close(fd)
    done: list[Path] = []
    failure: OSError | None = None
    for name in _journal_names(raw) or []:
        temp = folder / name
        try:
            if not stat.S_ISREG(os.lstat(temp).st_mode):
                continue
            target = folder / _TEMP_RE.match(name)["target"]  # type: ignore[index]
            os.replace(temp, target)
            done.append(target)
        except FileNotFoundError:
            continue  # renamed before the writer died
        except OSError as exc:
            failure = failure or exc  # the others still go: as few old files left as can be
    _sync_folder(folder)
    if failure is not None:
        raise failure  # the journal stays, for the next run
    os.unlink(journal)
    _sync_folder(folder)
    return done


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s lock: one writer at a time switches its files (BG410 after LOCK_WAIT)."""
    fd = -1
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while fd >= 0:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BriefgenError(
                        Problem(
                            Pos(str(folder)),
                            "BG410",
                            f"another briefgen process has been writing into this folder for over {LOCK_WAIT:.0f} s",
                            "wait for it to finish, or stop it; then build again",
                        )
                    ) from None
                time.sleep(0.05)
            except OSError:
                break  # a filesystem without locks: go on without
        yield
    finally:
        if fd >= 0:
            os.close(fd)


def complete_switch(folder: Path) -> list[Path]:
    """Finish a switch of outputs that a killed process left half done in ``folder``.

    Returns the outputs replaced now (none, almost always: the journal is looked for first,
    without a lock). A failure is a Problem at the path (BG401, BG403).
    """
    if not os.path.lexists(folder / JOURNAL) and not os.path.lexists(folder / _JOURNAL_NEW):
        return []
    with _folder_lock(folder):
        try:
            return _roll_forward(folder)
        except OSError as exc:
            raise BriefgenError(_problem(folder, exc)) from None


def finish_interrupted_switch(folder: Path) -> list[Path]:
    """Complete the switch of outputs a killed build left half done in ``folder``; the
    outputs replaced. Best effort: a folder that cannot be written now is reported when
    the build writes, and ``check`` writes nothing of its own."""
    try:
        return complete_switch(folder)
    except BriefgenError:
        return []


def _pause_for_tests(renamed: int) -> None:
    """The test-only stop between renames (see the module's docstring)."""
    wanted = os.environ.get(PAUSE_ENV)
    if wanted is not None and wanted.strip() == str(renamed):
        print(f"briefgen-test: paused after {renamed} renames", file=sys.stderr, flush=True)
        time.sleep(600)


# -- writing ---------------------------------------------------------------------------------------


def write_all_atomic(files: Mapping[Path, bytes]) -> list[Path]:
    """Replace every file of ``files`` with its data, as one set (see the module's docstring).

    Each goes to a locked temporary file beside it and is synced; only when all are on
    disk, and the journal naming them, are they renamed, one after the other.
    """
    by_folder: dict[Path, list[Path]] = {}
    for path in files:
        by_folder.setdefault(path.parent, []).append(path)
    with contextlib.ExitStack() as locks:
        for folder in sorted(by_folder):  # one order for every writer: no deadlock
            ensure_folder(folder)
            locks.enter_context(_folder_lock(folder))
            try:
                _roll_forward(folder)
            except OSError as exc:
                raise BriefgenError(_problem(folder, exc)) from None
            clean_stale_parts(folder)
        check_targets(files)
        return _switch(files, by_folder)


def _switch(files: Mapping[Path, bytes], by_folder: dict[Path, list[Path]]) -> list[Path]:
    pending: list[tuple[Path, str, int]] = []  # final path, temporary name, locked fd
    journaled: set[Path] = set()  # folders whose journal is on disk: their temporaries are its
    renamed: list[Path] = []
    current = next(iter(files))
    switching = False
    try:
        for path, data in files.items():
            current = path
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            pending.append((path, tmp_name, fd))
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            _write_fd(fd, data)
            os.fsync(fd)
            os.fchmod(fd, 0o644)
        for folder, paths in by_folder.items():
            if len(paths) > 1:  # one rename needs no journal: it cannot half-happen
                current = folder / JOURNAL
                temp_names = [Path(tmp).name for path, tmp, _fd in pending if path.parent == folder]
                _write_journal(folder, temp_names)
                journaled.add(folder)
        switching = True
        _pause_for_tests(0)
        for path, tmp_name, _fd in pending:
            current = path
            os.replace(tmp_name, path)
            renamed.append(path)
            _pause_for_tests(len(renamed))
        for folder in by_folder:
            _sync_folder(folder)
        for folder in list(journaled):
            current = folder / JOURNAL
            os.unlink(folder / JOURNAL)
            journaled.discard(folder)
            _sync_folder(folder)
    except BaseException as exc:
        unfinished = _settle(journaled, switching)
        if not isinstance(exc, OSError):
            raise  # Ctrl-C: the switch, once begun, was finished by _settle
        problem = _problem(current, exc)
        if unfinished:
            problem = Problem(
                problem.pos,
                problem.code,
                f"{problem.message}; some outputs were replaced and some not yet",
                f"{problem.hint}; the next briefgen build or check in {', '.join(map(str, unfinished))} "
                "replaces the rest from .briefgen-switch",
            )
        raise BriefgenError(problem) from None
    finally:
        done = set(renamed)
        for path, tmp_name, fd in pending:
            with contextlib.suppress(OSError):
                os.close(fd)
            if path not in done and path.parent not in journaled:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
    return renamed


def _settle(journaled: set[Path], switching: bool) -> list[Path]:
    """After a failure: undo a switch not begun, finish one begun; the folders left unfinished."""
    unfinished = []
    for folder in sorted(journaled):
        try:
            if switching:
                _roll_forward(folder)
            else:
                os.unlink(folder / JOURNAL)
            journaled.discard(folder)
        except OSError:
            unfinished.append(folder)  # the journal stays: the next run finishes the renames
    return unfinished


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (the folder's entries), where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once, or leave it as it was."""
    write_all_atomic({path: data})
