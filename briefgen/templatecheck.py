"""Template problems ``check`` can find before anything is rendered.

Every brief's ``template:`` must name a template that exists (BG301, at the brief's line).
A project's own templates (its ``templates/`` folder, overriding the packaged ones file by
file) must compile (BG302, at the file and line) and may include, extend or import only
templates that exist (BG301, at the line of the ``include``). Names built at render time
cannot be known here; rendering reports those.

The packaged templates are tested with briefgen, so a project without templates of its
own costs no more than a few file lookups: Jinja is imported only when there are some.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from briefgen.errors import Pos, Problem
from briefgen.load import display_path
from briefgen.model import FactBase
from briefgen.project import Project

TEMPLATE_SUFFIX = ".html.j2"


def _find(folders: list[Path], name: str) -> Path | None:
    """The file a template name resolves to, as Jinja's FileSystemLoader would find it."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None  # Jinja refuses names climbing out of its folders
    for folder in folders:
        path = folder.joinpath(*parts)
        if path.is_file():
            return path
    return None


def check_templates(project: Project, base: FactBase) -> list[Problem]:
    """BG301/BG302 for the briefs' templates and the project's own template files."""
    folders = project.template_folders()
    problems: list[Problem] = []
    for brief in base.briefs.values():
        name = f"{brief.template}{TEMPLATE_SUFFIX}"
        if _find(folders, name) is None:
            problems.append(
                Problem(
                    brief.where("template"),
                    "BG301",
                    f"brief '{brief.id}': no template '{brief.template}' ({name})",
                    "use brief or summary, or add templates/" + name,
                )
            )
    own = project.own_templates()
    if own is not None:
        files = sorted(p for p in own.rglob("*.j2") if p.is_file())
        if files:
            problems.extend(_check_own_files(own, files, folders))
    return problems


def _check_own_files(own: Path, files: list[Path], folders: list[Path]) -> Iterator[Problem]:
    import jinja2
    from jinja2 import nodes

    from briefgen.html import environment, template_problem

    env = environment(tuple(folders))
    for path in files:
        name = path.relative_to(own).as_posix()
        shown = display_path(path)
        try:
            source = path.read_text(encoding="utf-8")
            tree = env.parse(source, name, str(path))
            env.compile(tree, name, str(path))  # unknown filters and tests show here
        except UnicodeDecodeError:
            yield Problem(Pos(shown), "BG302", "template is not UTF-8 text", "save the template as UTF-8")
            continue
        except OSError as exc:
            yield Problem(Pos(shown), "BG302", f"cannot read template: {exc.strerror}", "check the file")
            continue
        except jinja2.TemplateSyntaxError as exc:
            problem = template_problem(exc, name)
            yield Problem(Pos(shown, problem.pos.line, 1), problem.code, problem.message, problem.hint)
            continue
        for node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
            target = getattr(node, "template", None)
            if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
                continue  # a name computed at render time
            if getattr(node, "ignore_missing", False) or _find(folders, target.value) is not None:
                continue
            yield Problem(
                Pos(shown, node.lineno, 1),
                "BG301",
                f"template '{target.value}' not found",
                "add it to templates/, or fix the name (relative to templates/, e.g. partials/cite.html.j2)",
            )
