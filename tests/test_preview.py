"""The live preview, driven in a real headless Chromium (Debian's, installed by .ci/run)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.preview_latency import start_preview
from tests.conftest import REPO, run_cli, tiny_image
from tests.pdfread import squash

FULL = "myanmar-rare-earths"
PNG = tiny_image("PNG")


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[str]
    root: Path
    log: list[str]

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", path)  # the raw path, unnormalised, as an attacker would send it
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), body

    def state(self) -> dict[str, object]:
        import json

        return json.loads(self.get("/_preview/state")[2])

    def wait_for(self, predicate: object, timeout: float = 15) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if predicate(state):  # type: ignore[operator]
                return state
            time.sleep(0.05)
        raise AssertionError(f"preview state never matched; last: {state}")


@pytest.fixture
def server(example_copy: Path) -> Iterator[Server]:
    proc, url = start_preview(example_copy)
    assert proc.stderr is not None
    assert url.startswith("http://127.0.0.1:"), url
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(iter(proc.stderr.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    yield Server(url, proc, example_copy, log)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _claim_file(root: Path, claim: str) -> tuple[Path, int]:
    for path in sorted((root / "content" / "claims").glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if line == f"- id: {claim}":
                return path, number
    raise AssertionError(claim)


def pdf_text(pdf: bytes) -> str:
    import io

    import pypdf

    return squash(" ".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def _save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_saving_a_claim_updates_the_open_page_and_keeps_its_place(server: Server, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 800})  # type: ignore[attr-defined]
    page.goto(server.url + f"{FULL}.html")
    page.wait_for_selector("#bg-status")
    page.evaluate("window.scrollTo(0, 1500)")
    page.wait_for_timeout(100)
    before = page.evaluate("window.scrollY")
    path, _ = _claim_file(server.root, "bhamo-strategic")  # placed in the full brief only
    text = path.read_text(encoding="utf-8")
    old = "is a strategically important city on"
    assert old in text
    _save(path, text.replace(old, "is a strategically important city (edited in the test) on"))
    page.wait_for_function("() => document.body.innerText.includes('edited in the test')", timeout=15_000)
    assert abs(page.evaluate("window.scrollY") - before) < 5
    state = server.state()
    assert state["rebuilt"] == [FULL]  # the summary does not use that claim: left alone
    page.close()


def test_a_broken_save_shows_the_problems_and_the_next_good_save_clears_them(server: Server, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server.url + f"{FULL}.html")
    page.wait_for_selector("#bg-status")
    path, line = _claim_file(server.root, "kia-seized-chipwe-pangwa")
    good = path.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    lines.insert(line, "  about: [kia, unclosed\n")  # a second 'about' that never closes its bracket
    _save(path, "".join(lines))
    overlay = page.locator("#bg-overlay")
    overlay.wait_for(state="visible", timeout=15_000)
    rel = path.relative_to(server.root).as_posix()
    assert re.search(rf"{re.escape(rel)}:{line + 1}:\d+", overlay.inner_text())
    assert "error[BG001]" in overlay.inner_text()
    assert "unclosed" in page.locator("#bg-overlay pre .bad").inner_text()  # the offending YAML line
    # the server kept running and kept the last good draft
    status, _, body = server.get(f"/{FULL}.html")
    assert status == 200 and b"Chipwe-Pangwa" in body
    assert any("BG001" in row for row in server.log)  # problems print in the terminal too
    assert any("1 error; serving the last good drafts" in row for row in server.log)
    assert "draft · 1 problem" in page.locator("#bg-status").inner_text()
    _save(path, good)
    overlay.wait_for(state="hidden", timeout=15_000)
    page.close()


def test_provenance_shows_on_hover_and_focus(server: Server, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page.goto(server.url + f"{FULL}.html")
    claim = page.locator("span.claim[data-claim='kia-seized-chipwe-pangwa']").first
    claim.hover()
    tip = page.locator("#bg-tip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    path, line = _claim_file(server.root, "kia-seized-chipwe-pangwa")
    assert "kia-seized-chipwe-pangwa" in text
    assert "diplomat-myanmar-minerals-deal [B" in text  # its source with the grade
    assert f"{path.relative_to(server.root).as_posix()}:{line}" in text  # where it lives
    page.mouse.move(0, 0)
    tip.wait_for(state="hidden")
    page.locator("a.fn-call").first.focus()
    tip.wait_for(state="visible")
    page.close()


def test_final_builds_carry_no_draft_chrome(server: Server) -> None:
    _, _, draft = server.get(f"/{FULL}.html")
    assert b'<script src="/_preview/draft.js">' in draft and b"data-where=" in draft
    out = server.root / "built"
    proc = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--format", "html", "--out", str(out)],
        cwd=server.root,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    final = (out / f"{FULL}.html").read_bytes()
    assert b"_preview/" not in final and b"data-where=" not in final and b"bg-overlay" not in final
    assert b"<script" not in final


def test_index_lists_the_briefs_and_pdfs_are_built_once_per_change(server: Server) -> None:
    status, _, body = server.get("/")
    assert status == 200
    assert b"Myanmar\xe2\x80\x99s Rare Earths" in body and b"27 November 2026" in body
    assert b"No problems in the project" in body
    status, headers, pdf = server.get(f"/{FULL}-summary.pdf")
    assert status == 200 and pdf.startswith(b"%PDF") and headers["X-Briefgen-Cache"] == "miss"
    status, headers, again = server.get(f"/{FULL}-summary.pdf")
    assert headers["X-Briefgen-Cache"] == "hit" and again == pdf
    brief = server.root / "content" / "briefs" / f"{FULL}-summary.yaml"
    version = server.state()["version"]
    _save(brief, brief.read_text(encoding="utf-8").replace("subtitle: One-page summary", "subtitle: One-page note"))
    server.wait_for(lambda s: s["version"] != version)
    status, headers, changed = server.get(f"/{FULL}-summary.pdf")  # laid out again (in the background)
    assert status == 200 and changed != pdf and "One-page note" in pdf_text(changed)


def test_after_a_breaking_save_the_index_and_the_pdf_links_say_the_drafts_are_out_of_date(server: Server) -> None:
    status, headers, good_pdf = server.get(f"/{FULL}-summary.pdf")
    assert status == 200 and headers["X-Briefgen-Draft"] == "current"
    path, line = _claim_file(server.root, "kia-seized-chipwe-pangwa")  # cited by both briefs
    good = path.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    lines.insert(line, "  about: [kia, unclosed\n")
    version = server.state()["version"]
    _save(path, "".join(lines))
    server.wait_for(lambda s: s["version"] != version and s["errors"])
    _, _, index = server.get("/")
    text = index.decode("utf-8")
    assert "1 problem in the project" in text and "The last save broke the build" in text
    assert text.count("(out of date)") == 2  # both briefs cite from the broken file
    assert re.findall(r'<td class="n">(\d+)</td>', text) == ["1", "1"]  # counted against each, not "0"
    # The PDF link does not hand out the last good PDF as if it were current.
    for brief in (FULL, f"{FULL}-summary"):
        status, headers, body = server.get(f"/{brief}.pdf")
        notice = body.decode("utf-8")
        assert status == 409 and headers["Content-Type"].startswith("text/html"), status
        assert f"{brief}.pdf is out of date" in notice and "error[BG001]" in notice
        assert f"{path.relative_to(server.root).as_posix()}:{line + 1}:" in notice
        assert f'href="/{brief}.pdf?last-good"' in notice
    status, headers, last_good = server.get(f"/{FULL}-summary.pdf?last-good")
    assert status == 200 and headers["X-Briefgen-Draft"] == "last-good" and last_good == good_pdf
    version = server.state()["version"]
    _save(path, good)
    server.wait_for(lambda s: s["version"] != version and not s["errors"])
    _, _, index = server.get("/")
    assert b"out of date" not in index and b"No problems in the project" in index
    status, headers, pdf = server.get(f"/{FULL}-summary.pdf")
    assert status == 200 and headers["X-Briefgen-Draft"] == "current" and pdf.startswith(b"%PDF")


def test_a_template_that_breaks_one_brief_leaves_the_other_current_and_never_answers_500(server: Server) -> None:
    summary = f"{FULL}-summary"
    template = server.root / "templates" / "summary.html.j2"
    good = template.read_text(encoding="utf-8")
    version = server.state()["version"]
    _save(template, good.replace("{%- block head_extra %}", "{%- block head_extra %}{{ nosuch.attr }}", 1))
    server.wait_for(lambda s: s["version"] != version and s["errors"])
    _, _, index = server.get("/")
    assert index.decode("utf-8").count("(out of date)") == 1  # the summary only
    status, _, body = server.get(f"/{summary}.pdf")
    assert status == 409 and b"summary.html.j2" in body
    # Its PDF was never laid out, and the templates no longer render its last good draft:
    # the notice says so, instead of a 500 or a PDF of something else.
    status, headers, body = server.get(f"/{summary}.pdf?last-good")
    assert status == 409 and headers["Content-Type"].startswith("text/html"), (status, body[:200])
    assert b"cannot be laid out again now" in body
    status, headers, pdf = server.get(f"/{FULL}.pdf")  # the other brief is current
    assert status == 200 and headers["X-Briefgen-Draft"] == "current" and pdf.startswith(b"%PDF")
    version = server.state()["version"]
    _save(template, good)
    server.wait_for(lambda s: s["version"] != version and not s["errors"])
    status, headers, pdf = server.get(f"/{summary}.pdf")
    assert status == 200 and headers["X-Briefgen-Draft"] == "current"


def test_a_pdf_that_cannot_be_laid_out_from_a_current_draft_says_why(server: Server) -> None:
    layout = server.root / "templates" / "layout.html.j2"
    version = server.state()["version"]
    _save(layout, layout.read_text(encoding="utf-8") + "{% if not draft %}{{ nope.nope }}{% endif %}\n")
    server.wait_for(lambda s: s["version"] != version)
    status, headers, body = server.get(f"/{FULL}-summary.pdf")  # the draft renders; print does not
    assert status == 500 and headers["Content-Type"].startswith("text/html")
    assert b"cannot be laid out" in body and b"layout.html.j2" in body


def test_an_open_draft_follows_saves_while_another_brief_is_broken(server: Server, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server.url + f"{FULL}.html")
    page.wait_for_selector("#bg-status")
    template = server.root / "templates" / "summary.html.j2"
    _save(
        template,
        template.read_text(encoding="utf-8").replace(
            "{%- block head_extra %}", "{%- block head_extra %}{{ nope.x }}", 1
        ),
    )
    brief = server.root / "content" / "briefs" / f"{FULL}.yaml"
    _save(brief, brief.read_text(encoding="utf-8").replace("subtitle: Who holds", "subtitle: Edited, who holds"))
    page.wait_for_function("() => document.body.innerText.includes('Edited, who holds')", timeout=15_000)
    state = server.state()
    assert state["stale"] == [f"{FULL}-summary"] and state["errors"], state
    assert not page.locator("#bg-overlay").is_visible(), page.locator("#bg-status").inner_text()
    assert "in other briefs" in page.locator("#bg-status").inner_text()
    page.close()


def test_a_pdf_asked_for_is_laid_out_again_in_the_background_after_each_save(server: Server) -> None:
    status, headers, _ = server.get(f"/{FULL}-summary.pdf")
    assert status == 200 and headers["X-Briefgen-Cache"] == "miss"
    brief = server.root / "content" / "briefs" / f"{FULL}-summary.yaml"
    text = brief.read_text(encoding="utf-8")
    for n, subtitle in enumerate(("One-page note", "One-page digest")):
        version = server.state()["version"]
        _save(brief, text.replace("subtitle: One-page summary", f"subtitle: {subtitle}"))
        server.wait_for(lambda s, version=version: s["version"] != version)
        # Ready before anyone asks: the log says so, and the request finds it made.
        deadline = time.monotonic() + 120
        while sum(f"{FULL}-summary.pdf ready" in line for line in server.log) <= n:
            assert time.monotonic() < deadline, server.log
            time.sleep(0.1)
        status, headers, ready = server.get(f"/{FULL}-summary.pdf")
        assert status == 200 and headers["X-Briefgen-Cache"] == "hit", server.log
        assert subtitle in pdf_text(ready)
    # The brief whose PDF nobody asked for is never laid out.
    assert not any(f"{FULL}.pdf" in line for line in server.log)


def test_many_concurrent_requests_during_rebuilds_all_get_complete_pages(server: Server) -> None:
    path, _ = _claim_file(server.root, "kia-seized-chipwe-pangwa")
    original = path.read_text(encoding="utf-8")
    stop = threading.Event()

    def keep_saving() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            _save(path, original.replace("in October.", f"in October (edit {n})."))
            time.sleep(0.03)

    saver = threading.Thread(target=keep_saving)
    saver.start()
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda _: server.get(f"/{FULL}.html"), range(300)))
    finally:
        stop.set()
        saver.join()
    for status, headers, body in results:
        assert status == 200
        assert int(headers["Content-Length"]) == len(body)
        assert body.rstrip().endswith(b"</html>")
    assert server.state()["version"] > 2  # rebuilds really happened meanwhile


@pytest.mark.parametrize(
    "path",
    [
        "/../content/sources.yaml",
        "/%2e%2e/content/sources.yaml",
        "/%2e%2e%2fcontent%2fsources.yaml",
        "/%252e%252e/content/sources.yaml",
        "/assets/../sources.yaml",
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%5c..%5cetc%5cpasswd",
        "//etc/passwd",
        "/etc/passwd",
        "/content/sources.yaml",
        "/content/archive/diplomat-myanmar-minerals-deal.txt",
        "/assets/",
        "/assets/outside",
        "/assets/inside-dir",
        "/myanmar-rare-earths.html%00.txt",
        "/nope.html",
    ],
)
def test_paths_that_leave_the_served_folders_are_not_found(server: Server, path: str) -> None:
    assets = server.root / "content" / "assets"
    assets.mkdir(exist_ok=True)
    (assets / "ok.png").write_bytes(PNG)
    (assets / "inside-dir").mkdir(exist_ok=True)
    if not (assets / "outside").exists():
        os.symlink("/etc/passwd", assets / "outside")
    status, _, body = server.get(path)
    assert status == 404, (path, body[:80])
    assert b"root:" not in body
    assert server.get("/assets/ok.png")[2] == PNG  # the project's own images are served


def test_a_port_in_use_or_out_of_range_is_a_usage_error(example_copy: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_cli("preview", "--project", str(example_copy), "--port", str(port), cwd=example_copy, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"briefgen preview: error[BG701]: port {port} is already in use" in proc.stderr
    assert "--port 0 for any free port" in proc.stderr
    for bad in ("99999", "-1", "http"):
        proc = run_cli("preview", "--project", str(example_copy), "--port", bad, cwd=example_copy, timeout=60)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "argument --port:" in proc.stderr and "0 to 65535" in proc.stderr
