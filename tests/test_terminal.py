"""What reaches the terminal (issue #13): text from content and file names is printed with
every control, bidi override, zero-width character and undecodable byte as a visible escape
(words.printable); invisible characters inside content are a warning (BG213) at their
place; hidden and editor files under content/ are neither loaded nor watched
(project.ignored_reason).

The command line runs as a real process whose output is read as bytes, under a UTF-8
locale (where Python's stdout is strict: a file name that is not UTF-8 would raise
UnicodeEncodeError when printed raw).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefgen.build import check_project
from briefgen.errors import Pos, Problem
from briefgen.facts.project import Project, ignored_reason
from briefgen.preview.watcher import relevant_filter
from briefgen.words import is_hidden, printable, printable_json
from tests.conftest import MINI, REPO

#: Bytes that must never reach a terminal raw: ESC, the C1 CSI (alone, or inside the UTF-8
#: of U+009B), BEL, U+202E RIGHT-TO-LEFT OVERRIDE, and a byte of a name that is not UTF-8.
RAW = (b"\x1b", b"\x9b", b"\x07", "\u202e".encode(), b"\xff")
ESC_NAME = "\x1b]0;pwned\x07\x1b[31mred.yaml"
FORGED_NAME = "b\nforged.yaml:1:1: error[BG101]: forged.yaml"
BAD_BYTES_NAME = b"\xff\xfe.yaml"
BROKEN = "- id: broken-one\n  kind: nope\n"


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python -m briefgen ARGS`` as a process, output as bytes, under a strict UTF-8 locale."""
    full = {**os.environ, "PYTHONPATH": str(REPO), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", **(env or {})}
    full.pop("PYTHONIOENCODING", None)
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args], cwd=cwd, env=full, capture_output=True, timeout=300
    )


def assert_terminal_safe(out: bytes) -> str:
    """No raw control byte, no bidi override, valid UTF-8, and no forged problem line."""
    for raw in RAW:
        assert raw not in out, (raw, out)
    text = out.decode("utf-8")  # strict: would fail on a raw byte of a non-UTF-8 name
    assert not re.search(r"^forged\.yaml", text, re.MULTILINE), text
    assert "Traceback" not in text, text
    return text


def hostile_project(make_project: Callable[..., Path], valid: bool) -> Path:
    """MINI with claims in a folder, and claim files whose names hold an escape sequence,
    a newline that would forge a problem line, and bytes that are not UTF-8. ``valid``:
    the records there are good (the build succeeds), else each has a mistake."""
    claims = MINI["content/claims.yaml"]
    root = make_project({"content/claims.yaml": None, "content/claims/main.yaml": claims})
    folder = root / "content" / "claims"
    if valid:
        esc = (
            '- id: esc-claim\n  kind: assumption\n  statement: "Exports \\e]0;pwned\\a rose \u202eand fell."\n'
            "  about: [coast]\n"
        )
        odd = "- id: odd-claim\n  kind: assumption\n  statement: Trucks run.\n  about: [coast]\n"
    else:
        esc = (
            "- id: esc-claim\n  kind: fact\n  statement: Exports rose.\n  sources:\n"
            '    - ref: "\\e]0;pwned\\a\\e[2J"\n      locator: p. 1\n'
        )
        odd = BROKEN.replace("broken-one", "odd-claim")
    (folder / ESC_NAME).write_text(esc, encoding="utf-8")
    with open(os.fsencode(folder) + b"/" + BAD_BYTES_NAME, "wb") as fh:
        fh.write(odd.encode())
    if not valid:
        (folder / FORGED_NAME).write_text(BROKEN, encoding="utf-8")
    return root


# -- words.printable, the one rule -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b]0;t\x07b", "a\\x1b]0;t\\x07b"),
        ("x\x9b31m", "x\\x9b31m"),
        ("del\x7f", "del\\x7f"),
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("evil\u202etxt.yaml", "evil\\u202etxt.yaml"),
        ("\u2066iso\u2069 zw\u200bsp \ufeff\u00ad", "\\u2066iso\\u2069 zw\\u200bsp \\ufeff\\xad"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("bad \udcff name", "bad \\udcff name"),
        ("line\u2028sep", "line\\u2028sep"),
    ],
)
def test_printable_shows_hidden_characters_as_escapes(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable(shown) == shown  # already safe: applying it twice changes nothing


def test_printable_leaves_readable_text_alone() -> None:
    text = "Myanmar’s rare earths: Chipwe–Pangwa, 稀土, Ελλάδα, می‌خواهم (ZWNJ), 👩‍🔬 (ZWJ), a\\x1b literal"
    assert printable(text) == text
    assert not is_hidden("\u200c") and not is_hidden("\u200d") and is_hidden("\u200b")


def test_printable_json_is_exact_and_terminal_safe() -> None:
    value = {"file": "content/\udcff\x1b[31m.yaml", "message": "a\u202eb \U000e0001 é\n"}
    text = printable_json(value)
    assert json.loads(text) == value  # a program reading it gets the exact text back
    text.encode("utf-8")  # no lone surrogate left: always encodable
    assert "é" in text and not any(is_hidden(ch) for ch in text.replace("\n", ""))


def test_a_problem_prints_on_one_line_whatever_its_file_name_and_message() -> None:
    problem = Problem(Pos(FORGED_NAME, 2, 3), "BG103", "unknown source '\x1b]0;x\x07'", "hint \u202e\nnext")
    lines = problem.format().splitlines()
    assert len(lines) == 2 and lines[0].startswith("b\\nforged.yaml:1:1: error[BG101]: forged.yaml:2:3: error[BG103]")
    assert "\\x1b]0;x\\x07" in lines[0] and lines[1] == "    hint: hint \\u202e\\nnext"


# -- through the command line --------------------------------------------------------------------


def test_check_prints_hostile_names_and_values_escaped(make_project: Callable[..., Path], tmp_path: Path) -> None:
    root = hostile_project(make_project, valid=False)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}  # the records cache is used, and keyed by those names
    for _ in range(2):  # the second run reads the records cache
        result = cli("check", cwd=root, env=env)
        assert result.returncode == 1, result.stderr
        out = assert_terminal_safe(result.stdout)
        assert_terminal_safe(result.stderr)
        assert "content/claims/\\x1b]0;pwned\\x07\\x1b[31mred.yaml:5:12: error[BG103]: unknown source" in out
        assert "'\\x1b]0;pwned\\x07\\x1b[2J'" in out
        assert "content/claims/b\\nforged.yaml:1:1: error[BG101]: forged.yaml:2:9: error[BG105]" in out
        assert "content/claims/\\udcff\\udcfe.yaml:2:9: error[BG105]" in out


def test_check_json_keeps_the_exact_names_and_prints_safely(make_project: Callable[..., Path]) -> None:
    root = hostile_project(make_project, valid=False)
    result = cli("check", "--format", "json", cwd=root, env={"BRIEFGEN_NO_CACHE": "1"})
    assert result.returncode == 1, result.stderr
    problems = json.loads(assert_terminal_safe(result.stdout))
    files = {p["file"] for p in problems}
    folder = "content/claims/"
    assert {folder + ESC_NAME, folder + FORGED_NAME, folder + os.fsdecode(BAD_BYTES_NAME)} <= files
    # the name read back is the file on disk, byte for byte
    assert (root / os.fsdecode(os.fsencode(folder) + BAD_BYTES_NAME)).is_file()


def test_build_and_impact_print_safely(make_project: Callable[..., Path]) -> None:
    root = hostile_project(make_project, valid=True)
    out_dir = "out\x1b[2J\u202e"
    build = cli("build", "--format", "html", "--out", out_dir, cwd=root)
    assert build.returncode == 0, build.stderr
    err = assert_terminal_safe(build.stderr)
    assert "wrote out\\x1b[2J\\u202e/harbour.html" in err
    assert "red.yaml:3:23: warning[BG213]" in err  # the escaped \e in the statement
    assert (root / out_dir / "harbour.html").is_file()
    impact = cli("impact", "coast", cwd=root)
    assert impact.returncode == 0, impact.stderr
    text = assert_terminal_safe(impact.stdout)
    assert "content/claims/\\udcff\\udcfe.yaml:1:7: assumption 'odd-claim'" in text
    assert "red.yaml:1:7: assumption 'esc-claim'" in text


def test_usage_errors_print_the_arguments_escaped(mini: Path) -> None:
    result = cli("build", "\x1b]0;pwned\x07", cwd=mini)
    assert result.returncode == 2
    assert "no brief '\\x1b]0;pwned\\x07'" in assert_terminal_safe(result.stderr)
    stray = cli("check", "--strict", "x\x1b[2J", cwd=mini)
    assert stray.returncode == 2 and "x\\x1b[2J" in assert_terminal_safe(stray.stderr)


# -- BG213: invisible characters in content ----------------------------------------------------


HIDDEN_CLAIMS = MINI["content/claims.yaml"] + (
    "- id: hidden-chars\n"  # line 40
    "  kind: assumption\n"
    '  statement: "Exports \\u202erose\\e[2J and fell."\n'
    "  about: [coast]\n"
    "- id: blocky\n"
    "  kind: assumption\n"
    "  about: [coast]\n"
    "  statement: |\n"
    "    First line.\n"
    "    Second \u2066isolated\u2069 and zero\u200bwidth\u200b.\n"
    "- id: joined\n"
    "  kind: assumption\n"
    "  statement: می‌خواهم and 👩‍🔬 use joiners, which are spelling.\n"
    "  about: [coast]\n"
)


def test_bg213_at_each_invisible_character(make_project: Callable[..., Path]) -> None:
    assert MINI["content/claims.yaml"].count("\n") == 39
    root = make_project(
        {
            "content/claims.yaml": HIDDEN_CLAIMS.replace(
                "quote: exports fell by half in 2025", 'quote: "exports\\u2066 fell by half in 2025"'
            ),
            "content/places.yaml": MINI["content/places.yaml"].replace("name: Coast", "name: Co\u00adast"),
            "content/sources.yaml": MINI["content/sources.yaml"].replace(
                "    - literal: Ministry of Trade", '    - "Ministry\\x7f of Trade"'
            ),
        }
    )
    _base, problems = check_project(Project(root))
    found = {(p.pos.file.rsplit("/", 1)[-1], p.pos.line, p.pos.col, p.message) for p in problems if p.code == "BG213"}
    assert {p.severity for p in problems if p.code == "BG213"} == {"warning"}
    statement = "'statement' of claim 'hidden-chars' holds an invisible character"
    block = "'statement' of claim 'blocky' holds an invisible character"
    quote = "'quote' of an item of 'sources' of claim 'exports-fell' holds an invisible character"
    assert found == {
        ("claims.yaml", 19, 22, f"{quote}, U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("claims.yaml", 42, 23, f"{statement}, U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("claims.yaml", 42, 33, f"{statement}, U+001B ESCAPE"),
        ("claims.yaml", 49, 12, f"{block}, U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("claims.yaml", 49, 21, f"{block}, U+2069 POP DIRECTIONAL ISOLATE"),
        ("claims.yaml", 49, 31, f"{block}, U+200B ZERO WIDTH SPACE (2 times)"),
        ("places.yaml", 5, 11, "'name' of place 'coast' holds an invisible character, U+00AD SOFT HYPHEN"),
        (
            "sources.yaml",
            MINI["content/sources.yaml"].split("- literal: Ministry of Trade")[0].count("\n") + 1,
            16,
            "a name in 'author' of source 'ministry' holds an invisible character, U+007F DELETE",
        ),
    }, sorted(found)


def test_bg213_in_titles_and_keywords_is_a_warning(make_project: Callable[..., Path]) -> None:
    brief = MINI["content/briefs/harbour.yaml"]
    root = make_project(
        {
            "content/briefs/harbour.yaml": brief.replace(
                "title: Harbour <Trade> & Tin", 'title: "Harbour\\x1b[2J"'
            ).replace("keywords: [tin, harbour]", 'keywords: [tin, "har\\u200bbour"]'),
        }
    )
    result = cli("check", cwd=root)
    out = assert_terminal_safe(result.stdout)
    assert result.returncode == 0, out  # warnings only
    assert (
        "harbour.yaml:2:16: warning[BG213]: 'title' of brief 'harbour' holds an invisible character, U+001B ESCAPE"
        in out
    )
    assert "harbour.yaml:8:21: warning[BG213]: an item of 'keywords' of brief 'harbour'" in out
    assert "hint: delete it" in out
    assert cli("check", "--strict", cwd=root).returncode == 1


def test_the_example_content_has_no_invisible_characters() -> None:
    _base, problems = check_project(Project(REPO))
    assert [p for p in problems if p.code == "BG213"] == []


# -- hidden and editor files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [".x.yaml", ".#x.yaml", "x.yaml~", "#x.yaml#", ".x.yaml.swp", "x.swo", "x.tmp", "x.bak", "4913", "~$x.yaml"],
)
def test_hidden_and_editor_names_are_ignored(name: str) -> None:
    assert ignored_reason(name) is not None
    assert ignored_reason(f"claims/.old/{name}") is not None


@pytest.mark.parametrize("name", ["x.yaml", "kia.yaml", "x.y.yaml", "2025.yaml", "a#b.yaml", "..", "claims/x.yaml"])
def test_ordinary_names_are_used(name: str) -> None:
    assert ignored_reason(name) is None


def test_the_watcher_follows_the_same_rule(tmp_path: Path) -> None:
    content = tmp_path / "a" / ".projects" / "p" / "content"  # a hidden folder above the project is fine
    relevant = relevant_filter([content])
    assert relevant(None, str(content / "claims" / "kia.yaml"))
    for name in ("claims/.kia.yaml", "claims/.old/kia.yaml", "claims/kia.yaml~", "claims/#kia.yaml#", "assets/.x.png"):
        assert not relevant(None, str(content / name)), name


def test_hidden_and_editor_files_are_not_loaded(make_project: Callable[..., Path]) -> None:
    claims = MINI["content/claims.yaml"]
    root = make_project({"content/claims.yaml": None, "content/claims/main.yaml": claims})
    folder = root / "content" / "claims"
    for name in (".x.yaml", "x.yaml~", "#x.yaml#", ".x.yaml.swp"):
        (folder / name).write_text(BROKEN, encoding="utf-8")
    (folder / ".#main.yaml").symlink_to("someone@host.1234:1700000000")  # Emacs's lock: a dangling link
    result = cli("check", "--strict", cwd=root)
    assert result.returncode == 0, result.stdout
    assert b"broken-one" not in result.stdout and b"BG010" not in result.stdout


def test_a_hidden_archive_or_image_is_refused_saying_why(make_project: Callable[..., Path]) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    root = make_project(
        {
            "content/sources.yaml": MINI["content/sources.yaml"].replace(
                "archive: archive/harbour.txt", "archive: archive/.harbour.txt"
            ),
            "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
                "body: Who is who.", "body: Who is who. ![Map](assets/.map.png) ![Old](assets/map.png~)"
            ),
        }
    )
    (root / "content" / "archive" / "harbour.txt").rename(root / "content" / "archive" / ".harbour.txt")
    (root / "content" / "assets").mkdir()
    for name in (".map.png", "map.png~"):
        (root / "content" / "assets" / name).write_bytes(png)
    out = assert_terminal_safe(cli("check", cwd=root).stdout)
    assert (
        "sources.yaml:8:14: error[BG113]: archive of 'harbour-report' is not read: "
        "'.harbour.txt' is hidden (its name starts with '.')" in out
    )
    assert (
        "harbour.yaml:20:30: error[BG121]: brief 'harbour': image 'assets/.map.png' is not used: '.map.png' is hidden"
        in out
    )
    assert (
        "harbour.yaml:20:54: error[BG121]: brief 'harbour': image 'assets/map.png~' is not used: "
        "'map.png~' is an editor's backup" in out
    )


# -- the live preview --------------------------------------------------------------------------


class Preview:
    """`briefgen preview` as a process; its stderr collected as bytes."""

    def __init__(self, root: Path):
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "LC_ALL": "C.UTF-8"}
        env.pop("PYTHONIOENCODING", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "briefgen", "preview", "--project", str(root), "--port", "0"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.url = self.proc.stdout.readline().decode().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url
        self.log = bytearray()
        stderr = self.proc.stderr
        threading.Thread(target=lambda: [self.log.extend(b) for b in iter(stderr.readline, b"")], daemon=True).start()

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return bytes(response.read())

    def state(self) -> dict[str, object]:
        return dict(json.loads(self.get("_preview/state")))

    def wait_for(self, predicate: Callable[[dict[str, object]], bool], timeout: float = 15) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if predicate(state):
                return state
            time.sleep(0.05)
        raise AssertionError(f"preview state never matched; last: {state}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def preview_of() -> Iterator[Callable[[Path], Preview]]:
    started: list[Preview] = []

    def start(root: Path) -> Preview:
        started.append(Preview(root))
        return started[-1]

    yield start
    for preview in started:
        preview.stop()


def test_preview_provenance_and_log_show_odd_file_names_escaped(
    make_project: Callable[..., Path], preview_of: Callable[[Path], Preview]
) -> None:
    claims = MINI["content/claims.yaml"]
    root = make_project({"content/claims.yaml": None})
    folder = root / "content" / "claims"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/" + BAD_BYTES_NAME, "wb") as fh:
        fh.write(claims.encode())
    preview = preview_of(root)
    page = preview.get("harbour.html").decode("utf-8")
    # the provenance of a claim names its YAML file and line, escaped
    assert 'data-where="content/claims/\\udcff\\udcfe.yaml:1:3"' in page, re.findall(r'data-where="[^"]*"', page)
    # a broken save there: the log names the file escaped, and the preview keeps running
    with open(os.fsencode(folder) + b"/" + BAD_BYTES_NAME, "ab") as fh:
        fh.write(b'- id: esc-\x1b\n  kind: nope\n  statement: "\\e]0;pwned\\a"\n')
    state = preview.wait_for(lambda s: bool(s["problems"]))
    files = {p["file"] for p in state["problems"]}  # type: ignore[attr-defined, index]
    assert files == {"content/claims/" + os.fsdecode(BAD_BYTES_NAME)}
    deadline = time.monotonic() + 10
    while b"briefgen preview: " not in preview.log.split(b"serving", 1)[-1] and time.monotonic() < deadline:
        time.sleep(0.05)
    log = assert_terminal_safe(bytes(preview.log))
    assert "content/claims/\\udcff\\udcfe.yaml:" in log


def test_preview_neither_watches_nor_loads_hidden_files(
    make_project: Callable[..., Path], preview_of: Callable[[Path], Preview]
) -> None:
    claims = MINI["content/claims.yaml"]
    root = make_project({"content/claims.yaml": None, "content/claims/main.yaml": claims})
    folder = root / "content" / "claims"
    preview = preview_of(root)
    first = preview.state()
    assert first["problems"] == []
    (folder / ".x.yaml").write_text(BROKEN, encoding="utf-8")
    (folder / "main.yaml~").write_text(BROKEN, encoding="utf-8")
    time.sleep(1.0)  # the watcher gathers saves for at most 400 ms
    assert preview.state()["version"] == first["version"]  # not watched: no rebuild
    # a real save rebuilds, and the hidden file is still not loaded
    (folder / "main.yaml").write_text(
        claims.replace("every week.\n", "every week, in the test.\n", 1), encoding="utf-8"
    )
    state = preview.wait_for(lambda s: s["version"] != first["version"])
    assert state["problems"] == []
    assert "in the test" in preview.get("harbour.html").decode()
