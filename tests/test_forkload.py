"""A large cold pass 1 on two cores (check/forkload.py): the same result as one process,
whatever happens to the child, and no child where forking is unsafe or does not pay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.synth import generate
from briefgen.check import forkload, loading
from briefgen.check.validate import validate_project
from briefgen.facts.project import Project
from tests.conftest import REPO, session_pids

real_cpu_idle = forkload.cpu_idle


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fact base over forkload.FORK_MIN_BYTES of YAML (3,000 claims: 1.15 MB)."""
    root = generate(tmp_path_factory.mktemp("forkload") / "p3k", claims=3000, briefs=3)
    size = sum(p.stat().st_size for p in (root / "content").rglob("*.yaml"))
    assert size > forkload.FORK_MIN_BYTES
    return root


@pytest.fixture(scope="module")
def large_with_errors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same with mistakes in files of both halves, some of them across the halves."""
    root = generate(tmp_path_factory.mktemp("forkload") / "p3k-bad", claims=3000, briefs=3)
    claims = root / "content" / "claims"
    _edit(claims / "claims-000.yaml", "  kind: fact\n", "  kind: factoid\n  statment: typo\n")
    last = sorted(claims.glob("*.yaml"))[-1]
    _edit(last, "  as_of: ", "  colour: blue\n  as_of: 2025-13\n  old_as_of: ")
    # The same id in the first (parent's) and last (child's) claims files: BG107.
    first_id = "claim-0"
    _edit(last, "- id: claim-", f"- id: {first_id}\n  kind: gap\n  statement: Again.\n\n- id: claim-")
    # Pass 1's problems that search the file's lines: a placeholder and a hidden character.
    _edit(last, "  statement: Again.", "  statement: TODO again\u200b.")
    # For the sources and standards passes: an ungraded source, a missing archive, an
    # archive changed since its fingerprint, a quote that is not in its archive.
    sources = root / "content" / "sources.yaml"
    _edit(sources, "    reliability: A\n", "")
    _edit(sources, "archive: archive/src-1.txt", "archive: archive/nowhere.txt")
    archive = root / "content" / "archive" / "src-2.txt"
    archive.write_text(archive.read_text() + "Added later.\n")
    _edit(last, '      quote: "', '      quote: "Words nobody wrote ')
    briefs = sorted((root / "content" / "briefs").glob("*.yaml"))
    _edit(briefs[-1], "title: ", "title: [unclosed\nsubtitle: ")  # a YAML syntax error: broken
    briefs[-2].write_bytes(briefs[-2].read_bytes().replace(b"Synthetic", b"Synth\xffetic", 1))  # not UTF-8
    return root


def _serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "can_fork", lambda: False)


def _result(root: Path) -> tuple[object, list[object], list[object], list[str]]:
    base, problems = validate_project(Project(root))
    files = [(name, getattr(base, name)) for name in ("sources", "actors", "claims", "briefs")]
    archives = [(k, a.identity, len(a.passages)) for k, a in sorted(base.archives.items())]
    return files, problems, [sorted(base.archive_hashes.items()), archives], [p.code for p in problems]


@pytest.fixture
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")


@pytest.fixture(autouse=True)
def idle_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on an idle machine: whether the test machine is busy does not decide the forks."""
    monkeypatch.setattr(forkload, "cpu_idle", lambda cpus: True)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The pids of the children fork_split started."""
    started: list[int] = []
    real = forkload.fork_split

    def counted(*args: object, **kwargs: object) -> forkload.Split | None:
        split = real(*args, **kwargs)  # type: ignore[arg-type]
        if split is not None:
            started.append(split.pid)
        return split

    monkeypatch.setattr(loading, "fork_split", counted)
    yield started


@pytest.mark.parametrize("which", ["large", "large_with_errors"])
def test_forked_load_gives_the_serial_result(
    which: str, request: pytest.FixtureRequest, no_cache: None, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = request.getfixturevalue(which)
    forked = _result(root)
    assert len(forks) == 1
    _serial(monkeypatch)
    serial = _result(root)
    assert len(forks) == 1
    assert forked == serial
    codes = set(forked[3])  # type: ignore[call-overload]
    if which == "large_with_errors":
        assert {"BG101", "BG105", "BG107", "BG212", "BG213", "BG003", "BG113", "BG125", "BG126"} <= codes, codes
        assert {"BG106", "BG204"} & codes, codes


def test_forked_load_with_the_records_cache_on(
    large_with_errors: Path, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cold with the cache on: the child's results go into the cache as they came; the
    warm run that reads them agrees with one process."""
    monkeypatch.delenv("BRIEFGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cold = _result(large_with_errors)
    assert len(forks) == 1
    assert len(list((tmp_path / "cache").rglob("records/*.bin"))) >= 20
    warm = _result(large_with_errors)
    assert len(forks) == 1  # nothing left to parse: no child
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")
    _serial(monkeypatch)
    assert cold == warm == _result(large_with_errors)


@pytest.mark.parametrize("failure", ["raises", "killed", "short", "damaged", "leaves"])
def test_a_failing_child_leaves_the_work_to_the_parent(
    failure: str, large_with_errors: Path, no_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child fails after three files."""
    real_fork, real_write = forkload.fork_split, forkload._write_all
    frames = {"n": 0}

    def short_write(fd: int, data: bytes) -> None:  # in the child: the fourth frame cut short
        frames["n"] += 1
        if frames["n"] == 4:
            real_write(fd, data[: len(data) // 2])
            os._exit(0)
        real_write(fd, data)

    def failing(start: int, stop: int, work: Callable[[int], bytes]) -> forkload.Split | None:
        def broken_work(index: int) -> bytes:
            if index < start + 3 or failure == "short":
                return work(index)
            if failure == "raises":
                raise RuntimeError("boom")
            if failure == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            if failure == "damaged":
                return b"not marshal at all"
            return b""  # "leaves": the parent does it

        return real_fork(start, stop, broken_work)

    if failure == "short":
        monkeypatch.setattr(forkload, "_write_all", short_write)
    monkeypatch.setattr(loading, "fork_split", failing)
    forked = _result(large_with_errors)
    _serial(monkeypatch)
    assert forked == _result(large_with_errors)


def test_no_fork_for_a_small_project(tmp_path: Path, no_cache: None, forks: list[int]) -> None:
    root = generate(tmp_path / "small", claims=300, briefs=2)
    _result(root)
    assert forks == []


def test_no_fork_while_another_thread_runs(large: Path, no_cache: None, forks: list[int]) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forkload.can_fork()
        _result(large)
    finally:
        stop.set()
        thread.join()
    assert forks == []
    assert forkload.can_fork() == (len(os.sched_getaffinity(0)) >= 2)


def test_no_fork_while_every_cpu_is_busy(
    large: Path, no_cache: None, forks: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A second process would only take turns with the first: no fork."""
    monkeypatch.setattr(forkload, "cpu_idle", real_cpu_idle)
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("1.52 1.47 1.40 2/118 6064\n")  # this process and one other running
    assert not forkload.cpu_idle(2, str(loadavg)) and forkload.cpu_idle(3, str(loadavg))
    loadavg.write_text("0.02 0.10 0.30 1/118 6064\n")
    assert forkload.cpu_idle(2, str(loadavg))
    loadavg.write_text("unreadable\n")
    assert forkload.cpu_idle(2, str(loadavg))  # unknown: as without the check
    monkeypatch.setattr(forkload, "cpu_idle", lambda cpus: False)
    _result(large)
    assert forks == []


def test_no_fork_on_one_cpu(large: Path, no_cache: None, forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    _result(large)
    assert forks == []


def _cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra}
    return env


def test_cli_check_of_a_large_base_forks_once_and_reports_as_one_process(
    large_with_errors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command as a process, under the audit hook: one fork, the same problems in the
    same order as the check in one process."""
    log = tmp_path / "audit.json"
    idle = (
        "import runpy, sys; from briefgen.check import forkload; forkload.cpu_idle = lambda cpus: True; "
        f"sys.argv = sys.argv[1:]; runpy.run_path({str(REPO / 'tests' / 'audited.py')!r}, run_name='__main__')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", idle, "audited.py", str(log), "--", "check", "--format", "json"],
        cwd=large_with_errors,
        env=_cli_env(BRIEFGEN_NO_CACHE="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    events = [event for event, _ in json.loads(log.read_text())]
    assert events.count("os.fork") == 1
    monkeypatch.chdir(large_with_errors)
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")
    _serial(monkeypatch)
    from briefgen.build import check_project

    _, problems = check_project(Project(large_with_errors.resolve()))
    reported = [(p["file"], p["line"], p["col"], p["code"], p["message"]) for p in json.loads(proc.stdout)]
    assert reported == [(p.pos.file, p.pos.line, p.pos.col, p.code, p.message) for p in problems]


#: ``python -m briefgen`` as on an idle machine (see the idle_cpu fixture).
_IDLE_CLI = (
    "import sys; from briefgen.check import forkload; forkload.cpu_idle = lambda cpus: True; "
    "from briefgen.commands.main import run; raise SystemExit(run())"
)


def test_ctrl_c_during_the_forked_load(large: Path, tmp_path: Path) -> None:
    """Ctrl-C reaches both processes: exit 130, no traceback from either, none left running,
    and a build's earlier outputs stay as they were."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "brief-000.html").write_text("earlier")
    proc = subprocess.Popen(
        [sys.executable, "-c", _IDLE_CLI, "build", "--format", "html", "--out", str(out)],
        cwd=large,
        env=_cli_env(BRIEFGEN_NO_CACHE="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(session_pids(proc.pid)) < 2:  # the child is working
        assert proc.poll() is None and time.monotonic() < deadline, "no child was forked"
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert [p.name for p in out.iterdir()] == ["brief-000.html"]
    assert (out / "brief-000.html").read_text() == "earlier"
    deadline = time.monotonic() + 10
    while session_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session_pids(proc.pid) == []


def test_a_killed_check_leaves_no_child_parsing_on(tmp_path: Path) -> None:
    """SIGTERM (or SIGKILL) to the check alone: the kernel ends its child at once
    (PR_SET_PDEATHSIG), rather than letting it parse on until its next write fails. The
    child's share here is one 7 MB file: seconds of parsing with no write between."""
    root = tmp_path / "p"
    (root / "content" / "claims").mkdir(parents=True)
    record = "- id: c-{n}\n  kind: gap\n  statement: A gap that stays open for a long while.\n\n"
    big = "".join(record.format(n=n) for n in range(95_000))
    (root / "content" / "claims" / "zz-big.yaml").write_text(big, encoding="utf-8")
    small = "".join(record.format(n=f"s{n}") for n in range(14_000))
    (root / "content" / "claims" / "aa-small.yaml").write_text(small, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", _IDLE_CLI, "check"],
        cwd=root,
        env=_cli_env(BRIEFGEN_NO_CACHE="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(session_pids(proc.pid)) < 2:  # the child is working
        assert proc.poll() is None and time.monotonic() < deadline, "no child was forked"
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 0.3  # a child left to itself parses on for about a second
    while session_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session_pids(proc.pid) == []
