"""Faults while building: an unwritable folder, a full disk, no fonts, a missing template,
Ctrl-C, kill -9. Each through a real process; each asserts the message, the exit code, and
that the previous outputs are byte for byte as they were, with nothing half-written.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest

from bench.synth import dense_brief
from tests import htmlread
from tests.conftest import MINI, REPO, run_cli, session_pids

MINI_OUTPUTS = ("harbour.html", "harbour.pdf", "harbour-summary.html", "harbour-summary.pdf")
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


# -- helpers -------------------------------------------------------------------------------


def put_previous(out: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """Stand-ins for the outputs of an earlier build (distinct bytes per file)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        (out / name).write_bytes(f"previous {name}\n".encode() * 200)
    return folder_state(out)


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file in the folder, hidden ones included, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def parts_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small RAM disk of our own at ``path`` (root only), unmounted afterwards."""
    if not _mount_tmpfs(path, size):
        pytest.skip("needs root with permission to mount a tmpfs")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def start_build(*args: str, cwd: Path, code: str | None = None) -> subprocess.Popen[str]:
    """A build as its own process group (like a command typed in a terminal)."""
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "briefgen", *args]
    return subprocess.Popen(
        command, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_until_laying_out(proc: subprocess.Popen[str], timeout: float = 180) -> None:
    """Wait until some process of the build has loaded Pango (WeasyPrint is laying out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the build ended before the layout: {proc.communicate()}"
        for pid in session_pids(proc.pid):
            with contextlib.suppress(OSError):
                if "libpango" in Path(f"/proc/{pid}/maps").read_text():
                    time.sleep(0.8)  # well into the layout
                    assert proc.poll() is None, "the build ended before it could be interrupted"
                    return
        time.sleep(0.05)
    raise AssertionError("the build never started laying out a PDF")


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with two long, note-dense briefs: laying them out takes many seconds."""
    root = dense_brief(tmp_path_factory.mktemp("dense") / "project", seed=1)
    first = root / "content" / "briefs" / "brief-000.yaml"
    (first.parent / "brief-001.yaml").write_text(first.read_text().replace("id: brief-000", "id: brief-001", 1))
    return root


DENSE_OUTPUTS = ("brief-000.html", "brief-000.pdf", "brief-001.html", "brief-001.pdf")


# -- the output folder ---------------------------------------------------------------------


@contextlib.contextmanager
def read_only_folder(path: Path, names: tuple[str, ...]) -> Iterator[dict[str, bytes]]:
    """A folder holding earlier outputs that this user cannot write to."""
    if os.geteuid() != 0:
        before = put_previous(path, names)
        path.chmod(0o555)
        try:
            yield before
        finally:
            path.chmod(0o755)
        return
    with tmpfs(path, "1m"):  # root ignores permissions: use a read-only mount instead
        before = put_previous(path, names)
        subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield before


def test_unwritable_output_folder(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with read_only_folder(out, MINI_OUTPUTS) as before:
        proc = run_cli("build", "--out", str(out), "--project", str(mini), cwd=mini)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert f"{out}: error[BG401]: cannot write here" in proc.stderr
        assert "hint: choose another folder with --out, or fix the folder's permissions" in proc.stderr
        assert folder_state(out) == before


def test_a_failed_build_ends_with_what_it_did_not_do(mini: Path) -> None:
    """The last line of a failed build counts its problems and says nothing was written,
    as check's last line does; the earlier outputs are there, byte for byte."""
    before = put_previous(mini / "output", MINI_OUTPUTS)
    claims = mini / "content" / "claims.yaml"
    claims.write_text(claims.read_text().replace("kind: fact", "kind: factt", 1))
    proc = run_cli("build", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "error[BG105]" in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "briefgen build: 1 error, 0 warnings; nothing written, output/ unchanged"
    assert folder_state(mini / "output") == before


def test_init_into_a_folder_it_cannot_write_names_no_option_it_lacks(tmp_path: Path) -> None:
    """The write layer's hint is the command's own: init has no --out (build has)."""
    folder = tmp_path / "locked"
    with read_only_folder(folder, ()) as before:
        proc = run_cli("init", str(folder / "new"), cwd=tmp_path)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert "error[BG401]: cannot write here" in proc.stderr
        assert "hint: choose another folder, or fix the folder's permissions" in proc.stderr
        assert "--out" not in proc.stderr
        assert folder_state(folder) == before


def test_output_path_that_is_a_file(mini: Path, tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("keep me\n")
    proc = run_cli("build", "--format", "html", "--out", str(target), "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error[BG401]: cannot write here: a file stands where a folder goes" in proc.stderr
    assert "names a file, not a folder" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "briefgen build: 1 error, 0 warnings; nothing written"
    assert target.read_text() == "keep me\n"


def test_an_output_folder_that_cannot_be_created(mini: Path) -> None:
    """/proc takes no new folders: the folder is named, the failure said in words, and the
    build ends with its summary line."""
    proc = run_cli("build", "--format", "html", "--out", "/proc/briefgen-out", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "/proc/briefgen-out: error[BG403]: cannot create the output folder: " in proc.stderr
    assert "check the path" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "briefgen build: 1 error, 0 warnings; nothing written"


def test_a_really_full_disk(mini: Path, tmp_path: Path) -> None:
    """A 1 MiB RAM disk filled up: the write fails with ENOSPC from the kernel."""
    with tmpfs(tmp_path / "disk", "1m") as disk:
        out = disk / "out"
        before = put_previous(out, MINI_OUTPUTS)
        filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(filler, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(filler)
        proc = run_cli("build", "--out", str(out), "--project", str(mini), cwd=mini)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert "error[BG402]: the disk is full" in proc.stderr
        assert "hint: free some space and build again; earlier outputs are intact" in proc.stderr
        assert folder_state(out) == before and parts_in(out) == []


#: Runs the CLI with a disk that fills up halfway through writing the first PDF.
FULL_DISK = textwrap.dedent(
    """
    import errno, os, sys
    real_write = os.write
    def write(fd, data):
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        if name.endswith(".part") and ".pdf." in name:
            if not getattr(write, "half", False):
                write.half = True
                return real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)
    os.write = write
    from briefgen.commands.main import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_disk_full_in_the_middle_of_a_pdf(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, MINI_OUTPUTS)
    proc = start_build("build", "--out", str(out), "--project", str(mini), cwd=mini, code=FULL_DISK)
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in stderr
    assert "harbour-summary.pdf: error[BG402]: the disk is full" in stderr
    assert folder_state(out) == before and parts_in(out) == []


# -- fonts and templates ---------------------------------------------------------------------


@pytest.fixture
def no_fonts(tmp_path: Path) -> dict[str, str]:
    """An environment whose fontconfig knows no font folder at all."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n"
    )
    return {"FONTCONFIG_FILE": str(conf)}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_no_fonts_is_a_clear_error_not_a_crash(jobs: str, mini: Path, tmp_path: Path, no_fonts: dict[str, str]) -> None:
    """Without this check WeasyPrint 70 dies in Pango with a segmentation fault. The shipped
    fonts need no system font, so the project here names none of its own: its
    templates/fonts.css loads nothing."""
    (mini / "templates").mkdir(exist_ok=True)
    (mini / "templates" / "fonts.css").write_text(":root { --serif: serif; --sans: sans-serif; }\n")
    out = tmp_path / "out"
    before = put_previous(out, MINI_OUTPUTS)
    proc = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "-j", jobs, "--out", str(out), "--project", str(mini)],
        cwd=mini,
        env={**ENV, **no_fonts},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr)  # not -11 (SIGSEGV)
    assert "Traceback" not in proc.stderr and "Expect ugly output" not in proc.stderr
    conf = no_fonts["FONTCONFIG_FILE"]
    assert f"fontconfig: error[BG407]: no fonts found: fontconfig lists none (FONTCONFIG_FILE={conf})" in proc.stderr
    assert "hint: install a font" in proc.stderr and "build --format html still works" in proc.stderr
    assert folder_state(out) == before
    html_only = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--format", "html", "--out", str(out), "--project", str(mini)],
        cwd=mini,
        env={**ENV, **no_fonts},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert html_only.returncode == 0, html_only.stderr
    assert (out / "harbour.pdf").read_bytes() == before["harbour.pdf"]
    assert "Harbour" in (out / "harbour.html").read_text()


def test_missing_template_named_by_a_brief(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, MINI_OUTPUTS)
    brief = mini / "content" / "briefs" / "harbour.yaml"
    text = brief.read_text().replace("template: brief", "template: memo")
    brief.write_text(text)
    proc = run_cli("build", "--out", str(out), "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = text[: text.index("template: memo")].count("\n") + 1
    assert f"content/briefs/harbour.yaml:{line}:11: error[BG301]: brief 'harbour': no template 'memo'" in proc.stderr
    assert folder_state(out) == before


def test_template_including_a_missing_file(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, MINI_OUTPUTS)
    (mini / "templates").mkdir()
    (mini / "templates" / "brief.html.j2").write_text('{% include "partials/nowhere.html.j2" %}\n')
    proc = run_cli("build", "--out", str(out), "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error[BG301]: template 'partials/nowhere.html.j2' not found" in proc.stderr
    assert folder_state(out) == before


# -- Ctrl-C and kill -9 ------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_while_laying_out_the_pdf(jobs: str, dense: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, DENSE_OUTPUTS)
    proc = start_build("build", "-j", jobs, "--force", "--out", str(out), "--project", str(dense), cwd=dense)
    wait_until_laying_out(proc)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "briefgen: interrupted; earlier outputs are left as they were" in stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert folder_state(out) == before and parts_in(out) == []
    deadline = time.monotonic() + 30
    while session_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_pids(proc.pid) == [], "worker processes outlived the interrupted build"


def test_kill_9_while_laying_out_the_pdf(dense: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, DENSE_OUTPUTS)
    proc = start_build("build", "--force", "--out", str(out), "--project", str(dense), cwd=dense)
    wait_until_laying_out(proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert folder_state(out) == before and parts_in(out) == []


#: Runs the CLI on a disk so slow that a PDF's fsync takes minutes: time to kill it mid-write.
SLOW_DISK = textwrap.dedent(
    """
    import os, sys, time
    real_fsync = os.fsync
    def fsync(fd):
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        if name.endswith(".part") and ".pdf." in name:
            print("writing " + name, flush=True)
            time.sleep(600)
        real_fsync(fd)
    os.fsync = fsync
    from briefgen.commands.main import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_kill_9_in_the_middle_of_writing_a_pdf(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = put_previous(out, MINI_OUTPUTS)
    proc = start_build("build", "--out", str(out), "--project", str(mini), cwd=mini, code=SLOW_DISK)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the PDF's bytes are in its temporary file
    assert line.startswith("writing .harbour-summary.pdf."), (line, proc.poll())
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # Every final file is exactly the previous one; the killed writer's temporary files remain.
    assert {k: v for k, v in folder_state(out).items() if not k.endswith(".part")} == before
    leftovers = parts_in(out)
    assert len(leftovers) == 2 and all(
        n.startswith((".harbour-summary.html.", ".harbour-summary.pdf.")) for n in leftovers
    )
    # The next build removes them (they are ours, unlocked and stale) and writes whole files.
    (out / "notes.txt.part").write_text("not ours")
    time.sleep(2.1)
    proc2 = run_cli("build", "--out", str(out), "--project", str(mini), cwd=mini)
    assert proc2.returncode == 0, proc2.stderr
    assert parts_in(out) == ["notes.txt.part"]
    assert len(pypdf.PdfReader(out / "harbour-summary.pdf").pages) == 1
    assert htmlread.parse((out / "harbour.html").read_text()).get("lang") == "en"


# -- stale temporary files are cleaned carefully --------------------------------------------


def test_only_our_stale_unlocked_temporary_files_are_removed(tmp_path: Path) -> None:
    from briefgen.write import clean_stale_parts

    old = time.time() - 60

    def part(name: str, *, age: float = old) -> Path:
        path = tmp_path / name
        path.write_text("half a file")
        os.utime(path, (age, age))
        return path

    stale = part(".brief-1.pdf.ab12cd_9.part")
    stale_html = part(".x.html.zzzzzzzz.part")
    fresh = part(".brief-1.pdf.freshone.part", age=time.time())
    locked = part(".brief-1.html.lockedxx.part")
    others = [
        part(".notes.txt.abcdefgh.part"),  # not an output name
        part(".Brief.pdf.abcdefgh.part"),  # not a brief id
        part(".brief.pdf.short.part"),  # not mkstemp's eight characters
        part("brief.pdf"),
        part(".brief.pdf.abcdefgh.part.bak"),
    ]
    (tmp_path / ".dir.pdf.abcdefgh.part").mkdir()
    outside = part("outside.txt")
    (tmp_path / ".link.pdf.abcdefgh.part").symlink_to(outside)
    os.utime(tmp_path / ".link.pdf.abcdefgh.part", (old, old), follow_symlinks=False)
    holder = os.open(locked, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # a live writer holds its temporary file's lock
        removed = clean_stale_parts(tmp_path)
    finally:
        os.close(holder)
    assert sorted(removed) == sorted([stale, stale_html])
    assert not stale.exists() and not stale_html.exists()
    assert fresh.exists() and locked.exists() and outside.exists()
    assert all(p.exists() for p in others)
    assert (tmp_path / ".dir.pdf.abcdefgh.part").is_dir() and (tmp_path / ".link.pdf.abcdefgh.part").is_symlink()


def test_all_outputs_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while writing the third file leaves the first two as they were too."""
    from briefgen import write
    from briefgen.errors import BriefgenError

    out = tmp_path / "out"
    before = put_previous(out, ("a.html", "a.pdf", "b.html"))
    real_write: Callable[[int, bytes], int] = os.write
    calls = []

    def failing_write(fd: int, data: bytes) -> int:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.EIO, "Input/output error")
        return real_write(fd, data)

    monkeypatch.setattr(write.os, "write", failing_write)
    with pytest.raises(BriefgenError) as caught:
        write.write_all_atomic({out / "a.html": b"new a", out / "a.pdf": b"new a pdf", out / "b.html": b"new b"})
    monkeypatch.undo()
    assert [p.code for p in caught.value.problems] == ["BG403"]
    assert "b.html" in str(caught.value.problems[0].pos)
    assert folder_state(out) == before and parts_in(out) == []


def test_mini_outputs_are_what_the_fixtures_expect() -> None:
    """Guards the names above against a change of the MINI project."""
    ids = {text.split("id: ", 1)[1].split("\n", 1)[0] for name, text in MINI.items() if "/briefs/" in name}
    assert {f"{i}.{ext}" for i in ids for ext in ("html", "pdf")} == set(MINI_OUTPUTS)
