"""The kept result of `briefgen check`: an unchanged project is not checked again, and
every kind of input a check reads, changed in any way, is checked again: never a stale result."""

from __future__ import annotations

import hashlib
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


def run_cli(args: list[str], *, cached: bool = True) -> int:
    """`briefgen ARGS` in this process (``cached=False``: with BRIEFGEN_NO_CACHE=1)."""
    before = os.environ.get("BRIEFGEN_NO_CACHE")
    if not cached:
        os.environ["BRIEFGEN_NO_CACHE"] = "1"
    try:
        return main(args)
    finally:
        if before is None:
            os.environ.pop("BRIEFGEN_NO_CACHE", None)


def check(project: Path, capsys: pytest.CaptureFixture[str], *, cached: bool = True) -> tuple[int, list[dict]]:
    """`briefgen check --format json` in this process: exit status and problems."""
    status = run_cli(["check", "--project", str(project), "--format", "json"], cached=cached)
    return status, json.loads(capsys.readouterr().out)


def kept_entry(cache_home: Path) -> Path:
    """The one kept check result under ``cache_home``."""
    (entry,) = cache_home.rglob("checks/*.bin")
    return entry


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
    entry = kept_entry(tmp_path / "cache")
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


# -- the second round: what an attack on the kept result found ----------------------------------


def test_a_file_changed_and_put_back_while_the_check_runs_keeps_no_result(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same bytes before and after, other bytes while the check read them (an undo, a
    `git stash` and `pop`): the result may be of the other bytes, so it is not kept."""
    counted = briefgen.build.check_project
    claims = project / "content/claims.yaml"
    original = claims.read_bytes()

    def swapped_meanwhile(p, cache=None):  # type: ignore[no-untyped-def]
        claims.write_bytes(original.replace(b"ref: ministry", b"ref: ministri"))
        result = counted(p, cache)
        claims.write_bytes(original)
        return result

    monkeypatch.setattr(briefgen.build, "check_project", swapped_meanwhile)
    _status, seen = check(project, capsys)
    assert any(p["code"] == "BG103" for p in seen), "the check read the other bytes"
    monkeypatch.setattr(briefgen.build, "check_project", counted)
    again = check(project, capsys)
    assert len(checks) == 2, "a result of bytes that are gone must not be kept"
    assert again == check(project, capsys, cached=False)


def test_folders_nested_deeper_than_any_check_reads_mean_a_full_check_not_a_crash(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    deep = project / "content" / "assets"
    deep.mkdir()
    for _ in range(200):  # deeper than MAX_DEPTH; made one by one (os.makedirs recurses)
        deep = deep / "a"
        deep.mkdir()
    first = check(project, capsys)
    assert first == check(project, capsys) == check(project, capsys, cached=False)
    assert len(checks) == 3


def test_the_bytes_of_hidden_and_editor_files_are_not_hashed_but_their_names_count(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No check reads them (a 20 GB `.huge` file cost minutes to hash), but a file that
    appears or goes under such a name still misses: the listing is part of the fingerprint."""
    hashed: list[str] = []
    real = resultcache._file_digest
    monkeypatch.setattr(resultcache, "_file_digest", lambda path: (hashed.append(path.name), real(path))[1])
    big = project / "content" / ".huge"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: no disk used
    (project / "content" / "claims.yaml~").write_text("old", encoding="utf-8")
    check(project, capsys)
    check(project, capsys)
    assert len(checks) == 1
    assert ".huge" not in hashed and "claims.yaml~" not in hashed and "claims.yaml" in hashed
    big.unlink()
    check(project, capsys)
    assert len(checks) == 2


def test_an_editors_lock_link_does_not_turn_the_kept_result_off(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Emacs marks a file with unsaved edits with a link `.#name` to nowhere: exactly when
    a save hook runs check."""
    (project / "content" / ".#claims.yaml").symlink_to("user@host.1234:1700000000")
    first = check(project, capsys)
    assert check(project, capsys) == first
    assert len(checks) == 1


def test_a_project_over_the_hashing_budget_is_checked_in_full(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resultcache, "MAX_HASHED_BYTES", 100)
    check(project, capsys)
    check(project, capsys)
    assert len(checks) == 2


def test_another_build_of_a_library_is_another_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropping PyYAML's compiled binding (same version) changes its messages: the stamp
    sees the package's files, not only its version."""
    from briefgen.cachedir import libraries_stamp

    package = tmp_path / "site" / "fakelib"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "_binding.so").write_bytes(b"\0" * 10)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    libraries_stamp.cache_clear()
    with_binding = libraries_stamp(("fakelib",))
    (package / "_binding.so").unlink()
    libraries_stamp.cache_clear()
    without = libraries_stamp(("fakelib",))
    libraries_stamp.cache_clear()
    assert with_binding != without
    assert libraries_stamp(("no_such_library_here",)) != libraries_stamp(("fakelib",))


def test_a_check_with_other_libraries_never_reads_the_result(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(project, capsys)
    monkeypatch.setattr(resultcache, "libraries_stamp", lambda names: "PyYAML without its binding")
    check(project, capsys)
    assert len(checks) == 2


def test_entries_in_a_folder_another_user_may_write_are_never_read(
    project: Path,
    checks: list[Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shared cache home: an entry planted there (a forged 'no problems') is not trusted."""
    check(project, capsys)
    (folder,) = (tmp_path / "cache").rglob("checks")
    folder.chmod(0o777)
    check(project, capsys)
    assert len(checks) == 2
    folder.chmod(0o755)
    check(project, capsys)
    assert len(checks) == 2  # ours again: read
    real_uid = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: real_uid + 1)  # as if another user owned it
    check(project, capsys)
    assert len(checks) == 3


def test_an_entry_of_the_wrong_shape_means_a_full_check(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import marshal

    from briefgen.cachedir import read_entry, write_entry

    first = check(project, capsys)
    entry = kept_entry(tmp_path / "cache")
    digest, _rows = marshal.loads(read_entry(entry) or b"")
    for rows in (
        [(b"content/x.yaml", 1, 1, "BG103", "m", "h", "error", ())],
        [("content/x.yaml", "1", 1, "BG103", "m", "h", "error", ())],
        [("content/x.yaml", 1, 1, "BG103", "m", "h", "fatal", ())],
        [("content/x.yaml", 1, 1, "BG103", "m", "h", "error")],
        "not rows",
    ):
        write_entry(entry, marshal.dumps((digest, rows)))
        assert check(project, capsys) == first
    assert len(checks) == 6


def test_a_hit_marks_the_entry_recently_used(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    check(project, capsys)
    entry = kept_entry(tmp_path / "cache")
    os.utime(entry, (1_000_000, 1_000_000))
    check(project, capsys)
    assert len(checks) == 1
    assert entry.stat().st_mtime > 1_000_000


# -- `build` after `check`: the kept result stands, the records are read, no pass runs -------


def build(project: Path, out: Path, capsys: pytest.CaptureFixture[str], *, cached: bool = True) -> tuple[int, str]:
    """`briefgen build --format html` in this process: exit status and what it printed."""
    status = run_cli(["build", "--format", "html", "--project", str(project), "--out", str(out)], cached=cached)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_a_build_after_a_check_runs_no_pass_and_writes_what_a_full_build_writes(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    check(project, capsys)
    assert build(project, tmp_path / "kept", capsys)[0] == 0
    assert len(checks) == 1, "the build should have taken the check's kept result"
    assert build(project, tmp_path / "full", capsys, cached=False)[0] == 0
    kept, full = sorted((tmp_path / "kept").iterdir()), sorted((tmp_path / "full").iterdir())
    assert [p.name for p in kept] == [p.name for p in full] and kept
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(kept, full, strict=True))


def test_a_build_keeps_its_result_for_the_next_check(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    build(project, tmp_path / "out", capsys)
    check(project, capsys)
    assert len(checks) == 1


def test_a_build_after_an_edit_checks_and_renders_the_edit(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    check(project, capsys)
    claims = project / "content/claims.yaml"
    text = claims.read_text(encoding="utf-8")
    statement = next(line.split("statement:", 1)[1].strip() for line in text.splitlines() if "statement:" in line)
    claims.write_text(text.replace(statement, statement.replace(" ", " plainly ", 1), 1), encoding="utf-8")
    assert build(project, tmp_path / "out", capsys)[0] == 0
    assert len(checks) == 2, "an edited project must be checked in full"
    page = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "plainly" in page


@pytest.mark.parametrize("times_tell", [True, False], ids=["times changed", "times kept (a coarse clock)"])
def test_a_file_edited_while_the_build_reads_the_records_means_a_full_check(
    times_tell: bool,
    project: Path,
    checks: list[Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between the kept result's fingerprint and the reading of the records, a file is
    edited: the records read are not those checked, so the project is checked in full
    (here the edit breaks a reference, and the build fails as a full build would). File
    times have a coarse clock (a same-size rewrite in the tick of the last write keeps
    them), so the records are held to the very bytes checked, not only to times."""
    from briefgen.check import loading

    check(project, capsys)
    if not times_tell:
        monkeypatch.setattr(resultcache.CheckResults, "unchanged", lambda self: True)
    real = loading.read_base

    def edited_meanwhile(p):  # type: ignore[no-untyped-def]
        _edit_claim_bytes(project)
        return real(p)

    monkeypatch.setattr(loading, "read_base", edited_meanwhile)
    status, printed = build(project, tmp_path / "out", capsys)
    assert len(checks) == 2
    assert status == 1 and "BG103" in printed
    assert not (tmp_path / "out").exists()


def test_a_build_fails_on_kept_errors_as_a_full_build_does(
    project: Path, checks: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _edit_brief(project)  # a citation of a claim that does not exist: an error
    kept_check = check(project, capsys)
    kept = build(project, tmp_path / "a", capsys)
    assert len(checks) == 2, "a kept result with errors: the build checks in full (it fails either way)"
    full = build(project, tmp_path / "b", capsys, cached=False)
    assert kept_check[0] == 1 and kept[0] == full[0] == 1
    assert kept[1].replace(str(tmp_path / "a"), "OUT") == full[1].replace(str(tmp_path / "b"), "OUT")
    assert "error[BG115]" in kept[1]


def test_only_the_templates_bytes_are_read_under_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checks: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A check parses a project's *.j2 files and reads only the names of its stylesheets,
    fonts and images: those bytes are not hashed (the example's fonts are 1.3 MB), but a
    template's are, and a stylesheet added or renamed still counts."""
    root = write_project(tmp_path / "p", MINI)
    shutil.copytree(REPO / "templates", root / "templates")
    read: list[str] = []
    real = resultcache._file_digest

    def recorded(path: Path) -> bytes:
        read.append(path.relative_to(root).as_posix())
        return real(path)

    monkeypatch.setattr(resultcache, "_file_digest", recorded)
    check(root, capsys)
    under = [p for p in read if p.startswith("templates/")]
    assert under and all(p.endswith(".j2") for p in under), under
    assert "templates/brief.html.j2" in under
    check(root, capsys)
    assert len(checks) == 1
    (root / "templates/extra.css").write_text("p { color: red }\n", encoding="utf-8")
    check(root, capsys)
    assert len(checks) == 2, "a file added under templates/ counts by its name"


@pytest.mark.parametrize("size", [0, 1, 5, 4096, 10_000])
def test_a_file_is_hashed_whole_whatever_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    # Pieces of 4 KiB here, so that files of one piece, several and a partial last one are read.
    monkeypatch.setattr(resultcache, "_READ_PIECE", 4096)
    path = tmp_path / "f.yaml"
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)
    assert resultcache._file_digest(path) == hashlib.sha1(data).digest()


def test_a_fifo_in_place_of_a_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "claims.yaml"
    os.mkfifo(fifo)
    with pytest.raises(resultcache.Unseeable, match="not a plain file"):
        resultcache._file_digest(fifo)
