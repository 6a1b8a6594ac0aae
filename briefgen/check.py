"""The ``check`` stage: load and validate a project and its templates, rendering nothing.

No Markdown, and Jinja only for a project with templates of its own (see templatecheck).
"""

from __future__ import annotations

from briefgen.errors import Problem, sort_problems
from briefgen.load import ParseCache
from briefgen.model import FactBase
from briefgen.project import Project
from briefgen.templatecheck import check_templates
from briefgen.validate import validate_project


def check_project(project: Project, cache: ParseCache | None = None) -> tuple[FactBase, list[Problem]]:
    """The fact base and every problem, in file order."""
    base, problems = validate_project(project, cache)
    problems.extend(check_templates(project, base))
    return base, sort_problems(problems)
