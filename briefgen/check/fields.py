"""Pass 1 of validation: each record against its dataclass's field rules.

The :class:`Checker` holds one run's state (problems found, references still to resolve,
files read) and turns a YAML mapping into a typed record, checking types, enums, dates,
ids and unknown keys, and noting every reference for the later passes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from briefgen.errors import Pos, Problem
from briefgen.facts.grammar import DATE_FORMS, SAFE_URL_SCHEMES, SLUG_RE, parse_date, slugify
from briefgen.facts.load import LoadedFile, YList, YMap, find_in_file
from briefgen.facts.model import Name, Record, yaml_fields
from briefgen.facts.project import Project
from briefgen.words import did_you_mean

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


@dataclass
class PendingRef:
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
            self.pending.append(PendingRef(value, meta["refs"], pos, what))
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
                    self.pending.append(PendingRef(item, meta["refs"], ipos, what))
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
            f"{what}: expected {expected}, found {type_name(value)}",
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
