"""The kept result of `briefgen check`: an unchanged project is not checked again, and
every kind of input a check reads, changed in any way, is checked again: never a stale result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import briefgen.build
from briefgen.check import resultcache
from briefgen.commands.main import main
from briefgen.errors import Pos, Problem
from tests.conftest import MINI, REPO, write_project


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[Path]]:
    """Counts full checks: each run of build.check_project appends the project checked."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("BRIEFGEN_NO_CACHE", raising=False)
    calls: list[Path] = []
    real = briefgen.build.check_project

    def counted(project, cache=None):  # type: ignore[no-untyped-def]
        calls.append(project.root)
        return real(project, cache)

    monkeypatch.setattr(briefgen.build, "check_project", counted)
    yield calls


def check(project: Path, capsys: pytest.CaptureFixture[str], *, cached: bool = True) -> tuple[int, list[dict]]:
    """`briefgen check --format json` in this process: exit status and problems."""
    before = os.environ.get("BRIEFGEN_NO_CACHE")
    if not cached:
        os.environ["BRIEFGEN_NO_CACHE"] = "1"
    try:
        status = main(["check", "--project", str(project), "--format", "json"])
    finally:
        if before is None:
            os.environ.pop("BRIEFGEN_NO_CACHE", None)
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "mini", MINI)


def test_an_unchanged_project_prints_its_last_result_without_checking(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "content" / "claims.yaml").write_text(
        MINI["content/claims.yaml"].replace("ref: ministry", "ref: ministri"), encoding="utf-8"
    )
    first = check(project, capsys)
    second = check(project, capsys)
    assert first == second
    assert first[0] == 1 and any(p["code"] == "BG103" for p in first[1])
    assert len(checks) == 1, "the second check should have come from the kept result"


def _same_length(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (as long) and put the file's times back as they were:
    only the bytes tell the change."""
    assert len(old) == len(new)
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def _edit_claim_bytes(root: Path) -> None:
    _same_length(root / "content/claims.yaml", "ref: ministry", "ref: ministri")


def _edit_archive(root: Path) -> None:
    _same_length(root / "content/archive/harbour.txt", "fell by half", "rose by half")


def _edit_brief(root: Path) -> None:
    _same_length(root / "content/briefs/harbour.yaml", "[@road-slow]", "[@road-slox]")


def _add_collection_folder(root: Path) -> None:
    write_project(root, {"content/claims/more.yaml": "- id: more\n  kind: gap\n  statement: A gap.\n"})


def _delete_file(root: Path) -> None:
    (root / "content/routes.yaml").unlink()


def _rename_file(root: Path) -> None:
    (root / "content/minerals.yaml").rename(root / "content/minerals.yml.bak")


def _add_config(root: Path) -> None:
    (root / "briefgen.yaml").write_text("max_age: 1d\n", encoding="utf-8")


def _break_own_template(root: Path) -> None:
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "templates/summary.html.j2").write_text("{% block x %}{{ oops( }}\n", encoding="utf-8")


def _image_appears(root: Path) -> None:
    (root / "content/assets").mkdir()
    (root / "content/assets/map.png").write_bytes(b"not really a png")


#: Each kind of input a check reads, changed: (what to change, the project before it).
CHANGES: dict[str, tuple[Callable[[Path], None], dict[str, str]]] = {
    "a claim's bytes, same size and time": (_edit_claim_bytes, {}),
    "an archive's bytes, same size and time": (_edit_archive, {}),
    "a brief's prose": (_edit_brief, {}),
    "a collection folder added": (_add_collection_folder, {}),
    "a collection file deleted": (_delete_file, {}),
    "a collection file renamed away": (_rename_file, {}),
    "briefgen.yaml added": (_add_config, {}),
    "the project's own template broken": (_break_own_template, {}),
    "an image the prose names added": (
        _image_appears,
        {
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "body: Who is who.", "body: Who is who. ![The map](assets/map.png)"
            )
        },
    ),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_any_changed_input_is_checked_again(
    change: str, tmp_path: Path, checks: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    edit, overrides = CHANGES[change]
    root = write_project(tmp_path / "p", {**MINI, **overrides})
    before = check(root, capsys)
    assert check(root, capsys) == before and len(checks) == 1  # kept
    edit(root)
    after = check(root, capsys)
    assert len(checks) == 2, "a changed input must be checked again"
    assert after == check(root, capsys, cached=False), "the result must be the full check's"
    assert after != before, "the change was meant to change what check finds"


def test_results_are_kept_per_working_folder(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problems name files relative to where briefgen runs: another folder, another result."""
    (project / "content" / "claims.yaml").write_text(
        MINI["content/claims.yaml"].replace("ref: ministry", "ref: ministri"), encoding="utf-8"
    )
    monkeypatch.chdir(project)
    here = check(project, capsys)
    monkeypatch.chdir(project / "content")
    there = check(project, capsys)
    assert len(checks) == 2
    assert here[1][0]["file"] != there[1][0]["file"]


def test_a_project_holding_a_link_is_always_checked_in_full(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("text", encoding="utf-8")
    (project / "content/archive/extra.txt").symlink_to(outside)
    first = check(project, capsys)
    outside.write_text("other text", encoding="utf-8")  # what the link leads to may change unseen
    assert check(project, capsys) == first
    assert len(checks) == 2


def test_a_file_edited_while_the_check_runs_keeps_no_result(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = briefgen.build.check_project
    claims = project / "content/claims.yaml"

    def edited_meanwhile(p, cache=None):  # type: ignore[no-untyped-def]
        result = counted(p, cache)
        claims.write_text(claims.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        return result

    monkeypatch.setattr(briefgen.build, "check_project", edited_meanwhile)
    check(project, capsys)
    claims.write_text(MINI["content/claims.yaml"], encoding="utf-8")  # back to what was checked
    monkeypatch.setattr(briefgen.build, "check_project", counted)
    check(project, capsys)
    assert len(checks) == 2, "a result that may mix two states of a file must not be kept"


def test_an_archive_that_could_not_be_read_is_not_kept(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """BG130 may be a reader's time-out on a busy machine: the next check tries again."""
    (project / "content/archive/harbour.txt").write_bytes(b"caf\xe9\n")
    _status, problems = check(project, capsys)
    assert any(p["code"] == "BG130" for p in problems)
    check(project, capsys)
    assert len(checks) == 2


def test_other_code_never_reads_the_result(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(project, capsys)
    monkeypatch.setattr(resultcache, "code_stamp", lambda: "another briefgen")
    check(project, capsys)
    assert len(checks) == 2


def test_a_damaged_or_foreign_entry_means_a_full_check(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = check(project, capsys)
    (entry,) = (tmp_path / "cache").rglob("checks/*.bin")
    blob = bytearray(entry.read_bytes())
    blob[-3] ^= 0xFF
    entry.write_bytes(bytes(blob))
    assert check(project, capsys) == first
    assert len(checks) == 2


def test_no_cache_keeps_nothing(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    check(project, capsys, cached=False)
    check(project, capsys, cached=False)
    assert len(checks) == 2
    assert not list((tmp_path / "cache").rglob("checks/*.bin"))


def test_problems_come_back_whole(project: Path, checks: list[Path]) -> None:
    """Every field of a problem survives the entry, its context included."""
    from briefgen.facts.project import Project

    problem = Problem(Pos("content/x.yaml", 3, 7), "BG103", "no source 'x'", "did you mean 'y'?", "warning", ("a", "b"))
    resultcache.CheckResults(Project(project)).keep([problem])
    back = resultcache.CheckResults(Project(project)).known()
    assert back == [problem] and back[0].context == ("a", "b") and back[0].severity == "warning"


def test_the_cli_sees_an_edit_after_a_kept_result(project: Path, tmp_path: Path) -> None:
    """As a process: check, check again (kept), edit, check: the new problem shows."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("BRIEFGEN_NO_CACHE", None)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "briefgen", "check"], cwd=project, env=env, capture_output=True, text=True
        )

    assert run().returncode == 0
    assert run().returncode == 0
    assert list((tmp_path / "cache").rglob("checks/*.bin"))
    _edit_claim_bytes(project)
    proc = run()
    assert proc.returncode == 1
    assert "content/claims.yaml:" in proc.stdout and "BG103" in proc.stdout
