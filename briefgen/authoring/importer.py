"""``briefgen import-sources``: sources from a reference manager's CSL-JSON export.

Zotero ("Export Format: CSL JSON") and Better BibTeX ("Better CSL JSON") write an array
of CSL items. Each item is converted to a source (CSL date objects become dates, keys the
model does not keep are dropped and reported), checked with the validator's own field
rules, compared with the sources already in the project (same id, DOI, URL, or title and
year: a duplicate, skipped), and the new ones are appended to the project's sources file:
as YAML text at the end (comments untouched), or into a CSL-JSON sources file.

Problems point into the export itself (``export.json:12:7``), since that is what the
analyst fixes, in their reference manager.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefgen.authoring.yamledit import append_records, plain_data
from briefgen.check.fields import Checker
from briefgen.errors import Pos, Problem, UsageError, errors_in
from briefgen.facts.grammar import SLUG_RE, parse_date, slugify
from briefgen.facts.load import MAX_FILE_BYTES, YList, YMap, display_path, parse_yaml_text
from briefgen.facts.model import COLLECTIONS, Name, Source, SourceCustom, yaml_fields
from briefgen.facts.project import Project, collection_suffixes
from briefgen.files import resolve
from briefgen.words import counted
from briefgen.write import write_atomic

SOURCE_KEYS = [k for k, _ in yaml_fields(Source)]
NAME_KEYS = {k for k, _ in yaml_fields(Name)}
CUSTOM_KEYS = {k for k, _ in yaml_fields(SourceCustom)}
DATE_KEYS = {k for k, f in yaml_fields(Source) if f.metadata["kind"] == "date"}
NAMES_KEYS = {k for k, f in yaml_fields(Source) if f.metadata["kind"] == "names"}


@dataclass
class ImportResult:
    """What an import found and did."""

    target: Path
    added: list[str] = field(default_factory=list)
    #: added sources with no ``custom.reliability``: the analyst grades them (check says
    #: BG125 once one is cited), so none is written with a grade nobody gave
    ungraded: list[str] = field(default_factory=list)
    duplicates: int = 0
    failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    #: False when the export itself could not be read as CSL-JSON (nothing was imported)
    read: bool = True


def _norm_text(text: Any) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).strip()


def _norm_doi(doi: Any) -> str:
    text = str(doi).strip().lower()
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", text)


def _norm_url(url: Any) -> str:
    text = str(url).strip().lower()
    text = re.sub(r"^https?://(www\.)?", "", text)
    return text.rstrip("/")


def _year(value: Any) -> str:
    date = parse_date(value) if value is not None else None
    return str(date.year) if date else ""


def fingerprints(item: dict[str, Any]) -> list[tuple[str, str]]:
    """What makes two items the same work: DOI, URL, or title with year."""
    out = []
    if item.get("DOI"):
        out.append(("DOI", _norm_doi(item["DOI"])))
    if item.get("URL"):
        out.append(("URL", _norm_url(item["URL"])))
    if item.get("title"):
        out.append(("title and year", _norm_text(item["title"]) + "|" + _year(item.get("issued"))))
    return out


_STOP_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}


def _convert_date(value: Any) -> tuple[Any, str]:
    """A CSL date object as ``YYYY[-MM[-DD]]``; the value kept, and what was lost, if anything."""
    if isinstance(value, dict):
        parts = value.get("date-parts")
        lost = ", ".join(sorted(k for k in value if k not in ("date-parts", "raw")))
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            if len(parts) > 1:
                lost = (lost + ", " if lost else "") + "the end of a date range"
            date = parse_date({"date-parts": [parts[0]]})
            return (str(date) if date else value), lost
        if "raw" in value:
            date = parse_date(value["raw"])
            return (str(date) if date else value["raw"]), lost
        return None, lost or "a date with no date-parts"
    return value, ""


def _copy_map(src: YMap, keys: list[str], values: dict[str, Any]) -> YMap:
    out = YMap()
    out.pos = src.pos
    out.key_pos = {}
    out.value_pos = {}
    for k in keys:
        out[k] = values[k]
        out.key_pos[k] = src.key_pos.get(k, src.pos)
        out.value_pos[k] = src.value_pos.get(k, src.pos)
    return out


class _Importer:
    def __init__(self) -> None:
        self.dropped: Counter[str] = Counter()
        self.dropped_at: dict[str, Pos] = {}
        self.pending_drops: list[tuple[str, Pos]] = []

    def drop(self, key: str, pos: Pos) -> None:
        self.pending_drops.append((key, pos))

    def keep_drops(self) -> None:
        """Count the current item's dropped keys (only items actually imported are counted)."""
        for key, pos in self.pending_drops:
            self.dropped[key] += 1
            self.dropped_at.setdefault(key, pos)

    def convert(self, item: YMap) -> tuple[YMap, str | None]:
        """The item with only the keys a source keeps, dates and names converted."""
        self.pending_drops = []
        keys: list[str] = []
        values: dict[str, Any] = {}
        for key in SOURCE_KEYS:
            if key not in item or key == "id":
                continue
            value = item[key]
            if key in DATE_KEYS:
                value, lost = _convert_date(value)
                if lost:
                    self.drop(f"{key} ({lost})", item.where(key))
                if value is None:
                    continue
            elif key in NAMES_KEYS and isinstance(value, YList):
                names = YList()
                names.pos, names.item_pos = value.pos, list(value.item_pos)
                for name in value:
                    if isinstance(name, YMap):
                        for extra in [k for k in name if k not in NAME_KEYS]:
                            self.drop(f"{key}.{extra}", name.key_pos[extra])
                        name = _copy_map(name, [k for k in name if k in NAME_KEYS], dict(name))
                    names.append(name)
                value = names
            elif key == "custom" and isinstance(value, YMap):
                for extra in [k for k in value if k not in CUSTOM_KEYS]:
                    self.drop(f"custom.{extra}", value.key_pos[extra])
                value = _copy_map(value, [k for k in value if k in CUSTOM_KEYS], dict(value))
            keys.append(key)
            values[key] = value
        for key in item:
            if key not in SOURCE_KEYS:
                self.drop(key, item.key_pos[key])
        original = item.get("citation-key") or item.get("id")
        return _copy_map(item, keys, values), (str(original) if original is not None else None)

    def make_id(self, original: str | None, item: YMap, taken: set[str]) -> str:
        """A slug id: the export's own when it is one, else made from author, year and title."""
        if original and SLUG_RE.match(original):
            base = original
        elif original and not re.search(r"[/:]", original) and not original.isdigit() and slugify(original):
            base = slugify(original)
        else:
            words = []
            authors = item.get("author") or item.get("editor") or []
            if isinstance(authors, list) and authors:
                first = authors[0]
                words.append(str(first.get("family") or first.get("literal") or "") if isinstance(first, dict) else "")
            words.append(_year(item.get("issued")))
            title = [w for w in _norm_text(item.get("title", "")).split() if w not in _STOP_WORDS]
            words.append(" ".join(title[:2]))
            base = slugify(" ".join(w for w in words if w)) or "source"
        ident, n = base, 2
        while ident in taken:
            ident, n = f"{base}-{n}", n + 1
        return ident


def _sources_target(project: Project) -> Path:
    """Where imported sources go by default."""
    for ext in (".yaml", ".yml", ".json"):
        single = project.content / f"sources{ext}"
        if single.is_file():
            return single
    folder = project.content / "sources"
    if folder.is_dir():
        return folder / "imported.yaml"
    return project.content / "sources.yaml"


def _check_target(project: Project, path: Path) -> None:
    content = project.content.resolve()
    exts = collection_suffixes("sources")
    ok = (path.parent == content and path.stem == "sources" and path.suffix in exts) or (
        path.parent == content / "sources" and path.suffix in exts
    )
    if not ok:
        raise UsageError(
            Problem(
                Pos(display_path(path)),
                "BG602",
                "briefgen does not read sources from this file",
                "write to content/sources.yaml, content/sources.json or a file in content/sources/",
            )
        )


def import_sources(project: Project, export: Path, to: Path | None = None, dry_run: bool = False) -> ImportResult:
    """Import a CSL-JSON export into the project's sources; nothing is written on dry runs."""
    from briefgen.check.validate import validate_project

    target = resolve(to or _sources_target(project))
    _check_target(project, target)
    result = ImportResult(target)
    display = display_path(export)
    items = _read_export(export, display, result)
    if items is None:
        result.read = False
        return result
    importer = _Importer()
    base, _ = validate_project(project) if project.content.is_dir() else (None, [])
    taken: set[str] = set()
    seen: dict[tuple[str, str], str] = {}
    if base is not None:
        for name in COLLECTIONS:
            taken.update(base.collection(name))
        for source in base.sources.values():
            plain = {"DOI": source.DOI, "URL": source.URL, "title": source.title, "issued": None}
            plain["issued"] = str(source.issued) if source.issued else None
            for fp in fingerprints(plain):
                seen.setdefault(fp, f"source '{source.id}' in the project")
    accepted: list[dict[str, Any]] = []
    for index, (item, pos) in enumerate(zip(items, items.item_pos, strict=True), start=1):
        label = f"item {index}"
        if not isinstance(item, YMap):
            result.problems.append(Problem(pos, "BG603", f"{label} is not a CSL item (a JSON object)", ""))
            result.failed += 1
            continue
        converted, original = importer.convert(item)
        if original:
            label += f" ('{original}')"
        prints = fingerprints(plain_data(converted))
        same = next(((fp[0], seen[fp]) for fp in prints if fp in seen), None)
        if same is None and not prints and base is not None and original in base.sources:
            # Nothing else to compare by: the same id is taken to be the same source.
            same = ("id", f"source '{original}' in the project")
        if same is not None:
            result.problems.append(
                Problem(
                    pos,
                    "BG604",
                    f"{label} is already here: same {same[0]} as {same[1]}; skipped",
                    "nothing to do, or delete the copy in your reference manager",
                    "warning",
                )
            )
            result.duplicates += 1
            continue
        ident = importer.make_id(original, item, taken)
        converted["id"] = ident
        converted.key_pos["id"] = item.key_pos.get("id", pos)
        converted.value_pos["id"] = item.where("id")
        checker = Checker(project)
        rec = checker.record(Source, converted, pos, f"source from {label}")
        for ref in checker.pending:
            if ref.value not in taken and ref.value != ident:
                checker.problem(ref.pos, "BG103", f"unknown source '{ref.value}' in {ref.what}", "import it first")
        errors = errors_in(checker.problems)
        if rec is None or errors:
            result.problems.extend(checker.problems)
            result.failed += 1
            continue
        if original != ident:
            why = "is taken" if original and SLUG_RE.match(original) else "is not a briefgen id"
            result.problems.append(
                Problem(
                    item.where("id") if "id" in item else pos,
                    "BG606",
                    f"{label}: its id {why}; imported as '{ident}'",
                    "cite it as [@" + ident + "]; change the id in the sources file if you prefer another",
                    "warning",
                )
            )
        taken.add(ident)
        for fp in prints:
            seen.setdefault(fp, f"{label} of this file")
        importer.keep_drops()
        accepted.append(plain_data(converted))
        result.added.append(ident)
        if not isinstance(rec, Source) or not rec.custom.reliability:
            result.ungraded.append(ident)
    for key, count in sorted(importer.dropped.items()):
        result.problems.append(
            Problem(
                importer.dropped_at[key],
                "BG605",
                f"'{key}' is not kept (briefgen's sources do not have it): dropped from {counted(count, 'item')}",
                "nothing is lost in your reference manager; add what matters to the source's 'note'",
                "warning",
            )
        )
    if accepted and not dry_run:
        _write(project, target, accepted, display)
        result.written = True
    return result


def _read_export(export: Path, display: str, result: ImportResult) -> YList | None:
    """The export's items, with positions; None (and a problem) when it is not CSL-JSON."""

    def fail(message: str, hint: str, line: int = 0, col: int = 0) -> None:
        result.problems.append(Problem(Pos(display, line, col), "BG603", message, hint))

    try:
        if export.stat().st_size > MAX_FILE_BYTES:
            fail(f"the file is larger than {MAX_FILE_BYTES:,} bytes", "export fewer items at a time")
            return None
        text = export.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(Problem(Pos(display), "BG603", f"cannot read {display}: {exc.strerror}", "")) from None
    except UnicodeDecodeError:
        fail("the file is not UTF-8", "export again as CSL JSON (UTF-8)")
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"not JSON: {exc.msg}", "export the collection as CSL JSON", exc.lineno, exc.colno)
        return None
    data, problems = parse_yaml_text(text, display)
    if problems:  # JSON that PyYAML reads differently (duplicate keys): report, stop
        result.problems.extend(problems)
        return None
    if isinstance(data, YMap):  # one item
        items = YList([data])
        items.pos, items.item_pos = data.pos, [data.pos]
        return items
    if not isinstance(data, YList):
        fail("a CSL-JSON file holds a list of items", "export the collection as CSL JSON", 1, 1)
        return None
    return data


def _write(project: Project, target: Path, accepted: list[dict[str, Any]], display: str) -> None:
    if target.suffix == ".json":
        existing: list[Any] = []
        if target.exists():
            loaded = json.loads(target.read_text(encoding="utf-8-sig"))
            existing = loaded if isinstance(loaded, list) else [loaded]
        items = []
        for item in accepted:
            # A CSL-JSON file keeps CSL's own date objects, so other CSL tools still read it.
            out = {k: item[k] for k in ["id", *SOURCE_KEYS] if k in item}
            for key in DATE_KEYS & set(out):
                date = parse_date(out[key])
                if date is not None:
                    parts = [p for p in (date.year, date.month, date.day) if p is not None]
                    out[key] = {"date-parts": [parts]}
            items.append(out)
        text = json.dumps(existing + items, indent=2, ensure_ascii=False) + "\n"
        write_atomic(target, text.encode("utf-8"))
        return
    from briefgen.authoring.scaffold import _header

    ordered = [{k: item[k] for k in ["id", *SOURCE_KEYS] if k in item} for item in accepted]
    block = f"# Imported from {Path(display).name} by briefgen import-sources.\n"
    dumped = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=88, default_flow_style=False)
    # A blank line between records, as hand-written files have. Only top-level items
    # start a line with "- ": nested lists and long strings are indented.
    block += dumped.replace("\n- ", "\n\n- ")
    target.parent.mkdir(parents=True, exist_ok=True)
    append_records(target, block, len(accepted), _header(project, "sources", target))
