"""briefgen's cache folder (compiled templates, checked records, PDF layouts, kept between
runs), and the one way its entries are written, read and pruned.

The cache may make briefgen faster, never make it fail or differ. So nothing here raises:
a folder that cannot be made or written (a full disk, a read-only one, a file where the
folder goes) means no cache, an entry that cannot be written is skipped, and an entry is
used only when it is whole and of this briefgen: each starts with a header (briefgen's
version, Python's cache tag, the payload's length and SHA-256), checked on every read, so
a truncated, flipped or foreign entry reads as missing. Each such event is at most one
line at debug level (logger ``briefgen.cache``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path

from briefgen import __version__
from briefgen.files import RefusedFile, read_regular

#: Magic, then what wrote the entry; an entry another version or Python wrote is not read.
_HEAD = f"briefgen-cache 1 {__version__} {sys.implementation.cache_tag}\n".encode()
_DIGEST = 32
#: The largest entry read back (a laid-out PDF is the largest thing kept); a larger file
#: where an entry goes is passed over.
MAX_ENTRY_BYTES = 512 * 1024 * 1024


def _debug(message: str, *args: object) -> None:
    """One line at debug level: logging is imported only when something is amiss (it
    costs a command's start-up a few milliseconds otherwise)."""
    import logging

    logging.getLogger("briefgen.cache").debug(message, *args)


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/briefgen/<version> (~/.cache/...), or None when it cannot be made."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(xdg):  # unset, empty or relative: the XDG spec says ignore it
        home = os.path.expanduser("~")
        if not os.path.isabs(home):  # no home known: rather no cache than one in the cwd
            return None
        xdg = os.path.join(home, ".cache")
    root = Path(xdg) / "briefgen" / __version__
    return root if usable_folder(root) and _ours(root.parent) else None


def cache_folder(name: str) -> Path | None:
    """``<cache>/<name>`` (made if need be) for one kind of entry, or None: no usable cache
    folder, or ``BRIEFGEN_NO_CACHE`` set, which turns every cache of briefgen's off at once.
    The one home of that rule for the records, quotes, archives, layouts, templates and
    pictures kept here."""
    if os.environ.get("BRIEFGEN_NO_CACHE"):
        return None
    root = cache_dir()
    if root is None:
        return None
    folder = root / name
    return folder if usable_folder(folder) else None


def usable_folder(folder: Path) -> bool:
    """Make ``folder`` (and parents) if need be; whether it is a folder this user can write."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _debug("no cache in %s: %s", folder, exc)
        return False
    return _ours(folder) and os.access(folder, os.W_OK | os.X_OK)


def _ours(folder: Path) -> bool:
    """Whether ``folder`` is a folder of this user that no other user may write in: in a
    shared or world-writable cache home, entries another user planted (a forged "no
    problems") are never read. Group-writable passes (a user's private group)."""
    try:
        st = os.stat(folder)
    except OSError:
        return False
    if st.st_uid != os.geteuid() or st.st_mode & 0o002:
        _debug("no cache in %s: another user owns it or may write in it", folder)
        return False
    return True


def read_entry(path: Path) -> bytes | None:
    """The payload ``write_entry`` stored at ``path``, or None: missing, unreadable,
    truncated, corrupt, or written by another version."""
    try:
        # A regular file only, opened without blocking: a FIFO or a link to /dev/zero where
        # an entry goes would otherwise hang the read or fill memory.
        blob = read_regular(path, MAX_ENTRY_BYTES)
    except FileNotFoundError:
        return None
    except (OSError, RefusedFile) as exc:
        _debug("cache entry %s unreadable: %s", path, exc)
        return None
    start = len(_HEAD) + 8 + _DIGEST
    if not blob.startswith(_HEAD) or len(blob) < start:
        _debug("cache entry %s is not of this briefgen", path)
        return None
    size = int.from_bytes(blob[len(_HEAD) : len(_HEAD) + 8], "big")
    payload = blob[start:]
    if len(payload) != size or hashlib.sha256(payload).digest() != blob[start - _DIGEST : start]:
        _debug("cache entry %s is damaged", path)
        return None
    return payload


def write_entry(path: Path, payload: bytes) -> None:
    """Store ``payload`` at ``path`` (a temporary file renamed into place); never raises."""
    head = _HEAD + len(payload).to_bytes(8, "big") + hashlib.sha256(payload).digest()
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            view = memoryview(head + payload)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)  # no fsync: a torn entry after a crash fails its check
        tmp = None
    except OSError as exc:
        _debug("cache entry %s not written: %s", path, exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@functools.cache
def code_stamp() -> str:
    """Names, sizes and times of every module of briefgen, in every sub-package: what an
    older or edited briefgen cached (checked records, layouts) is never read by another.

    Walked with os.scandir (a third of pathlib's rglob time, paid by every command that
    reads a cache), the same files in the same order: folders linked to are not entered,
    and ``__pycache__`` holds no module."""
    found: list[tuple[tuple[str, ...], int, int]] = []

    def walk(folder: str, relative: tuple[str, ...]) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".py") and entry.is_file():
                    st = entry.stat()
                    found.append(((*relative, entry.name), st.st_size, st.st_mtime_ns))
                elif entry.name != "__pycache__" and entry.is_dir() and not entry.is_symlink():
                    walk(entry.path, (*relative, entry.name))

    walk(os.path.dirname(os.path.realpath(__file__)), ())  # the briefgen package
    found.sort()  # as Path objects sort: part by part
    parts = [f"{'/'.join(names)}:{size}:{mtime}" for names, size, mtime in found]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


@functools.cache
def libraries_stamp(names: tuple[str, ...]) -> str:
    """The installed versions and files of the libraries ``names`` (top-level module
    names): what a result made by another version or build of them is told apart by.

    Each library's distribution names (they carry versions), its package folder's time and
    inode, and the name, size and time of each file directly in it (where compiled
    bindings such as PyYAML's ``_yaml`` live): reinstalling, upgrading, or dropping a
    binding changes it. A few ms; a library that is not installed counts as such.
    """
    import importlib.util

    parts: list[str] = []
    sites: set[str] = set()
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or spec.origin is None:
            parts.append(f"{name}: not installed")
            continue
        package = os.path.dirname(spec.origin)
        sites.add(os.path.dirname(package))
        try:
            st = os.stat(package)
            parts.append(f"{name}: {package} {st.st_mtime_ns} {st.st_ino}")
            for entry in sorted(os.scandir(package), key=lambda e: e.name):
                if entry.is_file(follow_symlinks=False):
                    est = entry.stat(follow_symlinks=False)
                    parts.append(f"{entry.name}:{est.st_size}:{est.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}: unreadable")
    for site in sorted(sites):
        try:
            parts.extend(sorted(n for n in os.listdir(site) if n.endswith((".dist-info", ".egg-info"))))
        except OSError:
            parts.append(f"{site}: unreadable")
    return hashlib.sha1(f"{sys.version}\n{chr(10).join(parts)}".encode("utf-8", "surrogateescape")).hexdigest()


def prune(folder: Path, keep: int, suffix: str = ".bin") -> None:
    """Drop the least recently used entries of ``folder`` once there are more than ``keep``
    (down to three quarters of it); readers touch an entry when they use it. Never raises."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(suffix)]
        if len(entries) <= keep:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[: len(entries) - keep * 3 // 4]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    except OSError:
        return


def touch(path: Path) -> None:
    """Mark an entry as recently used (kept by :func:`prune`)."""
    with contextlib.suppress(OSError):
        os.utime(path)
