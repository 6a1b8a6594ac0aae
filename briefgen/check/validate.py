"""Check a loaded fact base and turn it into typed records, reporting every problem at once.

Three passes: (1) each record against its dataclass's field rules (types, enums, dates,
unknown keys); (2) ids unique across the base and every reference resolving to the right
collection, prose references included; (3) the rules of the trade: facts have sources,
judgments carry likelihood and confidence, quotes stand verbatim in the archived source.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from briefgen.check import quotes, standards
from briefgen.check.recordcache import RecordCache, record_cache
from briefgen.errors import Pos, Problem
from briefgen.facts.assets import ImageProblem, resolve_image
from briefgen.facts.grammar import DATE_FORMS, SAFE_URL_SCHEMES, SLUG_RE, parse_date, slugify
from briefgen.facts.graph import brief_parts, via_chain, via_loops
from briefgen.facts.load import (
    MAX_FILE_BYTES,
    LoadedFile,
    ParseCache,
    YList,
    YMap,
    display_path,
    find_in_file,
    load_yaml_file,
    parse_bytes,
)
from briefgen.facts.model import (
    COLLECTIONS,
    ENTITY_COLLECTIONS,
    FactBase,
    Name,
    Record,
    yaml_fields,
)
from briefgen.facts.project import Project
from briefgen.facts.syntax import link_allowed, scan_links, scan_references
from briefgen.gcpause import cycle_collection_paused
from briefgen.words import did_you_mean


def _type_name(value: Any) -> str:
    if isinstance(value, YMap | dict):
        return "a mapping"
    if isinstance(value, YList | list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "text"


@dataclass
class _PendingRef:
    value: str
    targets: tuple[str, ...]
    pos: Pos
    what: str


@dataclass
class _Checker:
    """State of one validation run."""

    project: Project
    problems: list[Problem] = field(default_factory=list)
    pending: list[_PendingRef] = field(default_factory=list)
    files: dict[str, LoadedFile] = field(default_factory=dict)
    #: collections with a file that could not be read: ids there are unknown, not missing
    broken: set[str] = field(default_factory=set)

    def unknowable(self, collections: tuple[str, ...]) -> bool:
        """True when an unknown id may just sit in a file that failed to load."""
        return any(c in self.broken for c in collections)

    def problem(self, pos: Pos, code: str, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(Problem(pos, code, message, hint, severity))  # type: ignore[arg-type]

    # -- pass 1: records -------------------------------------------------------------
    def record(self, cls: type[Record], raw: Any, pos: Pos, context: str) -> Record | None:
        if not isinstance(raw, YMap):
            self.problem(
                pos,
                "BG008",
                f"{context} should be a mapping of keys to values, found {_type_name(raw)}",
                "write it as 'key: value' lines",
            )
            return None
        fields = yaml_fields(cls)
        keys = {k for k, _ in fields}
        for key in raw:
            if key not in keys:
                self.problem(
                    raw.key_pos[key],
                    "BG101",
                    f"unknown key '{key}' in {context}{did_you_mean(key, sorted(keys))}",
                    f"allowed keys: {', '.join(sorted(keys))}",
                )
        kwargs: dict[str, Any] = {}
        for key, f in fields:
            meta = f.metadata
            if key not in raw or raw[key] is None or raw[key] == "" or raw[key] == []:
                if meta["required"] and key not in raw.rejected:
                    self.problem(
                        raw.where(key) if key in raw else raw.pos,
                        "BG102",
                        f"{context} needs '{key}'",
                        f"add '{key}: ...'" + (f" ({meta['doc']})" if meta["doc"] else ""),
                    )
                continue
            value = self.value(meta, raw[key], raw.where(key), f"'{key}' of {context}", raw, key)
            if value is not None:
                kwargs[f.name] = value
        obj = cls(**kwargs)
        obj.pos = raw.pos
        obj.field_pos = {f.name: raw.where(k) for k, f in fields if k in raw}
        return obj

    def value(self, meta: Any, value: Any, pos: Pos, what: str, parent: YMap, key: str) -> Any:
        kind = meta["kind"]
        if kind in ("text", "markdown", "url"):
            if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
                return self.wrong_type(pos, what, value, "text")
            text = str(value)
            if kind == "url" and not self.safe_url(text, pos, what):
                return None
            if "TODO" in text and key != "quote":  # a quote is the source's words, verbatim
                found = PLACEHOLDER_RE.search(text)
                if found:
                    self.placeholder(pos, what, text.count("TODO", 0, found.start()))
            return text
        if kind == "bool":
            if not isinstance(value, bool):
                return self.wrong_type(pos, what, value, "true or false")
            return value
        if kind == "slug":
            if not isinstance(value, str):
                return self.wrong_type(pos, what, value, "an id")
            if not SLUG_RE.match(value):
                self.problem(
                    pos,
                    "BG108",
                    f"{what}: '{value}' is not a valid id",
                    f"use lowercase letters, digits and single hyphens, e.g. '{slugify(value, fallback='my-id')}'",
                )
                return None
            return value
        if kind == "ref":
            if not isinstance(value, str):
                return self.wrong_type(pos, what, value, "an id")
            self.pending.append(_PendingRef(value, meta["refs"], pos, what))
            return value
        if kind in ("refs", "texts"):
            items, item_pos = self.as_list(value, pos)
            out = []
            for item, ipos in zip(items, item_pos, strict=True):
                if not isinstance(item, str) or (kind == "texts" and item == ""):
                    if kind == "texts" and isinstance(item, int | float) and not isinstance(item, bool):
                        out.append(str(item))
                        continue
                    self.wrong_type(ipos, f"an item of {what}", item, "an id" if kind == "refs" else "text")
                    continue
                if kind == "refs":
                    self.pending.append(_PendingRef(item, meta["refs"], ipos, what))
                out.append(item)
            return out
        if kind == "enum":
            choices = meta["choices"]
            if value in choices and not isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in choices:
                return value.strip().lower()
            shown = ", ".join(str(c) for c in choices)
            self.problem(
                pos,
                "BG105",
                f"{what}: '{value}' is not one of the allowed values"
                f"{did_you_mean(str(value), tuple(str(c) for c in choices))}",
                f"use one of: {shown}",
            )
            return None
        if kind == "date":
            date = parse_date(value)
            if date is None:
                self.problem(
                    pos,
                    "BG106",
                    f"{what}: '{value}' is not a date",
                    f"write {DATE_FORMS} (e.g. 2025-03-01)"
                    + ("" if meta["required"] else ", or leave it out when unknown"),
                )
            return date
        if kind == "names":
            items, item_pos = self.as_list(value, pos)
            names = []
            for item, ipos in zip(items, item_pos, strict=True):
                if isinstance(item, str):
                    name = Name(literal=item)
                    name.pos = ipos
                    names.append(name)
                    continue
                rec = self.record(Name, item, ipos, f"a name in {what}")
                if isinstance(rec, Name):
                    names.append(rec)
            return names
        if kind == "record":
            return self.record(meta["record"], value, pos, what)
        if kind == "records":
            items, item_pos = self.as_list(value, pos)
            recs = []
            for item, ipos in zip(items, item_pos, strict=True):
                rec = self.record(meta["record"], item, ipos, f"an item of {what}")
                if rec is not None:
                    recs.append(rec)
            return recs
        if kind == "coords":
            ok = (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
                and -90 <= value[0] <= 90
                and -180 <= value[1] <= 180
            )
            if not ok:
                self.problem(
                    pos,
                    "BG104",
                    f"{what}: expected [latitude, longitude] in degrees",
                    "e.g. coords: [25.1, 97.3]; leave it out when the source gives none",
                )
                return None
            return [float(v) for v in value]
        raise AssertionError(f"unknown field kind {kind}")  # a programming error, not a user one

    def placeholder(self, pos: Pos, what: str, nth: int) -> None:
        """BG212: a TODO that ``briefgen new`` wrote (or an author left) is still there;
        ``nth`` is how many "TODO" strings come before it (in "TODOS", say)."""
        loaded = self.files.get(pos.file)
        where = find_in_file(loaded.lines if loaded else [], pos, "TODO", nth)
        self.problem(
            where,
            "BG212",
            f"{what} still holds the placeholder TODO",
            "write what belongs here (briefgen new marks with TODO what is left to fill in)",
            severity="warning",
        )

    def as_list(self, value: Any, pos: Pos) -> tuple[list[Any], list[Pos]]:
        if isinstance(value, YList):
            return list(value), list(value.item_pos)
        return [value], [pos]

    def wrong_type(self, pos: Pos, what: str, value: Any, expected: str) -> None:
        self.problem(
            pos,
            "BG104",
            f"{what}: expected {expected}, found {_type_name(value)}",
            "check the indentation and the YAML type (quote text that looks like a number)",
        )
        return None

    def safe_url(self, url: str, pos: Pos, what: str) -> bool:
        scheme = urlsplit(url.strip()).scheme.lower()
        if scheme in SAFE_URL_SCHEMES:
            return True
        self.problem(
            pos,
            "BG117",
            f"{what}: link scheme '{scheme or 'none'}' is not allowed",
            "links must be http, https or mailto URLs",
        )
        return False


#: The placeholder word ``briefgen new`` writes, as a word of its own (not "TODOS").
PLACEHOLDER_RE = re.compile(r"\bTODO\b")


def validate_project(project: Project, cache: ParseCache | None = None) -> tuple[FactBase, list[Problem]]:
    """Load and check everything under ``project.content``; the base and every problem.

    With a ``cache`` (the live preview keeps one), unchanged files are not parsed again.
    The cycle collector is paused meanwhile (see gcpause): it would find nothing to free.
    """
    with cycle_collection_paused():
        return _validate_project(project, cache)


def _validate_project(project: Project, cache: ParseCache | None) -> tuple[FactBase, list[Problem]]:
    checker = _Checker(project)
    base = FactBase()
    disk = record_cache() if cache is None else None  # the preview's memory cache is faster still
    wrote_cache = False
    files, problems = project.collection_files()
    checker.problems.extend(problems)
    id_home: dict[str, tuple[str, Pos]] = {}
    for collection, path in files:
        refused = refuse_content_file(project, path)
        if refused is not None:
            checker.problems.append(refused)
            checker.broken.add(collection)
            continue
        disk_hit, disk_key = None, None
        if cache is not None:
            loaded = cache.load(path)
        elif disk is not None:
            loaded, disk_hit, disk_key = _load_with_disk(disk, path, collection)
        else:
            loaded = load_yaml_file(path)
        checker.files[loaded.display] = loaded
        memo = cache.records.get(path) if cache is not None else None
        if disk_hit is not None:
            records, file_problems, pending, broken = disk_hit
            checker.problems.extend(file_problems)
            display = loaded.display
            checker.pending.extend(
                _PendingRef(v, tuple(t), tuple.__new__(Pos, (display, ln, col)), w)  # type: ignore[type-var]
                for v, t, ln, col, w in pending
            )
        elif memo is not None and memo[0] is loaded:
            # The file is unchanged since the last run: its records and the problems found
            # in them alone stand as they were (cross-file checks run again below).
            _, records, file_problems, pending, broken = memo
            checker.problems.extend(file_problems)
            checker.pending.extend(pending)
        else:
            first_problem, first_pending = len(checker.problems), len(checker.pending)
            broken = any(p.severity == "error" for p in loaded.problems)
            checker.problems.extend(loaded.problems)
            records = _file_records(checker, collection, loaded)
            if cache is not None:
                cache.records[path] = (
                    loaded,
                    records,
                    checker.problems[first_problem:],
                    checker.pending[first_pending:],
                    broken,
                )
            if disk is not None and disk_key is not None:
                wrote_cache = True
                pending_rows = [(r.value, r.targets, r.pos, r.what) for r in checker.pending[first_pending:]]
                disk.put(disk_key, loaded.display, (records, checker.problems[first_problem:], pending_rows, broken))
        if broken:
            checker.broken.add(collection)
        for rec in records:
            rid = rec.id  # type: ignore[attr-defined]
            if rid in id_home:
                other_collection, other = id_home[rid]
                checker.problem(
                    rec.where("id"),
                    "BG107",
                    f"id '{rid}' is already used by a {other_collection[:-1]} at {other}",
                    "ids are unique across the whole fact base: rename one",
                )
                continue
            id_home[rid] = (collection, rec.where("id"))
            base.collection(collection)[rid] = rec
    if disk is not None and wrote_cache:
        disk.prune()
    _check_references(checker, base, id_home)
    _check_claims(checker, base)
    _check_prose(checker, base, id_home)
    _check_links(checker, base)
    _check_sources(checker, base)
    _check_usage(checker, base)
    checker.problems.extend(standards.check_standards(project, base, {k: f.text for k, f in checker.files.items()}))
    return base, checker.problems


def _load_with_disk(disk: RecordCache, path: Path, collection: str) -> tuple[LoadedFile, Any, str | None]:
    """The file, and its checked records from the disk cache when its bytes are known there."""
    display = display_path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return load_yaml_file(path), None, None
        raw = path.read_bytes()
    except OSError:
        return load_yaml_file(path), None, None
    key = disk.key(display, collection, raw)
    hit = disk.get(key, display)
    if hit is not None:
        return LoadedFile(path, display, None, [], raw.decode("utf-8-sig", errors="replace")), hit, key
    return parse_bytes(path, display, raw), None, key


def _file_records(checker: _Checker, collection: str, loaded: LoadedFile) -> list[Record]:
    """The records of one file, checked against their field rules (pass 1)."""
    data = loaded.data
    if data is None:
        if not loaded.problems:
            checker.problem(
                Pos(loaded.display), "BG007", "file is empty", "add records or delete the file", severity="warning"
            )
        return []
    if isinstance(data, YMap):
        items, positions = [data], [data.pos]
    elif isinstance(data, YList):
        items, positions = list(data), list(data.item_pos)
    else:
        checker.problem(
            Pos(loaded.display, 1, 1),
            "BG008",
            f"a {collection} file holds a list of records or one record, found {_type_name(data)}",
            "start each record with '- id: ...'",
        )
        return []
    cls = COLLECTIONS[collection]
    singular = collection[:-1]
    records = []
    for item, pos in zip(items, positions, strict=True):
        ident = item.get("id") if isinstance(item, YMap) else None
        label = f"{singular} '{ident}'" if isinstance(ident, str) else f"a {singular}"
        rec = checker.record(cls, item, pos, label)
        if rec is not None and getattr(rec, "id", None):
            records.append(rec)
    return records


def _check_references(checker: _Checker, base: FactBase, id_home: dict[str, tuple[str, Pos]]) -> None:
    for ref in checker.pending:
        home = id_home.get(ref.value)
        if home is None and checker.unknowable(ref.targets):
            continue
        if home is None:
            pool = [i for i, (c, _) in id_home.items() if c in ref.targets]
            wanted = _either(ref.targets)
            checker.problem(
                ref.pos,
                "BG103",
                f"unknown {wanted} '{ref.value}' in {ref.what}{did_you_mean(ref.value, pool)}",
                f"use the id of an existing {wanted}, or add one with that id",
            )
        elif home[0] not in ref.targets:
            wanted = _with_article(_either(ref.targets))
            checker.problem(
                ref.pos,
                "BG109",
                f"'{ref.value}' in {ref.what} is {_with_article(home[0][:-1])}, not {wanted}",
                f"refer to {wanted} here",
            )


def _either(collections: tuple[str, ...]) -> str:
    """'actor, mineral, place or route' for the collections a reference may point into."""
    nouns = [c[:-1] for c in collections]
    return nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]


def _with_article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _check_claims(checker: _Checker, base: FactBase) -> None:
    for claim in base.claims.values():
        if claim.kind == "fact" and not claim.sources:
            checker.problem(
                claim.where("sources") if claim.field_pos and "sources" in claim.field_pos else claim.pos,
                "BG110",
                f"fact '{claim.id}' has no sources",
                "add sources: [{ref: ..., locator: ..., quote: ...}], or make it an assumption or judgment",
            )
        for cite in claim.sources:
            if not cite.locator and not cite.quote:
                checker.problem(
                    cite.pos,
                    "BG111",
                    f"a source of claim '{claim.id}' has neither locator nor quote",
                    "say where in the source (locator: para. 4) or quote it (quote: ...)",
                )
        if claim.kind == "judgment":
            for name in ("likelihood", "confidence"):
                if getattr(claim, name) is None:
                    checker.problem(
                        claim.pos,
                        "BG114",
                        f"judgment '{claim.id}' needs '{name}'",
                        f"add {name}: ..." + (" (e.g. likely)" if name == "likelihood" else " (high, moderate or low)"),
                    )
        else:
            for name in ("likelihood", "confidence", "supports"):
                if getattr(claim, name):
                    checker.problem(
                        claim.where(name),
                        "BG114",
                        f"'{name}' is for judgments, but '{claim.id}' is a {claim.kind}",
                        f"remove '{name}' or make the claim kind: judgment",
                    )
        if claim.id in claim.supports:
            checker.problem(
                claim.where("supports"),
                "BG119",
                f"judgment '{claim.id}' supports itself",
                "list the other claims it rests on",
            )


def _check_prose(checker: _Checker, base: FactBase, id_home: dict[str, tuple[str, Pos]]) -> None:
    """Every id used in Markdown resolves; the position is the line inside the YAML block."""

    def scan(text: str | None, pos: Pos, owner: str, claim_statement: bool) -> None:
        if not text:
            return
        loaded = checker.files.get(pos.file)
        counts: dict[str, int] = {}
        for ref in scan_references(text):
            nth = counts.get(ref.token, 0)
            counts[ref.token] = nth + 1
            home = id_home.get(ref.ref)
            allowed = {"cite": ("sources", "claims"), "claim": ("claims",), "mention": ENTITY_COLLECTIONS}[ref.how]
            if home is not None and home[0] in allowed and not (claim_statement and ref.how != "mention"):
                continue  # the common case: nothing to report, so no position to work out
            where = find_in_file(loaded.lines if loaded else [], pos, ref.token, nth)
            if claim_statement and ref.how != "mention":
                checker.problem(
                    where,
                    "BG116",
                    f"{owner}: a claim statement cannot cite ('{ref.token}')",
                    "a claim's sources go in its 'sources' list; use @id to name entities",
                )
                continue
            wanted = {"cite": "source or claim", "claim": "claim", "mention": "actor, mineral, place or route"}[ref.how]
            if home is None and checker.unknowable(allowed):
                continue
            if home is None:
                pool = [i for i, (c, _) in id_home.items() if c in allowed]
                checker.problem(
                    where,
                    "BG115",
                    f"{owner}: unknown {wanted} '{ref.ref}' in '{ref.token}'{did_you_mean(ref.ref, pool)}",
                    "use the id of an existing record"
                    + (" (write \\@ for a literal @)" if ref.how == "mention" else ""),
                )
            elif home[0] not in allowed:
                checker.problem(
                    where,
                    "BG115",
                    f"{owner}: '{ref.ref}' is a {home[0][:-1]}, but '{ref.token}' needs a {wanted}",
                    {
                        "cite": "cite with [@id], place a claim with [[id]], name an entity with @id",
                        "claim": "[[id]] writes a claim; cite a source with [@id]",
                        "mention": "@id names an entity; cite a source or claim with [@id]",
                    }[ref.how],
                )

    for claim in base.claims.values():
        scan(claim.statement, claim.where("statement"), f"claim '{claim.id}'", True)
    for brief in base.briefs.values():
        scan(brief.summary, brief.where("summary"), f"brief '{brief.id}'", False)
        for section in brief.sections + brief.annexes:
            scan(section.body, section.where("body"), f"brief '{brief.id}'", False)


def _check_links(checker: _Checker, base: FactBase) -> None:
    """Links in prose go only to http(s), mailto or #anchors; images only to files in
    content/assets/. Reported at the destination's line inside the YAML block."""
    content = checker.project.content

    def scan(text: str | None, pos: Pos, owner: str) -> None:
        if not text or ("](" not in text and "<" not in text and "]:" not in text):
            return
        loaded = checker.files.get(pos.file)
        for link in scan_links(text):
            if link.kind == "image":
                found = resolve_image(content, link.url)
                if not isinstance(found, ImageProblem):
                    continue
                code, message, hint = found.code, f"{owner}: {found.message}", found.hint
            elif link_allowed(link.url):
                continue
            else:
                shown = link.url if len(link.url) <= 80 else link.url[:77] + "..."
                code, message = "BG120", f"{owner}: link to '{shown}' is not allowed"
                hint = "links go to http:// or https:// addresses, mailto: or #anchors in the brief"
            nth = _occurrences_before(text, link.raw, link.offset)
            where = find_in_file(loaded.lines if loaded else [], pos, link.raw, nth)
            checker.problem(where, code, message, hint)

    for claim in base.claims.values():
        scan(claim.statement, claim.where("statement"), f"claim '{claim.id}'")
    for brief in base.briefs.values():
        scan(brief.summary, brief.where("summary"), f"brief '{brief.id}'")
        for section in brief.sections + brief.annexes:
            scan(section.body, section.where("body"), f"brief '{brief.id}'")


def _occurrences_before(text: str, token: str, offset: int) -> int:
    """How many times ``token`` starts before ``offset`` (overlapping, as find_in_file counts)."""
    count = 0
    found = text.find(token)
    while 0 <= found < offset:
        count += 1
        found = text.find(token, found + 1)
    return count


def refuse_content_file(project: Project, path: Path) -> Problem | None:
    """A collection file that is a link out of content/, or not a regular file (a FIFO
    would block the read forever), is not read at all."""
    display = display_path(path)
    try:
        real = path.resolve()
        regular = stat.S_ISREG(real.stat().st_mode)
    except (OSError, RuntimeError):
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


def _check_sources(checker: _Checker, base: FactBase) -> None:
    """Archives exist inside content/archive/, via chains end, quotes stand verbatim."""
    content = checker.project.content.resolve()
    archive_root = content / "archive"
    for source in base.sources.values():
        path_text = source.custom.archive
        if not path_text:
            continue
        where = source.custom.where("archive")
        path = (content / path_text).resolve()
        if not path.is_relative_to(archive_root):
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' is outside content/archive/: '{path_text}'",
                "keep archived copies in content/archive/ and write the path relative to content/",
            )
            continue
        try:
            raw = path.read_bytes()
        except OSError:
            checker.problem(
                where,
                "BG113",
                f"archive of '{source.id}' not found: content/{path_text}",
                "put the source's plain text there, or fix the path (relative to content/)",
            )
            continue
        base.archives[source.id] = quotes.normalise(raw.decode("utf-8", errors="replace"))
    for source in base.sources.values():
        if via_loops(base, source.id):
            checker.problem(
                source.custom.where("via"),
                "BG118",
                f"'via' of source '{source.id}' goes round in a circle",
                "a source reported by another must end at one that is not",
            )
    for claim in base.claims.values():
        for cite in claim.sources:
            if not cite.quote or cite.ref not in base.sources:
                continue
            archived = _archive_for(base, cite.ref)
            if archived is None:
                continue
            source_id, text = archived
            if not quotes.quote_in(cite.quote, text):
                near = quotes.nearest_passage(cite.quote, text)
                checker.problem(
                    cite.where("quote"),
                    "BG112",
                    f"quote in claim '{claim.id}' is not in the archived text of '{source_id}'",
                    f'the nearest passage reads: "{near}"',
                )


def _archive_for(base: FactBase, source_id: str) -> tuple[str, str] | None:
    """The archived text a quote from ``source_id`` is checked against: its own, else that
    of the first source along its ``via`` chain that has one."""
    for current in via_chain(base, source_id):
        if current in base.archives:
            return current, base.archives[current]
    return None


def _check_usage(checker: _Checker, base: FactBase) -> None:
    """Warn about sources and entities nothing refers to."""
    if checker.broken:
        return  # a file that could not be read may hold the references: say nothing false
    used: set[str] = set()
    for ref in checker.pending:
        used.add(ref.value)
    for claim in base.claims.values():
        used.update(r.ref for r in scan_references(claim.statement or ""))
    for brief in base.briefs.values():
        for _part, text, _pos in brief_parts(brief):
            used.update(r.ref for r in scan_references(text or ""))
    for source in base.sources.values():
        if source.id not in used:
            checker.problem(
                source.where("id"),
                "BG201",
                f"source '{source.id}' is never cited",
                "cite it from a claim, or remove it",
                severity="warning",
            )
    for name in ENTITY_COLLECTIONS:
        for ident, rec in base.collection(name).items():
            if ident not in used:
                checker.problem(
                    rec.where("id"),
                    "BG202",
                    f"{name[:-1]} '{ident}' is never referred to",
                    "refer to it from a claim's 'about' or in prose, or remove it",
                    severity="warning",
                )
