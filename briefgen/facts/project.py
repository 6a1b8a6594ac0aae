"""Where a project's files are: content collections, archives, templates, output."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath

from briefgen.errors import BriefgenError, Pos, Problem, UsageError
from briefgen.facts.load import display_path
from briefgen.facts.model import COLLECTIONS
from briefgen.files import resolve


def collection_suffixes(collection: str) -> tuple[str, ...]:
    """File endings a collection is read from: YAML, and for sources CSL-JSON too (PyYAML reads JSON)."""
    return (".yaml", ".yml", ".json") if collection == "sources" else (".yaml", ".yml")


#: Files editors and tools leave beside the ones being edited: backups (``x.yaml~``,
#: ``x.bak``), Emacs autosaves (``#x.yaml#``), Vim swap files (``.x.yaml.swp``, also
#: ``x.swo``...), Vim's write test ``4913``, temporary files (``x.tmp``), Office locks
#: (``~$x.docx``). Hidden names (``.x.yaml``, Emacs's ``.#x.yaml`` lock) are caught first.
_EDITOR_FILE_RE = re.compile(r".*~|#.*#|~\$.*|4913|.*\.(swp|swo|swx|swn|tmp|bak)", re.IGNORECASE)


def ignored_reason(path: PurePath | str) -> str | None:
    """Why a file under content/ is never used, or None: the one rule for what is loaded,
    watched by the preview, served as an asset, read as an archive or shown as an image.

    ``path`` is relative to the folder that holds it (content/, a template folder): every
    part counts, so a file in a hidden folder (``claims/.old/x.yaml``) is hidden too, and
    folders above the project (``~/.briefs/``) are not looked at.
    """
    for part in PurePath(path).parts:
        if part.startswith(".") and part not in (".", ".."):
            return f"'{part}' is hidden (its name starts with '.')"
        if _EDITOR_FILE_RE.fullmatch(part):
            return f"'{part}' is an editor's backup, swap or temporary file"
    return None


@cache
def packaged_templates() -> Path:
    """The default templates: inside the installed package, or at the top of a checkout
    (looked up once per process; a missing folder raises, and is not remembered)."""
    here = Path(__file__).resolve().parent.parent  # the briefgen package
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "layout.html.j2").is_file():
            return candidate
    raise BriefgenError(
        Problem(
            Pos(str(here)),
            "BG301",
            "the packaged templates are missing",
            "reinstall briefgen (pip install --force-reinstall briefgen)",
        )
    )


@dataclass(frozen=True)
class Project:
    """A project folder: ``content/``, optional ``templates/``, ``output/``."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    def own_templates(self) -> Path | None:
        """The project's templates/ when it has one apart from the packaged defaults."""
        own = self.templates
        if not own.is_dir() or own.resolve() == packaged_templates().resolve():
            return None
        return own

    def template_folders(self) -> list[Path]:
        """Where a template name is looked up, first match wins: the project's own, then ours."""
        own = self.own_templates()
        return ([own] if own else []) + [packaged_templates()]

    @property
    def output(self) -> Path:
        return self.root / "output"

    def no_project_here(self) -> Problem:
        """The one problem every command reports when it is run outside a project."""
        return Problem(
            Pos(str(self.content)),
            "BG009",
            "no content/ folder here",
            "run in a project folder, pass --project DIR, or create one with 'briefgen init DIR'",
        )

    def require_content(self) -> None:
        """Raise the no-project problem unless the project has a content/ folder: a usage
        error (exit 2), since the command was run in, or pointed at, the wrong folder."""
        if not self.content.is_dir():
            raise UsageError(self.no_project_here())

    def collection_files(self) -> tuple[list[tuple[str, Path]], list[Problem]]:
        """(collection, file) for every file of the fact base, in a stable order."""
        found: list[tuple[str, Path]] = []
        problems: list[Problem] = []
        if not self.content.is_dir():
            problems.append(self.no_project_here())
            return found, problems
        for name in COLLECTIONS:
            exts = collection_suffixes(name)
            files = [self.content / f"{name}{ext}" for ext in exts]
            # Anything by that name, not just regular files: a FIFO or a broken link is then
            # reported (BG010, by refuse_content_file and the loader) instead of
            # being skipped without a word. Readers of these files must refuse them too.
            single = [f for f in files if f.is_file() or f.is_symlink() or f.exists()]
            folder = self.content / name
            in_folder = (
                sorted(p for p in folder.glob("*") if p.suffix in exts and ignored_reason(p.name) is None)
                if folder.is_dir()
                else []
            )
            if single and in_folder:
                problems.append(
                    Problem(
                        Pos(str(single[0])),
                        "BG009",
                        f"collection '{name}' is both a file and a folder",
                        f"move the records of {single[0].name} into {name}/ or the other way round",
                    )
                )
            found.extend((name, f) for f in single + in_folder)
        return found, problems


def refuse_content_file(project: Project, path: Path) -> Problem | None:
    """A collection file that is a link out of content/, or not a regular file (a FIFO
    would block the read forever), is not read at all."""
    display = display_path(path)
    try:
        real = resolve(path)
        regular = stat.S_ISREG(real.stat().st_mode)
    except OSError:
        return None  # missing or a loop: load_yaml_file reports it as unreadable (BG010)
    if not real.is_relative_to(project.content.resolve()):
        return Problem(
            Pos(display),
            "BG010",
            f"file is a link to {real}, outside content/; not read",
            "content files must live inside content/: copy the file in instead of linking to it",
        )
    if not regular:
        return Problem(Pos(display), "BG010", "not a regular file; not read", "replace it with a plain YAML file")
    return None
