"""The error catalogue (docs/errors.md) documents every code briefgen can report, each with
what is wrong, an example and a fix; and it documents no code that no longer exists."""

from __future__ import annotations

import re

from tests.conftest import REPO

CODE_RE = re.compile(r"\bBG\d{3}\b")


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "briefgen").rglob("*.py"):
        found.update(re.findall(r"[\"'](BG\d{3})[\"']", path.read_text(encoding="utf-8")))
    return found


def catalogue_rows() -> dict[str, list[str]]:
    """code -> its table row's cells, from every table whose header has an example column."""
    rows: dict[str, list[str]] = {}
    header: list[str] = []
    for line in (REPO / "docs" / "errors.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if cells[0] == "code":
            header = cells
        elif header and CODE_RE.fullmatch(cells[0]):
            assert cells[0] not in rows, f"{cells[0]} is documented twice"
            rows[cells[0]] = cells
            assert len(cells) == len(header), f"{cells[0]}: {len(cells)} cells under {header}"
    return rows


def test_every_code_is_documented_with_an_example_and_a_fix() -> None:
    rows = catalogue_rows()
    missing = sorted(codes_in_source() - set(rows))
    assert missing == [], f"codes reported by briefgen but not in docs/errors.md: {missing}"
    for code, cells in rows.items():
        assert len(cells) == 4, f"{code}: the table needs columns code | what is wrong | example | fix"
        _code, what, example, fix = cells
        assert what and example and fix, f"{code}: what, example and fix must all be given: {cells}"


def test_no_code_is_documented_that_briefgen_never_reports() -> None:
    stale = sorted(set(catalogue_rows()) - codes_in_source())
    assert stale == [], f"documented but never reported: {stale}"


def test_the_new_trust_codes_are_in_the_catalogue() -> None:
    rows = catalogue_rows()
    for code in ("BG120", "BG121", "BG122", "BG407"):
        assert code in rows
    assert "javascript:" in rows["BG120"][2] and "content/assets/" in rows["BG121"][3]
