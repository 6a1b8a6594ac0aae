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
added, removed or renamed (hidden and editor files too) misses. A project holding
anything this fingerprint cannot see through (a symbolic link, a FIFO or device, a file
or folder it cannot read) is never cached: it is checked in full every time. A result is
kept only when the inputs read after the check are the ones read before it (no file
changed while it ran) and it holds no BG130 (an archive that could not be read may have
only timed out on a busy machine). Entries go through cachedir (length and SHA-256
checked on every read); ``BRIEFGEN_NO_CACHE=1`` turns this off with every other cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import stat
from pathlib import Path

from briefgen.cachedir import cache_folder, code_stamp, prune, read_entry, write_entry
from briefgen.errors import BriefgenError, Pos, Problem
from briefgen.facts.config import CONFIG_FILE
from briefgen.facts.project import Project, packaged_templates

FORMAT = 1
#: Entries kept at most (one per project and working folder, a few KB each).
MAX_ENTRIES = 200
#: Codes never kept: they can come from the machine's state rather than the project's.
TRANSIENT_CODES = frozenset({"BG130"})
#: Libraries whose version can change what a check finds: the YAML parser, the archive
#: readers (PDF, web page), the template engine of a project's own templates.
_LIBRARIES = ("yaml", "pypdf", "trafilatura", "jinja2")


class Unseeable(Exception):
    """Something in the project the fingerprint cannot vouch for: check in full."""


def _hash_tree(top: Path, digest: hashlib._Hash) -> None:
    """Feed ``digest`` every name under ``top`` (sorted, depth first) and each file's bytes."""
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError as exc:
        raise Unseeable(f"{top}: {exc}") from None
    for entry in entries:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            raise Unseeable(f"{entry.path}: {exc}") from None
        name = entry.name.encode("utf-8", "surrogateescape")
        if stat.S_ISDIR(mode):
            digest.update(b"d\0" + name + b"\0")
            _hash_tree(Path(entry.path), digest)
            digest.update(b"\0end\0")
        elif stat.S_ISREG(mode):
            digest.update(b"f\0" + name + b"\0")
            digest.update(_file_digest(Path(entry.path)))
        else:  # a link (followed where, and checked how, is the check's own affair), a FIFO...
            raise Unseeable(f"{entry.path} is not a plain file or folder")


def _file_digest(path: Path) -> bytes:
    try:
        # O_NONBLOCK: a file swapped for a FIFO between the stat and the open cannot hang us.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise Unseeable(f"{path}: {exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Unseeable(f"{path} is not a plain file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return hashlib.file_digest(handle, "sha1").digest()
    except OSError as exc:
        raise Unseeable(f"{path}: {exc}") from None
    finally:
        os.close(fd)


def _optional(path: Path, tag: bytes, digest: hashlib._Hash, tree: bool) -> None:
    """Hash a file or folder that may be missing (its absence is part of the fingerprint)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        digest.update(tag + b"\0absent\0")
        return
    except OSError as exc:
        raise Unseeable(f"{path}: {exc}") from None
    digest.update(tag + b"\0")
    if tree and stat.S_ISDIR(mode):
        _hash_tree(path, digest)
    elif not tree and stat.S_ISREG(mode):
        digest.update(_file_digest(path))
    else:
        raise Unseeable(f"{path} is not a plain {'folder' if tree else 'file'}")


def inputs_digest(project: Project) -> str | None:
    """The fingerprint of every project file a check reads, or None when the project
    holds something it cannot vouch for (see the module's docstring)."""
    digest = hashlib.sha256()
    try:
        _optional(project.content, b"content", digest, tree=True)
        # Whether the project's templates/ is its own or the packaged one is decided by the
        # check (Project.own_templates); a packaged one is hashed too, harmlessly.
        _optional(project.templates, b"templates", digest, tree=True)
        _optional(project.root / CONFIG_FILE, b"config", digest, tree=False)
    except Unseeable:
        return None
    return digest.hexdigest()


def _code_stamp() -> str:
    """briefgen's modules, the packaged templates and the libraries' versions: a check by
    other code is never taken for this one's."""
    parts = [code_stamp()]
    try:
        templates = packaged_templates()
        for path in sorted(templates.rglob("*")):
            st = path.stat()
            parts.append(f"{path.relative_to(templates).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
    except (OSError, BriefgenError):  # no packaged templates: the check reports BG301 itself
        parts.append("no packaged templates")
    sites = set()
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            sites.add(Path(spec.origin).parent.parent)
    for site in sorted(sites):
        try:
            parts.extend(sorted(n for n in os.listdir(site) if n.endswith((".dist-info", ".egg-info"))))
        except OSError:
            parts.append(f"{site} unreadable")
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
        if self.path is None:
            return None
        payload = read_entry(self.path)
        if payload is None:
            return None
        try:
            digest, rows = marshal.loads(payload)
            if digest != self.before:
                return None
            return [
                Problem(Pos(file, line, col), code, message, hint, severity, tuple(context))
                for file, line, col, code, message, hint, severity, context in rows
            ]
        except (ValueError, TypeError, EOFError):  # a payload of another shape: not ours
            return None

    def keep(self, problems: list[Problem]) -> None:
        """Keep ``problems`` as this project's result, unless an input changed meanwhile."""
        if self.path is None or any(p.code in TRANSIENT_CODES for p in problems):
            return
        if inputs_digest(self.project) != self.before:
            return  # a file was edited while the check ran: the result may mix the two
        rows = [
            (p.pos.file, p.pos.line, p.pos.col, p.code, p.message, p.hint, p.severity, list(p.context))
            for p in problems
        ]
        try:
            payload = marshal.dumps((self.before, rows))
        except ValueError:
            return
        write_entry(self.path, payload)
        prune(self.path.parent, MAX_ENTRIES)
