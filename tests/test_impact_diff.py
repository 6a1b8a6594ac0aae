"""``briefgen impact`` and ``briefgen diff`` (and ``build --changes-since``) against a
temporary git repository holding the MINI project in a subfolder, edition by edition."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import htmlread
from tests.conftest import GAZETTE, GAZETTE_FACT, MINI, run_cli, write_project
from tests.pdfread import PdfBack, squash

CLAIMS = MINI["content/claims.yaml"]
SOURCES = MINI["content/sources.yaml"]
BRIEF = MINI["content/briefs/harbour.yaml"]


#: The second edition: one claim added and one dropped, one reworded, one re-dated, one
#: judgment regraded and re-sourced, a source added and one regraded.
EDITION_2 = {
    "content/briefs/harbour.yaml": BRIEF.replace(
        " The @port-authority expects delays [@road-slow].", " [[gazette-trucks]]"
    ),
    "content/claims.yaml": CLAIMS.replace(
        "statement: Ore from the @hills is trucked to the @coast every week.",
        "statement: Ore from the @hills goes by truck to the @coast every week.",
    )
    .replace("  as_of: 2025-06\n", "  as_of: 2025-07\n")
    .replace("  confidence: low\n", "  confidence: moderate\n")
    .replace(
        "      locator: para. 3\n      credibility: 3\n",
        "      locator: para. 3\n      credibility: 2\n    - ref: harbour-report\n      locator: para. 1\n"
        "      credibility: 2\n",
    )
    + GAZETTE_FACT,
    "content/sources.yaml": SOURCES.replace("    reliability: C\n", "    reliability: B\n") + GAZETTE,
}


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
        "GIT_AUTHOR_DATE": "2026-01-15T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-15T12:00:00Z",
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


@dataclass
class Editions:
    repo: Path
    project: Path  # a subfolder of the repository
    empty: str  # commit before the project existed
    v1: str  # commit of the first edition (also tagged v1)


@pytest.fixture
def editions(tmp_path: Path) -> Editions:
    """A git repository: a commit without the project, the MINI project as edition v1, and
    the second edition's changes in the working tree (not committed)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("briefs\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "start")
    empty = git(repo, "rev-parse", "HEAD")
    project = write_project(repo / "policy", MINI)
    git(repo, "add", "policy")
    git(repo, "commit", "-q", "-m", "edition 1")
    git(repo, "tag", "v1")
    write_project(project, EDITION_2)
    return Editions(repo, project, empty, git(repo, "rev-parse", "HEAD"))


def diff(ed: Editions, *args: str) -> subprocess.CompletedProcess[str]:
    proc = run_cli("diff", "--project", str(ed.project), *args, cwd=ed.project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


# -- briefgen diff ----------------------------------------------------------------------------


def test_diff_lists_every_kind_of_change_as_text(editions: Editions) -> None:
    proc = diff(editions, "harbour", "--since", "v1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"brief 'harbour' since v1 (commit {editions.v1[:10]}, edition dated 15 January 2026)",
        "claims added (1):",
        "  + gazette-trucks: Trucks carry ore to the Coast.",
        "claims removed (1):",
        "  - road-slow: The PAC said a new road would take years to build.",
        "claims reworded (1):",
        "  ~ ore-trucked",
        "      was: Ore from the Northern Hills is trucked to the Coast every week.",
        "      now: Ore from the Northern Hills goes by truck to the Coast every week.",
        "claims regraded (1):",
        "  ~ j-road-late: confidence low → moderate; credibility of harbour-report, para. 3: 3 → 2",
        "claims re-dated (1):",
        "  ~ exports-fell: as of June 2025 → July 2025",
        "claims re-sourced (1):",
        "  ~ j-road-late: now cites harbour-report, para. 1",
        "sources added (1):",
        "  + coast-gazette: Coast Gazette",
        "sources regraded (1):",
        "  ~ ministry: reliability C → B",
    ]


def test_diff_as_json(editions: Editions) -> None:
    proc = diff(editions, "harbour", "--since", "v1", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["commit"] == editions.v1 and data["existed"] and data["edition_date"] == "2026-01-15"
    assert (data["claims_added"], data["claims_removed"]) == (["gazette-trucks"], ["road-slow"])
    assert [c["id"] for c in data["claims_reworded"]] == ["ore-trucked"]
    assert data["claims_regraded"] == [
        {"id": "j-road-late", "details": ["confidence low → moderate", "credibility of harbour-report, para. 3: 3 → 2"]}
    ]
    assert data["claims_redated"] == [{"id": "exports-fell", "details": ["as of June 2025 → July 2025"]}]
    assert (data["sources_added"], data["sources_removed"]) == (["coast-gazette"], [])
    assert data["sources_regraded"] == [{"id": "ministry", "details": ["reliability C → B"]}]


def test_diff_against_the_same_content_and_before_the_brief_existed(editions: Editions) -> None:
    git(editions.repo, "add", "policy")
    git(editions.repo, "commit", "-q", "-m", "edition 2")
    same = diff(editions, "harbour", "--since", "HEAD")
    assert same.returncode == 0
    assert same.stdout.splitlines()[1:] == ["  no changes to its claims or sources"]
    before = diff(editions, "harbour", "--since", editions.empty)
    assert before.returncode == 0
    lines = before.stdout.splitlines()
    assert lines[1] == f"  the brief did not exist at {editions.empty}: everything is new"
    assert "claims added (4):" in lines  # ore-trucked, gazette-trucks, j-road-late, exports-fell
    assert not any(line.startswith("claims removed") for line in lines)


@pytest.mark.parametrize(
    ("since", "code", "message"),
    [
        ("nope", "BG505", "no revision 'nope' in the git repository"),
        ("--output=/tmp/x", "BG505", "'--output=/tmp/x' is not a revision"),
    ],
)
def test_diff_with_a_revision_that_does_not_exist(editions: Editions, since: str, code: str, message: str) -> None:
    proc = diff(editions, "harbour", f"--since={since}")
    assert proc.returncode == 2
    assert f"error[{code}]: {message}" in proc.stderr
    assert proc.stdout == ""


def test_diff_outside_a_git_repository(tmp_path: Path) -> None:
    project = write_project(tmp_path / "loose", MINI)
    proc = run_cli("diff", "harbour", "--since", "HEAD", "--project", str(project), cwd=project)
    assert proc.returncode == 2
    assert "error[BG504]" in proc.stderr and "is not in a git repository" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_diff_of_an_unknown_brief(editions: Editions) -> None:
    proc = diff(editions, "harbor", "--since", "v1")
    assert proc.returncode == 2
    assert "error[BG501]: no brief 'harbor' (did you mean 'harbour'?)" in proc.stderr


# -- briefgen build --changes-since ----------------------------------------------------------


def test_build_with_a_what_changed_annex(editions: Editions, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("build", "harbour", "--changes-since", "v1", "--out", str(out), "--project", str(editions.project))
    assert proc.returncode == 0, proc.stderr
    html = (out / "harbour.html").read_text()
    root = htmlread.parse(html)
    annex = htmlread.by_id(root)["annex-changes"]
    text = htmlread.text_of(annex)
    assert text.startswith("Annex 1: What changed since the last edition")
    assert f"revision v1 (commit {editions.v1[:10]}), dated 15 January 2026" in text
    groups = [htmlread.text_of(h) for h in annex.iter(f"{htmlread.NS}h3")]
    assert groups == [
        "New in this edition",
        "No longer used",
        "Reworded",
        "Regraded",
        "Re-dated",
        "Re-sourced",
        "Sources",
    ]
    items = {
        li.get("data-claim") or li.get("data-source"): htmlread.text_of(li) for li in annex.iter(f"{htmlread.NS}li")
    }
    assert items["ore-trucked"] == (
        "Ore from the Northern Hills goes by truck to the Coast every week. "
        "Before: Ore from the Northern Hills is trucked to the Coast every week."
    )
    assert items["ministry"] == "Ministry of Trade: regraded (reliability C → B)"
    assert items["coast-gazette"] == "“Coast Gazette”: added"
    assert "Annex 1: What changed since the last edition" in htmlread.text_of(root.find(f".//{htmlread.NS}nav"))
    pdf = squash(" ".join(PdfBack.open(out / "harbour.pdf").page_texts()))
    assert "Annex 1: What changed since the last edition" in pdf
    assert "Before: Ore from the Northern Hills is trucked" in pdf
    # Reproducible: the same revision gives the same bytes.
    again = tmp_path / "again"
    proc = run_cli("build", "harbour", "--changes-since", "v1", "--out", str(again), "--project", str(editions.project))
    assert proc.returncode == 0, proc.stderr
    for name in ("harbour.html", "harbour.pdf"):
        assert (
            hashlib.sha256((out / name).read_bytes()).digest() == hashlib.sha256((again / name).read_bytes()).digest()
        )
    # Without the flag there is no such annex.
    plain = tmp_path / "plain"
    run_cli("build", "harbour", "--format", "html", "--out", str(plain), "--project", str(editions.project))
    assert 'id="annex-changes"' not in (plain / "harbour.html").read_text()


def test_build_with_changes_since_an_unknown_revision_writes_nothing(editions: Editions, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("build", "--changes-since", "nope", "--out", str(out), "--project", str(editions.project))
    assert proc.returncode == 2
    assert "error[BG505]" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() or list(out.iterdir()) == []


# -- briefgen impact --------------------------------------------------------------------------


def impact(ed: Editions, *args: str) -> subprocess.CompletedProcess[str]:
    proc = run_cli("impact", "--project", str(ed.project), *args, cwd=ed.project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _line_col(path: Path, holding: str, word: str) -> str:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if holding in line:
            return f"{number}:{line.index(word) + 1}"
    raise AssertionError(holding)


def test_impact_of_a_source_as_text(editions: Editions) -> None:
    content = editions.project / "content"
    proc = impact(editions, "ministry")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"content/sources.yaml:{_line_col(content / 'sources.yaml', '- id: ministry', 'ministry')}: source 'ministry'",
        "sources known only through it (0)",
        "claims (1):",
        f"  content/claims.yaml:{_line_col(content / 'claims.yaml', '- id: exports-fell', 'exports-fell')}: "
        "fact 'exports-fell'",
        "judgments resting on it through supports (0)",
        "briefs (1):",
        "  harbour",
        f"    content/briefs/harbour.yaml:{_line_col(content / 'briefs' / 'harbour.yaml', '[[exports-fell]]', '[[')}: "
        "section 'Trade' (exports-fell -> ministry; ministry)",
    ]


def test_impact_of_a_publication_reaches_what_it_relays(editions: Editions) -> None:
    proc = impact(editions, "harbour-report", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["kind"] == "source" and data["file"] == "content/sources.yaml"
    assert [s["id"] for s in data["sources"]] == ["ministry"]
    # exports-fell cites the ministry, known only through the report; gazette-trucks does not depend on it.
    assert [c["id"] for c in data["claims"]] == ["ore-trucked", "exports-fell", "road-slow", "j-road-late"]
    assert {b["id"] for b in data["briefs"]} == {"harbour", "harbour-summary"}


def test_impact_of_a_claim_follows_supports_into_briefs(editions: Editions) -> None:
    git(editions.repo, "checkout", "-q", "--", ".")  # back to edition 1, where the summary cites road-slow
    proc = impact(editions, "road-slow", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["kind"] == "claim" and data["claims"] == []
    assert [j["id"] for j in data["judgments"]] == ["j-road-late"]
    parts = {(b["id"], p["part"]): (p["refs"], p["through"]) for b in data["briefs"] for p in b["parts"]}
    assert parts == {
        ("harbour", "summary"): (["road-slow"], ["road-slow"]),
        ("harbour", "key judgments"): (["j-road-late"], ["j-road-late -> road-slow"]),
        ("harbour-summary", "key judgments"): (["j-road-late"], ["j-road-late -> road-slow"]),
    }
    summary = next(p for b in data["briefs"] for p in b["parts"] if p["part"] == "summary")
    brief_file = editions.project / "content" / "briefs" / "harbour.yaml"
    assert f"{summary['line']}:{summary['col']}" == _line_col(brief_file, "[@road-slow]", "[@road-slow]")


def test_impact_follows_a_chain_of_judgments(editions: Editions) -> None:
    claims = editions.project / "content" / "claims.yaml"
    claims.write_text(
        claims.read_text() + "- id: j-harbour-slow\n  kind: judgment\n  statement: Harbour trade is likely to slow.\n"
        "  likelihood: likely\n  confidence: low\n  supports: [j-road-late]\n"
    )
    summary = editions.project / "content" / "briefs" / "harbour-summary.yaml"
    summary.write_text(summary.read_text().replace("key_judgments: [j-road-late]", "key_judgments: [j-harbour-slow]"))
    data = json.loads(impact(editions, "road-slow", "--format", "json").stdout)
    assert [j["id"] for j in data["judgments"]] == ["j-road-late", "j-harbour-slow"]
    parts = {(b["id"], p["part"]): p["through"] for b in data["briefs"] for p in b["parts"]}
    assert parts[("harbour-summary", "key judgments")] == ["j-harbour-slow -> j-road-late -> road-slow"]


def test_impact_of_an_entity(editions: Editions) -> None:
    data = json.loads(impact(editions, "hills", "--format", "json").stdout)
    assert [e["id"] for e in data["entities"]] == ["hill-road"]  # the route starts there
    assert [c["id"] for c in data["claims"]] == ["ore-trucked"]
    assert {(b["id"], p["part"]) for b in data["briefs"] for p in b["parts"]} == {
        ("harbour", "summary"),
        ("harbour-summary", "summary"),
    }
    text = impact(editions, "trade-ministry").stdout
    assert "entities referring to it (0)" in text and "fact 'exports-fell'" in text
    assert "section 'Trade' (exports-fell -> trade-ministry; trade-ministry)" in text


def test_impact_of_an_unknown_id(editions: Editions) -> None:
    proc = impact(editions, "ministy")
    assert proc.returncode == 2
    assert "error[BG503]: no source, claim or entity 'ministy' (did you mean 'ministry'?)" in proc.stderr


def test_impact_still_works_when_a_retraction_fails_the_check(editions: Editions) -> None:
    sources = editions.project / "content" / "sources.yaml"
    sources.write_text(
        sources.read_text().replace("    via: harbour-report\n", "    via: harbour-report\n    retracted: true\n")
    )
    proc = impact(editions, "ministry")
    assert proc.returncode == 0
    assert "note: the content has" in proc.stderr and "error" in proc.stderr
    assert "section 'Trade'" in proc.stdout
