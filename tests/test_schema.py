"""JSON Schemas for editors: generated from the model, committed, and true to `briefgen check`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from briefgen.facts.model import COLLECTIONS, yaml_fields
from briefgen.facts.project import Project
from tests.conftest import MINI, REPO, run_cli

SCHEMAS = REPO / "schemas"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\n")


def as_editor_sees(value: Any) -> Any:
    """YAML as yaml-language-server reads it: YAML 1.2, where 2025-06-01 is text, not a date."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(v) for v in value]
    return value


def validator(collection: str, folder: Path = SCHEMAS) -> jsonschema.Draft7Validator:
    schema = json.loads((folder / f"{collection}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(collection: str, text: str) -> list[str]:
    data = as_editor_sees(yaml.safe_load(text))
    return [e.message for e in validator(collection).iter_errors(data)]


def test_committed_schemas_are_exactly_what_briefgen_schema_writes(tmp_path: Path) -> None:
    proc = run_cli("schema", "--out", str(tmp_path / "fresh"))
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.name for p in (tmp_path / "fresh").iterdir())
    assert written == sorted(f"{c}.schema.json" for c in COLLECTIONS)
    for name in written:
        assert (SCHEMAS / name).read_text(encoding="utf-8") == (tmp_path / "fresh" / name).read_text(
            encoding="utf-8"
        ), f"schemas/{name} is stale: run 'briefgen schema'"
    check = run_cli("schema", "--check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_schema_check_fails_when_a_schema_drifts(tmp_path: Path) -> None:
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    path = tmp_path / "schemas" / "claims.schema.json"
    path.write_text(path.read_text().replace('"judgment"', '"judgement"'))
    (tmp_path / "schemas" / "places.schema.json").unlink()
    proc = run_cli("schema", "--check", "--out", str(tmp_path / "schemas"))
    assert proc.returncode == 1
    assert re.search(r"claims\.schema\.json: error\[BG607\]: out of date", proc.stderr)
    assert re.search(r"places\.schema\.json: error\[BG607\]: missing", proc.stderr)


def test_every_model_field_is_in_its_schema() -> None:
    for collection, cls in COLLECTIONS.items():
        schema = json.loads((SCHEMAS / f"{collection}.schema.json").read_text())
        record = schema["definitions"][cls.__name__]
        assert list(record["properties"]) == [k for k, _ in yaml_fields(cls)], collection
        assert record["additionalProperties"] is False
        required = [k for k, f in yaml_fields(cls) if f.metadata["required"]]
        assert record.get("required", []) == required


def test_every_example_file_names_its_schema_and_validates_against_it() -> None:
    files, _ = Project(REPO).collection_files()
    assert len(files) >= 7
    for collection, path in files:
        text = path.read_text(encoding="utf-8")
        line = MODELINE.match(text)
        assert line, f"{path} lacks the yaml-language-server line"
        target = (path.parent / line.group(1)).resolve()
        assert target == SCHEMAS / f"{collection}.schema.json", path
        data = as_editor_sees(yaml.safe_load(text))
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator(collection).iter_errors(data)]
        assert problems == [], f"{path}: {problems[:3]}"


def test_the_mini_project_validates_too() -> None:
    """Content `briefgen check` accepts is never flagged by an editor."""
    for rel, text in MINI.items():
        if rel.endswith(".yaml"):
            collection = rel.split("/")[1].removesuffix(".yaml")
            assert errors(collection, text) == [], rel


CLAIM = """\
- id: ore-trucked
  kind: fact
  statement: Ore is trucked to the coast.
  sources:
    - ref: harbour-report
      locator: para. 1
"""


@pytest.mark.parametrize(
    ("collection", "text", "complaint"),
    [
        ("claims", CLAIM.replace("  statement:", "  statment:"), "Additional properties"),
        ("claims", CLAIM.replace("kind: fact", "kind: judgement"), "is not one of"),
        ("claims", CLAIM.replace("  statement: Ore is trucked to the coast.\n", ""), "'statement' is a required"),
        ("claims", CLAIM.replace("id: ore-trucked", "id: Ore_Trucked"), "does not match"),
        ("claims", CLAIM.replace("locator: para. 1", "credibility: 7"), "is not one of"),
        ("claims", CLAIM + "  as_of: 2025-13-1x\n", "does not match"),
        ("places", "- id: hills\n  name: Hills\n  coords: [95, 10]\n", "greater than the maximum"),
        ("sources", "- id: s\n  type: webpage\n  URL: javascript:alert(1)\n", "does not match"),
        ("briefs", "id: b\ntitle: T\ndate: 2025\nsections:\n  - heading: H\n    figure: map\n", "is not one of"),
    ],
)
def test_the_schema_flags_the_mistakes_check_reports(collection: str, text: str, complaint: str) -> None:
    found = errors(collection, text)
    assert found, "the editor would show no mistake"
    # The schema's anyOf (a list of records, or one record) reports the inner reason in its context.
    data = as_editor_sees(yaml.safe_load(text))
    messages = [sub.message for e in validator(collection).iter_errors(data) for sub in [e, *_all_context(e)]]
    assert any(complaint in m for m in messages), messages


def _all_context(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    out = []
    for sub in error.context or []:
        out.append(sub)
        out.extend(_all_context(sub))
    return out


def test_schema_link_adds_the_editor_line_to_content_files(mini: Path) -> None:
    original = (mini / "content" / "claims.yaml").read_text()
    proc = run_cli("schema", "--link", "--project", str(mini))
    assert proc.returncode == 0, proc.stderr
    for collection, path in Project(mini).collection_files()[0]:
        text = path.read_text()
        line = MODELINE.match(text)
        assert line, path
        assert (path.parent / line.group(1)).resolve() == (mini / "schemas" / f"{collection}.schema.json").resolve()
    assert (mini / "content" / "claims.yaml").read_text().split("\n", 1)[1] == original
    again = run_cli("schema", "--link", "--project", str(mini))
    assert "linked" not in again.stderr  # never twice
    assert run_cli("check", "--project", str(mini)).returncode == 0


def test_schema_link_leaves_odd_files_alone(mini: Path, tmp_path: Path) -> None:
    """A FIFO, a broken link or a link out of content/ standing as a collection file is
    skipped with a word, never read (a FIFO would block) nor written through."""
    content = mini / "content"
    (content / "minerals.yaml").unlink()
    os.mkfifo(content / "minerals.yaml")
    (content / "places.yaml").unlink()
    (content / "places.yaml").symlink_to("gone.yaml")
    outside = tmp_path / "outside.yaml"
    outside.write_text(MINI["content/routes.yaml"])
    (content / "routes.yaml").unlink()
    (content / "routes.yaml").symlink_to(outside)
    proc = run_cli("schema", "--link", "--project", str(mini), cwd=mini, timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "skipped content/minerals.yaml: not a regular file; not read" in proc.stderr
    assert "skipped content/places.yaml:" in proc.stderr and "skipped content/routes.yaml:" in proc.stderr
    assert outside.read_text() == MINI["content/routes.yaml"]
    assert "linked content/claims.yaml" in proc.stderr
