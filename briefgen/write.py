"""Write outputs atomically: a temporary file in the same folder, fsync, then rename.

A failed or interrupted build therefore leaves the previous file whole; readers (the
preview server, a PDF viewer) never see a half-written one. A build's files are written
all to temporary files first and renamed only when every one is on disk, so an
interruption (Ctrl-C, kill -9, a full disk) leaves all the previous outputs as they were.

A process killed outright cannot remove its temporary file (``.NAME.XXXXXXXX.part``);
the next write into that folder does, for output names only, and only when no live
writer holds the file's lock (every writer locks its temporary file until the rename).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no locks, so stale temporary files are left alone
    fcntl = None  # type: ignore[assignment]

from briefgen.errors import BriefgenError, Pos, Problem


def _problem(path: Path, exc: OSError) -> Problem:
    where = Pos(str(path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Problem(
            where,
            "BG401",
            f"cannot write here: {exc.strerror}",
            "choose another folder with --out, or fix the folder's permissions",
        )
    if exc.errno == errno.ENOSPC:
        return Problem(
            where, "BG402", "the disk is full", "free some space and build again; earlier outputs are intact"
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return Problem(
            where, "BG401", f"cannot write here: {exc.strerror}", "the output path names a file, not a folder"
        )
    return Problem(where, "BG403", f"cannot write the output: {exc.strerror or exc}", "check the output folder")


def ensure_folder(folder: Path) -> None:
    """Create the output folder (and parents), or fail with a clear message."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BriefgenError(_problem(folder, exc)) from None
    if not os.access(folder, os.W_OK):
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


def write_all_atomic(files: Mapping[Path, bytes]) -> list[Path]:
    """Replace every file of ``files`` with its data, or leave them all as they were.

    Each goes to a locked temporary file beside it and is synced; only when all are on
    disk are they renamed, one after the other (a rename cannot half-happen).
    """
    pending: list[tuple[Path, str, int]] = []  # final path, temporary name, locked fd
    renamed: list[Path] = []
    current: Path | None = None
    try:
        for folder in dict.fromkeys(path.parent for path in files):
            ensure_folder(folder)
            clean_stale_parts(folder)
        for path, data in files.items():
            current = path
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            pending.append((path, tmp_name, fd))
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            _write_fd(fd, data)
            os.fsync(fd)
            os.fchmod(fd, 0o644)
        for path, tmp_name, _fd in pending:
            current = path
            os.replace(tmp_name, path)
            renamed.append(path)
        for folder in dict.fromkeys(path.parent for path in renamed):
            _sync_folder(folder)
    except OSError as exc:
        raise BriefgenError(_problem(current or next(iter(files)), exc)) from None
    finally:
        done = set(renamed)
        for path, tmp_name, fd in pending:
            with contextlib.suppress(OSError):
                os.close(fd)
            if path not in done:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
    return renamed


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
