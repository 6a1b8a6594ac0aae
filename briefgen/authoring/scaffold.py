"""New projects and new records: ``briefgen init`` and ``briefgen new``.

``init`` writes a small project that checks clean and builds at once, one commented
example of each kind of record, so the files themselves teach the format. ``new``
appends a commented skeleton of one record to the right file (see ``yamledit``).
Allowed values in the comments come from the model, so they cannot drift from it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from briefgen.authoring.schema import SCHEMA_FOLDER, all_schemas, modeline, schema_filename
from briefgen.authoring.yamledit import append_records
from briefgen.errors import Pos, Problem, UsageError
from briefgen.facts.grammar import DATE_FORMS, SLUG_RE
from briefgen.facts.load import display_path
from briefgen.facts.model import (
    COLLECTIONS,
    CREDIBILITY,
    CSL_TYPES,
    Actor,
    Claim,
    Place,
    Route,
    Section,
    SourceCustom,
    yaml_fields,
)
from briefgen.facts.project import Project, collection_suffixes, packaged_templates
from briefgen.files import resolve
from briefgen.words import a
from briefgen.write import write_atomic

#: ``briefgen new KIND``: the record kinds and their collections.
KINDS = {cls.collection[:-1]: cls.collection for cls in COLLECTIONS.values()}


def _choices(cls: type, key: str) -> str:
    """The allowed values of a field, from the model, for a comment."""
    for k, f in yaml_fields(cls):
        if k == key:
            return ", ".join(str(c) for c in f.metadata["choices"])
    raise KeyError(key)


def _fill(text: str, ident: str = "") -> str:
    """Put the id, today's date and the model's allowed values into a skeleton."""
    common = [t for t in CSL_TYPES if t in ("article-newspaper", "article-journal", "report", "book", "webpage")]
    values = {
        "<ID>": ident,
        "<TODAY>": dt.date.today().isoformat(),
        "<DATE-FORMS>": DATE_FORMS,
        "<CLAIM-KINDS>": _choices(Claim, "kind"),
        "<LIKELIHOODS>": _choices(Claim, "likelihood"),
        "<CONFIDENCES>": _choices(Claim, "confidence"),
        "<ACTOR-KINDS>": _choices(Actor, "kind"),
        "<PLACE-KINDS>": _choices(Place, "kind"),
        "<MODES>": _choices(Route, "mode"),
        "<STATUSES>": _choices(Route, "status"),
        "<TEMPLATES>": "brief, summary",
        "<TABLES>": _choices(Section, "table"),
        "<FIGURES>": _choices(Section, "figure"),
        "<RELIABILITY>": _choices(SourceCustom, "reliability"),
        "<CREDIBILITY>": f"{min(CREDIBILITY)} ({CREDIBILITY[min(CREDIBILITY)]}) to "
        f"{max(CREDIBILITY)} ({CREDIBILITY[max(CREDIBILITY)]})",
        "<CSL-TYPES>": ", ".join(common) + ", ...",
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


# -- the text ``new`` and ``init`` write, in files under skeletons/ (package data) --------

#: Plain YAML files, easier to read and edit than Python strings; <PLACEHOLDERS> in them
#: are filled by ``_fill``.
SKELETON_FOLDER = Path(__file__).resolve().parent / "skeletons"

#: ``briefgen init``'s example project (files under skeletons/init/, in the order written):
#: path under the project -> the collection whose schema line heads it.
EXAMPLE_FILES: dict[str, str] = {
    "content/sources.yaml": "sources",
    "content/actors.yaml": "actors",
    "content/minerals.yaml": "minerals",
    "content/places.yaml": "places",
    "content/routes.yaml": "routes",
    "content/claims.yaml": "claims",
    "content/briefs/example-brief.yaml": "briefs",
}

#: The example source's archived text, written as it is (no schema line, nothing filled).
ARCHIVE_FILE = "content/archive/example-report.txt"


def _read(rel: str) -> str:
    """The text of a file under skeletons/ (universal newlines: a CRLF checkout writes LF)."""
    return (SKELETON_FOLDER / rel).read_text(encoding="utf-8")


# Read when first needed, not on import: every command imports this module for KINDS.
@cache
def skeletons() -> dict[str, str]:
    """kind -> the skeleton ``briefgen new KIND`` appends (a YAML list item, every key
    commented or to fill in), from skeletons/new/KIND.yaml, placeholders unfilled."""
    return {kind: _read(f"new/{kind}.yaml") for kind in KINDS}


@cache
def examples() -> dict[str, tuple[str, str]]:
    """path under the project -> (collection, text) of ``briefgen init``'s example files,
    from skeletons/init/, placeholders unfilled."""
    return {rel: (collection, _read(f"init/{rel}")) for rel, collection in EXAMPLE_FILES.items()}


def skeleton(kind: str, ident: str) -> str:
    """The commented skeleton of one record, as a YAML list item."""
    return _fill(skeletons()[kind], ident)


def _as_document(item: str) -> str:
    """A list item ``- key: ...`` as a one-record document ``key: ...``."""
    lines = item.splitlines()
    return "\n".join(line[2:] if line.startswith(("- ", "  ")) else line for line in lines) + "\n"


def _header(project: Project, collection: str, path: Path) -> str:
    """The first lines of a new content file: the editor's schema line when schemas exist."""
    schemas = project.root / SCHEMA_FOLDER
    if (schemas / schema_filename(collection)).is_file():
        return modeline(collection, path, schemas) + "\n"
    return ""


@dataclass
class NewRecord:
    """Where `new` wrote a record, and whether it created that file."""

    path: Path
    created: bool


def existing_ids(project: Project) -> dict[str, str]:
    """id -> collection for every record the project holds (files that fail to load add none)."""
    from briefgen.check.validate import validate_project

    base, _ = validate_project(project)
    return {ident: name for name in COLLECTIONS for ident in base.collection(name)}


def new_record(project: Project, kind: str, ident: str, file: Path | None = None) -> NewRecord:
    """Append a skeleton ``kind`` record with id ``ident`` to its collection's file."""
    collection = KINDS[kind]
    if not SLUG_RE.match(ident):
        raise UsageError(
            Problem(
                Pos("briefgen new"),
                "BG602",
                f"'{ident}' is not a valid id",
                "use lowercase letters, digits and single hyphens, e.g. kia-seized-mines",
            )
        )
    project.require_content()
    taken = existing_ids(project).get(ident)
    if taken:
        raise UsageError(
            Problem(
                Pos("briefgen new"),
                "BG602",
                f"id '{ident}' is already used by {a(taken[:-1])}",
                "ids are unique across the whole fact base: choose another",
            )
        )
    path = resolve(file if file else _target(project, collection, ident))
    _check_target(project, collection, path)
    item = skeleton(kind, ident)
    created = not path.exists()
    header = _header(project, collection, path)
    if created and path.parent.name == collection and path.parent.parent == project.content:
        # A new file in a collection folder holds just this record.
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (header + _as_document(item)).encode("utf-8"))
        return NewRecord(path, True)
    path.parent.mkdir(parents=True, exist_ok=True)
    append_records(path, item, 1, header)
    return NewRecord(path, created)


def _target(project: Project, collection: str, ident: str) -> Path:
    """Where a new record goes: the collection's file, else a new file in its folder."""
    for ext in (".yaml", ".yml"):
        single = project.content / f"{collection}{ext}"
        if single.is_file():
            return single
    folder = project.content / collection
    if folder.is_dir() or collection == "briefs":
        return folder / f"{ident}.yaml"
    return project.content / f"{collection}.yaml"


def _check_target(project: Project, collection: str, path: Path) -> None:
    content = project.content.resolve()
    places = {content / f"{collection}{ext}" for ext in (".yaml", ".yml")}
    in_folder = path.parent == content / collection and path.suffix in (".yaml", ".yml")
    if path not in places and not in_folder:
        where = f"content/{collection}.yaml or content/{collection}/*.yaml"
        if ".json" in collection_suffixes(collection) and path.suffix == ".json":
            hint = "JSON holds no comments: add the source in your reference manager and use import-sources"
        else:
            hint = f"briefgen reads {collection} from {where}"
        raise UsageError(
            Problem(Pos(display_path(path)), "BG602", f"briefgen does not read {collection} from this file", hint)
        )
    # A collection is one file or one folder of files, never both (check's BG009): a
    # record that would make it both is refused before anything is written.
    beside = sorted(places) if in_folder else [content / collection]
    kept = next((other for other in beside if other.exists()), None)
    if kept is not None and not path.exists():
        raise UsageError(
            Problem(
                Pos(display_path(path)),
                "BG602",
                f"{collection} are kept in {display_path(kept)}: a {'folder' if in_folder else 'file'} "
                f"beside it would make the collection both a file and a folder",
                f"leave out --file to add it to {display_path(kept)}"
                if in_folder
                else f"name a file in {display_path(kept)}/, or leave out --file",
            )
        )
    # Here, not at the top: the CLI imports this module to build its parser (KINDS).
    from briefgen.facts.project import refuse_content_file

    refused = refuse_content_file(project, path)  # a FIFO would block the read forever
    if refused is not None:
        raise UsageError(refused)


# -- ``briefgen init`` ------------------------------------------------------------------


def init_project(root: Path, templates: bool = False) -> list[Path]:
    """Write a new project into ``root``; the files written."""
    if (root / "content").exists():
        raise UsageError(
            Problem(
                Pos(display_path(root / "content")),
                "BG601",
                "this folder already holds a project (a content/ folder)",
                "choose a new or empty folder",
            )
        )
    written: list[Path] = []
    schemas = root / SCHEMA_FOLDER
    for name, text in all_schemas().items():
        write_atomic(schemas / name, text.encode("utf-8"))
        written.append(schemas / name)
    for rel, (collection, text) in examples().items():
        path = root / rel
        body = modeline(collection, path, schemas) + "\n" + _fill(text)
        write_atomic(path, body.encode("utf-8"))
        written.append(path)
    archive = root / ARCHIVE_FILE
    write_atomic(archive, _read(f"init/{ARCHIVE_FILE}").encode("utf-8"))
    written.append(archive)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        write_atomic(gitignore, b"/output/\n")
        written.append(gitignore)
    if templates:
        source = packaged_templates()
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix in (".j2", ".css", ".docx"):  # reference.docx: the DOCX's styles
                dest = root / "templates" / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
                written.append(dest)
    return written
