"""Pass 1 of validation: each record against its dataclass's field rules.

The :class:`Checker` holds one run's state (problems found, references still to resolve,
files read) and turns a YAML mapping into a typed record, checking types, enums, dates,
ids and unknown keys, and noting every reference for the later passes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from briefgen.errors import Pos, Problem
from briefgen.facts.grammar import (
    DATE_FORMS,
    SAFE_URL_SCHEMES,
    SLUG_RE,
    TEMPLATE_NAME_RE,
    TEMPLATE_SUFFIX,
    YEARS,
    parse_date,
    path_problem,
    slugify,
)
from briefgen.facts.kinds import FIELD_KINDS
from briefgen.facts.load import LoadedFile, YList, YMap, find_char_in_file, find_in_file
from briefgen.facts.model import Name, Record, yaml_fields
from briefgen.facts.project import Project
from briefgen.facts.yvalues import READ_AS_A_LIST, quoted_example, written_value
from briefgen.words import char_name, did_you_mean, hidden_characters

#: The placeholder word ``briefgen new`` writes, as a word of its own (not "TODOS").
PLACEHOLDER_RE = re.compile(r"\bTODO\b")


def type_name(value: Any) -> str:
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


class PendingRef(NamedTuple):
    """An id in a field, resolved once every file is read (a named tuple: a large base
    holds tens of thousands, and the records cache makes them in one C-level call)."""

    value: str
    targets: tuple[str, ...]
    pos: Pos
    what: str


@dataclass
class Checker:
    """State of one validation run."""

    project: Project
    problems: list[Problem] = field(default_factory=list)
    pending: list[PendingRef] = field(default_factory=list)
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
                f"{context} should be a mapping of keys to values, found {type_name(raw)}",
                "write it as 'key: value' lines",
            )
            return None
        table = _TABLES.get(cls) or _field_table(cls)
        keys = table.keys
        #: keys written without their colon ("title "A: B"" reads as one key): said once,
        #: as that, and not again as a required key missing
        colonless: set[str] = set()
        if not keys.issuperset(raw):
            for key in raw:
                if key not in keys:
                    first, _, rest = str(key).partition(" ")
                    if rest and first in keys:
                        colonless.add(first)
                        self.problem(
                            raw.key_pos[key],
                            "BG101",
                            f"'{first}' in {context} has no ':' after it, so YAML read '{key}' as one key",
                            f"put a colon and a space after it ({first}: ...); a value holding ': ' is quoted whole",
                        )
                        continue
                    self.problem(
                        raw.key_pos[key],
                        "BG101",
                        f"unknown key '{key}' in {context}{did_you_mean(key, sorted(keys))}",
                        f"allowed keys: {', '.join(sorted(keys))}",
                    )
        kwargs: dict[str, Any] = {}
        # Each field's position is looked up once, for its reader and for field_pos (the
        # fields that are there, in field order); this runs for every record of the base.
        field_pos: dict[str, Pos] = {}
        value_pos = raw.value_pos
        for key, name, meta, reader, max_len in table.fields:
            if key in raw:
                where = field_pos[name] = value_pos.get(key, raw.pos)
                given = raw[key]
            else:
                given = None
            if given is None or given == "" or given == []:
                if meta["required"] and key not in raw.rejected and key not in colonless:
                    self.problem(
                        raw.where(key) if key in raw else raw.pos,
                        "BG102",
                        f"{context} needs '{key}'",
                        f"add '{key}: ...'" + (f" ({meta['doc']})" if meta["doc"] else ""),
                    )
                continue
            what = f"'{key}' of {context}"
            # The limit (BG123) first, then the reader of the field's kind; text is
            # measured inline (this runs for every value of the base).
            if max_len is not None and (len(given) > max_len if given.__class__ is str else _over_limit(meta, given)):
                self.too_long(meta, _as_text(given), where, what)
                continue
            value = reader(self, meta, given, where, what, key)
            if value is not None:
                kwargs[name] = value
        obj = cls(**kwargs)
        obj.pos = raw.pos
        obj.field_pos = field_pos
        return obj

    def too_long(self, meta: Any, value: str, pos: Pos, what: str) -> None:
        """BG123: a text longer than its field's limit (a title, a name, an id...). Such
        a value is never laid out: WeasyPrint's time grows faster than a line's length."""
        limit = meta["max_len"]
        self.problem(
            pos,
            "BG123",
            f"{what} is {len(value):,} characters long; the limit is {limit:,}",
            f"an id is a few words, e.g. 'kia-took-chipwe' ({limit:,} characters at most)"
            if meta["kind"] in ("slug", "ref", "refs")
            else f"shorten it to {limit:,} characters at most; longer text belongs in a description, "
            "a claim's statement or a section's body",
        )
        return None

    def _expected(self, meta: Any) -> str:
        return FIELD_KINDS[meta["kind"]].expected

    def read_text(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        if value.__class__ is str:
            text = value  # nearly always: no conversion to check
        elif isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
            return self.wrong_type(pos, what, value, self._expected(meta))
        else:
            text = str(value)
        self.hidden(pos, what, text)
        if meta["kind"] == "url" and not self.safe_url(text, pos, what):
            return None
        if "TODO" in text and key != "quote":  # a quote is the source's words, verbatim
            found = PLACEHOLDER_RE.search(text)
            if found:
                self.placeholder(pos, what, text.count("TODO", 0, found.start()))
        return text

    def read_path(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        """A path to a file: refused here, before any file system call, when no file
        system could take it (checking that it stays in its folder is ``sources``' job)."""
        text = self.read_text(meta, value, pos, what, key)
        problem = path_problem(text) if isinstance(text, str) else None
        if problem is None:
            return text
        self.problem(
            pos,
            "BG113",
            f"{what}: the path {problem}",
            "write the path of the archived text relative to content/, e.g. archive/report.txt",
        )
        return None

    def read_template(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        """A brief template's name: a plain name, never a path, a partial or a file name."""
        text = self.read_text(meta, value, pos, what, key)
        if not isinstance(text, str) or TEMPLATE_NAME_RE.match(text):
            return text
        folder, _, stem = text.removesuffix(TEMPLATE_SUFFIX).rpartition("/")
        # templates/memo.html.j2 means 'memo'; partials/cite is a piece, not a brief's
        # template, and a path elsewhere names no template at all.
        meant = TEMPLATE_NAME_RE.match(stem) and stem != text and folder in ("", "templates")
        suggestion = f"'{stem}'" if meant else "'brief' or 'summary'"
        shown = text if len(text) <= 60 else text[:60] + "..."
        self.problem(
            pos,
            "BG301",
            f"{what}: {shown!r} is not a template name",
            f"write the name of a brief template, e.g. {suggestion}: lowercase letters, digits, - and _, "
            f"for templates/NAME{TEMPLATE_SUFFIX} (no folder, no {TEMPLATE_SUFFIX}; partials are not briefs)",
        )
        return None

    def read_bool(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        if not isinstance(value, bool):
            return self.wrong_type(pos, what, value, self._expected(meta))
        return value

    def read_slug(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        if not isinstance(value, str):
            return self.wrong_type(pos, what, value, self._expected(meta))
        if not SLUG_RE.match(value):
            self.problem(
                pos,
                "BG108",
                f"{what}: '{value}' is not a valid id",
                f"use lowercase letters, digits and single hyphens, e.g. '{slugify(value, fallback='my-id')}'",
            )
            return None
        return value

    def read_ref(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        if not isinstance(value, str):
            return self.wrong_type(pos, what, value, self._expected(meta))
        self.pending.append(PendingRef(value, meta["refs"], pos, what))
        return value

    def read_strings(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        """``refs`` (ids, resolved later) and ``texts`` (numbers read as text)."""
        kind, max_len = meta["kind"], meta["max_len"]
        items, item_pos = self.as_list(value, pos)
        out = []
        for item, ipos in zip(items, item_pos, strict=True):
            if max_len is not None and (len(item) > max_len if item.__class__ is str else _over_limit(meta, item)):
                self.too_long(meta, _as_text(item), ipos, f"an item of {what}")
                continue
            if not isinstance(item, str) or (kind == "texts" and item == ""):
                if kind == "texts" and isinstance(item, int | float) and not isinstance(item, bool):
                    out.append(str(item))
                    continue
                self.wrong_type(ipos, f"an item of {what}", item, self._expected(meta))
                continue
            if kind == "refs":
                self.pending.append(PendingRef(item, meta["refs"], ipos, what))
            else:
                self.hidden(ipos, f"an item of {what}", item)
            out.append(item)
        return out

    def read_enum(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        choices = meta["choices"]
        if value in choices and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        shown = ", ".join(str(c) for c in choices)
        # A likelihood or confidence in other words (ICD 203's second row, say) is offered
        # the accepted term of the same meaning, not one that merely looks alike.
        from briefgen.check.wording import accepted_term  # only a wrong value needs it (its patterns)

        twin = accepted_term(value, choices) if isinstance(value, str) else None
        near = f" (did you mean '{twin}'?)" if twin else did_you_mean(str(value), tuple(str(c) for c in choices))
        self.problem(
            pos,
            "BG105",
            f"{what}: '{value}' is not {self._expected(meta)}{near}",
            f"use one of: {shown}",
        )
        return None

    def read_date(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        date = parse_date(value)
        if date is None:
            self.problem(
                pos,
                "BG106",
                f"{what}: '{value}' is not {self._expected(meta)}",
                f"write {DATE_FORMS} (e.g. 2025-03-01), a year from {YEARS[0]:04d} to {YEARS[1]}"
                + ("" if meta["required"] else ", or leave it out when unknown"),
            )
        return date

    def read_names(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        items, item_pos = self.as_list(value, pos)
        names = []
        for item, ipos in zip(items, item_pos, strict=True):
            if isinstance(item, str):
                self.hidden(ipos, f"a name in {what}", item)
                name = Name(literal=item)
                name.pos = ipos
                names.append(name)
                continue
            rec = self.record(Name, item, ipos, f"a name in {what}")
            if isinstance(rec, Name):
                names.append(rec)
        return names

    def read_record(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        return self.record(meta["record"], value, pos, what)

    def read_records(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
        items, item_pos = self.as_list(value, pos)
        recs = []
        for item, ipos in zip(items, item_pos, strict=True):
            rec = self.record(meta["record"], item, ipos, f"an item of {what}")
            if rec is not None:
                recs.append(rec)
        return recs

    def read_coords(self, meta: Any, value: Any, pos: Pos, what: str, key: str) -> Any:
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
                f"{what}: expected {self._expected(meta)} in degrees",
                "e.g. coords: [25.1, 97.3]; leave it out when the source gives none",
            )
            return None
        return [float(v) for v in value]

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

    def hidden(self, pos: Pos, what: str, text: str) -> None:
        """BG213: a character a reader cannot see (a bidi override, a zero-width space, a
        control; words.is_hidden) in a text field, once per character at its first place:
        the brief would read differently from what a reviewer of the YAML sees."""
        found = hidden_characters(text)
        if not found:
            return
        loaded = self.files.get(pos.file)
        counts: dict[str, int] = {}
        for _, char in found:
            counts[char] = counts.get(char, 0) + 1
        for char, count in counts.items():
            times = f" ({count} times)" if count > 1 else ""
            self.problem(
                find_char_in_file(loaded.lines if loaded else [], pos, char),
                "BG213",
                f"{what} holds an invisible character, {char_name(char)}{times}",
                "delete it (it often comes in with text pasted from the web or a PDF): "
                "it can reorder or hide what the brief says",
                severity="warning",
            )

    def as_list(self, value: Any, pos: Pos) -> tuple[list[Any], list[Pos]]:
        """The items of a list and their positions (a single value as a list of one); the
        YList's own lists, which the readers only iterate."""
        if isinstance(value, YList):
            return value, value.item_pos
        return [value], [pos]

    def wrong_type(self, pos: Pos, what: str, value: Any, expected: str) -> None:
        hint = "check the indentation and the YAML type (quote text that looks like a number)"
        if isinstance(value, list) and expected == FIELD_KINDS["text"].expected:
            # body: [[claim-id]] alone on its line is valid YAML, a list in a list: the
            # author meant prose starting with a claim in place (or a citation).
            loaded = self.files.get(pos.file)
            line = loaded.lines[pos.line - 1] if loaded and 0 < pos.line <= len(loaded.lines) else ""
            written = written_value(line)
            if written and written[2] == pos.col - 1:
                key, text, _ = written
                if text.startswith(("[[", "[@")) or (text.startswith("[") and "]{@" in text):
                    hint = f"{READ_AS_A_LIST}: quote the whole value, e.g. {quoted_example(key, text)}"
        self.problem(pos, "BG104", f"{what}: expected {expected}, found {type_name(value)}", hint)
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


class _FieldTable(NamedTuple):
    """What pass 1 reads of a record class, worked out once per class: its YAML keys, and
    for each field (in field order) its key, name, rules, reader and length limit."""

    keys: frozenset[str]
    fields: tuple[tuple[str, str, Any, Callable[..., Any], int | None], ...]


_TABLES: dict[type, _FieldTable] = {}


def _field_table(cls: type[Record]) -> _FieldTable:
    fields = yaml_fields(cls)
    table = _FieldTable(
        frozenset(key for key, _ in fields),
        tuple((key, f.name, f.metadata, VALUE_READERS[f.metadata["kind"]], f.metadata["max_len"]) for key, f in fields),
    )
    _TABLES[cls] = table
    return table


def _as_text(value: Any) -> str:
    """The text a value is shown as: a number in a text field is read as text."""
    return value if isinstance(value, str) else str(value)


def _over_limit(meta: Any, value: Any) -> bool:
    """Whether ``value`` (text, or a number shown as text) is longer than its field's limit.
    Numbers count too: a name written as a 1,000-digit number is as long a line."""
    if meta["max_len"] is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    return len(_as_text(value)) > meta["max_len"]


#: The reader of each field kind (:data:`briefgen.facts.kinds.FIELD_KINDS`).
VALUE_READERS: dict[str, Callable[..., Any]] = {
    "text": Checker.read_text,
    "markdown": Checker.read_text,
    "url": Checker.read_text,
    "path": Checker.read_path,
    "template": Checker.read_template,
    "bool": Checker.read_bool,
    "slug": Checker.read_slug,
    "ref": Checker.read_ref,
    "refs": Checker.read_strings,
    "texts": Checker.read_strings,
    "enum": Checker.read_enum,
    "date": Checker.read_date,
    "names": Checker.read_names,
    "coords": Checker.read_coords,
    "record": Checker.read_record,
    "records": Checker.read_records,
}
