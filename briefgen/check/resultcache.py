"""The last result of ``briefgen check`` for a project, kept on disk with every input it read.

A check is a function of the project's files (everything under content/, the project's
own templates/, briefgen.yaml), the code that checks them (briefgen's modules and the
packaged templates, PyYAML, the archive readers, Jinja), and the working folder (problems
name files as the user would type them). When none of those changed since the last check,
its problems are printed again without loading a single record: ``check`` in a loop (a
pre-commit hook, an editor's save hook, ``make``) costs reading and hashing the files.

Every input file is compared by its bytes (SHA-1), never by its time stamp: a file
rewritten with new bytes in the same clock tick, or an old file copied in with its old
time, is seen. The whole listing of each folder is part of the fingerprint, so a file
added, removed or renamed (hidden and editor files too) misses; the bytes of hidden and
editor files, which no check reads (``project.ignored_reason``), are not hashed. A project
holding anything this fingerprint cannot see through (a symbolic link other than an
editor's lock, a FIFO or device, a file or folder it cannot read, folders nested over 64
deep, over 512 MiB to hash) is checked in full every time. A result is kept only when
every input has, after the check, the bytes, inode and times it had before (no file
changed while it ran, even one put back as it was) and it holds no BG130 (an archive
that could not be read may have only timed out on a busy machine). Entries go through
cachedir (length and SHA-256 checked on every read, only in folders of this user that
no other user may write in); ``BRIEFGEN_NO_CACHE=1`` turns this off with every other
cache.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
from pathlib import Path
from typing import NamedTuple, get_args

from briefgen.cachedir import cache_folder, code_stamp, libraries_stamp, prune, read_entry, touch, write_entry
from briefgen.check.archives.model import READER_LIBRARIES
from briefgen.errors import BriefgenError, Pos, Problem, Severity
from briefgen.facts.config import CONFIG_FILE
from briefgen.facts.grammar import TEMPLATE_FILE_ENDING
from briefgen.facts.project import Project, ignored_reason, packaged_templates

FORMAT = 1
#: Entries kept at most (one per project and working folder, a few KB each).
MAX_ENTRIES = 200
#: Codes never kept: they can come from the machine's state rather than the project's.
TRANSIENT_CODES = frozenset({"BG130"})
#: Libraries whose version or build can change what a check finds: the YAML parser, the
#: archive readers (PDF, web page), the template engine of a project's own templates.
CHECK_LIBRARIES = ("yaml", *READER_LIBRARIES["pdf"], *READER_LIBRARIES["html"], "jinja2", "markupsafe")
_SEVERITIES = get_args(Severity)

#: A project whose files add up to more than this is not fingerprinted (hashing it would
#: cost more than a check saves); nor is a tree deeper than this (a check reads no deeper).
MAX_HASHED_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 64


class Unseeable(Exception):
    """Something in the project the fingerprint cannot vouch for: check in full."""


class _Fingerprint:
    """Every name under the walked folders and the bytes of each file a check may read,
    plus, apart, each file's identity and times (to tell a file that changed and changed
    back while a check ran: see CheckResults.keep)."""

    def __init__(self, read_bytes: bool = True) -> None:
        self.content = hashlib.sha256()
        self.stats = hashlib.sha256()
        self.budget = MAX_HASHED_BYTES
        #: False: names, identities and times only (has anything changed since a walk that
        #: read the bytes? A write changes the change time, so the bytes need not be read again)
        self.read_bytes = read_bytes
        #: each file's bytes (SHA-1) by path, as hashed
        self.files: dict[str, bytes] = {}

    def tree(self, top: Path, tag: bytes, skip_ignored: bool, read_only: str = "") -> None:
        """Walk ``top`` (no recursion: a deep tree is Unseeable, not a crash). With
        ``read_only`` (a file ending), only such files' bytes are read by a check: the
        others count by name, identity and times."""
        self.content.update(tag + b"\0")
        stack: list[tuple[str, int]] = [("", 0)]
        while stack:
            rel, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise Unseeable(f"{top / rel} is nested too deeply")
            folder = top / rel
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                raise Unseeable(f"{folder}: {exc}") from None
            self.content.update(b"d\0" + _name(rel) + b"\0")
            below = []
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    raise Unseeable(f"{entry.path}: {exc}") from None
                # Hidden and editor files (an Emacs lock is a link) are never read by a
                # check (project.ignored_reason): their names count, their bytes need not.
                ignored = skip_ignored and ignored_reason(path) is not None
                if stat.S_ISDIR(st.st_mode) and not ignored:
                    below.append((path, depth + 1))
                    continue
                self.content.update(b"e\0" + _name(path) + b"\0")
                if ignored:
                    self.content.update(b"ignored %d\0" % stat.S_IFMT(st.st_mode))
                elif stat.S_ISREG(st.st_mode):
                    self.file(Path(entry.path), st, entry.name.endswith(read_only))
                else:  # a link (followed where, and checked how, is the check's affair), a FIFO...
                    raise Unseeable(f"{entry.path} is not a plain file or folder")
            stack.extend(reversed(below))

    def file(self, path: Path, st: os.stat_result, read: bool = True) -> None:
        if self.read_bytes and read:
            self.budget -= st.st_size
            if self.budget < 0:
                raise Unseeable("too many bytes to fingerprint")
            digest = self.files[str(path)] = _file_digest(path)
            self.content.update(digest)
        self.stats.update(_name(str(path)) + b"\0")  # a file renamed keeps its inode and times
        self.stats.update(b"%d %d %d %d %d\0" % (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns))

    def optional(self, path: Path, tag: bytes, tree: bool, skip_ignored: bool = False, read_only: str = "") -> None:
        """A file or folder that may be missing (its absence is part of the fingerprint)."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            self.content.update(tag + b"\0absent\0")
            return
        except OSError as exc:
            raise Unseeable(f"{path}: {exc}") from None
        if tree and stat.S_ISDIR(st.st_mode):
            self.tree(path, tag, skip_ignored, read_only)
        elif not tree and stat.S_ISREG(st.st_mode):
            self.content.update(tag + b"\0")
            self.file(path, st)
        else:
            raise Unseeable(f"{path} is not a plain {'folder' if tree else 'file'}")


def _name(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


#: The most of a file read at once to hash it.
_READ_PIECE = 1 << 20


def _file_digest(path: Path) -> bytes:
    try:
        # O_NONBLOCK: a file swapped for a FIFO between the stat and the open cannot hang us.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise Unseeable(f"{path}: {exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unseeable(f"{path} is not a plain file")
        # Read in pieces no bigger than the file: hashlib.file_digest zeroes a 256 KiB
        # buffer per call, most of a build's hashing time for a project of small files.
        digest = hashlib.sha1()
        buffer = memoryview(bytearray(max(1, min(st.st_size, _READ_PIECE))))
        while size := os.readv(fd, [buffer]):
            digest.update(buffer[:size])
        return digest.digest()
    except OSError as exc:
        raise Unseeable(f"{path}: {exc}") from None
    finally:
        os.close(fd)


class Inputs(NamedTuple):
    """What a check reads, fingerprinted (see :func:`inputs_digest`)."""

    #: every name and every read file's bytes (hex SHA-256 over them)
    content: str
    #: every read file's name, identity and times (hex SHA-256 over them)
    stats: str
    #: each hashed file's bytes (SHA-1) by path
    files: dict[str, bytes]


def inputs_digest(project: Project, read_bytes: bool = True) -> Inputs | None:
    """The fingerprint of every project file a check reads (names and bytes), and of those
    files' names, identities and times; None when the project holds something it cannot
    vouch for (see the module's docstring). ``read_bytes=False``: the second part only."""
    found = _Fingerprint(read_bytes)
    try:
        found.optional(project.content, b"content", tree=True, skip_ignored=True)
        # Whether the project's templates/ is its own or the packaged one is decided by the
        # check (Project.own_templates); a packaged one is walked too, harmlessly. The check
        # reads the templates (render/templatecheck.py) and only the names of the
        # rest (stylesheets, fonts, images a template includes or links).
        found.optional(project.templates, b"templates", tree=True, read_only=TEMPLATE_FILE_ENDING)
        found.optional(project.root / CONFIG_FILE, b"config", tree=False)
    except Unseeable:
        return None
    return Inputs(found.content.hexdigest(), found.stats.hexdigest(), found.files)


def _code_stamp() -> str:
    """briefgen's modules, the packaged templates and the libraries' versions: a check by
    other code is never taken for this one's."""
    parts = [code_stamp(), libraries_stamp(CHECK_LIBRARIES)]
    try:
        templates = packaged_templates()
        for path in sorted(templates.rglob("*")):
            st = path.stat()
            parts.append(f"{path.relative_to(templates).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
    except (OSError, BriefgenError):  # no packaged templates: the check reports BG301 itself
        parts.append("no packaged templates")
    return "\0".join(parts)


class CheckResults:
    """The kept result of checking one project from one working folder."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.folder = cache_folder("checks")
        self.before = inputs_digest(project) if self.folder is not None else None
        self.path: Path | None = None
        if self.folder is not None and self.before is not None:
            head = "\0".join((str(FORMAT), str(project.root), os.getcwd(), _code_stamp()))
            name = hashlib.sha256(head.encode("utf-8", "surrogateescape")).hexdigest()
            self.path = self.folder / f"{name}.bin"

    def known(self) -> list[Problem] | None:
        """The problems of the last check when every input is as it was then, else None."""
        if self.path is None or self.before is None:
            return None
        payload = read_entry(self.path)
        if payload is None:
            return None
        try:
            digest, rows = marshal.loads(payload)
            if digest != self.before.content or not isinstance(rows, list):
                return None
            problems = [_problem(row) for row in rows]
        except (ValueError, TypeError, EOFError):  # a payload of another shape: not ours
            return None
        touch(self.path)  # recently used: the last to be pruned
        return problems

    def unchanged(self) -> bool:
        """Whether every input file still has the name, identity and times it had when this
        object was made (a build reads the records after :meth:`known`: were they the ones
        checked?). The bytes are not read again: any write changes a file's change time."""
        if self.before is None:
            return False
        now = inputs_digest(self.project, read_bytes=False)
        return now is not None and now.stats == self.before.stats

    def read_as_checked(self, read: dict[Path, bytes | None]) -> bool:
        """Whether records read from ``read`` (each file's bytes as read, SHA-1; None when
        they were not seen) come from the very bytes this result's check read, and nothing
        was added, removed or written since (:meth:`unchanged`)."""
        if self.before is None:
            return False
        checked = self.before.files
        return all(d is not None and checked.get(str(p)) == d for p, d in read.items()) and self.unchanged()

    def keep(self, problems: list[Problem]) -> None:
        """Keep ``problems`` as this project's result, unless an input changed meanwhile."""
        if self.path is None or self.before is None or any(p.code in TRANSIENT_CODES for p in problems):
            return
        # Bytes, identities and times as before the check: a file edited while it ran,
        # even one put back as it was (a new inode or ctime), keeps nothing.
        if inputs_digest(self.project) != self.before:
            return
        rows = [
            (p.pos.file, p.pos.line, p.pos.col, p.code, p.message, p.hint, p.severity, tuple(p.context))
            for p in problems
        ]
        try:
            payload = marshal.dumps((self.before.content, rows))
        except ValueError:
            return
        write_entry(self.path, payload)
        prune(self.path.parent, MAX_ENTRIES)


def _problem(row: object) -> Problem:
    """A kept row back as a Problem; TypeError for a row of any other shape."""
    if not isinstance(row, tuple) or len(row) != 8:
        raise TypeError("not a problem row")
    file, line, col, code, message, hint, severity, context = row
    texts = (file, code, message, hint, *context) if isinstance(context, tuple) else None
    if (
        texts is None
        or not all(isinstance(x, str) for x in texts)
        or type(line) is not int
        or type(col) is not int
        or severity not in _SEVERITIES
    ):
        raise TypeError("not a problem row")
    return Problem(Pos(file, line, col), code, message, hint, severity, context)
