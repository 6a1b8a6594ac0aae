"""The live preview under attack: a real `briefgen preview` process (``--port 0``) attacked
over loopback with http.client and raw sockets, and in headless Chromium for scripts.

The preview's origin holds every draft, so it must not serve files from elsewhere, run
script from content, answer for foreign host names (DNS rebinding) or hand its state to
other origins; and no request, however malformed, slow or cut off, may cost it a thread
for long, a traceback or the last good draft. The rebuild and watcher failures are tested
in-process, by making the real code raise.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.preview_latency import start_preview
from briefgen.errors import Pos, Problem
from briefgen.facts.project import Project
from briefgen.preview import rebuild as rebuild_module
from briefgen.preview import watcher as watcher_module
from briefgen.preview.rebuild import MAX_SHOWN, Previewer, Snapshot
from briefgen.preview.server import PreviewServer
from tests.conftest import REPO, run_cli, tiny_image

FULL = "myanmar-rare-earths"
PNG = tiny_image("PNG")
#: Each writes "pwned" into the origin's localStorage if it ever runs on the preview's origin.
SCRIPT = "localStorage.setItem('pwned', location.href)"
SVG = f'<svg xmlns="http://www.w3.org/2000/svg"><script>{SCRIPT}</script></svg>'
HTML = f"<!DOCTYPE html><html><body><script>{SCRIPT}</script></body></html>"


@dataclass
class Preview:
    """A running `briefgen preview` process and what it printed on stderr."""

    proc: subprocess.Popen[str]
    port: int
    root: Path
    log: list[str]

    def request(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, headers=headers or {})  # the raw path, as an attacker sends it
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), body

    def raw(self, data: bytes, timeout: float = 15) -> bytes:
        """Send bytes as they are and read until the server closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            out = b""
            while chunk := sock.recv(65536):
                out += chunk
            return out

    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stderr(self) -> str:
        time.sleep(0.3)  # let the reader thread catch up
        return "".join(self.log)


@contextlib.contextmanager
def _start(root: Path) -> Iterator[Preview]:
    proc, url = start_preview(root)
    assert proc.stderr is not None
    port = int(re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", url)[1])  # type: ignore[index]
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(iter(proc.stderr.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    try:
        yield Preview(proc, port, root, log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """The example project with hostile files in content/assets, previewed once for the module."""
    import shutil

    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("hostile") / "example"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    assets = root / "content" / "assets"
    assets.mkdir()
    (assets / "ok.png").write_bytes(PNG)
    (assets / "ok.gif").write_bytes(tiny_image("GIF"))
    (assets / "ok.jpg").write_bytes(tiny_image("JPEG"))
    (assets / "evil.svg").write_text(SVG)
    (assets / "evil.html").write_text(HTML)
    (assets / "evil.png").write_text(HTML)  # HTML under an image's name
    (assets / "polyglot.png").write_bytes(PNG + HTML.encode())  # an image's first bytes, then markup
    (assets / "notes.txt").write_text("plain text")
    (assets / "passwd.png").symlink_to("/etc/passwd")
    (assets / "sub").mkdir()
    with _start(root) as preview:
        yield preview


@pytest.fixture
def preview(example_copy: Path) -> Iterator[Preview]:
    with _start(example_copy) as running:
        yield running


# -- files: only images, only from content/assets/ -------------------------------------------


def test_an_assets_folder_linking_out_serves_nothing_and_check_reports_it(example_copy: Path) -> None:
    """`ln -s /etc content/assets`: GET /assets/passwd is not found, and check says why (BG121)."""
    (example_copy / "content" / "assets").symlink_to("/etc")
    proc = run_cli("check", "--format", "json", cwd=example_copy)
    assert proc.returncode == 1, proc.stderr
    hits = [p for p in json.loads(proc.stdout) if p["code"] == "BG121"]
    assert [h["file"] for h in hits] == ["content/assets"]
    assert "is a link to /etc, outside content/" in hits[0]["message"]
    with _start(example_copy) as preview:
        for path in ("/assets/passwd", "/assets/hostname", "/assets/os-release"):
            status, _, body = preview.request(path)
            assert status == 404 and b"root:" not in body, path
        assert "Traceback" not in preview.stderr()


@pytest.mark.parametrize(
    ("path", "media"),
    [("/assets/ok.png", "image/png"), ("/assets/ok.gif", "image/gif"), ("/assets/ok.jpg", "image/jpeg")],
)
def test_images_are_served_with_their_type_and_nosniff(hostile: Preview, path: str, media: str) -> None:
    status, headers, body = hostile.request(path)
    assert status == 200 and headers["Content-Type"] == media and headers["X-Content-Type-Options"] == "nosniff"
    assert body == (hostile.root / "content" / path[1:]).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/assets/evil.svg",
        "/assets/evil.html",
        "/assets/evil.png",
        "/assets/notes.txt",
        "/assets/passwd.png",
        "/assets/sub",
    ],
)
def test_anything_but_an_image_under_assets_is_not_found(hostile: Preview, path: str) -> None:
    """SVG and HTML would run script on the preview's origin; a link out would leak a file."""
    status, headers, body = hostile.request(path)
    assert status == 404, (path, headers)
    assert b"<script" not in body and b"root:" not in body and headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET /../content/sources.yaml",
        b"GET /assets/%2e%2e/%2e%2e/sources.yaml",
        b"GET /assets/%2E%2E%2F%2E%2E%2Fsources.yaml",
        b"GET /assets/..%5c..%5csources.yaml",
        b"GET /assets\\..\\sources.yaml",
        b"GET /assets/ok.png%00.html",
        b"GET /assets//ok.png",
        b"GET //etc/passwd",
        b"GET /assets/%2fetc%2fpasswd",
        b"GET /assets/%ff%fe",
        b"GET http://127.0.0.1/../../etc/passwd",
        b"GET http://evil.example/assets/ok.png",
        b"GET file:///etc/passwd",
        b"GET *",
        b"GET " + b"/assets/" + b"a" * 100_000,
    ],
)
def test_paths_that_could_leave_the_served_folders_answer_400_404_or_414(hostile: Preview, request_line: bytes) -> None:
    answer = hostile.raw(
        request_line + b" HTTP/1.1\r\nHost: " + hostile.host().encode() + b"\r\nConnection: close\r\n\r\n"
    )
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 404, 414), answer[:200]
    assert b"root:" not in answer and b"- id:" not in answer and b"\x89PNG" not in answer
    assert "Traceback" not in hostile.stderr()


# -- origins: host names, other sites, scripts ----------------------------------------------


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("{here}", 200),
        ("localhost:{port}", 200),
        ("LOCALHOST:{port}", 200),
        ("[::1]:{port}", 200),
        ("evil.example:{port}", 421),  # DNS rebinding: a foreign name resolving to 127.0.0.1
        ("evil.example", 421),
        ("127.0.0.1", 421),  # another port: another origin
        ("127.0.0.1:1", 421),
        ("localhost.evil.example:{port}", 421),
        ("127.0.0.1:{port}@evil.example", 421),
        ("", 421),
    ],
)
def test_only_the_bound_host_names_are_answered(hostile: Preview, host: str, status: int) -> None:
    header = host.format(here=hostile.host(), port=hostile.port)
    for path in ("/", f"/{FULL}.html", "/_preview/state", "/assets/ok.png"):
        got, _, body = hostile.request(path, headers={"Host": header})
        assert got == status, (header, path)
        if status == 421:
            assert b"answers only http://127.0.0.1:" in body and len(body) < 200


def test_a_request_without_a_host_header_is_refused(hostile: Preview) -> None:
    answer = hostile.raw(b"GET / HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 421 ") and b"<html" not in answer


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),
        ({"Origin": "http://{here}"}, 200),
        ({"Sec-Fetch-Site": "same-origin"}, 200),
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": "http://127.0.0.1:1"}, 403),  # another local server: same site, other origin
        ({"Origin": "null"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
    ],
)
def test_state_and_events_answer_only_their_own_origin(hostile: Preview, headers: dict[str, str], status: int) -> None:
    headers = {k: v.format(here=hostile.host()) for k, v in headers.items()}
    got, _, body = hostile.request("/_preview/state", headers=headers)
    assert got == status
    if status == 403:
        assert b"problems" not in body
    with socket.create_connection(("127.0.0.1", hostile.port), timeout=10) as sock:
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"GET /_preview/events HTTP/1.1\r\nHost: {hostile.host()}\r\n{lines}\r\n".encode())
        first = sock.recv(65536)
        assert first.startswith(f"HTTP/1.1 {status} ".encode())
        assert (b"text/event-stream" in first) == (status == 200)


def test_every_response_carries_a_content_security_policy(hostile: Preview) -> None:
    for path in ("/", f"/{FULL}.html", "/nope", "/_preview/state", "/_preview/draft.js", "/assets/ok.png"):
        _, headers, _ = hostile.request(path)
        policy = {d.split()[0]: d.split()[1:] for d in headers["Content-Security-Policy"].split("; ")}
        assert policy["default-src"] == ["'none'"] and policy["script-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["connect-src"] == ["'self'"]
        assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_pages_hold_no_inline_script_and_their_scripts_are_served(hostile: Preview) -> None:
    for path, script in (("/", "/_preview/index.js"), (f"/{FULL}.html", "/_preview/draft.js")):
        _, _, page = hostile.request(path)
        tags = re.findall(rb"<script([^>]*)>(.*?)</script>", page, re.S)
        executable = [(attrs, body) for attrs, body in tags if b'type="application/json"' not in attrs]
        assert executable == [(f' src="{script}"'.encode(), b"")], path
        status, headers, body = hostile.request(script)
        assert status == 200 and headers["Content-Type"].startswith("text/javascript") and b"EventSource" in body


def test_scripts_in_assets_and_injected_inline_scripts_never_run(hostile: Preview, browser: Any) -> None:
    """In Chromium: SVG, HTML and an HTML-carrying PNG under content/assets run nothing on the
    preview's origin, and the CSP blocks an inline script that gets into a draft."""
    page = browser.new_page()
    origin = f"http://{hostile.host()}"
    page.goto(origin + "/")
    for path in ("/assets/evil.svg", "/assets/evil.html", "/assets/evil.png", "/assets/polyglot.png"):
        page.goto(origin + path)
    page.goto(origin + "/")
    assert page.evaluate("() => localStorage.getItem('pwned')") is None
    # An inline script in a draft (as if markup slipped through escaping) is refused.
    page.goto(origin + f"/{FULL}.html")
    page.wait_for_selector("#bg-status")
    assert page.evaluate("() => document.getElementById('bg-status').textContent").startswith("draft")
    blocked = page.evaluate(
        """() => new Promise((done) => {
            document.addEventListener("securitypolicyviolation", (e) => done(e.violatedDirective));
            const s = document.createElement("script");
            s.textContent = "window.injected = 1";
            document.body.appendChild(s);
            setTimeout(() => done("no violation"), 2000);
        })"""
    )
    assert blocked.startswith("script-src") and page.evaluate("() => window.injected") is None
    # A draft the preview serves shows through its own script: the provenance tip works.
    page.locator("a.fn-call").first.focus()
    page.locator("#bg-tip").wait_for(state="visible")
    page.close()


def test_a_foreign_site_cannot_read_the_state(hostile: Preview, browser: Any) -> None:
    """A page of another origin (another port on this machine) fetching the state gets nothing."""
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    port = other.getsockname()[1]

    def serve_once() -> None:
        for _ in range(2):
            conn, _ = other.accept()
            conn.recv(65536)
            body = b"<!DOCTYPE html><title>other</title>"
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            conn.close()

    threading.Thread(target=serve_once, daemon=True).start()
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{port}/")
    result = page.evaluate(
        """(url) => fetch(url, {mode: "no-cors"}).then((r) => r.type + ":" + r.status).catch((e) => "refused")""",
        f"http://{hostile.host()}/_preview/state",
    )
    assert result in ("opaque:0", "refused")  # no readable body either way
    page.close()
    other.close()


# -- slow, long, cut-off and many requests ----------------------------------------------------


def test_a_half_sent_request_is_dropped_after_the_timeout(hostile: Preview) -> None:
    """Slowloris: headers that never end hold a thread for the timeout (10 s), not forever."""
    socks = []
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", hostile.port), timeout=30)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: " + hostile.host().encode() + b"\r\nX-Slow: ")
        socks.append(sock)
    started = time.monotonic()
    assert hostile.request("/")[0] == 200  # others are served meanwhile
    for sock in socks:
        assert sock.recv(100) == b""  # the server closed it
        sock.close()
    assert time.monotonic() - started < 20
    assert "Traceback" not in hostile.stderr()


def test_clients_that_disconnect_mid_response_leave_no_traceback(hostile: Preview) -> None:
    request = f"GET /{FULL}.html HTTP/1.1\r\nHost: {hostile.host()}\r\n\r\n".encode()
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", hostile.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.sendall(request)
        sock.recv(10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not close
        sock.close()
    for _ in range(5):  # the event stream: read the first event, then go away
        sock = socket.create_connection(("127.0.0.1", hostile.port), timeout=10)
        sock.sendall(f"GET /_preview/events HTTP/1.1\r\nHost: {hostile.host()}\r\n\r\n".encode())
        assert b"event: state" in sock.recv(65536) or b"event: state" in sock.recv(65536)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    sock = socket.create_connection(("127.0.0.1", hostile.port))  # a request cut off in its line
    sock.sendall(b"GET /my")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    time.sleep(6)  # the event streams notice on their next keep-alive comment (every 5 s)
    assert hostile.request("/")[0] == 200
    log = hostile.stderr()
    assert "Traceback" not in log and "Exception" not in log and "Error" not in log, log


def test_three_hundred_concurrent_requests_are_all_answered(hostile: Preview) -> None:
    """300 connections at once: the listen backlog holds them all, a thread answers each."""
    barrier = threading.Barrier(300)

    def one(_: int) -> int:
        barrier.wait(timeout=30)
        return hostile.request(f"/{FULL}.html")[0]

    with ThreadPoolExecutor(max_workers=300) as pool:
        statuses = list(pool.map(one, range(300)))
    assert statuses == [200] * 300


# -- the terminal ---------------------------------------------------------------------------


def test_control_characters_in_file_names_and_content_reach_the_terminal_escaped(preview: Preview) -> None:
    claims = preview.root / "content" / "claims"
    (claims / "evil\x1b[2J\x07.yaml").write_text("- id: x\n  kind: [\n")
    actors = preview.root / "content" / "actors.yaml"
    # YAML itself refuses C0 controls in content, not bidi overrides, which reorder a line.
    actors.write_text(actors.read_text(encoding="utf-8") + "- id: a-b\n  name: A\n  nmae\u202e: B\n")
    deadline = time.monotonic() + 15
    while "BG101" not in preview.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = preview.stderr()
    assert "evil\\x1b[2J\\x07.yaml" in log and "unknown key 'nmae\\u202e'" in log
    assert "\x1b" not in log and "\x07" not in log and "\u202e" not in log


# -- rebuilds that fail or take long (in-process: the real code made to raise) -----------------


@dataclass
class Running:
    previewer: Previewer
    server: PreviewServer
    log: list[str]

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(*self.server.server_address[:2], timeout=10)  # type: ignore[misc]
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body

    def wait(self, predicate: Callable[[Snapshot], bool], timeout: float = 15) -> Snapshot:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.previewer.snapshot):
                return self.previewer.snapshot
            time.sleep(0.02)
        raise AssertionError(f"never happened; log: {self.log}")


class _Log:
    def __init__(self, lines: list[str]):
        self.lines = lines

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.fixture
def running(example_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    """Previewer, server and watcher in this process, as `briefgen preview` wires them."""
    monkeypatch.chdir(example_copy)
    log: list[str] = []
    previewer = Previewer(Project(example_copy), _Log(log))  # type: ignore[arg-type]
    previewer.rebuild()
    server = PreviewServer(previewer, "127.0.0.1", 0)
    stop, ready = threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True),
        threading.Thread(target=watcher_module.watch, args=(previewer, stop, ready), daemon=True),
    ]
    for thread in threads:
        thread.start()
    assert ready.wait(10)
    yield Running(previewer, server, log)
    stop.set()
    server.stopping.set()
    server.shutdown()
    server.server_close()
    for thread in threads:
        thread.join(timeout=5)
    assert not threads[1].is_alive(), "the watcher stops when told"


def _edit(root: Path, words: str) -> None:
    path = root / "content" / "claims" / "china.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "is a strategically important city"
    text = re.sub(marker + r"( \([^)]*\))?", f"{marker} ({words})", text, count=1)
    path.write_text(text, encoding="utf-8")


def test_an_unexpected_exception_in_a_rebuild_is_bg703_and_the_next_save_is_picked_up(
    running: Running, example_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = running.previewer.snapshot
    real = rebuild_module.check_project

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug briefgen did not expect\x1b[2J")

    monkeypatch.setattr(rebuild_module, "check_project", broken)
    _edit(example_copy, "first edit")
    failed = running.wait(lambda s: s.version > good.version)
    assert [(p.code, p.message) for p in failed.problems] == [
        ("BG703", "the rebuild failed unexpectedly: RuntimeError: a bug briefgen did not expect\x1b[2J")
    ]
    assert failed.pages == good.pages  # the last good drafts stay served
    assert running.get(f"/{FULL}.html") == (200, good.pages[FULL])
    state = json.loads(running.get("/_preview/state")[1])
    assert state["errors"] == 1 and state["problems"][0]["code"] == "BG703"
    log = "".join(running.log)
    assert "error[BG703]: the rebuild failed unexpectedly: RuntimeError" in log and "\\x1b[2J" in log
    assert "Traceback" not in log and "\x1b" not in log
    # The watcher lives on: the next good save is rebuilt and served.
    monkeypatch.setattr(rebuild_module, "check_project", real)
    _edit(example_copy, "second edit")
    fixed = running.wait(lambda s: b"second edit" in s.pages.get(FULL, b""))
    assert fixed.problems == ()
    assert b"second edit" in running.get(f"/{FULL}.html")[1]


def test_a_long_rebuild_does_not_hold_up_the_draft_or_the_state(
    running: Running, example_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, entered, release = rebuild_module.check_project, threading.Event(), threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(rebuild_module, "check_project", slow)
    before = running.previewer.snapshot
    _edit(example_copy, "slow edit")
    assert entered.wait(10)
    try:
        started = time.monotonic()
        assert running.get(f"/{FULL}.html") == (200, before.pages[FULL])
        assert json.loads(running.get("/_preview/state")[1])["version"] == before.version
        assert running.get("/")[0] == 200
        assert time.monotonic() - started < 3  # answered while the rebuild still runs
    finally:
        release.set()
    running.wait(lambda s: b"slow edit" in s.pages.get(FULL, b""))


def test_a_failure_of_the_watching_itself_is_bg704_and_watching_resumes(
    example_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import watchfiles

    monkeypatch.chdir(example_copy)
    monkeypatch.setattr(watcher_module, "RETRY_SECONDS", 0.1)
    real, calls = watchfiles.watch, []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("recursive", True):  # the watch of briefgen.yaml: not this test's
            return real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            raise OSError(28, "inotify watch limit reached")
        return real(*args, **kwargs)

    monkeypatch.setattr(watchfiles, "watch", flaky)
    log: list[str] = []
    previewer = Previewer(Project(example_copy), _Log(log))  # type: ignore[arg-type]
    previewer.rebuild()
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watcher_module.watch, args=(previewer, stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        text = "".join(log)
        assert "briefgen preview: error[BG704]: watching the project for saves failed: OSError:" in text
        assert "inotify watch limit reached" in text and "Traceback" not in text
        time.sleep(0.3)
        _edit(example_copy, "after the failure")
        deadline = time.monotonic() + 15
        while b"after the failure" not in previewer.snapshot.pages.get(FULL, b"") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"after the failure" in previewer.snapshot.pages[FULL]
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def _running_watch(previewer: Previewer) -> tuple[threading.Event, threading.Thread]:
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watcher_module.watch, args=(previewer, stop, ready), daemon=True)
    thread.start()
    assert ready.wait(10)
    time.sleep(0.3)  # the watch of the project folder, started alongside, is in place too
    return stop, thread


def _until(condition: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the preview never picked the save up"
        time.sleep(0.05)


def test_briefgen_yaml_saved_by_renaming_is_watched_save_after_save(example_copy: Path) -> None:
    """Editors save by writing a new file and renaming it into place: a watch on the old
    file would see the first save and none after."""
    previewer = Previewer(Project(example_copy), _Log([]))  # type: ignore[arg-type]
    previewer.rebuild()
    stop, thread = _running_watch(previewer)
    settings = example_copy / "briefgen.yaml"
    try:
        for n, value in enumerate(("bogus", "1y", "also bogus")):
            version = previewer.snapshot.version
            (example_copy / "briefgen.yaml.tmp").write_text(f"max_age: {value}\n", encoding="utf-8")
            os.replace(example_copy / "briefgen.yaml.tmp", settings)
            _until(lambda version=version: previewer.snapshot.version != version)
            bad = any(p.code == "BG105" for p in previewer.snapshot.problems)
            assert bad == (n != 1), (n, previewer.snapshot.problems)
    finally:
        stop.set()
        thread.join(timeout=5)


def test_a_templates_folder_made_while_the_preview_runs_is_used_and_watched(example_copy: Path) -> None:
    shutil.rmtree(example_copy / "templates")  # the packaged templates serve at first
    previewer = Previewer(Project(example_copy), _Log([]))  # type: ignore[arg-type]
    previewer.rebuild()
    stop, thread = _running_watch(previewer)
    summary = f"{FULL}-summary"
    try:
        made = example_copy / "templates.new"
        shutil.copytree(REPO / "templates", made)
        page = made / "summary.html.j2"
        page.write_text(page.read_text(encoding="utf-8").replace("<style>", "<style>/* MADE LATER */", 1))
        os.replace(made, example_copy / "templates")
        _until(lambda: b"MADE LATER" in previewer.snapshot.pages.get(summary, b""))
        # ...and its files are watched from then on
        page = example_copy / "templates" / "summary.html.j2"
        page.write_text(page.read_text(encoding="utf-8").replace("MADE LATER", "EDITED THEN"))
        _until(lambda: b"EDITED THEN" in previewer.snapshot.pages.get(summary, b""))
    finally:
        stop.set()
        thread.join(timeout=5)


# -- the error overlay with many problems ---------------------------------------------------


def test_twenty_thousand_problems_read_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        path = tmp_path / name
        path.write_text("".join(f"- id: x{n}\n" for n in range(7000)))
        files.append(str(path))
    problems = tuple(
        Problem(
            Pos(files[n % 3], n // 3 + 1, 3),
            "BG101" if n % 2 else "BG201",
            f"problem {n}",
            severity="error" if n % 2 else "warning",
        )  # type: ignore[arg-type]
        for n in range(20_000)
    )
    reads: list[str] = []
    real = Path.read_text

    def counting(self: Path, *args: Any, **kwargs: Any) -> str:
        reads.append(str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    previewer = Previewer(Project(tmp_path), _Log([]))  # type: ignore[arg-type]
    snapshot = Snapshot(version=7, problems=problems)
    state = json.loads(previewer.state_json(snapshot))
    assert sorted(reads) == sorted(files)  # each file once, not once per problem
    assert previewer.state_json(snapshot) is previewer.state_json(snapshot)  # made once per snapshot
    assert len(reads) == 3
    assert state["errors"] == 10_000 and state["total"] == 20_000
    assert len(state["problems"]) == MAX_SHOWN and all(p["severity"] == "error" for p in state["problems"])
    first = state["problems"][0]
    assert first["message"] == "problem 1" and first["context"][0] == [1, "- id: x0"]


def test_the_overlay_shows_the_first_problems_and_counts_the_rest(preview: Preview, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"http://{preview.host()}/{FULL}.html")
    page.wait_for_selector("#bg-status")
    actors = preview.root / "content" / "actors.yaml"
    actors.write_text(
        actors.read_text(encoding="utf-8") + "".join(f"- id: bad-{n}\n  name: x\n  nmae: x\n" for n in range(3000))
    )
    page.locator("#bg-overlay.open").wait_for(timeout=20_000)
    assert page.locator("#bg-problems > li").count() == MAX_SHOWN + 1
    assert "and 2800 more" in page.locator("#bg-problems > li").last.inner_text()
    assert "3000 problems" in page.locator("#bg-status").inner_text()
    page.close()


def test_content_in_the_provenance_tip_is_shown_as_text(example_copy: Path, browser: Any) -> None:
    """A locator (free text where the source has no archive) holding markup shows in the
    hover tip as the characters it is: no element of it is made."""
    content = example_copy / "content"
    with (content / "sources.yaml").open("a") as sources:
        sources.write(
            '\n- id: no-archive\n  type: webpage\n  title: T\n  URL: "https://example.org/x"\n'
            "  custom: {reliability: C}\n"
        )
    with (content / "claims" / "kia.yaml").open("a") as claims:
        claims.write(
            "\n- id: locator-markup\n  kind: fact\n  statement: Locator test.\n  sources:\n"
            '    - ref: no-archive\n      locator: "para. 1<hr><b>INJECTED</b><img src=x>"\n'
            "      quote: Something.\n      credibility: 3\n"
        )
    brief = content / "briefs" / f"{FULL}.yaml"
    brief.write_text(brief.read_text().replace("[[thiha-gatekeeper]]", "[[thiha-gatekeeper]] [[locator-markup]]", 1))
    with _start(example_copy) as preview:
        page = browser.new_page()
        page.goto(f"http://{preview.host()}/{FULL}.html")
        page.locator('[data-claim="locator-markup"]').first.hover()
        tip = page.locator("#bg-tip")
        tip.wait_for(state="visible")
        assert "<hr><b>INJECTED</b><img src=x>" in tip.inner_text()
        assert tip.locator("img").count() == 0 and tip.locator("b", has_text="INJECTED").count() == 0
        assert tip.locator("hr").count() == 0  # one claim: no separator of ours either
        page.close()


@pytest.mark.parametrize("version", [b"HTTP/<script>alert(1)</script>", b"HTTP/2.0", b"HTTP/1.x"])
def test_a_bad_http_version_is_refused_with_a_status_line_and_headers(hostile: Preview, version: bytes) -> None:
    reply = hostile.raw(b"GET / " + version + b"\r\nHost: " + hostile.host().encode() + b"\r\n\r\n")
    head = reply.partition(b"\r\n\r\n")[0]
    assert re.match(rb"HTTP/1\.[01] (400|505) ", head), reply[:200]
    assert b"\r\nContent-Security-Policy: " in head and b"\r\nX-Content-Type-Options: nosniff" in head
    assert b"text/plain" in head


def test_another_site_cannot_have_a_pdf_laid_out(hostile: Preview) -> None:
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        status, _, body = hostile.request(f"/{FULL}.pdf", {"Host": hostile.host(), **headers})
        assert status == 403 and not body.startswith(b"%PDF"), headers
    # Typed into the address bar, or followed from the preview's own page: served.
    status, _, body = hostile.request(f"/{FULL}.pdf", {"Host": hostile.host(), "Sec-Fetch-Site": "none"})
    assert status == 200 and body.startswith(b"%PDF")
