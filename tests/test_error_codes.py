"""One small project per error code, each with exactly that mistake, checked through the CLI.

The expected position is marked in the YAML with a ``# <-`` comment on the offending line.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.check.validate import validate_project
from briefgen.facts.project import Project
from tests.conftest import MINI, run_cli
from tests.pdfread import PdfBack

SOURCES = MINI["content/sources.yaml"]
CLAIMS = MINI["content/claims.yaml"]
ACTORS = MINI["content/actors.yaml"]

CASES: dict[str, tuple[str, dict[str, str | None], str]] = {
    # code: (what, {file: new text}, file where the problem is reported)
    "BG001": (
        "YAML syntax",
        {"content/actors.yaml": ACTORS + "- id: broken\n  name: [unclosed  # <-\n"},
        "content/actors.yaml",
    ),
    "BG002": (
        "duplicate key",
        {"content/actors.yaml": ACTORS + "- id: twice\n  name: A\n  name: B  # <-\n"},
        "content/actors.yaml",
    ),
    "BG005": (
        "python tag",
        {"content/actors.yaml": ACTORS + "- id: tagged\n  name: !!python/object/apply:os.system [ls]  # <-\n"},
        "content/actors.yaml",
    ),
    "BG008": (
        "scalar where a record is expected",
        {"content/minerals.yaml": "- just text  # <-\n"},
        "content/minerals.yaml",
    ),
    "BG101": (
        "unknown key",
        {"content/claims.yaml": CLAIMS + "- id: typo\n  kind: gap\n  statment: x  # <-\n  statement: y\n"},
        "content/claims.yaml",
    ),
    "BG102": (
        "missing required field",
        {"content/claims.yaml": CLAIMS + "- id: no-statement  # <-\n  kind: gap\n"},
        "content/claims.yaml",
    ),
    "BG103": (
        "dangling source id",
        {"content/claims.yaml": CLAIMS.replace("    - ref: ministry\n", "    - ref: ministy  # <-\n")},
        "content/claims.yaml",
    ),
    "BG104": (
        "wrong type",
        {"content/actors.yaml": ACTORS + "- id: typed\n  name: [a, b]  # <-\n"},
        "content/actors.yaml",
    ),
    "BG105": (
        "bad enum value",
        {"content/claims.yaml": CLAIMS.replace("  kind: judgment\n", "  kind: judgement  # <-\n", 1)},
        "content/claims.yaml",
    ),
    "BG106": (
        "bad date",
        {"content/claims.yaml": CLAIMS.replace("  as_of: 2025-06\n", "  as_of: 2025-13-01  # <-\n")},
        "content/claims.yaml",
    ),
    "BG107": (
        "duplicate id across files",
        {"content/places.yaml": MINI["content/places.yaml"] + "- id: tin  # <-\n  name: Tin town\n"},
        "content/places.yaml",
    ),
    "BG108": (
        "id is not a slug",
        {"content/actors.yaml": ACTORS + "- id: Bad_Id  # <-\n  name: Bad\n"},
        "content/actors.yaml",
    ),
    "BG109": (
        "id of the wrong collection",
        {
            "content/claims.yaml": CLAIMS.replace(
                "  about: [trade-ministry]\n", "  about:\n    - harbour-report  # <-\n"
            )
        },
        "content/claims.yaml",
    ),
    "BG110": (
        "fact without sources",
        {"content/claims.yaml": CLAIMS + "- id: unsourced  # <-\n  kind: fact\n  statement: x\n"},
        "content/claims.yaml",
    ),
    "BG111": (
        "source with neither locator nor quote",
        {
            "content/claims.yaml": CLAIMS
            + (
                "- id: vague\n  kind: fact\n  statement: x\n  sources:\n"
                "    - ref: harbour-report  # <-\n      credibility: 2\n"
            )
        },
        "content/claims.yaml",
    ),
    "BG112": (
        "quote not in the archive",
        {
            "content/claims.yaml": CLAIMS.replace(
                "      quote: exports fell by half in 2025\n", "      quote: exports fell by a third in 2025  # <-\n"
            )
        },
        "content/claims.yaml",
    ),
    "BG113": (
        "archive file missing",
        {
            "content/archive/harbour.txt": None,
            "content/sources.yaml": SOURCES.replace(
                "    archive: archive/harbour.txt\n", "    archive: archive/harbour.txt  # <-\n"
            ),
        },
        "content/sources.yaml",
    ),
    "BG114": (
        "judgment without likelihood",
        {
            "content/claims.yaml": CLAIMS.replace("  likelihood: unlikely\n", "").replace(
                "- id: j-road-late\n", "- id: j-road-late  # <-\n"
            )
        },
        "content/claims.yaml",
    ),
    "BG115": (
        "unknown id in prose, inside a block",
        {
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "      Later, the ministry again [@ministry, para. 4].\n",
                "      Later, the ministry again [@ministry, para. 4].\n"
                "      And a typo [@harbor-report, p. 2].  # <-\n",
            )
        },
        "content/briefs/harbour.yaml",
    ),
    "BG116": (
        "citation inside a claim statement",
        {
            "content/claims.yaml": CLAIMS.replace(
                "  statement: The new road is unlikely to open soon.\n",
                "  statement: The new road is unlikely to open soon [@harbour-report].  # <-\n",
            )
        },
        "content/claims.yaml",
    ),
    "BG117": (
        "unsafe URL scheme",
        {
            "content/sources.yaml": SOURCES.replace(
                "  container-title: Coast Daily\n", "  container-title: Coast Daily\n  URL: javascript:alert(1)  # <-\n"
            )
        },
        "content/sources.yaml",
    ),
    "BG118": (
        "via goes round in a circle",
        {
            "content/sources.yaml": SOURCES.replace(
                "    archive: archive/harbour.txt\n", "    archive: archive/harbour.txt\n    via: ministry  # <-\n"
            )
        },
        "content/sources.yaml",
    ),
    "BG119": (
        "judgment supports itself",
        {
            "content/claims.yaml": CLAIMS.replace(
                "  supports: [road-slow]\n", "  supports: [road-slow, j-road-late]  # <-\n"
            )
        },
        "content/claims.yaml",
    ),
    "BG131": (
        "dangling cross-reference",
        {
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "expects delays [@road-slow].\n", "expects delays [@road-slow]. See @fig-none.  # <-\n"
            )
        },
        "content/briefs/harbour.yaml",
    ),
    "BG132": (
        "figure label that makes no figure",
        {
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "expects delays [@road-slow].\n", "expects delays [@road-slow]. {#fig-Bad}  # <-\n"
            )
        },
        "content/briefs/harbour.yaml",
    ),
    "BG133": (
        "mention in words of one's own with a bad id",
        {
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "expects delays [@road-slow].\n", "expects delays [@road-slow]. By [the road]{@Hill-Road}.  # <-\n"
            )
        },
        "content/briefs/harbour.yaml",
    ),
    "BG134": (
        "a claim in place never closed",
        {
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "expects delays [@road-slow].\n", "expects delays [[road-slow].  # <-\n"
            )
        },
        "content/briefs/harbour.yaml",
    ),
    "BG135": (
        "a citation inside a link's text",
        {
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "expects delays [@road-slow].\n", "expects [delays [@road-slow]](https://example.org).  # <-\n"
            )
        },
        "content/briefs/harbour.yaml",
    ),
}


def _marked_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if "# <-" in line:
            return number
    raise AssertionError("no '# <-' marker")


def _check_json(project: Path, *extra: str) -> tuple[int, list[dict[str, object]], str]:
    proc = run_cli("check", "--project", str(project), "--format", "json", *extra, cwd=project)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_mini_project_is_clean(mini: Path) -> None:
    code, problems, _ = _check_json(mini)
    assert code == 0, problems
    assert problems == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_error_code_at_its_file_and_line(code: str, make_project: Callable[..., Path]) -> None:
    _what, overrides, where = CASES[code]
    project = make_project(overrides)
    exit_code, problems, _ = _check_json(project)
    assert exit_code == 1
    marked_file = next(text for name, text in overrides.items() if name == where and text is not None)
    hits = [p for p in problems if p["code"] == code]
    assert hits, f"{code} not reported; got {[(p['code'], p['message']) for p in problems]}"
    assert any(p["file"] == where and p["line"] == _marked_line(marked_file) for p in hits), hits
    assert all(p["hint"] for p in hits)


@pytest.mark.parametrize("value", ["!!python/object/apply:os.system [ls]", "!!binary aGVsbG8=", "!custom x"])
def test_a_refused_value_is_reported_once_not_again_as_missing(make_project: Callable[..., Path], value: str) -> None:
    project = make_project({"content/actors.yaml": ACTORS + f"- id: tagged\n  name: {value}\n"})
    code, problems, _ = _check_json(project)
    assert code == 1
    assert [p["code"] for p in problems if p["file"] == "content/actors.yaml"] == ["BG005"]
    # An empty required value is still reported as missing.
    project = make_project({"content/actors.yaml": ACTORS + "- id: empty\n  name:\n"})
    code, problems, _ = _check_json(project)
    assert [p["code"] for p in problems if p["severity"] == "error"] == ["BG102"]


def test_a_bad_date_hint_offers_leaving_it_out_only_where_it_may_be(mini: Path) -> None:
    claims, brief = mini / "content" / "claims.yaml", mini / "content" / "briefs" / "harbour.yaml"
    claims.write_text(CLAIMS.replace("  as_of: 2025-06\n", "  as_of: 2025-13-01\n"))
    brief.write_text(brief.read_text().replace("date: ", "date: 2026-02-30 # was ", 1))
    code, problems, _ = _check_json(mini)
    assert code == 1
    hints = {p["file"]: p["hint"] for p in problems if p["code"] == "BG106"}
    assert hints["content/claims.yaml"].endswith(", or leave it out when unknown")  # as_of is optional
    assert hints["content/briefs/harbour.yaml"] == (
        "write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2025-03-01), a year from 0001 to 9999"  # required
    )


def test_non_utf8_bytes_are_reported_at_their_position(mini: Path) -> None:
    path = mini / "content" / "actors.yaml"
    before = path.read_bytes()
    path.write_bytes(before + b"- id: latin\n  name: Caf\xe9\n")
    code, problems, _ = _check_json(mini)
    assert code == 1
    hit = next(p for p in problems if p["code"] == "BG003")
    assert (hit["file"], hit["line"], hit["col"]) == ("content/actors.yaml", before.count(b"\n") + 2, 12)


def test_reference_messages_read_as_english(make_project: Callable[..., Path]) -> None:
    _what, overrides, _where = CASES["BG109"]
    code, problems, _ = _check_json(make_project(overrides))
    assert code == 1
    [hit] = [p for p in problems if p["code"] == "BG109"]
    assert hit["message"] == (
        "'harbour-report' in 'about' of claim 'exports-fell' is a source, not an actor, mineral, place or route"
    )
    assert hit["hint"] == "refer to an actor, mineral, place or route here"


@pytest.mark.parametrize("kind", ["kind: judgement", ""])
def test_a_claim_of_no_valid_kind_is_never_called_a_none(mini: Path, kind: str) -> None:
    claims = mini / "content" / "claims.yaml"
    claims.write_text(MINI["content/claims.yaml"].replace("  kind: judgment\n", f"  {kind}\n" if kind else ""))
    code, problems, _ = _check_json(mini)
    assert code == 1
    texts = [f"{p['message']} {p['hint']}" for p in problems]
    assert not [t for t in texts if "None" in t], texts
    wanted = "'j-road-late' of brief 'harbour-summary' is a claim of no valid kind, not a judgment"
    assert any(wanted in t for t in texts), texts


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
def test_a_control_character_is_reported_at_its_line_and_column(mini: Path, char: str) -> None:
    path = mini / "content" / "actors.yaml"
    path.write_text(ACTORS + f'- id: pasted\n  name: "Café — Ltd{char}"\n', encoding="utf-8")
    code, problems, _ = _check_json(mini)  # (it asserts no traceback)
    assert code == 1
    hit = next(p for p in problems if p["code"] == "BG001")
    # Non-ASCII text before it: the column counts characters, as editors do, not bytes.
    assert (hit["file"], hit["line"], hit["col"]) == ("content/actors.yaml", ACTORS.count("\n") + 2, 20)
    assert hit["message"] == f"character U+{ord(char):04X} is not allowed in YAML (control characters are not allowed)"
    assert "unicode string" not in hit["message"] and "delete it" in hit["hint"]


def test_file_over_the_size_limit(mini: Path) -> None:
    path = mini / "content" / "actors.yaml"
    path.write_text(ACTORS + "# " + "x" * (8 * 1024 * 1024) + "\n")
    code, problems, _ = _check_json(mini)
    assert code == 1
    assert [p["code"] for p in problems if p["file"] == "content/actors.yaml"] == ["BG004"]
    # When the unread file is the one doing the referring, nothing can be said of what is
    # never referred to: no BG201/BG202 noise about every source and entity.
    claims = mini / "content" / "claims.yaml"
    path.write_text(ACTORS)
    claims.write_text(CLAIMS + "# " + "x" * (8 * 1024 * 1024) + "\n")
    code, problems, _ = _check_json(mini)
    assert code == 1
    assert [(p["file"], p["code"]) for p in problems] == [("content/claims.yaml", "BG004")]


def test_alias_bomb_is_refused(mini: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    (mini / "content" / "minerals.yaml").write_text("\n".join(lines) + "\n")
    code, problems, _ = _check_json(mini)
    assert code == 1
    assert "BG006" in {p["code"] for p in problems}


def test_collection_both_file_and_folder(mini: Path) -> None:
    (mini / "content" / "claims").mkdir()
    (mini / "content" / "claims" / "more.yaml").write_text("[]\n")
    code, problems, _ = _check_json(mini)
    assert code == 1
    assert any(p["code"] == "BG009" and p["file"].endswith("claims.yaml") for p in problems)


def test_unreadable_file(mini: Path) -> None:
    folder = mini / "content" / "routes"
    folder.mkdir()
    (mini / "content" / "routes.yaml").rename(folder / "main.yaml")
    os.symlink(mini / "nowhere.yaml", folder / "dangling.yaml")
    # A collection file that is itself a broken link is reported too, not skipped.
    (mini / "content" / "places.yaml").unlink()
    os.symlink("gone.yaml", mini / "content" / "places.yaml")
    code, problems, _ = _check_json(mini)
    assert code == 1
    by_file = {p["file"]: p for p in problems if p["code"] == "BG010"}
    assert set(by_file) == {"content/routes/dangling.yaml", "content/places.yaml"}
    assert by_file["content/places.yaml"]["message"] == "file is a link to 'gone.yaml', which does not exist"
    assert "point the link at an existing file" in by_file["content/places.yaml"]["hint"]


def test_empty_file_is_a_warning(mini: Path) -> None:
    (mini / "content" / "briefs" / "draft.yaml").write_text("# nothing yet\n")
    code, problems, _ = _check_json(mini)
    assert code == 0
    assert [(p["code"], p["file"]) for p in problems] == [("BG007", "content/briefs/draft.yaml")]


@pytest.mark.parametrize(("code", "what"), [("BG201", "source"), ("BG202", "entity")])
def test_unused_records_warn_and_fail_only_with_strict(code: str, what: str, mini: Path) -> None:
    extra = "- id: lonely\n  type: book\n  title: Unread\n" if what == "source" else "- id: lonely\n  name: Nobody\n"
    target = "sources.yaml" if what == "source" else "actors.yaml"
    path = mini / "content" / target
    path.write_text(path.read_text() + extra)
    code_plain, problems, _ = _check_json(mini)
    assert code_plain == 0
    assert [p["code"] for p in problems] == [code]
    assert problems[0]["severity"] == "warning"
    code_strict, _, _ = _check_json(mini, "--strict")
    assert code_strict == 1


def test_did_you_mean_for_keys_and_ids(make_project: Callable[..., Path]) -> None:
    project = make_project(
        {
            "content/claims.yaml": CLAIMS.replace("    - ref: ministry\n", "    - ref: ministy\n").replace(
                "  as_of: 2025\n", "  asof: 2025\n"
            )
        }
    )
    _, problems, _ = _check_json(project)
    messages = " ".join(str(p["message"]) for p in problems)
    assert "did you mean 'ministry'?" in messages
    assert "did you mean 'as_of'?" in messages


def test_bg415_a_reference_docx_that_is_no_word_document(mini: Path, tmp_path: Path) -> None:
    """BG415: the DOCX build's reference document (templates/reference.docx) cannot be opened."""
    (mini / "templates").mkdir(exist_ok=True)
    (mini / "templates" / "reference.docx").write_bytes(b"%PDF-1.7\n")
    proc = run_cli("build", "--format", "docx", "--project", str(mini), "--out", str(tmp_path / "o"), cwd=mini)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "templates/reference.docx: error[BG415]: the reference document cannot be used" in proc.stderr
    assert "    hint: " in proc.stderr
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_all_problems_are_reported_at_once(make_project: Callable[..., Path]) -> None:
    project = make_project(
        {
            "content/claims.yaml": CLAIMS.replace("  kind: judgment\n", "  kind: judgement\n", 1).replace(
                "  as_of: 2025-06\n", "  as_of: June\n"
            ),
            "content/actors.yaml": ACTORS + "- id: Bad_Id\n  name: Bad\n",
        }
    )
    _, problems, _ = _check_json(project)
    assert {"BG105", "BG106", "BG108"} <= {str(p["code"]) for p in problems}


def test_bg411_a_summary_over_one_page_is_a_warning_naming_its_page_count(make_project: Callable[..., Path]) -> None:
    words = "internationalisation considerations notwithstanding responsibilities administrative"
    long = "\n".join(f"      {' '.join([words] * 12)}\n" for _ in range(14))
    root = make_project(
        {
            "content/briefs/harbour-summary.yaml": MINI["content/briefs/harbour-summary.yaml"]
            + f"sections:\n  - heading: Much more\n    body: |\n{long}"
        }
    )
    proc = run_cli("build", "harbour-summary", "--format", "pdf", "--project", str(root), cwd=root)
    assert proc.returncode == 0, proc.stderr
    pages = len(PdfBack.open(root / "output" / "harbour-summary.pdf").reader.pages)
    assert pages >= 2
    line = next(line for line in proc.stderr.splitlines() if "BG411" in line)
    assert line == (
        f"content/briefs/harbour-summary.yaml:4:11: warning[BG411]: "
        f"brief 'harbour-summary': the one-page summary runs to {pages} pages"
    )
    strict = run_cli("build", "harbour-summary", "--format", "pdf", "--strict", "--project", str(root), cwd=root)
    assert strict.returncode == 1 and "BG411" in strict.stderr
    # A summary that fits says nothing.
    fits = run_cli("build", "harbour", "--format", "pdf", "--project", str(root), cwd=root)
    assert "BG411" not in fits.stderr


def test_bg412_a_route_figure_too_wide_to_print_at_7_pt_is_a_warning(make_project: Callable[..., Path]) -> None:
    """Ten places in a row, each a column of its own: no type size prints at 7 pt on A4."""
    places = "".join(f"- id: stop-{n}\n  name: Stop number {n}\n  kind: town\n" for n in range(12))
    routes = "".join(
        f"- id: leg-{n}\n  name: Leg {n}\n  mode: road\n  from: stop-{n}\n  to: stop-{n + 1}\n"
        f"  commodities: [tin]\n  status: operational\n"
        for n in range(11)
    )
    mentions = " ".join(f"@leg-{n}" for n in range(11))
    brief = (
        MINI["content/briefs/harbour.yaml"]
        .replace("    table: routes\n", "    table: routes\n    figure: routes  # <-\n")
        .replace(
            "Later, the ministry again [@ministry, para. 4].",
            f"Later, the ministry again [@ministry, para. 4]. {mentions}",
        )
    )
    root = make_project(
        {
            "content/places.yaml": MINI["content/places.yaml"] + places,
            "content/routes.yaml": MINI["content/routes.yaml"] + routes,
            "content/briefs/harbour.yaml": brief,
        }
    )
    proc = run_cli("build", "harbour", "--format", "html", "--project", str(root), cwd=root)
    assert proc.returncode == 0, proc.stderr
    line = _marked_line(brief)
    assert re.search(
        rf"content/briefs/harbour\.yaml:{line}:\d+: warning\[BG412\]: brief 'harbour': the route figure's smallest "
        r"text prints at \d\.\d pt on A4 \(under 7 pt\)",
        proc.stderr,
    ), proc.stderr
    # The example's figure prints at 7 pt or more: no warning there.
    fine = run_cli("build", "--format", "html", "--out", str(root / "example-out"))
    assert "BG412" not in fine.stderr


def test_rename_refusals_are_bg609_usage_errors(mini: Path) -> None:
    """BG609: `briefgen rename` with an unknown OLD, or a NEW that is taken or no id (exit 2)."""
    before = (mini / "content/claims.yaml").read_bytes()
    for old, new, said in (
        ("ministy", "x", "no record has the id 'ministy' (did you mean 'ministry'?)"),
        ("ministry", "coast", "the id 'coast' is already taken"),
        ("ministry", "Ministry", "'Ministry' is not a valid id"),
    ):
        proc = run_cli("rename", old, new, "--project", str(mini))
        assert proc.returncode == 2, proc.stderr
        assert f"briefgen rename: error[BG609]: {said}" in proc.stderr
    assert (mini / "content/claims.yaml").read_bytes() == before


def test_rename_that_cannot_be_done_in_place_is_bg610(make_project: Callable[..., Path]) -> None:
    """BG610: an id written with a YAML escape cannot be renamed in place; nothing is written."""
    claims = CLAIMS.replace(
        "  statement: The @port-authority said a new road would take years to build.\n",
        '  statement: "The \\u0040port-authority said a new road would take years to build."  # <-\n',
    )
    project = make_project({"content/claims.yaml": claims})
    before = {p: p.read_bytes() for p in (project / "content").rglob("*.yaml")}
    proc = run_cli("rename", "port-authority", "harbour-authority", "--project", str(project))
    assert proc.returncode == 1
    assert "content/claims.yaml: error[BG610]: 'port-authority' could not be renamed in this file" in proc.stderr
    assert {p: p.read_bytes() for p in (project / "content").rglob("*.yaml")} == before


@pytest.mark.parametrize(
    ("prose", "flagged"),
    [
        ("Delays [see [[road-slow]]](https://example.org).", ["[[road-slow]]"]),
        ("Delays ![a map [@road-slow]](assets/map.png).", ["[@road-slow]"]),
        ("Delays [the report](https://example.org) [@road-slow].", []),  # after the link: fine
        ("Delays [@road-slow] and [a link](https://example.org).", []),
        ("Delays [as said [@road-slow]] no link.", []),  # brackets, but no link
        ("Delays `[x [@road-slow]](u)` in code.", []),
        ("Delays [@road-slow][@harbour-report, para. 1] side by side.", []),
        ("See [the report [@road-slow]][ref].\n\n  [ref]: https://example.org", ["[@road-slow]"]),
        ("See [the [@road-slow]] unlinked.\n\n  [other]: https://example.org", []),
    ],
)
def test_a_citation_or_claim_inside_a_links_text_is_bg135(
    make_project: Callable[..., Path], prose: str, flagged: list[str]
) -> None:
    brief = MINI["content/briefs/harbour.yaml"].replace("expects delays [@road-slow].\n", f"expects. {prose}\n")
    root = make_project({"content/briefs/harbour.yaml": brief})
    problems = [p for p in validate_project(Project(root))[1] if p.code == "BG135"]
    assert [p.message.split("'")[3] for p in problems] == flagged


def test_a_key_without_its_colon_is_said_as_that_and_not_again_as_missing(make_project: Callable[..., Path]) -> None:
    brief = MINI["content/briefs/harbour.yaml"].replace("title: Harbour <Trade> & Tin", 'title "Harbour: Trade & Tin"')
    root = make_project({"content/briefs/harbour.yaml": brief})
    problems = validate_project(Project(root))[1]
    assert [(p.code, p.pos.line) for p in problems if p.severity == "error"] == [("BG101", 2)]
    assert problems[0].message == (
        "'title' in brief 'harbour' has no ':' after it, so YAML read 'title \"Harbour' as one key"
    )
    assert problems[0].hint.startswith("put a colon and a space after it (title: ...)")


def test_the_nearest_passage_shows_the_words_around_it(make_project: Callable[..., Path]) -> None:
    """The nearest window is as long as the quote: the hint shows a few words either side,
    so the word the quote got wrong is there to compare."""
    claims = (
        MINI["content/claims.yaml"]
        .replace(
            "quote: Ore from the northern hills is trucked to the coast every week.",
            "quote: Ore from the northern hills is trucked to the coast every",
        )
        .replace("quote: exports fell by half in 2025", "quote: exports fell by a third")
    )
    root = make_project({"content/claims.yaml": claims})
    problems = [p for p in validate_project(Project(root))[1] if p.code == "BG112"]
    assert len(problems) == 1, problems
    assert "exports fell by half in 2025" in problems[0].hint, problems[0].hint
