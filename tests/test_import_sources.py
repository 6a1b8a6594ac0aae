"""`briefgen import-sources`: a reference manager's CSL-JSON export into the fact base."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ARCHIVE_SHA256, MINI, run_cli

#: What Zotero's "CSL JSON" export looks like, with the keys it adds.
ZOTERO: list[dict[str, Any]] = [
    {
        "id": "http://zotero.org/users/local/AbC/items/QWERTY12",
        "type": "article-journal",
        "title": "Tin and the Coast",
        "container-title": "Journal of Examples",
        "page": "1-20",
        "volume": "12",
        "issue": 3,
        "ISSN": "1234-5678",
        "journalAbbreviation": "J. Ex.",
        "DOI": "10.1234/example.5678",
        "author": [{"family": "Doe", "given": "Jane", "parse-names": False}],
        "issued": {"date-parts": [["2024", 3, 15]]},
        "accessed": {"date-parts": [[2025, 1, 2]]},
        "note": "Some note",
    },
    {
        "id": "smith2023Report",
        "citation-key": "smith2023report",
        "type": "report",
        "title": "A report on tin",
        "publisher": "Institute",
        "number": "7",
        "URL": "https://example.org/tin/",
        "issued": {"date-parts": [[2023]]},
    },
    {"id": "dup-in-file", "type": "report", "title": "A Report on Tin!", "issued": {"raw": "2023"}},
    {"id": "bad-one", "type": "article-magasine", "title": "Bad type", "URL": "javascript:alert(1)"},
    {"id": "harbour-report", "type": "article-newspaper", "title": "The Harbour Report", "issued": "2025-06"},
    {"id": "tin", "type": "webpage", "title": "A page about tin", "URL": "https://example.org/tin-page"},
]


def _export(tmp_path: Path, items: Any = ZOTERO) -> Path:
    path = tmp_path / "My Library.json"
    path.write_text(json.dumps(items, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def test_import_appends_new_sources_and_reports_the_rest(mini: Path, tmp_path: Path) -> None:
    export = _export(tmp_path)
    sources = mini / "content" / "sources.yaml"
    before = "# Curated by hand: keep this comment.\n" + sources.read_text()
    sources.write_text(before)
    proc = run_cli("import-sources", str(export), "--project", str(mini))
    assert proc.returncode == 1, proc.stderr  # one item failed validation
    err = proc.stderr
    assert re.search(r"imported 3 sources into \S*content/sources.yaml; 2 duplicates skipped, 1 failed", err)
    shown = re.escape(str(export))
    # Problems point into the export, at the item's line.
    line = _line_of(export, '"type": "article-magasine"')
    assert re.search(
        rf"{shown}:{line}:\d+: error\[BG105\]: .*'article-magasine' .*did you mean 'article-magazine'", err
    )
    line = _line_of(export, "javascript:")
    assert re.search(rf"{shown}:{line}:\d+: error\[BG117\]", err)
    assert re.search(r"warning\[BG604\]: item 3 \('dup-in-file'\) is already here: same title and year as item 2", err)
    assert re.search(r"warning\[BG604\]: item 5 \('harbour-report'\) is already here: .*source 'harbour-report'", err)
    assert re.search(r"warning\[BG605\]: 'journalAbbreviation' is not kept", err)
    assert re.search(r"warning\[BG605\]: 'author\.parse-names' is not kept", err)
    assert re.search(r"warning\[BG606\]: item 1 .*is not a briefgen id; imported as 'doe-2024-tin-coast'", err)
    assert re.search(r"warning\[BG606\]: item 6 \('tin'\): its id is taken; imported as 'tin-2'", err)
    # The file keeps every byte it had, and gains the new records at its end.
    after = sources.read_text()
    assert after.startswith(before)
    records = yaml.safe_load(after)
    new = {r["id"]: r for r in records[2:]}
    assert list(new) == ["doe-2024-tin-coast", "smith2023report", "tin-2"]
    doe = new["doe-2024-tin-coast"]
    assert doe["issued"] == "2024-03-15" and doe["accessed"] == "2025-01-02"
    assert doe["author"] == [{"family": "Doe", "given": "Jane"}]
    assert doe["ISSN"] == "1234-5678" and doe["page"] == "1-20"  # CSL fields the model keeps
    assert "journalAbbreviation" not in doe
    # The result is a valid fact base: only "never cited" warnings for the new sources.
    check = run_cli("check", "--project", str(mini))
    assert check.returncode == 0, check.stdout
    assert check.stdout.count("warning[BG201]") == 3


def test_a_second_import_of_the_same_export_adds_nothing(mini: Path, tmp_path: Path) -> None:
    export = _export(tmp_path, ZOTERO[:2])
    assert run_cli("import-sources", str(export), "--project", str(mini)).returncode == 0
    text = (mini / "content" / "sources.yaml").read_text()
    again = run_cli("import-sources", str(export), "--project", str(mini))
    assert again.returncode == 0
    assert "imported 0 sources" in again.stderr and "2 duplicates skipped" in again.stderr
    assert (mini / "content" / "sources.yaml").read_text() == text


def test_dry_run_writes_nothing(mini: Path, tmp_path: Path) -> None:
    before = (mini / "content" / "sources.yaml").read_text()
    proc = run_cli("import-sources", str(_export(tmp_path, ZOTERO[:2])), "--dry-run", "--project", str(mini))
    assert proc.returncode == 0
    assert "would import 2 sources" in proc.stderr
    assert (mini / "content" / "sources.yaml").read_text() == before


def test_sources_kept_as_csl_json_are_read_and_cited(make_project: Callable[..., Path], tmp_path: Path) -> None:
    """A project may keep its sources as a CSL-JSON file; import merges into it."""
    root = make_project({"content/sources.yaml": None})
    csl = [
        {
            "id": "harbour-report",
            "type": "article-newspaper",
            "title": "The Harbour Report",
            "container-title": "Coast Daily",
            "issued": {"date-parts": [[2025, 6]]},
            "custom": {
                "reliability": "B",
                "archive": "archive/harbour.txt",
                "archive_parts": [{"part": "title", "starts": "The Harbour Report"}],
                "archive_sha256": ARCHIVE_SHA256,
            },
        },
        {
            "id": "ministry",
            "type": "document",
            "author": [{"literal": "Ministry of Trade"}],
            "custom": {"reliability": "C", "via": "harbour-report"},
        },
    ]
    (root / "content" / "sources.json").write_text(json.dumps(csl, indent=2))
    check = run_cli("check", "--strict", "--project", str(root))
    assert check.returncode == 0, check.stdout
    proc = run_cli("import-sources", str(_export(tmp_path, ZOTERO[:2])), "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "content/sources.json; 0 duplicates skipped" in proc.stderr
    merged = json.loads((root / "content" / "sources.json").read_text())
    assert [s["id"] for s in merged] == ["harbour-report", "ministry", "doe-2024-tin-coast", "smith2023report"]
    assert merged[2]["issued"] == {"date-parts": [[2024, 3, 15]]}  # still CSL-JSON
    out = tmp_path / "out"
    build = run_cli("build", "harbour", "--format", "html", "--project", str(root), "--out", str(out))
    assert build.returncode == 0, build.stderr
    assert "Coast Daily" in (out / "harbour.html").read_text()
    # A mistake in the JSON file is reported at its line, like YAML.
    bad = json.dumps(csl, indent=2).replace('"B"', '"Z"')
    (root / "content" / "sources.json").write_text(bad)
    check = run_cli("check", "--project", str(root))
    line = _line_of(root / "content" / "sources.json", '"Z"')
    assert re.search(rf"content/sources\.json:{line}:\d+: error\[BG105\]", check.stdout), check.stdout


def test_not_csl_json_is_reported_at_its_position(mini: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"id": "a", "type": "report",\n   "title": "x" "oops"}\n]\n')
    proc = run_cli("import-sources", str(broken), "--project", str(mini))
    assert proc.returncode == 1
    assert re.search(r"broken\.json:3:\d+: error\[BG603\]: not JSON", proc.stderr)
    assert "the export was not read; nothing imported" in proc.stderr and "imported 0" not in proc.stderr
    scalar = tmp_path / "scalar.json"
    scalar.write_text('"just text"')
    proc = run_cli("import-sources", str(scalar), "--project", str(mini))
    assert proc.returncode == 1
    assert "error[BG603]: a CSL-JSON file holds a list of items" in proc.stderr
    missing = run_cli("import-sources", str(tmp_path / "nope.json"), "--project", str(mini))
    assert missing.returncode == 2


def test_import_into_a_sources_folder_writes_its_own_file(make_project: Callable[..., Path], tmp_path: Path) -> None:
    root = make_project({"content/sources.yaml": None, "content/sources/main.yaml": MINI["content/sources.yaml"]})
    proc = run_cli("import-sources", str(_export(tmp_path, ZOTERO[:1])), "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    imported = root / "content" / "sources" / "imported.yaml"
    assert yaml.safe_load(imported.read_text())[0]["id"] == "doe-2024-tin-coast"
    wrong = run_cli("import-sources", str(_export(tmp_path)), "--to", "elsewhere.yaml", "--project", str(root))
    assert wrong.returncode == 2
    assert "briefgen does not read sources from this file" in wrong.stderr
