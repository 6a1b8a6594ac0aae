"""Latency of `briefgen lsp` as an editor sees it, over stdio with pygls's own client.

On a copy of the 10k-claim base: the time from an edit of one claims file (sent as an
unsaved change) to the diagnostics for it (debounce included), alternately breaking and
restoring a source id, so every edit changes what is shown; and the time from a
completion request after ``[@`` in a brief to its answer.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parent.parent


async def _measure(root: Path, edits: int, completions: int) -> tuple[list[float], list[float]]:
    client = LanguageClient("briefgen-bench", "1")
    arrived: dict[str, asyncio.Event] = {}
    shown: dict[str, list[lsp.Diagnostic]] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        shown[params.uri] = list(params.diagnostics)
        if params.uri in arrived:
            arrived[params.uri].set()

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    await client.start_io(sys.executable, "-m", "briefgen", "lsp", env=env, cwd=str(root))
    await client.initialize_async(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=root.as_uri(), process_id=os.getpid())
    )
    client.initialized(lsp.InitializedParams())

    claims = sorted((root / "content" / "claims").glob("*.yaml"))[0]
    text = claims.read_text(encoding="utf-8")
    uri = claims.as_uri()
    first_ref = text.index("- ref: ") + len("- ref: ")
    broken = text[:first_ref] + "no-such-source-" + text[first_ref:]
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "yaml", 1, text)))
    # The first check (cold: every file parsed) is done when a request that waits for it answers.
    await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 0)))

    edit_times = []
    for n in range(edits):
        arrived[uri] = asyncio.Event()
        new = broken if n % 2 == 0 else text
        started = time.perf_counter()
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(uri=uri, version=n + 2),
                [lsp.TextDocumentContentChangeWholeDocument(text=new)],
            )
        )
        await asyncio.wait_for(arrived[uri].wait(), timeout=60)
        edit_times.append(time.perf_counter() - started)
        wants_error = n % 2 == 0
        assert any(d.code == "BG103" for d in shown[uri]) == wants_error, shown[uri]

    brief = sorted((root / "content" / "briefs").glob("*.yaml"))[0]
    brief_text = brief.read_text(encoding="utf-8").rstrip("\n") + "\n  # see [@\n"
    brief_uri = brief.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(brief_uri, "yaml", 1, brief_text)))
    at = lsp.Position(line=brief_text.count("\n") - 1, character=len("  # see [@"))
    await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(brief_uri), at))
    complete_times = []
    for _ in range(completions):
        started = time.perf_counter()
        result = await client.text_document_completion_async(
            lsp.CompletionParams(lsp.TextDocumentIdentifier(brief_uri), at)
        )
        complete_times.append(time.perf_counter() - started)
        assert isinstance(result, lsp.CompletionList) and result.items, result

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return edit_times, complete_times


def measure(base: Path, edits: int = 10, completions: int = 20) -> tuple[float, float]:
    """Median seconds: diagnostics after a one-file edit, and a completion after ``[@``."""
    work = Path(tempfile.mkdtemp(prefix="bench-lsp-")) / "p"
    shutil.copytree(base / "content", work / "content")
    try:
        edit_times, complete_times = asyncio.run(_measure(work, edits, completions))
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    return statistics.median(edit_times), statistics.median(complete_times)


def rows(base: Path, runs: int) -> list[dict[str, object]]:
    """The figures for bench/run.py's table (its Figure fields), on the 10k-claim ``base``."""
    from briefgen.authoring.lsp.server import DEBOUNCE

    diagnostics, completion = measure(base, edits=max(6, runs * 2), completions=max(10, runs * 4))
    return [
        {
            "name": "lsp: diagnostics after a one-file edit, 10k claims",
            "value": diagnostics,
            "unit": "s",
            "target": "<= 0.3 s",
            "ok": diagnostics <= 0.3,
            "detail": f"edit sent -> diagnostics received, {DEBOUNCE} s debounce included",
        },
        {
            "name": "lsp: completion after [@, 10k claims",
            "value": completion,
            "unit": "s",
            "target": "<= 0.05 s",
            "ok": completion <= 0.05,
            "detail": "request -> answer (at most 100 items, marked incomplete)",
        },
    ]
