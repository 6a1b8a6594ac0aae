"""The archives as read, kept by the file's bytes: another reader or library reads again,
and a failure that came from the machine (memory) is never kept as the file's."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefgen.check import recordcache
from briefgen.check.archives import child, pdf, web
from briefgen.check.archives.model import ArchiveError

REPO = Path(__file__).resolve().parents[1]
PAGE = b"<html><head><title>T</title></head><body><article><p>One paragraph of text here.</p></article></body></html>"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """Counts the archives read in a child process (each _run), with a cache of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("BRIEFGEN_NO_CACHE", raising=False)
    seen: list[str] = []
    real = child._run

    def counted(kind: str, raw: bytes, timeout: float, what: str) -> tuple[dict[str, Any], bool]:
        seen.append(kind)
        return real(kind, raw, timeout, what)

    monkeypatch.setattr(child, "_run", counted)
    yield seen


def _read() -> dict[str, Any]:
    return child.read_in_child("html", PAGE, timeout=60, what="the web page", version=1, valid=lambda v: True)


def test_an_unchanged_archive_is_read_once(runs: list[str]) -> None:
    assert _read() == _read()
    assert runs == ["html"]


@pytest.mark.parametrize("stamp", ["code_stamp", "libraries_stamp"])
def test_another_reader_or_library_reads_every_archive_again(
    stamp: str, runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgraded trafilatura or pypdf (or an edited reader) may read the file otherwise."""
    _read()
    monkeypatch.setattr(child, stamp, lambda *args: "another one")
    _read()
    assert runs == ["html", "html"]


def test_the_records_cache_is_keyed_by_the_yaml_library_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before = recordcache.RecordCache(tmp_path).key("content/x.yaml", "claims", b"- id: x\n")
    monkeypatch.setattr(recordcache, "libraries_stamp", lambda names: "PyYAML without its binding")
    after = recordcache.RecordCache(tmp_path).key("content/x.yaml", "claims", b"- id: x\n")
    assert before != after


def test_running_out_of_memory_in_a_reader_is_not_the_files_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """trafilatura, lxml and pypdf raising MemoryError under a low limit: the readers' broad
    'cannot be read' handlers let it through, to the child, which marks it transient."""
    import trafilatura

    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(trafilatura, "extract", no_memory)
    with pytest.raises(MemoryError):
        web.extract(PAGE)
    # The child's own main, as a process of its own (it caps its memory and silences logging).
    script = (
        "import trafilatura\n"
        "def no_memory(*args, **kwargs):\n"
        "    raise MemoryError\n"
        "trafilatura.extract = no_memory\n"
        "from briefgen.check.archives import child\n"
        "child._child('html')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=PAGE, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert json.loads(done.stdout)["transient"] is True, done.stderr


def test_a_pdf_reader_out_of_memory_is_not_a_numbered_or_unreadable_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf

    def no_memory(self: object) -> None:
        raise MemoryError

    monkeypatch.setattr(pypdf.PdfReader, "page_labels", property(no_memory))
    raw = _one_page_pdf()
    with pytest.raises(MemoryError):
        pdf.extract(raw)


def _one_page_pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_transient_failure_is_reported_and_not_kept(runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    answer = json.dumps({"error": "no memory", "hint": "h", "transient": True}).encode()

    def child_out_of_memory(*args: object, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(args, 0, stdout=answer, stderr=b"")

    monkeypatch.setattr(child.subprocess, "run", child_out_of_memory)
    for _ in range(2):
        with pytest.raises(ArchiveError) as caught:
            _read()
        assert caught.value.message == "no memory" and not caught.value.lasting
    assert runs == ["html", "html"], "the failure must not have been kept"
