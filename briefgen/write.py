"""Write outputs atomically: a temporary file in the same folder, fsync, then rename.

A failed or interrupted build therefore leaves the previous file whole; readers (the
preview server, a PDF viewer) never see a half-written one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

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


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once, or leave it as it was."""
    ensure_folder(path.parent)
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise BriefgenError(_problem(path, exc)) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
