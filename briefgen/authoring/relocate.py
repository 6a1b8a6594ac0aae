"""``check --fix-locators``: write the locators the check found into the claims' YAML."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from briefgen.authoring.yamledit import ValueEdit, set_values
from briefgen.build import check_project
from briefgen.check.sources import LocatorFix, locator_fixes
from briefgen.errors import BriefgenError, Problem
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project


def locator_edit(base: FactBase, fix: LocatorFix) -> ValueEdit:
    """The in-place edit that writes one locator fix (also the editor's quick fix)."""
    claim = base.claims[fix.claim]
    index = next(i for i, cite in enumerate(claim.sources) if cite is fix.cite)
    return ValueEdit(fix.pos, fix.claim, "sources", index, "locator", fix.new, fix.old is not None)


def fix_locators(project: Project) -> tuple[list[str], list[Problem]]:
    """Add missing locators and correct wrong ones, file by file, in place. Returns a line
    per change (``file:line:col: locator 'para. 9' -> 'para. 3' (claim x)``) and the
    problems of files that could not be edited (those are left as they were)."""
    base, _problems = check_project(project)
    by_file: dict[str, list[tuple[LocatorFix, ValueEdit]]] = defaultdict(list)
    for fix in locator_fixes(base):
        by_file[fix.pos.file].append((fix, locator_edit(base, fix)))
    changed: list[str] = []
    refused: list[Problem] = []
    for file, pairs in by_file.items():
        try:
            set_values(Path(file), [edit for _, edit in pairs])
        except BriefgenError as exc:
            refused.extend(exc.problems)
            continue
        for fix, _ in pairs:
            before = f"'{fix.old}'" if fix.old is not None else "none"
            changed.append(f"{fix.pos}: locator {before} -> '{fix.new}' (claim '{fix.claim}')")
    return changed, refused
