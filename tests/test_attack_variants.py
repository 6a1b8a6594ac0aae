"""Variants of #13's attack classes that a second round of attacks found open: link loops,
frames named as brief templates, quadratic walks over withdrawn claims and prose
references, a trickling client, odd request framing, too many connections, and cache
entries that are pipes or devices. Each through a real process where a user would meet it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefgen.cachedir import read_entry, write_entry
from briefgen.facts import graph as graph_module
from briefgen.facts import load as load_module
from briefgen.facts.graph import FileTexts, brief_uses
from briefgen.facts.load import find_in_file
from briefgen.facts.project import Project
from briefgen.render.templatecheck import PACKAGED_FRAMES
from tests.conftest import REPO, run_cli, write_project
from tests.test_preview_security import Preview, Running, _start, running  # noqa: F401


def _cli(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "briefgen", *args],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


# -- link loops -----------------------------------------------------------------------------


@pytest.mark.parametrize("links", [{"self.txt": "self.txt"}, {"a.txt": "b.txt", "b.txt": "a.txt"}])
def test_an_archive_that_is_a_link_loop_is_bg113_at_the_archive_line(mini: Path, links: dict[str, str]) -> None:
    archive = mini / "content" / "archive"
    for name, target in links.items():
        (archive / name).symlink_to(target)
    sources = mini / "content" / "sources.yaml"
    first = next(iter(links))
    sources.write_text(sources.read_text().replace("archive/harbour.txt", f"archive/{first}"), encoding="utf-8")
    line = _line_of(sources, f"archive/{first}")
    for args in (["check"], ["build", "--format", "html"], ["impact", "harbour-report"]):
        proc = _cli(mini, *args)
        if args[0] != "impact":
            assert proc.returncode == 1
            assert f"content/sources.yaml:{line}:" in proc.stdout + proc.stderr
            assert "error[BG113]" in proc.stdout + proc.stderr and "loop of symbolic links" in proc.stdout + proc.stderr


def test_folders_given_as_link_loops_are_usage_errors(mini: Path) -> None:
    (mini / "out").symlink_to("out")
    proc = _cli(mini, "build", "--format", "html", "--out", "out")
    assert proc.returncode == 2 and "--out out: a loop of symbolic links" in proc.stderr
    (mini / "loop").symlink_to("loop")
    proc = _cli(mini, "check", "--project", "loop")
    assert proc.returncode == 2 and "--project loop: a loop of symbolic links" in proc.stderr
    (mini / "content" / "claims-loop.yaml").symlink_to("claims-loop.yaml")
    proc = _cli(mini, "new", "claim", "c-new", "--file", "content/claims-loop.yaml")
    assert proc.returncode == 2 and "error[BG000]" in proc.stderr and "loop of symbolic links" in proc.stderr


def test_an_assets_folder_that_is_a_link_loop_is_bg121(mini: Path) -> None:
    (mini / "content" / "assets").symlink_to("assets")
    proc = _cli(mini, "check")
    assert proc.returncode == 1
    assert "content/assets: error[BG121]: content/assets/ cannot be followed (a loop of symbolic links)" in proc.stdout


# -- frames and pieces are not brief templates --------------------------------------------------


def _template(root: Path, name: str) -> None:
    brief = root / "content" / "briefs" / "harbour.yaml"
    text = brief.read_text(encoding="utf-8")
    brief.write_text(text.replace("template: brief", f"template: {name}"), encoding="utf-8")


def test_the_page_frame_is_not_a_brief_template(mini: Path) -> None:
    _template(mini, "layout")
    proc = _cli(mini, "check")
    line = _line_of(mini / "content" / "briefs" / "harbour.yaml", "template: layout")
    assert proc.returncode == 1
    assert f"content/briefs/harbour.yaml:{line}:11: error[BG301]: brief 'harbour': 'layout' is a frame" in proc.stdout
    before = list((mini / "output").glob("*")) if (mini / "output").exists() else []
    assert _cli(mini, "build").returncode == 1
    assert (list((mini / "output").glob("*")) if (mini / "output").exists() else []) == before  # nothing built


@pytest.mark.parametrize(("name", "refused"), [("frame", True), ("piece", True), ("mine", False), ("summary", False)])
def test_a_projects_own_frames_and_pieces_are_not_brief_templates(mini: Path, name: str, refused: bool) -> None:
    write_project(
        mini,
        {
            "templates/frame.html.j2": "<html>{% block body %}{% endblock %}</html>\n",
            "templates/piece.html.j2": "<p>a piece</p>\n",
            "templates/mine.html.j2": '{% extends "frame.html.j2" %}{% block body %}{% include "piece.html.j2" %}'
            "{{ brief.title }}{% endblock %}\n",
        },
    )
    _template(mini, name)
    proc = _cli(mini, "check")
    assert ("error[BG301]" in proc.stdout) is refused, proc.stdout
    assert proc.returncode == (1 if refused else 0)


def test_the_packaged_frames_are_what_packaged_templates_extend_without_extending() -> None:
    from jinja2 import Environment, nodes

    env, extended, extending = Environment(), set(), set()
    for path in (REPO / "templates").glob("*.html.j2"):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for node in tree.find_all(nodes.Extends):
            extended.add(node.template.value)  # type: ignore[attr-defined]
            extending.add(path.name)
    assert extended - extending == PACKAGED_FRAMES


# -- walks that stay linear --------------------------------------------------------------------


class _CountingText(str):
    """A file's joined text that counts the characters ``find`` passes over."""

    scanned = 0

    def find(self, sub: str, start: int | None = None, end: int | None = None) -> int:  # type: ignore[override]
        begin = start or 0
        found = super().find(sub, begin) if end is None else super().find(sub, begin, end)
        _CountingText.scanned += (found if found >= 0 else len(self)) - begin
        return found


@pytest.mark.parametrize("body", ["@port-authority " * 4000, " ".join(["[[ore-trucked]] [@road-slow]"] * 2000)])
def test_prose_references_are_placed_in_linear_time(mini: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    brief = mini / "content" / "briefs" / "harbour.yaml"
    text = brief.read_text(encoding="utf-8").replace("body: Who is who.", "body: " + json.dumps(body))
    brief.write_text(text, encoding="utf-8")
    original = load_module._FileIndex.__init__

    def counting(self: load_module._FileIndex, lines: list[str]) -> None:
        original(self, lines)
        self.text = _CountingText(self.text)

    monkeypatch.setattr(load_module._FileIndex, "__init__", counting)
    monkeypatch.setattr(_CountingText, "scanned", 0)
    from briefgen.build import check_project

    base, problems = check_project(Project(mini))
    assert not [p for p in problems if p.severity == "error"]
    uses = brief_uses(base.briefs["harbour"], FileTexts())
    assert len(uses) > 4000
    # Each occurrence found by resuming after the last: the file's text is passed over a
    # few times in all, not once per reference (which was 4,000 x 100 KB).
    assert _CountingText.scanned < 10 * len(text)
    # and every position is right: the nth use of a token is at its nth occurrence
    lines = text.splitlines()
    for use in uses[-5:]:
        at = lines[use.pos.line - 1][use.pos.col - 1 :]
        assert at.startswith(("@port-authority", "[[ore-trucked", "[@road-slow"))


def test_find_in_file_resumes_and_still_answers_out_of_order() -> None:
    lines = ["body: |", "  a @x b @x", "  @x c"]
    pos = load_module.Pos("f.yaml", 2, 3)
    assert [find_in_file(lines, pos, "@x", n) for n in (0, 1, 2)] == [
        load_module.Pos("f.yaml", 2, 5),
        load_module.Pos("f.yaml", 2, 10),
        load_module.Pos("f.yaml", 3, 3),
    ]
    assert find_in_file(lines, pos, "@x", 0) == load_module.Pos("f.yaml", 2, 5)  # asked again: from the start
    assert find_in_file(lines, pos, "@x", 3) == pos  # no fourth: the value's own position


def _withdrawn_chain(root: Path, n: int) -> None:
    claims = "".join(
        f"- id: w{i}\n  kind: judgment\n  statement: It is unlikely that {i}.\n  likelihood: unlikely\n"
        f"  confidence: low\n  status: deprecated\n  supports: [{f'w{i + 1}' if i + 1 < n else 'road-slow'}]\n"
        for i in range(n)
    )
    path = root / "content" / "claims.yaml"
    path.write_text(path.read_text(encoding="utf-8") + claims, encoding="utf-8")
    brief = root / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("key_judgments: [j-road-late]", "key_judgments: [j-road-late, w0]"))


def test_a_long_chain_of_withdrawn_judgments_is_checked_in_linear_time(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 1500
    _withdrawn_chain(mini, n)
    calls = {"supporters": 0, "visited": 0}
    real_supporters, real_impact = graph_module.supporters, graph_module.impact_of

    def supporters(base):  # type: ignore[no-untyped-def]
        calls["supporters"] += 1
        return real_supporters(base)

    def impact_of(*args, **kwargs):  # type: ignore[no-untyped-def]
        impact = real_impact(*args, **kwargs)
        calls["visited"] += len(impact.judgments)
        return impact

    from briefgen.check import standards

    monkeypatch.setattr(standards, "supporters", supporters)
    monkeypatch.setattr(standards, "impact_of", impact_of)
    from briefgen.build import check_project

    _, problems = check_project(Project(mini))
    assert calls["supporters"] == 1  # once, not once per withdrawn claim
    assert calls["visited"] <= 3 * n  # each walk stops at the next withdrawn judgment
    bg211 = [p for p in problems if p.code == "BG211" and "key judgments" in p.message]
    # The brief is told of w0 itself and of w1 behind it; not 1,500 times over.
    assert [p.message.split("claim ")[1].split(" ")[0] for p in bg211] == ["'w0'", "'w1'"]
    proc = _cli(mini, "impact", "w1400")  # impact still walks the whole way up
    assert proc.returncode == 0 and "w0" in proc.stdout and "..." in proc.stdout


# -- the preview's requests ---------------------------------------------------------------------


def test_a_trickling_request_is_cut_at_the_deadline(example_copy: Path) -> None:
    """A byte every two seconds keeps each read inside its time-out; the whole request
    line and headers still get only REQUEST_TIMEOUT (10 s)."""
    with _start(example_copy) as preview:
        sock = socket.create_connection(("127.0.0.1", preview.port), timeout=30)
        sock.sendall(b"GET / HTTP/1.1\r\n")
        started, closed = time.monotonic(), None
        while time.monotonic() - started < 25:
            try:
                sock.sendall(b"X")
                sock.settimeout(2)
                if sock.recv(100) == b"":
                    closed = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = time.monotonic() - started
                break
        sock.close()
        assert closed is not None and 9 < closed < 15, closed
        assert preview.request("/")[0] == 200
        assert "Traceback" not in preview.stderr()


def test_requests_no_browser_sends_are_refused(example_copy: Path) -> None:
    with _start(example_copy) as preview:
        host = preview.host().encode()
        twice = preview.raw(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nHost: evil.example\r\n\r\n")
        assert twice.startswith(b"HTTP/1.1 400") and b"Briefs" not in twice
        old = preview.raw(b"GET /\r\n\r\n")
        assert old.startswith(b"HTTP/1.1 400") and b"HTTP/0.9 requests are not served" in old
        assert b"<html" not in old.lower()
        assert preview.request("/", headers={"Host": preview.host()})[0] == 200
        with socket.create_connection(("127.0.0.1", preview.port), timeout=10) as sock:
            sock.sendall(b"GET /_preview/events HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
            head = sock.recv(4096)
        assert b"Content-Security-Policy: default-src 'none'" in head  # the event stream too


def test_connections_beyond_the_limit_are_closed_at_once(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from briefgen.preview import server as server_module

    monkeypatch.setattr(running.server, "_slots", server_module.threading.BoundedSemaphore(3))
    host, port = running.server.server_address[:2]
    held = [socket.create_connection((host, port), timeout=10) for _ in range(3)]
    for sock in held:
        sock.sendall(b"GET / HTTP/1.1\r\n")  # half-sent: each holds a slot
    time.sleep(0.3)
    extra = socket.create_connection((host, port), timeout=5)
    extra.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert extra.recv(100) == b""  # closed without an answer
    extra.close()
    for sock in held:
        sock.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the slots come back as the held connections end
        try:
            status, _ = running.get("/")
            break
        except (ConnectionError, OSError):
            time.sleep(0.1)
    assert status == 200


def test_the_preview_log_prints_a_problem_and_its_hint_on_two_lines(example_copy: Path) -> None:
    (example_copy / "content" / "claims" / "broken.yaml").write_text("- id: [\n", encoding="utf-8")
    with _start(example_copy) as preview:
        deadline = time.monotonic() + 15
        while "hint:" not in preview.stderr() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = preview.stderr()
        assert "\n    hint: " in log and "\\n    hint" not in log


# -- the cache ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_cache_entry_that_is_a_pipe_or_a_device_is_passed_over(mini: Path, tmp_path: Path, kind: str) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = _cli(mini, "check", "--format", "json", env=env)
    entries = sorted((tmp_path / "cache").rglob("*.bin"))
    assert entries
    for entry in entries:
        entry.unlink()
        if kind == "fifo":
            os.mkfifo(entry)
        else:
            entry.symlink_to("/dev/zero")
    again = _cli(mini, "check", "--format", "json", env=env)  # no hang (the timeout), no memory blow-up
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert entries[0].is_file() and not entries[0].is_symlink()  # the check wrote a good entry over it
    assert read_entry(entries[0]) is not None


def test_a_cache_entry_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "entry.bin"
    write_entry(path, b"payload")
    assert read_entry(path) == b"payload"
    path.write_bytes(path.read_bytes()[:-1])
    assert read_entry(path) is None


def test_run_cli_is_the_conftest_helper() -> None:
    assert run_cli("--version").returncode == 0


# -- the preview watches every input ------------------------------------------------------------


def test_the_watcher_takes_every_archive_format_and_font(tmp_path: Path) -> None:
    from briefgen.preview.watcher import relevant_filter

    content, templates = tmp_path / "content", tmp_path / "templates"
    relevant = relevant_filter([content, templates])
    for path in ("archive/page.html", "archive/page.htm", "archive/report.pdf", "archive/a.txt"):
        assert relevant(None, str(content / path)), path
    assert relevant(None, str(templates / "fonts" / "Mine.otf"))
    assert not relevant(None, str(content / "archive" / ".page.html.swp"))


def test_an_edited_web_page_archive_reaches_the_open_preview(mini: Path) -> None:
    page = (
        "<html><body><article><h1>The Harbour Report</h1>"
        "<p>Ore from the northern hills is trucked to the coast every week.</p>"
        "<p>According to the ministry, exports fell by half in 2025, the lowest in a decade.</p>"
        "<p>The port authority said the new road would take years to build.</p>"
        "<p>The ministry expects the harbour to reopen in the spring.</p></article></body></html>"
    )
    archive = mini / "content" / "archive" / "harbour.html"
    archive.write_text(page, encoding="utf-8")
    sources = mini / "content" / "sources.yaml"
    text = sources.read_text(encoding="utf-8").replace("archive/harbour.txt", "archive/harbour.html")
    dropped = ("archive_sha256", "archive_parts", "part:")  # a web page's own structure names its parts
    text = "\n".join(line for line in text.splitlines() if not any(word in line for word in dropped))
    sources.write_text(text + "\n", encoding="utf-8")
    with _start(mini) as preview:
        status, _, body = preview.request("/_preview/state", headers={"Host": preview.host()})
        assert status == 200 and json.loads(body)["errors"] == 0, body  # BG214 (no fingerprint) only warns
        archive.write_text(page.replace("exports fell by half in 2025", "exports rose in 2025"), encoding="utf-8")
        deadline = time.monotonic() + 15
        codes: list[str] = []
        while time.monotonic() < deadline and "BG112" not in codes:
            time.sleep(0.2)
            state = json.loads(preview.request("/_preview/state", headers={"Host": preview.host()})[2])
            codes = [p["code"] for p in state["problems"]]
        assert "BG112" in codes, "the edited archive no longer holds the quote: the open pages must say so"
