"""JSON Schema for every collection, generated from the field rules in ``model``.

Editors that speak yaml-language-server (VS Code's YAML extension, Neovim, Helix...) read
the ``# yaml-language-server: $schema=...`` line at the top of a content file and then
complete keys, show each field's doc and flag mistakes while typing. The schemas are made
from the same dataclass metadata the validator reads, so they cannot disagree with
``briefgen check`` about which keys exist or which values are allowed.

The schema is looser than ``check`` where the checker needs the whole fact base (does a
referenced id exist? is a quote in the archive?). It is stricter in one way only: it asks
for the canonical spelling of allowed values (``fact``), where ``check`` also accepts
``Fact``; the example content and every skeleton briefgen writes use that spelling.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefgen.facts.grammar import (
    DATE_FORMS,
    DATE_JSON_PATTERN,
    MAX_PATH_CHARS,
    SLUG_RE,
    TEMPLATE_NAME,
    URL_JSON_PATTERN,
)
from briefgen.facts.kinds import FIELD_KINDS
from briefgen.facts.model import COLLECTIONS, Name, Record, yaml_fields

#: Draft 7: the newest draft yaml-language-server and most editors understand fully.
DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_FOLDER = "schemas"
_TEXT: dict[str, Any] = {"type": ["string", "number"]}


def schema_filename(collection: str) -> str:
    """``claims`` -> ``claims.schema.json``."""
    return f"{collection}.schema.json"


def _slug() -> dict[str, Any]:
    return {"type": "string", "pattern": SLUG_RE.pattern}


def _one_or_many(item: dict[str, Any]) -> dict[str, Any]:
    # The validator reads a single value where a list is expected as a list of one.
    return {"anyOf": [{"type": "array", "items": item}, item]}


def _date() -> dict[str, Any]:
    parts = {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": ["integer", "string"]}}
    nested = {"type": "array", "minItems": 1, "maxItems": 1, "items": parts}
    return {
        "anyOf": [
            {"type": "string", "pattern": DATE_JSON_PATTERN},
            {"type": "integer", "minimum": 1, "maximum": 9999},
            {
                "type": "object",
                "properties": {"date-parts": {"anyOf": [nested, parts]}},
                "required": ["date-parts"],
                "additionalProperties": False,
            },
        ]
    }


class _Builder:
    """Builds one collection's schema, nested records going to ``definitions``."""

    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}

    def ref(self, cls: type[Record]) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.definitions:
            self.definitions[name] = {}  # reserve first: records may nest themselves
            self.definitions[name] = self.record(cls)
        return {"$ref": f"#/definitions/{name}"}

    def record(self, cls: type) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for key, f in yaml_fields(cls):
            meta = f.metadata
            value, about = self.field(meta)
            prop: dict[str, Any] = {}
            if meta["doc"] or about:
                prop["description"] = meta["doc"] or about
            if meta["required"]:
                required.append(key)
                prop.update(value)
            else:
                # The validator treats an empty value (``key:`` alone) as absent.
                prop.update(_nullable(value))
            if isinstance(f.default, str):
                prop["default"] = f.default
            properties[key] = prop
        out: dict[str, Any] = {"type": "object"}
        doc = (cls.__doc__ or "").strip().splitlines()
        if doc:
            out["description"] = doc[0]
        out["properties"] = properties
        if required:
            out["required"] = required
        out["additionalProperties"] = False
        return out

    def field(self, meta: Any) -> tuple[dict[str, Any], str]:
        """The schema of a field's value, and what to say about it when it has no doc."""
        kind = meta["kind"]
        item, description = KIND_SCHEMAS[kind](self, meta)
        if meta["max_len"] is not None and "string" in item.get("type", ()):
            item["maxLength"] = meta["max_len"]  # as check's BG123 (strings only; numbers pass)
        # The validator reads a single value where a list is expected as a list of one.
        return (_one_or_many(item) if FIELD_KINDS[kind].listed else item), description


def _ref_targets(meta: Any) -> str:
    """'a claim', 'an actor or place': what the ids of a reference field point to."""
    kinds = " or ".join(r[:-1] for r in meta["refs"])
    return ("an " if kinds[:1] in ("a", "e", "i", "o", "u") else "a ") + kinds


_COORDS = {
    "type": "array",
    "minItems": 2,
    "maxItems": 2,
    "items": [
        {"type": "number", "minimum": -90, "maximum": 90, "description": "latitude"},
        {"type": "number", "minimum": -180, "maximum": 180, "description": "longitude"},
    ],
}

#: For each field kind (:data:`briefgen.facts.kinds.FIELD_KINDS`): the schema of one value
#: (one item, for a listed kind) and the description of a field that has no doc of its own.
KIND_SCHEMAS: dict[str, Callable[[_Builder, Any], tuple[dict[str, Any], str]]] = {
    "text": lambda b, m: (dict(_TEXT), ""),
    "markdown": lambda b, m: (dict(_TEXT), "Markdown"),
    "url": lambda b, m: ({"type": "string", "pattern": URL_JSON_PATTERN}, "an http, https or mailto URL"),
    "path": lambda b, m: (
        {"type": "string", "maxLength": MAX_PATH_CHARS, "pattern": "^[^\\u0000-\\u001f\\u007f]*$"},
        "a path relative to content/",
    ),
    "template": lambda b, m: ({"type": "string", "pattern": f"^{TEMPLATE_NAME}$"}, "a template name"),
    "bool": lambda b, m: ({"type": "boolean"}, ""),
    "slug": lambda b, m: (_slug(), "id: lowercase letters, digits and single hyphens"),
    "ref": lambda b, m: (_slug(), f"id of {_ref_targets(m)}"),
    "refs": lambda b, m: (_slug(), f"list of ids, each of {_ref_targets(m)}"),
    "texts": lambda b, m: (dict(_TEXT), "list of texts"),
    "enum": lambda b, m: ({"enum": list(m["choices"])}, "one of: " + ", ".join(str(c) for c in m["choices"])),
    "date": lambda b, m: (_date(), f"date: {DATE_FORMS}"),
    "names": lambda b, m: ({"anyOf": [{"type": "string"}, b.ref(Name)]}, "list of names"),
    "coords": lambda b, m: (dict(_COORDS), "[latitude, longitude]"),
    "record": lambda b, m: (b.ref(m["record"]), ""),
    "records": lambda b, m: (b.ref(m["record"]), ""),
}


def _nullable(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` or null (an empty ``key:``), written the way editors complete best."""
    if set(value) == {"enum"}:
        return {"enum": [*value["enum"], None]}
    if set(value) == {"anyOf"}:
        return {"anyOf": [*value["anyOf"], {"type": "null"}]}
    if "type" in value and "$ref" not in value:
        types = value["type"] if isinstance(value["type"], list) else [value["type"]]
        return {**value, "type": [*types, "null"]}
    return {"anyOf": [value, {"type": "null"}]}


def collection_schema(collection: str) -> dict[str, Any]:
    """The JSON Schema of one collection's file: a list of records, or one record."""
    cls = COLLECTIONS[collection]
    builder = _Builder()
    record = builder.ref(cls)
    singular = collection[:-1]
    return {
        "$schema": DRAFT,
        "$id": f"https://briefgen.invalid/schemas/{schema_filename(collection)}",
        "title": f"briefgen {collection}",
        "description": f"A briefgen {collection} file: a list of {collection}, or one {singular}. "
        "Generated from briefgen's content model by 'briefgen schema'; do not edit.",
        "anyOf": [{"type": "array", "items": record}, record],
        "definitions": builder.definitions,
    }


def all_schemas() -> dict[str, str]:
    """File name -> JSON text for every collection, exactly as ``briefgen schema`` writes them."""
    return {
        schema_filename(c): json.dumps(collection_schema(c), indent=2, ensure_ascii=False) + "\n" for c in COLLECTIONS
    }


def modeline(collection: str, content_file: Path, schema_dir: Path) -> str:
    """The ``# yaml-language-server: $schema=...`` line for a content file, path relative."""
    rel = os.path.relpath(schema_dir / schema_filename(collection), content_file.parent)
    return f"# yaml-language-server: $schema={Path(rel).as_posix()}"
