"""Rename an id everywhere it is written: its definition, every field and every prose
reference, in every file, keeping every other byte (comments, quoting, layout).

The edit logic ``briefgen rename`` and the language server's rename share. Each file's
new text is parsed again and must hold exactly the old data with the id renamed (in
fields, and in prose through the same scan the checker uses); otherwise nothing at all
is written, as in authoring/yamledit.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.authoring.occurrences import Occurrence, file_occurrences, id_spans, slots
from briefgen.authoring.yamledit import plain_data
from briefgen.errors import BriefgenError, Pos, Problem, UsageError
from briefgen.facts.grammar import SLUG_RE
from briefgen.facts.kinds import MAX_ID_LEN
from briefgen.facts.load import display_path, parse_yaml_text
from briefgen.facts.project import Project, refuse_content_file
from briefgen.facts.syntax import scan_references
from briefgen.words import did_you_mean
from briefgen.write import write_atomic


@dataclass
class FactFile:
    """One collection file as text and parsed data (the disk's, or an editor's buffer)."""

    collection: str
    path: Path
    display: str
    text: str
    data: Any
    broken: bool = False  # it could not be parsed: ids in it cannot be found

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


@dataclass(frozen=True)
class Edit:
    """Replace columns ``col`` to ``end_col`` (1-based, end excluded) of ``line`` with ``new``."""

    line: int
    col: int
    end_col: int
    new: str


def read_fact_files(project: Project) -> list[FactFile]:
    """Every collection file of the project, parsed; raises the problems of any that cannot
    be read, since a reference in it could not be renamed."""
    files, problems = project.collection_files()
    out: list[FactFile] = []
    for collection, path in files:
        refused = refuse_content_file(project, path)
        if refused is not None:
            problems.append(refused)
            continue
        display = display_path(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(Pos(display), "BG610", f"cannot read this file: {exc}", "fix it, then rename"))
            continue
        data, parse_problems = parse_yaml_text(text, display)
        problems.extend(p for p in parse_problems if p.severity == "error")
        out.append(FactFile(collection, path, display, text, data))
    if problems:
        raise BriefgenError(problems)
    return out


def refuse_rename(old: str, new: str, defined: list[str], where: str = "briefgen rename") -> None:
    """BG609 (a usage error) unless OLD is an id of the base and NEW a free, valid id."""
    if old not in defined:
        raise UsageError(
            Problem(
                Pos(where),
                "BG609",
                f"no record has the id '{old}'{did_you_mean(old, defined)}",
                "give the id of an existing source, claim, entity or brief",
            )
        )
    if not SLUG_RE.match(new) or len(new) > MAX_ID_LEN:
        raise UsageError(
            Problem(
                Pos(where),
                "BG609",
                f"'{new if len(new) <= 80 else new[:77] + '...'}' is not a valid id",
                f"ids are lowercase letters and digits in words joined by '-', at most {MAX_ID_LEN} "
                "characters, e.g. kia-seized-mines",
            )
        )
    if new == old or new in defined:
        raise UsageError(
            Problem(
                Pos(where),
                "BG609",
                f"the id '{new}' is already taken",
                "choose an id no record has: ids are unique across the whole fact base",
            )
        )


def _reads_as_text(value: str) -> bool:
    data, problems = parse_yaml_text(f"- {value}\n", "rename")
    return not problems and data == [value]


def rename_edits(occurrences: list[Occurrence], lines: list[str], old: str, new: str) -> list[Edit]:
    """The edits that write ``new`` where ``old`` stands in one file. A plain YAML scalar
    that would read as something else than text (``no``, ``1``) is quoted."""
    bare_ok = _reads_as_text(new)
    edits = []
    for occ in occurrences:
        if occ.ident != old:
            continue
        text = new
        if occ.role != "prose" and not bare_ok:
            before = lines[occ.pos.line - 1][occ.pos.col - 2 : occ.pos.col - 1] if occ.pos.col > 1 else ""
            if before not in ("'", '"'):
                text = f'"{new}"'
        edits.append(Edit(occ.pos.line, occ.pos.col, occ.end_col, text))
    return edits


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with ``edits`` made, line endings and every other byte kept."""
    lines = text.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: (e.line, e.col), reverse=True):
        row = lines[edit.line - 1]
        lines[edit.line - 1] = row[: edit.col - 1] + edit.new + row[edit.end_col - 1 :]
    return "".join(lines)


def renamed_prose(text: str, old: str, new: str) -> str:
    """Prose with every reference to ``old`` made to ``new`` (as the checker scans it)."""
    starts: dict[int, tuple[str, str]] = {}
    for ref in scan_references(text):
        starts.setdefault(ref.offset, (ref.token, ref.how))
    out = text
    for offset, (token, how) in sorted(starts.items(), reverse=True):
        for at, ident in sorted(id_spans(token, how), reverse=True):
            if ident == old:
                out = out[: offset + at] + new + out[offset + at + len(old) :]
    return out


def expected_data(collection: str, data: Any, old: str, new: str) -> Any:
    """What a file's data must be after the rename: ``data`` (plain) with ``old`` renamed."""
    expected = copy.deepcopy(plain_data(data))
    for slot in list(slots(collection, expected)):
        if slot.role == "prose":
            slot.container[slot.key] = renamed_prose(slot.value, old, new)
        elif slot.value == old:
            slot.container[slot.key] = new
    return expected


def renamed_file(file: FactFile, old: str, new: str) -> tuple[str, list[Edit]]:
    """A file's new text and the edits that make it; raises BG610 when the result would
    be anything but the same data with the id renamed (nothing is written then)."""
    lines = file.lines
    edits = rename_edits(file_occurrences(file.collection, file.data, lines, file.display), lines, old, new)
    expected = expected_data(file.collection, file.data, old, new)
    # Nothing found to edit is right only if the file holds no 'old' at all: a place the
    # finder missed must stop the rename here, not leave this file naming a record the
    # others no longer call by that id.
    new_text = apply_edits(file.text, edits) if edits else file.text
    new_data, problems = parse_yaml_text(new_text, file.display) if edits else (file.data, [])
    if not edits and plain_data(file.data) == expected:
        return file.text, []
    if problems or plain_data(new_data) != expected:
        raise BriefgenError(
            Problem(
                Pos(file.display),
                "BG610",
                f"'{old}' could not be renamed in this file without changing something else; nothing was written",
                "an id written with an escape, across a line break or behind a YAML anchor or tag "
                "cannot be renamed in place: write it plainly, then rename again",
            )
        )
    return new_text, edits


@dataclass
class Renamed:
    """What a rename changed: each file with how many places in it."""

    changed: list[tuple[FactFile, str, list[Edit]]]  # file, new text, the edits that make it

    @property
    def places(self) -> int:
        return sum(len(edits) for _, _, edits in self.changed)


def plan_rename(files: list[FactFile], old: str, new: str, where: str = "briefgen rename") -> Renamed:
    """Every file's new text, checked; raises before anything is written."""
    unreadable = [
        Problem(Pos(f.display), "BG610", "this file could not be read, so ids in it cannot be renamed", "fix it first")
        for f in files
        if f.broken
    ]
    if unreadable:
        raise BriefgenError(unreadable)
    defined = [s.value for f in files for s in slots(f.collection, f.data) if s.role == "definition"]
    refuse_rename(old, new, defined, where)
    changed = []
    for file in files:
        new_text, edits = renamed_file(file, old, new)
        if edits:
            changed.append((file, new_text, edits))
    return Renamed(changed)


def rename_id(project: Project, old: str, new: str, dry_run: bool = False) -> Renamed:
    """Rename ``old`` to ``new`` across the project's fact base (written unless ``dry_run``)."""
    project.require_content()
    renamed = plan_rename(read_fact_files(project), old, new)
    if not dry_run:
        for file, new_text, _ in renamed.changed:
            bom = file.path.read_bytes().startswith(b"\xef\xbb\xbf")
            write_atomic(file.path, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
    return renamed
