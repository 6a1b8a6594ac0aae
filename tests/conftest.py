"""Shared fixtures: small projects written into temporary folders, and the CLI as a process."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

ARCHIVE = (
    "The Harbour Report\n\n"
    "Ore from the northern hills is trucked to the coast every week.\n\n"
    "According to the ministry, exports fell by half in 2025.\n\n"
    "The port authority said the new road “would take years to build.”\n\n"
    "The ministry expects the harbour to reopen in the spring.\n"
)
#: Its fingerprint, as MINI's harbour-report records it (custom.archive_sha256).
ARCHIVE_SHA256 = hashlib.sha256(ARCHIVE.encode("utf-8")).hexdigest()

#: A small, valid project: every collection, one archive, two briefs.
_MINI: dict[str, str] = {
    "content/archive/harbour.txt": ARCHIVE,
    "content/sources.yaml": """\
        - id: harbour-report
          type: article-newspaper
          title: The Harbour Report
          container-title: Coast Daily
          issued: 2025-06
          custom:
            reliability: B
            archive: archive/harbour.txt
            archive_parts:
              - {part: title, starts: The Harbour Report}
            archive_sha256: 8ca11de6518f47de49fa8a49a5a4cb972b5784276e545fc963211eebbc34220e
        - id: ministry
          type: document
          author:
            - literal: Ministry of Trade
          custom:
            reliability: C
            via: harbour-report
        """,
    "content/actors.yaml": """\
        - id: port-authority
          name: Port Authority of the Coast
          short: PAC
          kind: government
          country: Coastland
        - id: trade-ministry
          name: Ministry of Trade
          kind: government
        """,
    "content/minerals.yaml": """\
        - id: tin
          name: tin
          uses: [solder]
        """,
    "content/places.yaml": """\
        - id: hills
          name: Northern Hills
          kind: region
        - id: coast
          name: Coast
          kind: region
        """,
    "content/routes.yaml": """\
        - id: hill-road
          name: Hill road
          mode: road
          from: hills
          to: coast
          commodities: [tin]
          status: operational
        """,
    "content/claims.yaml": """\
        - id: ore-trucked
          kind: fact
          statement: Ore from the @hills is trucked to the @coast every week.
          about: [hills, coast, hill-road, tin]
          as_of: 2025
          sources:
            - ref: harbour-report
              locator: para. 1
              quote: Ore from the northern hills is trucked to the coast every week.
              credibility: 2
        - id: exports-fell
          kind: fact
          statement: According to the @trade-ministry, exports fell by half in 2025.
          about: [trade-ministry]
          as_of: 2025-06
          sources:
            - ref: ministry
              locator: para. 2
              quote: exports fell by half in 2025
              credibility: 3
        - id: road-slow
          kind: fact
          statement: The @port-authority said a new road would take years to build.
          about: [port-authority]
          sources:
            - ref: harbour-report
              locator: para. 3
              quote: would take years to build.
              credibility: 2
        - id: j-road-late
          kind: judgment
          statement: The new road is unlikely to open soon.
          likelihood: unlikely
          confidence: low
          supports: [road-slow]
          sources:
            - ref: harbour-report
              locator: para. 3
              credibility: 3
        """,
    "content/briefs/harbour.yaml": """\
        id: harbour
        title: Harbour <Trade> & Tin
        subtitle: A test brief
        date: 2026-01-15
        authors: [Test Author]
        marking: Public
        template: brief
        keywords: [tin, harbour]
        summary: |
          [[ore-trucked]] The @port-authority expects delays [@road-slow].
        key_judgments: [j-road-late]
        sections:
          - heading: Trade
            body: |
              [[exports-fell]] Trucks run weekly [@harbour-report, para. 1].
              The @port-authority (again) and the @trade-ministry [@ministry, para. 2].
              Later, the ministry again [@ministry, para. 4].
            table: routes
          - heading: Actors
            body: Who is who.
            table: actors
        """,
    "content/briefs/harbour-summary.yaml": """\
        id: harbour-summary
        title: Harbour in brief
        date: 2026-01-15
        template: summary
        summary: "[[ore-trucked]]"
        key_judgments: [j-road-late]
        """,
}


MINI: dict[str, str] = {name: textwrap.dedent(text) for name, text in _MINI.items()}


#: A second, independent source and a fact resting on it (for corroboration tests).
GAZETTE = """\
- id: coast-gazette
  type: article-newspaper
  title: Coast Gazette
  custom:
    reliability: A
"""
GAZETTE_FACT = """\
- id: gazette-trucks
  kind: fact
  statement: Trucks carry ore to the @coast.
  about: [coast]
  sources:
    - ref: coast-gazette
      locator: p. 2
      credibility: 1
"""


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path -> text, dedented) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the MINI project in a temporary folder."""
    return write_project(tmp_path / "mini", MINI)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """make_project(overrides) -> a MINI project with some files replaced (None deletes)."""
    counter = iter(range(1000))

    def make(overrides: dict[str, str | None] | None = None, base: dict[str, str] | None = None) -> Path:
        files = dict(base if base is not None else MINI)
        for key, value in (overrides or {}).items():
            if value is None:
                files.pop(key, None)
            else:
                files[key] = value
        return write_project(tmp_path / f"p{next(counter)}", files)

    return make


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A copy of the repository's example project (content and templates)."""
    dest = tmp_path / "example"
    shutil.copytree(REPO / "content", dest / "content")
    shutil.copytree(REPO / "templates", dest / "templates")
    return dest


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m briefgen ARGS`` as a real process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true", help="rewrite the golden HTML files")


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium through Playwright, one for the whole session."""
    from playwright.sync_api import sync_playwright

    from bench.preview_latency import CHROMIUM, CHROMIUM_ARGS

    assert Path(CHROMIUM).exists(), "browser tests need Debian's chromium (apt-get install chromium; .ci/run does)"
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def tiny_image(kind: str) -> bytes:
    """A real 4 x 4 image as PNG, GIF or JPEG bytes (the asset rule reads its headers)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, kind)
    return buffer.getvalue()


def session_pids(sid: int) -> list[int]:
    """Live processes of a session (the build and any workers it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found
