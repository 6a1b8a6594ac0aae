"""Writes: the outputs of one build switch as one set, and the cache never fails or changes
a build. Real processes for what a user sees; in-process tests for the journal and cache
entries (see briefgen/write.py and briefgen/cachedir.py for what is promised).
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefgen import __version__
from tests.conftest import REPO
from tests.test_faults import folder_state, parts_in, put_previous, tmpfs

HTML_OUTPUTS = ("harbour-summary.html", "harbour.html")


def run(*args: str, cwd: Path, cache: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m briefgen ARGS`` as a process, with its own cache folder."""
    full = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache), **env}
    full.pop("BRIEFGEN_NO_CACHE", None)
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=300
    )


def start(*args: str, cwd: Path, cache: Path, code: str | None = None, **env: str) -> subprocess.Popen[str]:
    full = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache), **env}
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "briefgen", *args]
    return subprocess.Popen(
        command, cwd=cwd, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def outputs(folder: Path) -> dict[str, bytes]:
    """The visible files of a folder (no journal, no temporary files)."""
    return {k: v for k, v in folder_state(folder).items() if not k.startswith(".")}


@pytest.fixture
def reference(mini: Path, tmp_path: Path) -> Callable[[str], dict[str, bytes]]:
    """reference(fmt) -> what a clean build of the mini project writes, cold (no cache)."""
    made: dict[str, dict[str, bytes]] = {}

    def build(fmt: str) -> dict[str, bytes]:
        if fmt not in made:
            out = tmp_path / f"reference-{fmt}"
            proc = run("build", "--format", fmt, "--out", str(out), cwd=mini, cache=tmp_path / f"cold-{fmt}")
            assert proc.returncode == 0, proc.stderr
            made[fmt] = folder_state(out)
        return made[fmt]

    return build


# -- every target checked before anything changes --------------------------------------------


def test_a_folder_where_an_output_goes_changes_nothing(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, ("harbour.html", "harbour.pdf", "harbour-summary.html"))
    (out / "harbour-summary.pdf").mkdir()
    proc = run("build", "--out", str(out), cwd=mini, cache=tmp_path / "cache")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{out / 'harbour-summary.pdf'}: error[BG401]: cannot write here: a folder stands where" in proc.stderr
    assert "hint: move or remove that folder, or build into another with --out" in proc.stderr
    assert folder_state(out) == before and (out / "harbour-summary.pdf").is_dir()
    assert "laying out" not in proc.stderr and "wrote" not in proc.stderr


def test_a_read_only_output_file_changes_nothing(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, HTML_OUTPUTS)
    (out / "harbour.html").chmod(0o444)
    proc = run("build", "--format", "html", "--out", str(out), cwd=mini, cache=tmp_path / "cache")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{out / 'harbour.html'}: error[BG401]: cannot write here: the file is read-only" in proc.stderr
    assert f"hint: make it writable (chmod u+w {out / 'harbour.html'})" in proc.stderr
    assert folder_state(out) == before


# -- kill -9 between two renames ---------------------------------------------------------------


def _kill_between_renames(mini: Path, out: Path, cache: Path, fmt: str, after: int) -> None:
    """A real build stopped by the test-only hook after ``after`` renames, then SIGKILLed."""
    proc = start(
        "build",
        "--format",
        fmt,
        "--out",
        str(out),
        cwd=mini,
        cache=cache,
        BRIEFGEN_TEST_PAUSE_BETWEEN_RENAMES=str(after),
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    while line and not line.startswith("briefgen-test:"):
        line = proc.stderr.readline()
    assert line == f"briefgen-test: paused after {after} renames\n", (line, proc.poll())
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("fmt", "after", "next_run"),
    [("html", 0, "check"), ("html", 1, "failing build"), ("all", 2, "build")],
)
def test_kill_9_between_renames_then_the_next_run_completes_the_switch(
    fmt: str, after: int, next_run: str, mini: Path, tmp_path: Path, reference: Callable[[str], dict[str, bytes]]
) -> None:
    new = reference(fmt)
    names = tuple(sorted(new))
    out = mini / "output"  # the project's own: `check` completes it too
    before = put_previous(out, names)
    _kill_between_renames(mini, out, tmp_path / "cache", fmt, after)
    # Killed mid-switch: exactly the first `after` outputs (in name order) are new, the rest
    # old, and the journal names the temporary files holding the rest.
    assert outputs(out) == {n: new[n] if i < after else before[n] for i, n in enumerate(names)}
    assert (out / ".briefgen-switch").is_file() and len(parts_in(out)) == len(names) - after
    if next_run == "failing build":  # a build that fails its checks still completes the switch
        (mini / "content" / "claims.yaml").write_text("- id: Bad_Id\n")
        proc = run("build", "--format", fmt, cwd=mini, cache=tmp_path / "cache")
        assert proc.returncode == 1 and "BG108" in proc.stderr
    else:
        proc = run("check" if next_run == "check" else "build", cwd=mini, cache=tmp_path / "cache")
        assert proc.returncode == 0, proc.stderr
    for name in names[after:]:
        assert f"replaced output/{name}, left half switched by an interrupted build" in proc.stderr
    assert folder_state(out) == new, "all new, with no journal and no temporary files"


# -- the cache may make briefgen faster, never make it fail or differ ------------------------


def _cache_root(cache: Path) -> Path:
    return cache / "briefgen" / __version__


def test_a_file_where_the_template_cache_folder_goes(
    mini: Path, tmp_path: Path, reference: Callable[[str], dict[str, bytes]]
) -> None:
    cache = tmp_path / "cache"
    blocked = _cache_root(cache) / "jinja"  # (a file where records/ or the root goes was handled already)
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("not a folder\n")
    out = tmp_path / "out"
    proc = run("build", "--format", "html", "--out", str(out), cwd=mini, cache=cache)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert folder_state(out) == reference("html")
    assert blocked.read_text() == "not a folder\n"


#: Runs the CLI on a disk that is full under the cache folder: creating a file there, or
#: writing to one, fails with ENOSPC.
CACHE_DISK_FULL = textwrap.dedent(
    """
    import errno, os, sys
    cache = os.environ["XDG_CACHE_HOME"]
    real_open, real_write = os.open, os.write
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")
    def open_(path, flags, *args, **kwargs):
        if sys.argv[1] == "create" and flags & os.O_CREAT and os.fspath(path).startswith(cache):
            full()
        return real_open(path, flags, *args, **kwargs)
    def write(fd, data):
        if sys.argv[1] == "write" and os.readlink(f"/proc/self/fd/{fd}").startswith(cache):
            full()
        return real_write(fd, data)
    os.open, os.write = open_, write
    from briefgen.commands.main import main
    sys.exit(main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize("when", ["create", "write"])
def test_a_full_disk_under_the_cache_folder(
    when: str, mini: Path, tmp_path: Path, reference: Callable[[str], dict[str, bytes]]
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    proc = start(when, "build", "--format", "html", "--out", str(out), cwd=mini, cache=cache, code=CACHE_DISK_FULL)
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    assert folder_state(out) == reference("html")
    left = [p for p in cache.rglob("*") if p.is_file()]
    assert left == [], f"a failed cache write left files behind: {left}"


def test_a_really_full_disk_under_the_cache_folder(
    mini: Path, tmp_path: Path, reference: Callable[[str], dict[str, bytes]]
) -> None:
    """A 64 KiB RAM disk as the cache folder (root only): entries stop fitting part way."""
    with tmpfs(tmp_path / "disk", "64k") as disk:
        out = tmp_path / "out"
        proc = run("build", "--format", "html", "--out", str(out), cwd=mini, cache=disk)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert folder_state(out) == reference("html")
        assert [p.name for p in disk.rglob("*.part")] == []
        proc = run("build", "--format", "html", "--out", str(out), cwd=mini, cache=disk)  # and read back
        assert proc.returncode == 0 and folder_state(out) == reference("html"), proc.stderr


def _corrupt(cache: Path) -> dict[str, int]:
    """Damage every cache entry so that it still unmarshals: letters of literal text changed
    (records: the project's "Harbour"; compiled templates: their "Sources"), or cut short."""
    damaged = {"records": 0, "jinja": 0, "truncated": 0}
    for path in sorted(p for p in cache.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for old, new, kind in ((b"Harbour", b"Hxrbour", "records"), (b"Sources", b"Sxurces", "jinja")):
            if old in data:
                path.write_bytes(data.replace(old, new))
                damaged[kind] += 1
                break
        else:
            path.write_bytes(data[: len(data) // 2])
            damaged["truncated"] += 1
    return damaged


def test_a_corrupted_cache_gives_the_same_build_as_none(
    mini: Path, tmp_path: Path, reference: Callable[[str], dict[str, bytes]]
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    assert run("build", "--format", "html", "--out", str(out), cwd=mini, cache=cache).returncode == 0
    damaged = _corrupt(cache)
    assert damaged["records"] and damaged["jinja"] and damaged["truncated"], damaged
    proc = run("build", "--format", "html", "--out", str(out), cwd=mini, cache=cache)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert folder_state(out) == reference("html")
    checked = run("check", "--format", "json", cwd=mini, cache=cache)
    assert checked.stdout == run("check", "--format", "json", cwd=mini, cache=tmp_path / "cold").stdout


# -- in process: cache entries --------------------------------------------------------------------


def test_cache_entries_are_used_only_whole_and_of_this_version(tmp_path: Path) -> None:
    from briefgen import cachedir

    path = tmp_path / "entry.bin"
    payload = bytes(range(256)) * 4
    cachedir.write_entry(path, payload)
    assert cachedir.read_entry(path) == payload
    whole = path.read_bytes()
    for at in range(0, len(whole), 37):  # a flipped bit anywhere: header, length, digest, payload
        path.write_bytes(whole[:at] + bytes([whole[at] ^ 0x04]) + whole[at + 1 :])
        assert cachedir.read_entry(path) is None, at
    for cut in (0, 10, len(whole) - len(payload), len(whole) - 1):
        path.write_bytes(whole[:cut])
        assert cachedir.read_entry(path) is None, cut
    path.write_bytes(whole + b"\0")
    assert cachedir.read_entry(path) is None
    path.write_bytes(whole.replace(__version__.encode(), b"9.9.9", 1))
    assert cachedir.read_entry(path) is None
    path.unlink()
    assert cachedir.read_entry(path) is None


@pytest.mark.parametrize("failure", ["ENOSPC on write", "EACCES on create", "EROFS on rename"])
def test_a_cache_entry_that_cannot_be_written_is_skipped(
    failure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen import cachedir

    def fail(code: int) -> Callable[..., object]:
        def raiser(*_args: object, **_kwargs: object) -> object:
            raise OSError(code, os.strerror(code))

        return raiser

    if failure == "ENOSPC on write":
        monkeypatch.setattr(cachedir.os, "write", fail(errno.ENOSPC))
    elif failure == "EACCES on create":
        monkeypatch.setattr(cachedir.tempfile, "mkstemp", fail(errno.EACCES))
    else:
        monkeypatch.setattr(cachedir.os, "replace", fail(errno.EROFS))
    cachedir.write_entry(tmp_path / "entry.bin", b"payload")  # no exception
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == [], "nothing is left behind"


def test_the_records_cache_survives_a_full_disk_and_damaged_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen import cachedir
    from briefgen.check.recordcache import RecordCache
    from briefgen.errors import Pos, Problem

    cache = RecordCache(tmp_path)
    payload = ([], [Problem(Pos("a.yaml", 2, 3), "BG101", "unknown key", "fix it")], [], False)

    def full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cachedir.os, "write", full)
    cache.put("k", "a.yaml", payload)
    monkeypatch.undo()
    assert cache.get("k", "a.yaml") is None and list(tmp_path.iterdir()) == []
    cache.put("k", "a.yaml", payload)
    got = cache.get("k", "a.yaml")
    assert got is not None and got[1] == payload[1]
    entry = tmp_path / "k.bin"
    entry.write_bytes(entry.read_bytes().replace(b"unknown key", b"unknown kex"))
    assert cache.get("k", "a.yaml") is None


def test_the_template_cache_compiles_anew_past_a_damaged_entry(tmp_path: Path) -> None:
    import jinja2

    from briefgen.render.html import VerifiedBytecodeCache

    def render() -> str:
        env = jinja2.Environment(
            loader=jinja2.DictLoader({"t.html": "<p>Sources: {{ n }}</p>"}),
            bytecode_cache=VerifiedBytecodeCache(tmp_path),
        )
        return env.get_template("t.html").render(n=3)

    assert render() == "<p>Sources: 3</p>"
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(entry.read_bytes().replace(b"Sources", b"Sxurces"))
    assert render() == "<p>Sources: 3</p>"
    entry.write_bytes(b"")
    assert render() == "<p>Sources: 3</p>"


# -- in process: the journal ------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "out"
    put_previous(out, ("a.html", "a.pdf", "b.html"))
    yield out


NEW = {"a.html": b"new a", "a.pdf": b"new a pdf", "b.html": b"new b"}


def test_ctrl_c_between_renames_finishes_the_switch(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefgen import write

    real_replace = os.replace
    calls: list[str] = []

    def interrupted_replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        write.write_all_atomic({folder / name: data for name, data in NEW.items()})
    monkeypatch.undo()
    assert folder_state(folder) == NEW


def test_a_rename_that_fails_mid_switch_leaves_the_journal_for_the_next_run(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen import write
    from briefgen.errors import BriefgenError

    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        if str(dst).endswith("a.pdf"):
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", failing_replace)
    with pytest.raises(BriefgenError) as caught:
        write.write_all_atomic({folder / name: data for name, data in NEW.items()})
    monkeypatch.undo()
    (problem,) = caught.value.problems
    assert problem.code == "BG403" and "some outputs were replaced and some not yet" in problem.message
    assert ".briefgen-switch" in problem.hint and (folder / ".briefgen-switch").exists()
    assert write.complete_switch(folder) == [folder / "a.pdf"]
    assert folder_state(folder) == NEW


def test_a_journal_that_is_not_whole_is_never_followed(folder: Path) -> None:
    from briefgen import write

    (folder / ".x.html.abcdefgh.part").write_bytes(b"planted")
    (folder / ".b.html.abcdefgh.part").symlink_to(folder / "a.html")
    before = folder_state(folder)
    good = write._journal_text([".x.html.abcdefgh.part"])
    for bad in (
        good[:-10],
        good.replace(b".x.html", b".y.html"),
        write._journal_text([".x/../../y.html.abcdefgh.part"]),
    ):
        (folder / ".briefgen-switch").write_bytes(bad)
        assert write.complete_switch(folder) == []
    (folder / ".briefgen-switch").write_bytes(write._journal_text([".b.html.abcdefgh.part"]))
    assert write.complete_switch(folder) == [], "a link is not a temporary file of ours"
    assert folder_state(folder) == {k: v for k, v in before.items() if k != ".briefgen-switch"}
    assert not (folder / ".briefgen-switch").exists()


def test_a_second_writer_waits_its_turn_then_gives_up(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefgen import write
    from briefgen.errors import BriefgenError

    before = folder_state(folder)
    monkeypatch.setattr(write, "LOCK_WAIT", 0.3)
    holder = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # another writer, mid-switch
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(BriefgenError) as caught:
            write.write_all_atomic({folder / name: data for name, data in NEW.items()})
    finally:
        os.close(holder)
    (problem,) = caught.value.problems
    assert problem.code == "BG410" and str(problem.pos) == str(folder)
    assert folder_state(folder) == before
    write.write_all_atomic({folder / name: data for name, data in NEW.items()})
    assert folder_state(folder) == NEW
