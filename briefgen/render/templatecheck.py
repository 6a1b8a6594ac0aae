"""Template problems ``check`` can find before anything is rendered.

Every brief's ``template:`` must name a template that exists (BG301, at the brief's line).
A project's own templates (its ``templates/`` folder, overriding the packaged ones file by
file) must compile (BG302, at the file and line) and may include, extend or import only
templates that exist (BG301, at the line of the ``include``). Names built at render time
cannot be known here; rendering reports those.

The packaged templates are tested with briefgen, so a project without templates of its
own costs no more than a few file lookups: Jinja is imported only when there are some.
What a template file holds (its syntax error, or the names it includes) is kept per file
by a hash of its bytes, so the live preview does not parse unchanged templates on
every save.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from briefgen.errors import Pos, Problem
from briefgen.facts.grammar import TEMPLATE_FILE_ENDING, TEMPLATE_SUFFIX
from briefgen.facts.load import display_path
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.words import did_you_mean


def _find(folders: list[Path], name: str) -> Path | None:
    """The file a template name resolves to, split as Jinja's FileSystemLoader splits it
    (empty and "." parts skipped, ".." and backslashes refused)."""
    parts = []
    for piece in name.split("/"):
        if os.sep in piece or (os.altsep and os.altsep in piece) or piece == "..":
            return None
        if piece and piece != ".":
            parts.append(piece)
    for folder in folders:
        path = folder.joinpath(*parts)
        if parts and path.is_file():
            return path
    return None


class _Scan(NamedTuple):
    """What one template file holds: a problem that stops compiling it, else the names it
    includes, extends or imports, with their lines, and the name it extends (if any)."""

    problem: Problem | None
    references: tuple[tuple[str, int], ...]
    extends: str | None = None
    #: the names it includes or imports (pieces of a page, never pages themselves)
    pieces: tuple[str, ...] = ()


#: The packaged templates that are frames, not briefs: ``layout`` is the page every brief
#: template extends; rendered on its own it is a brief with no body. (A test checks this
#: against the packaged files: frames are what others extend while extending nothing.)
PACKAGED_FRAMES = frozenset({f"layout{TEMPLATE_SUFFIX}"})


#: path -> (hash of its bytes, scan): unchanged files are not parsed again in one process.
_scans: dict[Path, tuple[bytes, _Scan]] = {}


def _brief_templates(folders: list[Path], not_briefs: set[str] | frozenset[str]) -> list[str]:
    """The names a brief's ``template`` may take here, for a did-you-mean."""
    names = {path.name for folder in folders for path in folder.glob("*" + TEMPLATE_SUFFIX)}
    return sorted(name.removesuffix(TEMPLATE_SUFFIX) for name in names - set(not_briefs))


def check_templates(project: Project, base: FactBase) -> list[Problem]:
    """BG301/BG302 for the briefs' templates and the project's own template files."""
    folders = project.template_folders()
    problems: list[Problem] = []
    own = project.own_templates()
    scans = _own_scans(own, folders) if own is not None else {}
    not_briefs = _frames_and_pieces(own, scans) if own is not None else set(PACKAGED_FRAMES)
    for brief in base.briefs.values():
        name = f"{brief.template}{TEMPLATE_SUFFIX}"
        if _find(folders, name) is None:
            problems.append(
                Problem(
                    brief.where("template"),
                    "BG301",
                    f"brief '{brief.id}': no template '{brief.template}' ({name})"
                    + did_you_mean(brief.template, _brief_templates(folders, not_briefs)),
                    "use brief or summary, or add templates/" + name,
                )
            )
        elif name in not_briefs:
            problems.append(
                Problem(
                    brief.where("template"),
                    "BG301",
                    f"brief '{brief.id}': '{brief.template}' is a frame or piece other templates build on "
                    "(they extend, include or import it), not a brief template",
                    "use brief or summary, or a template of your own that extends " + brief.template,
                )
            )
    if own is not None:
        problems.extend(_check_own_files(scans, folders))
    return problems


def _own_scans(own: Path, folders: list[Path]) -> dict[Path, _Scan]:
    files = sorted(p for p in own.rglob(f"*{TEMPLATE_FILE_ENDING}") if p.is_file())
    return {path: _scan(own, path, folders) for path in files}


def _frames_and_pieces(own: Path, scans: dict[Path, _Scan]) -> set[str]:
    """Template names no brief may use: the packaged frames, what the project's own
    templates include or import, and what they extend when that extends nothing itself
    (the root of a chain of frames)."""
    names = set(PACKAGED_FRAMES)
    extends = {path.relative_to(own).as_posix(): scan.extends for path, scan in scans.items()}
    for scan in scans.values():
        names.update(scan.pieces)
        if scan.extends is not None and extends.get(scan.extends, "packaged") is None:
            names.add(scan.extends)
    return names


def _check_own_files(scans: dict[Path, _Scan], folders: list[Path]) -> Iterator[Problem]:
    for path, scan in scans.items():
        if scan.problem is not None:
            found = scan.problem  # shown from the current folder, which may differ from the scan's
            yield Problem(Pos(display_path(path), found.pos.line, found.pos.col), found.code, found.message, found.hint)
            continue
        for name, line in scan.references:
            if _find(folders, name) is None:
                yield Problem(
                    Pos(display_path(path), line, 1),
                    "BG301",
                    f"template '{name}' not found",
                    "add it to templates/, or fix the name (relative to templates/, e.g. partials/cite.html.j2)",
                )


def _scan(own: Path, path: Path, folders: list[Path]) -> _Scan:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return _Scan(Problem(Pos(display_path(path)), "BG302", f"cannot read template: {exc.strerror}", ""), ())
    stamp = hashlib.sha1(raw).digest()  # by content: an edit within one mtime tick still counts
    known = _scans.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    scan = _parse(own, path, raw, folders)
    _scans[path] = (stamp, scan)
    return scan


def _parse(own: Path, path: Path, raw: bytes, folders: list[Path]) -> _Scan:
    import jinja2
    from jinja2 import nodes

    from briefgen.render.html import environment, template_problem

    env = environment(tuple(folders))
    name = path.relative_to(own).as_posix()
    shown = display_path(path)
    try:
        source = raw.decode("utf-8")
        tree = env.parse(source, name, str(path))
        env.compile(tree, name, str(path))  # unknown filters and tests show here
    except UnicodeDecodeError:
        return _Scan(Problem(Pos(shown), "BG302", "template is not UTF-8 text", "save the template as UTF-8"), ())
    except RecursionError:
        return _Scan(
            Problem(Pos(shown), "BG302", "template nested too deeply to compile", "simplify the expression"), ()
        )
    except jinja2.TemplateSyntaxError as exc:
        problem = template_problem(exc, name)
        return _Scan(Problem(Pos(shown, problem.pos.line, 1), problem.code, problem.message, problem.hint), ())
    references, pieces, extends = [], [], None
    for node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
        target = getattr(node, "template", None)
        if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
            continue  # a name computed at render time
        if isinstance(node, nodes.Extends):
            extends = target.value
        else:
            pieces.append(target.value)
        if getattr(node, "ignore_missing", False):
            continue
        references.append((target.value, node.lineno))
    return _Scan(None, tuple(references), extends, tuple(pieces))
