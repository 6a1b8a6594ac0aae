"""`briefgen lsp` end to end: a real language-server client (pytest-lsp's) talks to the
server over stdio, as an editor would, on a small project in a temporary folder.

Each test runs its session in a thread of its own with its own event loop: the browser
tests' session-wide Playwright keeps an event loop running in the main thread, where
pytest-asyncio could not start another.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from tests.conftest import MINI, REPO, run_cli, write_project

Scenario = Callable[[LanguageClient, Path], Awaitable[None]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "p", MINI)


def run_session(project: Path, scenario: Scenario) -> None:
    """Start `briefgen lsp`, initialize it on ``project``, play ``scenario``, shut it down."""

    async def session() -> None:
        client = make_test_lsp_client()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        await client.start_io(sys.executable, "-m", "briefgen", "lsp", env=env)
        try:
            await client.initialize_session(
                lsp.InitializeParams(
                    capabilities=client_capabilities("visual-studio-code"),
                    root_uri=project.as_uri(),
                    workspace_folders=[lsp.WorkspaceFolder(uri=project.as_uri(), name="p")],
                )
            )
            await scenario(client, project)
            await client.shutdown_session()
        finally:
            await client.stop()

    failed: list[BaseException] = []

    def play() -> None:
        try:
            asyncio.run(session())
        except BaseException as exc:  # handed to the test's own thread below
            failed.append(exc)

    thread = threading.Thread(target=play)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the language-server session did not end within 120 s"
    if failed:
        raise failed[0]


def over_stdio(scenario: Scenario) -> Callable[[Path], None]:
    """A test (taking the ``project`` fixture) that plays ``scenario`` in a session."""

    def test(project: Path) -> None:
        run_session(project, scenario)

    test.__name__ = scenario.__name__
    test.__doc__ = scenario.__doc__
    return test


def uri(project: Path, rel: str) -> str:
    return (project / rel).as_uri()


def open_file(client: LanguageClient, project: Path, rel: str, text: str | None = None) -> str:
    text = (project / rel).read_text(encoding="utf-8") if text is None else text
    item = lsp.TextDocumentItem(uri=uri(project, rel), language_id="yaml", version=1, text=text)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
    return text


def replace_all(client: LanguageClient, project: Path, rel: str, text: str, version: int) -> None:
    """The editor's buffer becomes ``text`` (unsaved: the file on disk is not touched)."""
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri(project, rel), version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def diagnostics_until(
    client: LanguageClient, file_uri: str, wanted: Callable[[list[lsp.Diagnostic]], bool]
) -> list[lsp.Diagnostic]:
    """The file's diagnostics, once they satisfy ``wanted`` (waiting for publications)."""

    async def wait() -> list[lsp.Diagnostic]:
        while not (file_uri in client.diagnostics and wanted(list(client.diagnostics[file_uri]))):
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics[file_uri])

    return await asyncio.wait_for(wait(), timeout=30)


def position_of(text: str, needle: str, offset: int = 0) -> lsp.Position:
    """The position of the first ``needle`` in ``text`` (plus ``offset`` characters)."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return lsp.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


async def complete_after(
    client: LanguageClient, project: Path, rel: str, edited: str, version: int, marker: str
) -> lsp.CompletionList:
    """Make the buffer ``edited`` and ask for completion right after the first ``marker``."""
    replace_all(client, project, rel, edited, version)
    at = position_of(edited, marker, len(marker))
    result = await client.text_document_completion_async(
        lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri(project, rel)), position=at)
    )
    assert isinstance(result, lsp.CompletionList)
    return result


@over_stdio
async def test_diagnostics_after_a_broken_edit_and_cleared_after_the_fix(client: LanguageClient, project: Path) -> None:
    rel = "content/claims.yaml"
    text = open_file(client, project, rel)
    broken = text.replace("    - ref: ministry\n", "    - ref: ministy\n")
    replace_all(client, project, rel, broken, 2)
    found = await diagnostics_until(client, uri(project, rel), lambda ds: any(d.code == "BG103" for d in ds))
    bad = next(d for d in found if d.code == "BG103")
    start = position_of(broken, "ministy")
    assert bad.range == lsp.Range(start=start, end=lsp.Position(line=start.line, character=start.character + 7))
    assert "did you mean 'ministry'" in bad.message
    assert bad.severity == lsp.DiagnosticSeverity.Error and bad.source == "briefgen"
    assert (project / rel).read_text(encoding="utf-8") == text  # checked unsaved: the disk is untouched

    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri(project, rel)),
            range=bad.range,
            context=lsp.CodeActionContext(diagnostics=[bad]),
        )
    )
    assert actions, "a did-you-mean has its quick fix"
    fix = actions[0]
    assert isinstance(fix, lsp.CodeAction) and fix.title == "Change 'ministy' to 'ministry'"
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[uri(project, rel)]
    assert edit.range == bad.range and edit.new_text == "ministry"

    replace_all(client, project, rel, text, 3)
    await diagnostics_until(client, uri(project, rel), lambda ds: ds == [])


@over_stdio
async def test_completion_after_cite_in_a_brief(client: LanguageClient, project: Path) -> None:
    rel = "content/briefs/harbour.yaml"
    text = open_file(client, project, rel)
    edited = text.replace("Who is who.", "Who is who [@harb")
    result = await complete_after(client, project, rel, edited, 2, "[@harb")
    at = position_of(edited, "[@harb", len("[@harb"))
    labels = [item.label for item in result.items]
    assert labels[0] == "harbour-report"
    item = result.items[0]
    assert item.kind == lsp.CompletionItemKind.Reference
    assert item.detail == "source: The Harbour Report (B)"
    assert isinstance(item.text_edit, lsp.TextEdit)
    assert item.text_edit.range.start == lsp.Position(line=at.line, character=at.character - 4)

    # Right after '[@' every source and claim may go; after '@' in prose, entities only.
    edited = text.replace("Who is who.", "Who is who [@")
    result = await complete_after(client, project, rel, edited, 3, "who [@")
    labels = [item.label for item in result.items]
    assert {"harbour-report", "ministry", "ore-trucked", "j-road-late"} <= set(labels)
    assert "port-authority" not in labels
    claim = next(i for i in result.items if i.label == "road-slow")
    assert claim.detail == "claim · fact: The @port-authority said a new road would take years to build."


@over_stdio
async def test_completion_in_id_fields(client: LanguageClient, project: Path) -> None:
    rel = "content/claims.yaml"
    text = open_file(client, project, rel)
    edited = text.replace("  about: [port-authority]\n", "  about: [port-authority, tr]\n")
    result = await complete_after(client, project, rel, edited, 2, "port-authority, tr")
    assert [i.label for i in result.items] == ["trade-ministry"]
    assert result.items[0].detail == "actor · government: Ministry of Trade"


@over_stdio
async def test_hover_definition_and_references(client: LanguageClient, project: Path) -> None:
    rel = "content/briefs/harbour.yaml"
    text = open_file(client, project, rel)
    brief = uri(project, rel)
    at = position_of(text, "[@road-slow]", 4)
    hover = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri=brief), at))
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    shown = hover.contents.value
    assert shown.startswith("**claim** `road-slow`")
    assert "would take years to build" in shown and "para\\. 3" in shown and "grade B2" in shown
    assert "The \\@port\\-authority said" in shown  # content is escaped, never Markdown of its own

    at = position_of(text, "@port-authority expects", 3)
    found = await client.text_document_definition_async(lsp.DefinitionParams(lsp.TextDocumentIdentifier(uri=brief), at))
    assert isinstance(found, list) and len(found) == 1
    assert found[0].uri == uri(project, "content/actors.yaml")
    assert found[0].range == lsp.Range(lsp.Position(0, 6), lsp.Position(0, 20))

    refs = await client.text_document_references_async(
        lsp.ReferenceParams(
            context=lsp.ReferenceContext(include_declaration=False),
            text_document=lsp.TextDocumentIdentifier(uri=brief),
            position=at,
        )
    )
    assert refs is not None
    got = sorted((Path(r.uri[len("file://") :]).relative_to(project).as_posix(), r.range.start.line) for r in refs)
    claims = MINI["content/claims.yaml"].splitlines()
    brief_lines = MINI[rel].splitlines()
    expected = sorted(
        [("content/claims.yaml", i) for i, line in enumerate(claims) if "port-authority" in line]
        + [(rel, i) for i, line in enumerate(brief_lines) for _ in range(line.count("@port-authority"))]
    )
    assert got == expected


@over_stdio
async def test_rename_is_one_workspace_edit_equal_to_the_command(client: LanguageClient, project: Path) -> None:
    rel = "content/claims.yaml"
    text = open_file(client, project, rel)
    at = position_of(text, "ref: harbour-report", 6)
    edit = await client.text_document_rename_async(
        lsp.RenameParams(lsp.TextDocumentIdentifier(uri=uri(project, rel)), at, new_name="harbour-news")
    )
    assert edit is not None and edit.changes is not None
    renamed = {}
    for file_uri, edits in edit.changes.items():
        path = Path(file_uri[len("file://") :])
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            assert e.range.start.line == e.range.end.line
            row = lines[e.range.start.line]
            lines[e.range.start.line] = row[: e.range.start.character] + e.new_text + row[e.range.end.character :]
        renamed[path.relative_to(project).as_posix()] = "".join(lines)
    assert set(renamed) == {"content/sources.yaml", "content/claims.yaml", "content/briefs/harbour.yaml"}

    proc = run_cli("rename", "harbour-report", "harbour-news", "--project", str(project))
    assert proc.returncode == 0, proc.stderr
    for rel_path, new_text in renamed.items():
        assert (project / rel_path).read_text(encoding="utf-8") == new_text

    ministry = position_of(text, "ref: ministry", 6)
    taken = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(lsp.TextDocumentIdentifier(uri=uri(project, rel)), ministry)
    )
    assert isinstance(taken, lsp.PrepareRenamePlaceholder) and taken.placeholder == "ministry"
    with pytest.raises(Exception, match="already taken"):
        await client.text_document_rename_async(
            lsp.RenameParams(
                lsp.TextDocumentIdentifier(uri=uri(project, rel)), position_of(text, "ref: ministry", 6), "coast"
            )
        )


@over_stdio
async def test_quick_fix_for_a_locator_the_archive_shows(client: LanguageClient, project: Path) -> None:
    rel = "content/claims.yaml"
    text = open_file(client, project, rel)
    wrong = text.replace("      locator: para. 1\n", "      locator: para. 3\n", 1)
    replace_all(client, project, rel, wrong, 2)
    found = await diagnostics_until(client, uri(project, rel), lambda ds: bool(ds))
    line = position_of(wrong, "locator: para. 3").line
    mine = [d for d in found if d.range.start.line == line]
    assert mine, found
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri(project, rel)),
            range=mine[0].range,
            context=lsp.CodeActionContext(diagnostics=mine),
        )
    )
    assert actions
    fix = next(a for a in actions if isinstance(a, lsp.CodeAction) and "para. 1" in a.title)
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[uri(project, rel)]
    lines = wrong.splitlines(keepends=True)
    lines[edit.range.start.line : edit.range.end.line] = [edit.new_text]
    assert "".join(lines) == text


@over_stdio
async def test_a_yaml_error_while_typing_is_shown_and_the_server_keeps_answering(
    client: LanguageClient, project: Path
) -> None:
    rel = "content/actors.yaml"
    text = open_file(client, project, rel)
    broken = text + "- id: half\n  name: [unclosed\n"
    replace_all(client, project, rel, broken, 2)
    found = await diagnostics_until(client, uri(project, rel), lambda ds: any(d.code == "BG001" for d in ds))
    assert next(d for d in found if d.code == "BG001").range.start.line >= text.count("\n")
    claims = "content/claims.yaml"
    claims_text = open_file(client, project, claims)
    at = position_of(claims_text, "ref: harbour-report", 6)
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri(project, claims)), at)
    )
    assert hover is not None and "The Harbour Report" in str(hover.contents)
    replace_all(client, project, rel, text, 3)
    await diagnostics_until(client, uri(project, rel), lambda ds: ds == [])


@over_stdio
async def test_requests_on_a_file_that_is_not_utf8_answer_nothing_and_the_server_keeps_answering(
    client: LanguageClient, project: Path
) -> None:
    """An unopened workspace file in another encoding: no answer there, no traceback sent
    to the editor, and the next request on a good file is answered as usual."""
    (project / "content" / "places.yaml").write_bytes("- id: caf\xe9\n  name: Caf\xe9\n".encode("latin-1"))
    odd = lsp.TextDocumentIdentifier(uri(project, "content/places.yaml"))
    assert await client.text_document_hover_async(lsp.HoverParams(odd, lsp.Position(0, 7))) is None
    assert await client.text_document_completion_async(lsp.CompletionParams(odd, lsp.Position(0, 7))) is None
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(odd, lsp.Range(lsp.Position(0, 0), lsp.Position(0, 5)), lsp.CodeActionContext([]))
    )
    assert actions is None
    claims = "content/claims.yaml"
    claims_text = open_file(client, project, claims)
    at = position_of(claims_text, "ref: harbour-report", 6)
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri(project, claims)), at)
    )
    assert hover is not None and "The Harbour Report" in str(hover.contents)


class RawPipe:
    """`briefgen lsp` driven with raw JSON-RPC messages (no client library to tidy them)."""

    def __init__(self, project: Path):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "briefgen", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.next_id = 0

    def send(self, method: str, params: object, request: bool = True) -> int | None:
        message: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return self.next_id if request else None

    def response(self, ident: int) -> dict[str, object]:
        """The response to request ``ident`` (notifications on the way are passed over)."""
        assert self.proc.stdout is not None
        while True:
            length = 0
            while (header := self.proc.stdout.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            assert length, "the server closed its output"
            message = json.loads(self.proc.stdout.read(length))
            if message.get("id") == ident and "method" not in message:
                return message


#: Positions no document has: negative, past what an unsigned integer holds, not a number.
BAD_POSITIONS: list[dict[str, object]] = [
    {"line": -1, "character": 0},
    {"line": 0, "character": -3},
    {"line": 2**40, "character": 0},
    {"line": "x", "character": 0},
]
#: Positions past the end of the file or of the line: well formed, so answered with no result.
FAR_POSITIONS: list[dict[str, object]] = [{"line": 99_999, "character": 0}, {"line": 2, "character": 9_999}]


def _params(method: str, file_uri: str, position: dict[str, object]) -> dict[str, object]:
    doc = {"uri": file_uri}
    if method == "textDocument/codeAction":
        return {"textDocument": doc, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}
    params: dict[str, object] = {"textDocument": doc, "position": position}
    if method == "textDocument/references":
        params["context"] = {"includeDeclaration": True}
    if method == "textDocument/rename":
        params["newName"] = "harbour-news"
    return params


def test_every_request_is_answered_even_with_a_position_no_document_has(project: Path) -> None:
    """A request whose position does not decode gets an InvalidParams error response (it was
    only logged, and the editor waited forever); one past the end gets an empty result; the
    server answers as usual afterwards."""
    pipe = RawPipe(project)
    methods = [
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/prepareRename",
        "textDocument/rename",
        "textDocument/codeAction",
    ]
    answers: dict[tuple[str, str], dict[str, object]] = {}

    def play() -> None:
        init = pipe.send("initialize", {"capabilities": {}, "rootUri": project.as_uri(), "processId": None})
        assert init is not None and "result" in pipe.response(init)
        pipe.send("initialized", {}, request=False)
        claims = project / "content" / "claims.yaml"
        item = {"uri": claims.as_uri(), "languageId": "yaml", "version": 1, "text": claims.read_text("utf-8")}
        pipe.send("textDocument/didOpen", {"textDocument": item}, request=False)
        for method in methods:
            for position in BAD_POSITIONS + FAR_POSITIONS:
                ident = pipe.send(method, _params(method, claims.as_uri(), position))
                assert ident is not None
                answers[(method, json.dumps(position))] = pipe.response(ident)
        ident = pipe.send(
            "textDocument/hover", _params("textDocument/hover", claims.as_uri(), {"line": 6, "character": 13})
        )
        assert ident is not None
        answers[("after", "")] = pipe.response(ident)

    thread = threading.Thread(target=play, daemon=True)
    try:
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), f"a request got no answer; answered: {sorted(answers)}"
    finally:
        pipe.proc.kill()
        pipe.proc.wait()
    for method in methods:
        for position in BAD_POSITIONS:
            error = answers[(method, json.dumps(position))].get("error")
            assert isinstance(error, dict) and error["code"] == -32602, (method, position, error)
            assert "$.params.position" in error["message"] or "$.params.range" in error["message"]
        for position in FAR_POSITIONS:
            answer = answers[(method, json.dumps(position))]
            assert "error" not in answer and answer["result"] in (None, []), (method, position, answer)
    after = answers[("after", "")]["result"]
    assert isinstance(after, dict) and "The Harbour Report" in json.dumps(after), after


@over_stdio
async def test_diagnostics_after_every_edit_are_what_check_gives_on_the_texts_saved(
    client: LanguageClient, project: Path
) -> None:
    """Edits of claims, sources, briefs and entities (ids, quotes and supports broken and
    restored; see test_recheck.EDITS), unsaved: after each, every file's diagnostics are
    the problems `check` finds in a copy with the same texts saved, same order and places."""
    from briefgen.build import check_project
    from briefgen.facts.project import Project
    from tests.conftest import MINI
    from tests.test_recheck import EDITS

    texts = {rel: open_file(client, project, rel) for rel in {rel for rel, _, _ in EDITS}}
    probe = lsp.HoverParams(lsp.TextDocumentIdentifier(uri(project, EDITS[0][0])), lsp.Position(0, 0))
    for step, (rel, old, new) in enumerate(EDITS):
        texts[rel] = texts[rel].replace(old, new, 1)
        replace_all(client, project, rel, texts[rel], step + 2)
        # A hover waits for the check of the latest text: its diagnostics were sent first.
        await client.text_document_hover_async(probe)
        saved = write_project(project.parent / f"saved-{step}", {**MINI, **texts})
        expected: dict[str, list[tuple[int, str, str]]] = {}
        for p in check_project(Project(saved))[1]:
            live = uri(project, str(Path(p.pos.file).resolve().relative_to(saved.resolve())))
            message = p.message + (f"\nhint: {p.hint}" if p.hint else "")
            message = message.replace(str(saved), str(project))  # BG107 says where the other id is
            expected.setdefault(live, []).append((max(p.pos.line - 1, 0), p.code, message))
        shown = {
            file_uri: [(d.range.start.line, str(d.code), d.message) for d in found]
            for file_uri, found in client.diagnostics.items()
            if found
        }
        assert shown == expected, f"step {step}: {rel}: {old!r} -> {new!r}"
