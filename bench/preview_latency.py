"""Save-to-updated-page latency of `briefgen preview`, measured in headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
#: As root, on a machine without network: no sandbox, no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def start_preview(project: Path, stderr: int = subprocess.PIPE) -> tuple[subprocess.Popen[str], str]:
    """`briefgen preview` of ``project`` on a free port, as a process; it and its URL."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "preview", "--project", str(project), "--port", "0"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def measure(saves: int = 15) -> tuple[float, list[float]]:
    """Median seconds from writing a claim file to the open page showing the new words."""
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp()) / "example"
    shutil.copytree(REPO / "content", work / "content")
    proc, url = start_preview(work, stderr=subprocess.DEVNULL)
    claim_file = work / "content" / "claims" / "china.yaml"
    original = claim_file.read_text(encoding="utf-8")
    marker = "is a strategically important city on"
    samples: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url + "myanmar-rare-earths.html")
            page.wait_for_selector("#bg-status")
            for n in range(saves):
                word = f"bench{n}x"
                started = time.perf_counter()
                claim_file.write_text(original.replace(marker, f"{marker} ({word})"), encoding="utf-8")
                page.wait_for_function(f"() => document.body.innerText.includes('{word}')", timeout=10_000)
                samples.append(time.perf_counter() - started)
                page.wait_for_timeout(150)
            browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    return statistics.median(samples), samples


if __name__ == "__main__":
    median, samples = measure()
    print(f"median {median * 1000:.0f} ms over {len(samples)} saves: {[round(s * 1000) for s in samples]}")
