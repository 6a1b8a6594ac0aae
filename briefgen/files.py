"""Paths briefgen is handed (by content, the command line or its cache folder): resolved
without a traceback on a link loop, and read only as a regular file, only up to a size
limit, never blocking on a FIFO or a device. A module of the bottom layer, so every stage
and the cache read the same way.

Content is untrusted, so a path in it may name a named pipe (a read would wait forever)
or a device (``/dev/zero`` would fill memory). The file is opened with ``O_NONBLOCK``
(opening a FIFO then returns at once instead of waiting for a writer) and checked with
``fstat`` on the open descriptor, so what is checked is what is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class RefusedFile(Exception):
    """A file that is not read: ``reason`` says why, for a message ("is a FIFO", ...)."""

    def __init__(self, reason: str, size: int | None = None):
        super().__init__(reason)
        self.reason = reason
        #: the file's size when it is refused for being too large
        self.size = size


def resolve(path: Path) -> Path:
    """``path`` made absolute with every link followed, as ``Path.resolve`` does, except
    that a link loop (``a -> a``, ``a -> b -> a``) is an ``OSError`` (ELOOP) on every Python
    (3.11 may raise RuntimeError): callers handle it as any other unusable path, never as
    a traceback. Every path from content or the command line is resolved through here."""
    try:
        return path.resolve()
    except RuntimeError as exc:  # Python < 3.13 on some loops
        raise OSError(errno.ELOOP, "a loop of symbolic links", str(path)) from exc


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes.

    Raises :class:`RefusedFile` for anything else (a FIFO, a device, a folder, a file
    over the limit) and ``OSError`` when it cannot be opened (missing, permissions).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RefusedFile(f"is {_kind(st.st_mode)}")
        if st.st_size > limit:
            raise RefusedFile(f"is {st.st_size:,} bytes; the limit is {limit:,}", st.st_size)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1  # the file object owns it now
            data = fh.read(limit + 1)  # a file growing while read is still held to the limit
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise RefusedFile(f"is over {limit:,} bytes; the limit is {limit:,}", len(data))
    return data
