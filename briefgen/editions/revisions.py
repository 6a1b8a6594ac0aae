"""Edition diffs: a brief's claims and sources at a git revision, compared with now.

The content at the revision is read with git (``ls-tree`` and ``cat-file``, nothing in the
working tree is touched) into a temporary folder, loaded and checked like any project, and
compared claim by claim: added, removed, reworded, regraded, re-dated, re-sourced; sources
added, removed or regraded. Only the revision's commit decides the result, so a brief built
with ``--changes-since REV`` is as reproducible as the commit REV names.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefgen.check.validate import validate_project
from briefgen.errors import Pos, Problem, UsageError, errors_in
from briefgen.facts.graph import brief_parts, claims_used_by, via_chain
from briefgen.facts.model import Brief, Claim, FactBase, PartialDate, Source
from briefgen.facts.project import Project
from briefgen.facts.syntax import scan_references


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


# -- comparing ---------------------------------------------------------------------------


def brief_sources(base: FactBase, brief: Brief, used: list[str]) -> list[str]:
    """The sources a brief cites: in its prose and through its claims, with their via chains."""
    found: dict[str, None] = {}
    direct = [r.ref for _n, text, _p in brief_parts(brief) for r in scan_references(text or "") if r.how == "cite"]
    cited = [r for r in direct if r in base.sources]
    cited += [c.ref for claim_id in used for c in base.claims[claim_id].sources]
    for source_id in cited:
        if source_id in base.sources:
            found.update(dict.fromkeys(via_chain(base, source_id)))
    return list(found)


@dataclass
class ClaimChange:
    """A claim in both editions, and what changed about it."""

    claim: Claim
    old: Claim
    details: list[str]


@dataclass
class SourceChange:
    source: Source
    details: list[str]


@dataclass
class BriefChanges:
    """What changed in one brief's claims and sources since a revision."""

    brief: str
    rev: str
    commit: str
    existed: bool  # the brief was there at the revision
    old_date: PartialDate | None
    old_base: FactBase
    added: list[Claim] = field(default_factory=list)
    removed: list[Claim] = field(default_factory=list)
    reworded: list[ClaimChange] = field(default_factory=list)
    regraded: list[ClaimChange] = field(default_factory=list)
    redated: list[ClaimChange] = field(default_factory=list)
    resourced: list[ClaimChange] = field(default_factory=list)
    sources_added: list[Source] = field(default_factory=list)
    sources_removed: list[Source] = field(default_factory=list)
    sources_regraded: list[SourceChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.reworded,
                self.regraded,
                self.redated,
                self.resourced,
                self.sources_added,
                self.sources_removed,
                self.sources_regraded,
            )
        )

    @property
    def short_commit(self) -> str:
        return self.commit[:10]


def _words(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _date(date: PartialDate | None) -> str:
    return date.human() if date else "not stated"


def _regrades(old: Claim, new: Claim) -> tuple[list[str], list[str]]:
    """(regrading details, re-sourcing details) between two versions of a claim."""
    grades: list[str] = []
    sources: list[str] = []
    for name in ("likelihood", "confidence"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            grades.append(f"{name} {before or 'none'} → {after or 'none'}")
    old_cites = {(c.ref, c.locator): c for c in old.sources}
    new_cites = {(c.ref, c.locator): c for c in new.sources}
    for key, cite in new_cites.items():
        where = f"{key[0]}" + (f", {key[1]}" if key[1] else "")
        if key not in old_cites:
            sources.append(f"now cites {where}")
        elif old_cites[key].credibility != cite.credibility:
            grades.append(f"credibility of {where}: {old_cites[key].credibility or '?'} → {cite.credibility or '?'}")
    for key in old_cites:
        if key not in new_cites:
            sources.append(f"no longer cites {key[0]}" + (f", {key[1]}" if key[1] else ""))
    return grades, sources


def _source_grade(source: Source) -> str:
    return (source.custom.reliability or "ungraded") + (" (retracted)" if source.custom.retracted else "")


def brief_changes(old: Revision, base: FactBase, brief_id: str) -> BriefChanges:
    """How brief ``brief_id`` (which exists now) changed since ``old``."""
    brief = base.briefs[brief_id]
    old_brief = old.base.briefs.get(brief_id)
    changes = BriefChanges(
        brief_id, old.rev, old.commit, old_brief is not None, old_brief.date if old_brief else None, old.base
    )
    now_used = claims_used_by(base, brief)
    then_used = claims_used_by(old.base, old_brief) if old_brief else []
    then_set = set(then_used)
    changes.added = [base.claims[c] for c in now_used if c not in then_set]
    changes.removed = [old.base.claims[c] for c in then_used if c not in set(now_used)]
    for claim_id in now_used:
        if claim_id not in then_set:
            continue
        new, was = base.claims[claim_id], old.base.claims[claim_id]
        if _words(new.statement) != _words(was.statement):
            changes.reworded.append(ClaimChange(new, was, []))
        grades, sources = _regrades(was, new)
        if grades:
            changes.regraded.append(ClaimChange(new, was, grades))
        if sources:
            changes.resourced.append(ClaimChange(new, was, sources))
        if new.as_of != was.as_of:
            changes.redated.append(ClaimChange(new, was, [f"as of {_date(was.as_of)} → {_date(new.as_of)}"]))
    now_sources = brief_sources(base, brief, now_used)
    then_sources = brief_sources(old.base, old_brief, then_used) if old_brief else []
    changes.sources_added = [base.sources[s] for s in now_sources if s not in then_sources]
    changes.sources_removed = [old.base.sources[s] for s in then_sources if s not in now_sources]
    for source_id in now_sources:
        if source_id in then_sources:
            before, after = _source_grade(old.base.sources[source_id]), _source_grade(base.sources[source_id])
            if before != after:
                changes.sources_regraded.append(
                    SourceChange(base.sources[source_id], [f"reliability {before} → {after}"])
                )
    return changes


# -- showing -----------------------------------------------------------------------------


def plain(base: FactBase, text: str | None) -> str:
    """A statement for the terminal: entity ids written as names, whitespace folded."""
    text = text or ""
    out, last = [], 0
    for ref in scan_references(text):
        if ref.how != "mention":
            continue
        entity = base.entity(ref.ref)
        name = (getattr(entity, "short", None) or entity.name) if entity else ref.token
        out.extend([text[last : ref.offset], name])
        last = ref.offset + len(ref.token)
    out.append(text[last:])
    return _words("".join(out))


def source_label(source: Source) -> str:
    """A short human name for a source in the terminal."""
    first = source.author[0].short() if source.author else None
    title = source.title_short or source.title or source.custom.description
    return ", ".join(x for x in (first, title) if x) or source.id


def format_text(changes: BriefChanges, base: FactBase) -> str:
    """The diff as lines for a terminal."""
    old = changes.old_base
    head = f"brief '{changes.brief}' since {changes.rev} (commit {changes.short_commit}"
    head += f", edition dated {changes.old_date.human()})" if changes.old_date else ")"
    lines = [head]
    if not changes.existed:
        lines.append(f"  the brief did not exist at {changes.rev}: everything is new")
    if changes.empty:
        lines.append("  no changes to its claims or sources")

    def block(title: str, items: list[str]) -> None:
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines.extend(items)

    block("claims added", [f"  + {c.id}: {plain(base, c.statement)}" for c in changes.added])
    block("claims removed", [f"  - {c.id}: {plain(old, c.statement)}" for c in changes.removed])
    block(
        "claims reworded",
        [
            f"  ~ {c.claim.id}\n      was: {plain(old, c.old.statement)}\n      now: {plain(base, c.claim.statement)}"
            for c in changes.reworded
        ],
    )
    for title, group in (
        ("claims regraded", changes.regraded),
        ("claims re-dated", changes.redated),
        ("claims re-sourced", changes.resourced),
    ):
        block(title, [f"  ~ {c.claim.id}: {'; '.join(c.details)}" for c in group])
    block("sources added", [f"  + {s.id}: {source_label(s)}" for s in changes.sources_added])
    block("sources removed", [f"  - {s.id}: {source_label(s)}" for s in changes.sources_removed])
    block("sources regraded", [f"  ~ {s.source.id}: {'; '.join(s.details)}" for s in changes.sources_regraded])
    return "\n".join(lines)


def as_json(changes: BriefChanges) -> dict[str, Any]:
    """The diff as plain data (``briefgen diff --format json``)."""

    def claim_change(c: ClaimChange) -> dict[str, Any]:
        return {"id": c.claim.id, "details": c.details}

    return {
        "brief": changes.brief,
        "since": changes.rev,
        "commit": changes.commit,
        "existed": changes.existed,
        "edition_date": str(changes.old_date) if changes.old_date else None,
        "claims_added": [c.id for c in changes.added],
        "claims_removed": [c.id for c in changes.removed],
        "claims_reworded": [
            {"id": c.claim.id, "was": _words(c.old.statement), "now": _words(c.claim.statement)}
            for c in changes.reworded
        ],
        "claims_regraded": [claim_change(c) for c in changes.regraded],
        "claims_redated": [claim_change(c) for c in changes.redated],
        "claims_resourced": [claim_change(c) for c in changes.resourced],
        "sources_added": [s.id for s in changes.sources_added],
        "sources_removed": [s.id for s in changes.sources_removed],
        "sources_regraded": [{"id": s.source.id, "details": s.details} for s in changes.sources_regraded],
    }
