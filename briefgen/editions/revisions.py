"""A project's fact base as it was at a git revision.

The content at the revision is read with git (``ls-tree`` and ``cat-file``, nothing in the
working tree is touched) into a temporary folder, then loaded and checked like any
project. Only the revision's commit decides the result, so a brief built with
``--changes-since REV`` is as reproducible as the commit REV names. ``changes`` compares
it with now.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from briefgen.check.validate import validate_project
from briefgen.errors import Pos, Problem, UsageError, errors_in
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project


@dataclass
class Revision:
    """The fact base as it was at a git revision."""

    rev: str  # as the user wrote it
    commit: str  # the full commit id it named
    base: FactBase
    errors: int  # content errors at that revision (records with errors are left out)


def _usage(code: str, message: str, hint: str) -> UsageError:
    return UsageError(Problem(Pos("briefgen"), code, message, hint))


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise _usage("BG504", "git is not installed", "install git to compare editions") from None


def load_revision(project: Project, rev: str) -> Revision:
    """Read and check the project's ``content/`` as it was at ``rev``."""
    root = project.root.resolve()
    inside = _git(["rev-parse", "--show-toplevel", "--show-prefix"], root)
    if inside.returncode != 0:
        raise _usage(
            "BG504",
            f"{root} is not in a git repository, so there is no earlier edition to compare with",
            "commit the project with git first (git init; git add content; git commit)",
        )
    top_text, prefix = [*inside.stdout.decode("utf-8", "replace").splitlines(), "", ""][:2]
    top = Path(top_text)
    if not rev or rev.startswith("-"):
        raise _usage("BG505", f"'{rev}' is not a revision", "name a commit, tag or branch, e.g. HEAD~1 or v1.0")
    found = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    if found.returncode != 0:
        raise _usage(
            "BG505",
            f"no revision '{rev}' in the git repository at {top}",
            "name a commit, tag or branch that exists (git log --oneline lists commits)",
        )
    commit = found.stdout.decode().strip()
    content_prefix = f"{prefix}content/"
    listing = _git(["ls-tree", "-r", "-z", commit, "--", content_prefix], top)
    entries: list[tuple[str, str]] = []  # (object id, path under content/)
    for item in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not item:
            continue
        meta, _, path = item.partition("\t")
        mode, kind, oid = meta.split(" ")
        # Regular files only: a link could point outside the temporary folder.
        if kind == "blob" and mode in ("100644", "100755") and path.startswith(content_prefix):
            entries.append((oid, path[len(content_prefix) :]))
    blobs = _read_blobs(top, [oid for oid, _ in entries])
    with tempfile.TemporaryDirectory(prefix="briefgen-edition-") as tmp:
        folder = Path(tmp).resolve()
        (folder / "content").mkdir()
        for oid, rel in entries:
            dest = (folder / "content" / rel).resolve()
            if not dest.is_relative_to(folder / "content"):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(blobs[oid])
        base, problems = validate_project(Project(folder))
    return Revision(rev, commit, base, len(errors_in(problems)))


def _read_blobs(top: Path, oids: list[str]) -> dict[str, bytes]:
    """The contents of many git objects with one ``git cat-file --batch``."""
    if not oids:
        return {}
    proc = _git(["cat-file", "--batch"], top, "".join(f"{oid}\n" for oid in oids).encode())
    out: dict[str, bytes] = {}
    data, pos = proc.stdout, 0
    for oid in oids:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode().split(" ")
        size = int(header[2])
        out[oid] = data[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return out
