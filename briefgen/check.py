"""The ``check`` stage: load and validate a project, nothing else (no Jinja, no Markdown)."""

from __future__ import annotations

from briefgen.errors import Problem, sort_problems
from briefgen.load import ParseCache
from briefgen.model import FactBase
from briefgen.project import Project
from briefgen.validate import validate_project


def check_project(project: Project, cache: ParseCache | None = None) -> tuple[FactBase, list[Problem]]:
    """The fact base and every problem, in file order."""
    base, problems = validate_project(project, cache)
    return base, sort_problems(problems)
