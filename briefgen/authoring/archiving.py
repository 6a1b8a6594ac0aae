"""``briefgen archive``: put a source's text under content/archive/ and fingerprint it.

The file is copied into ``content/archive/`` (its name kept when it is a plain file name,
else made one), its path and SHA-256 are set in the source's ``custom`` (in place: every
other byte of the sources file stays, see ``yamledit``), both written together, and then
the project is checked again to say how many of the quotes citing the source directly
stand in the new text. From then on ``check`` fails (BG126) when the file's bytes change.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.authoring.yamledit import set_record_values
from briefgen.errors import Pos, Problem, UsageError
from briefgen.facts.grammar import slugify
from briefgen.facts.load import display_path
from briefgen.facts.project import Project
from briefgen.words import did_you_mean
from briefgen.write import write_all_atomic

#: A name kept as it is: letters, digits, dots, hyphens and underscores, no leading dot.
_PLAIN_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass
class ArchiveResult:
    """What ``briefgen archive`` did, and what the check found afterwards."""

    source: str
    archive: Path  # the file under content/archive/
    sha256: str
    copied: bool  # False when the same bytes were there already
    sources_file: Path
    previous: str | None  # the archive path recorded before, when it differs
    quotes: int = 0  # quotes of claims citing the source directly
    failed: list[Problem] = field(default_factory=list)  # BG112 among them
    problems: list[Problem] = field(default_factory=list)  # everything check found


def _usage(where: str, message: str, hint: str) -> UsageError:
    return UsageError(Problem(Pos(where), "BG608", message, hint))


def archive_name(file: Path) -> str:
    """The name the file gets in content/archive/: its own, or a slug of it."""
    if _PLAIN_NAME_RE.fullmatch(file.name):
        return file.name
    suffix = slugify(file.suffix)
    return slugify(file.stem, fallback="archive") + (f".{suffix}" if suffix else "")


def archive_source(project: Project, source_id: str, file: Path, *, force: bool = False) -> ArchiveResult:
    """Archive ``file`` as the text of source ``source_id``; usage mistakes raise (exit 2)."""
    from briefgen.check.validate import validate_project

    project.require_content()
    base, _ = validate_project(project)
    source = base.sources.get(source_id)
    if source is None:
        raise _usage(
            "briefgen archive",
            f"no source '{source_id}'{did_you_mean(source_id, sorted(base.sources))}",
            "give the id of a source in content/sources (briefgen check lists them with their files)",
        )
    shown = display_path(file)
    if not file.is_file():
        raise _usage(shown, "no such file" if not file.exists() else "not a file", "give the path of the source's text")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise _usage(shown, f"cannot read the file: {exc.strerror}", "check its permissions") from None
    content = project.content.resolve()
    archive_root = content / "archive"
    resolved = file.resolve()
    if resolved.is_relative_to(archive_root.resolve()):
        # Already in place (edited there, say): record it as it is.
        dest = archive_root / resolved.relative_to(archive_root.resolve())
        copied = False
    else:
        dest = archive_root / archive_name(file)
        copied = True
    if copied and dest.exists():
        if dest.is_file() and dest.read_bytes() == raw:
            copied = False
        elif not force or not dest.is_file():
            raise _usage(
                display_path(dest),
                f"a different file of this name is already archived, so {shown} is not copied over it",
                f"rename {shown}, or pass --force to replace the archived file (the quotes of every source "
                "archived there are then checked against the new text)",
            )
    digest = hashlib.sha256(raw).hexdigest()
    rel = dest.relative_to(content).as_posix()
    values = {"archive": rel, "archive_sha256": digest}
    sources_file = Path(source.pos.file)
    text = sources_file.read_text(encoding="utf-8-sig")
    if sources_file.suffix == ".json":
        new_text = _set_in_json(text, source_id, values)
    else:
        new_text = set_record_values(text, source.pos.file, source_id, "custom", values)
    files = {sources_file: new_text.encode("utf-8")}
    if copied:
        files = {dest: raw, **files}
    write_all_atomic(files)
    result = ArchiveResult(
        source_id,
        dest,
        digest,
        copied,
        sources_file,
        source.custom.archive if source.custom.archive not in (None, rel) else None,
    )
    _verify(project, result)
    return result


def _set_in_json(text: str, source_id: str, values: dict[str, str]) -> str:
    """A CSL-JSON sources file with ``values`` set in the item's ``custom`` (JSON keeps no
    comments, so it is written again, two-space indented as reference managers do)."""
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    for item in items:
        if isinstance(item, dict) and item.get("id") == source_id:
            custom = item.get("custom")
            item["custom"] = {**(custom if isinstance(custom, dict) else {}), **values}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _verify(project: Project, result: ArchiveResult) -> None:
    """Check the project again: the quotes citing the source directly, and those failing."""
    from briefgen.check.validate import validate_project

    base, problems = validate_project(project)
    result.problems = problems
    quote_pos = {
        cite.where("quote")
        for claim in base.claims.values()
        for cite in claim.sources
        if cite.ref == result.source and cite.quote
    }
    result.quotes = len(quote_pos)
    result.failed = [p for p in problems if p.code == "BG112" and p.pos in quote_pos]
