"""The language server: LSP messages in, the fact base's answers out (pygls, stdio).

Edits are checked after a short pause in typing (DEBOUNCE), in a worker thread, with the
same check as ``briefgen check`` on the unsaved buffers; requests that need the latest
text (hover, definition, references, rename, quick fixes) wait for that check, while
completion answers at once from the last one.
"""

from __future__ import annotations

import asyncio
import gc
import os
from pathlib import Path

from lsprotocol import types as lsp
from pygls import uris
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from briefgen import __version__
from briefgen.authoring.lsp.actions import Splice, fixes
from briefgen.authoring.lsp.completion import candidates, context_at, detail
from briefgen.authoring.lsp.diagnostics import problem_span
from briefgen.authoring.lsp.navigate import definition, hover_text, references
from briefgen.authoring.lsp.protocol import AnsweringProtocol
from briefgen.authoring.lsp.state import FactWorkspace, Snapshot
from briefgen.authoring.occurrences import Occurrence
from briefgen.authoring.rename import plan_rename
from briefgen.errors import BriefgenError, Problem
from briefgen.facts.graph import kind_of
from briefgen.facts.load import display_path
from briefgen.facts.project import Project

#: Seconds of quiet after an edit before the project is checked again.
DEBOUNCE = 0.1
#: Seconds after a check's diagnostics before the cycle collector is back on, when no edit
#: (whose pause in typing is the better moment) comes first.
COLLECTOR_BACK = 0.5

_ITEM_KINDS = {
    "claim": lsp.CompletionItemKind.Value,
    "source": lsp.CompletionItemKind.Reference,
    "actor": lsp.CompletionItemKind.Class,
    "mineral": lsp.CompletionItemKind.Constant,
    "place": lsp.CompletionItemKind.Module,
    "route": lsp.CompletionItemKind.Interface,
    "brief": lsp.CompletionItemKind.File,
}


def find_project(start: Path) -> Project | None:
    """The project a file or folder belongs to: the nearest folder above with content/."""
    for folder in (start, *start.parents):
        if (folder / "content").is_dir():
            return Project(folder)
    return None


class BriefgenServer(LanguageServer):
    """The server's state: the project, its last check, what was published."""

    def __init__(self, project: Project | None = None):
        super().__init__(
            "briefgen",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=AnsweringProtocol,
        )
        self.facts: FactWorkspace | None = FactWorkspace(project) if project else None
        #: what each file's diagnostics were last published from, to send only changes
        self.published: dict[str, tuple[tuple[Problem, ...], str]] = {}
        self.dirty = True
        self.timer: asyncio.TimerHandle | None = None
        self.check_lock = asyncio.Lock()
        self.collector_paused = False

    # -- the project and its checks -----------------------------------------------------
    def adopt(self, path: Path) -> FactWorkspace | None:
        """The workspace, found from ``path`` when there is none yet."""
        if self.facts is None:
            project = find_project(path)
            if project is not None:
                self.facts = FactWorkspace(project)
        return self.facts

    def schedule(self, delay: float = DEBOUNCE) -> None:
        """Check again after ``delay`` seconds without another edit."""
        self.resume_collector()  # the pause in typing is the moment for it
        self.dirty = True
        if self.timer is not None:
            self.timer.cancel()
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(delay, lambda: loop.create_task(self.refresh()))

    async def refresh(self) -> Snapshot | None:
        """The latest snapshot, checking first when anything changed since the last one."""
        if self.facts is None:
            return None
        async with self.check_lock:
            if self.dirty or self.facts.snapshot is None:
                self.dirty = False
                if self.timer is not None:
                    self.timer.cancel()
                    self.timer = None
                self.pause_collector()
                try:
                    snapshot = await asyncio.to_thread(self.facts.check)
                except BriefgenError as exc:  # the check itself refused (no templates, say)
                    self.publish(exc.problems, None)
                    return self.facts.snapshot
                except Exception as exc:  # a bug, not the content: say so, keep serving
                    self.window_show_message(
                        lsp.ShowMessageParams(
                            type=lsp.MessageType.Error,
                            message=f"briefgen lsp: the check failed ({type(exc).__name__}: {exc}); "
                            "the last good problems stay shown. Please report this with the file you edited.",
                        )
                    )
                    return self.facts.snapshot
                finally:
                    asyncio.get_running_loop().call_later(COLLECTOR_BACK, self.resume_collector)
                self.publish(snapshot.problems, snapshot)
            else:
                return self.facts.snapshot
        # Where each id is written (hover, definition, rename), worked out once the
        # diagnostics are out, off the event loop, and with the next edit's check free to
        # start meanwhile.
        await asyncio.to_thread(lambda: snapshot.index)
        return snapshot

    def pause_collector(self) -> None:
        """Keep Python's cycle collector off from a check until the next pause in typing.

        The check pauses it anyway (gcpause), and on its first allocation after that the
        collector examines every object the check made: 10-30 ms on a large base, spent
        between the check and its diagnostics. Off until the next edit's debounce (or
        COLLECTOR_BACK seconds), it runs while the editor waits anyway."""
        if gc.isenabled():
            gc.disable()
            self.collector_paused = True

    def resume_collector(self) -> None:
        if self.collector_paused and not self.check_lock.locked():
            self.collector_paused = False
            gc.enable()

    def publish(self, problems: list[Problem], snapshot: Snapshot | None) -> None:
        """Diagnostics for every file with problems; files that had some and have none are cleared."""
        by_file: dict[str, list[Problem]] = {}
        for problem in problems:
            by_file.setdefault(problem.pos.file, []).append(problem)
        now: dict[str, tuple[tuple[Problem, ...], str]] = {}
        for display, found in by_file.items():
            path = Path(os.path.abspath(display))
            if not path.is_file():
                continue  # a problem of the project (no content/), not of a file
            uri = uris.from_fs_path(str(path)) or path.as_uri()
            lines = self.lines_of(uri, display, snapshot)
            # The same problems on the same text: the editor shows them already.
            now[uri] = (tuple(found), "\n".join(lines))
            if self.published.get(uri) == now[uri]:
                continue
            diagnostics = [self.diagnostic(p, lines) for p in found]
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
        for uri in self.published.keys() - now.keys():
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.published = now

    def diagnostic(self, problem: Problem, lines: list[str]) -> lsp.Diagnostic:
        line, start, end = problem_span(lines, problem.pos.line, problem.pos.col)
        return lsp.Diagnostic(
            range=self.to_range(lines, line, start, end),
            message=problem.message + (f"\nhint: {problem.hint}" if problem.hint else ""),
            severity=lsp.DiagnosticSeverity.Error if problem.severity == "error" else lsp.DiagnosticSeverity.Warning,
            code=problem.code,
            source="briefgen",
        )

    # -- positions ------------------------------------------------------------------------
    def lines_of(self, uri: str, display: str, snapshot: Snapshot | None) -> list[str]:
        """A file's lines as the editor has them (an open buffer), else as last checked, else on disk."""
        if uri in self.workspace.text_documents:
            return self.workspace.get_text_document(uri).source.splitlines()
        if snapshot is not None and display in snapshot.files:
            return snapshot.files[display].lines
        try:
            return Path(display).read_text(encoding="utf-8-sig", errors="replace").splitlines()
        except OSError:
            return []

    def to_range(self, lines: list[str], line: int, start: int, end: int) -> lsp.Range:
        codec = self.workspace.position_codec
        return lsp.Range(
            start=codec.position_to_client_units(lines, lsp.Position(line=line, character=start)),
            end=codec.position_to_client_units(lines, lsp.Position(line=line, character=end)),
        )

    def location(self, occ: Occurrence, snapshot: Snapshot) -> lsp.Location:
        uri = uri_of(occ.pos.file)
        lines = self.lines_of(uri, occ.pos.file, snapshot)
        return lsp.Location(uri=uri, range=self.to_range(lines, occ.pos.line - 1, occ.pos.col - 1, occ.end_col - 1))

    def cursor(self, uri: str, position: lsp.Position) -> tuple[str, list[str], int, int] | None:
        """(display path, lines, 0-based line, column in characters) of a request's position;
        None for a document that cannot be read (not UTF-8, gone): nothing to answer there,
        and no traceback for the editor (check reports such a file as BG003)."""
        doc = self.workspace.get_text_document(uri)
        try:
            lines = doc.source.splitlines()
            at = self.workspace.position_codec.position_from_client_units(doc.lines, position)
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        return display_path(Path(doc.path)), lines, at.line, at.character

    async def occurrence(self, uri: str, position: lsp.Position) -> tuple[Snapshot, Occurrence] | None:
        """The id under the cursor, in the latest check."""
        snapshot = await self.refresh()
        if snapshot is None:
            return None
        where = self.cursor(uri, position)
        if where is None:
            return None
        display, _lines, line, col = where
        occ = snapshot.index.at(display, line + 1, col + 1)
        return (snapshot, occ) if occ else None


def uri_of(display: str) -> str:
    path = os.path.abspath(display)
    return uris.from_fs_path(path) or Path(path).as_uri()


def make_server(project: Project | None = None) -> BriefgenServer:
    """The server with its features registered."""
    server = BriefgenServer(project)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: BriefgenServer, params: lsp.InitializedParams) -> None:
        root = ls.workspace.root_path
        if root:
            ls.adopt(Path(root))
        if ls.facts is not None:
            await ls.refresh()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: BriefgenServer, params: lsp.DidOpenTextDocumentParams) -> None:
        path = Path(ls.workspace.get_text_document(params.text_document.uri).path)
        facts = ls.adopt(path.parent)
        if facts is not None:
            facts.set_buffer(path, params.text_document.text)
            ls.schedule(0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: BriefgenServer, params: lsp.DidChangeTextDocumentParams) -> None:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        if ls.facts is not None:
            ls.facts.set_buffer(Path(doc.path), doc.source)
            ls.schedule()

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: BriefgenServer, params: lsp.DidSaveTextDocumentParams) -> None:
        if ls.facts is not None:
            ls.schedule(0)  # archives and templates are read from disk: a save may change them

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: BriefgenServer, params: lsp.DidCloseTextDocumentParams) -> None:
        if ls.facts is not None:
            ls.facts.set_buffer(Path(uris.to_fs_path(params.text_document.uri) or ""), None)
            ls.schedule(0)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: BriefgenServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if ls.facts is not None:
            ls.schedule(0)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["@", "[", " ", ",", "{"]))
    async def completion(ls: BriefgenServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        snapshot = ls.facts.snapshot if ls.facts is not None else None
        if snapshot is None:
            snapshot = await ls.refresh()  # the first check is still running
        if snapshot is None:
            return None
        where = ls.cursor(params.text_document.uri, params.position)
        if where is None:
            return None
        display, lines, line, col = where
        file = snapshot.files.get(display)
        if file is None:
            return None
        context = context_at(file.collection, lines, line, col)
        if context is None:
            return None
        found, incomplete = candidates(snapshot.base, context)
        replace = ls.to_range(lines, line, context.start, col)
        items = []
        for rank, ident in enumerate(found):
            kind, text = detail(snapshot.base, ident)
            items.append(
                lsp.CompletionItem(
                    label=ident,
                    kind=_ITEM_KINDS.get(kind.split(" ")[0], lsp.CompletionItemKind.Reference),
                    detail=f"{kind}: {text}",
                    label_details=lsp.CompletionItemLabelDetails(description=kind),
                    sort_text=f"{rank:04d}",
                    filter_text=ident,
                    text_edit=lsp.TextEdit(range=replace, new_text=ident),
                )
            )
        return lsp.CompletionList(is_incomplete=incomplete, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: BriefgenServer, params: lsp.HoverParams) -> lsp.Hover | None:
        found = await ls.occurrence(params.text_document.uri, params.position)
        if found is None:
            return None
        snapshot, occ = found
        text = hover_text(snapshot, occ.ident)
        if text is None:
            return None
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
            range=ls.location(occ, snapshot).range,
        )

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    async def goto_definition(ls: BriefgenServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        found = await ls.occurrence(params.text_document.uri, params.position)
        if found is None:
            return None
        snapshot, occ = found
        return [ls.location(o, snapshot) for o in definition(snapshot, occ.ident)] or None

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    async def find_references(ls: BriefgenServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        found = await ls.occurrence(params.text_document.uri, params.position)
        if found is None:
            return None
        snapshot, occ = found
        return [ls.location(o, snapshot) for o in references(snapshot, occ.ident, params.context.include_declaration)]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(
        ls: BriefgenServer, params: lsp.PrepareRenameParams
    ) -> lsp.PrepareRenamePlaceholder | None:
        found = await ls.occurrence(params.text_document.uri, params.position)
        if found is None or kind_of(found[0].base, found[1].ident) is None:
            return None  # nothing to rename here, or an id no record has
        snapshot, occ = found
        return lsp.PrepareRenamePlaceholder(range=ls.location(occ, snapshot).range, placeholder=occ.ident)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    async def rename(ls: BriefgenServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        found = await ls.occurrence(params.text_document.uri, params.position)
        if found is None:
            return None
        snapshot, occ = found
        try:
            planned = plan_rename(list(snapshot.files.values()), occ.ident, params.new_name, where="rename")
        except BriefgenError as exc:
            raise JsonRpcInvalidParams("; ".join(p.message for p in exc.problems)) from None
        changes: dict[str, list[lsp.TextEdit]] = {}
        for file, _text, edits in planned.changed:
            uri = uri_of(file.display)
            lines = file.lines
            changes[uri] = [
                lsp.TextEdit(range=ls.to_range(lines, e.line - 1, e.col - 1, e.end_col - 1), new_text=e.new)
                for e in edits
            ]
        return lsp.WorkspaceEdit(changes=changes)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
    )
    async def code_action(ls: BriefgenServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        snapshot = await ls.refresh()
        if snapshot is None:
            return None
        uri = params.text_document.uri
        where = ls.cursor(uri, params.range.start)
        if where is None:
            return None
        display, lines, _line, _col = where
        text = ls.workspace.get_text_document(uri).source  # readable: cursor() read it
        actions = []
        for fix in fixes(snapshot, display, text, params.range.start.line, params.range.end.line):
            edit = _text_edit(ls, lines, fix.edit)
            diagnostics = [ls.diagnostic(fix.problem, lines)] if fix.problem else None
            actions.append(
                lsp.CodeAction(
                    title=fix.title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=diagnostics,
                    is_preferred=True,
                    edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
                )
            )
        return actions

    return server


def _text_edit(ls: BriefgenServer, lines: list[str], splice: Splice) -> lsp.TextEdit:
    if splice.col is not None and splice.end_col is not None:
        return lsp.TextEdit(range=ls.to_range(lines, splice.first, splice.col, splice.end_col), new_text=splice.text)
    whole_lines = lsp.Range(
        start=lsp.Position(line=splice.first, character=0), end=lsp.Position(line=splice.last, character=0)
    )
    return lsp.TextEdit(range=whole_lines, new_text=splice.text)


def serve(project: Project | None = None) -> None:
    """Run the server on stdin and stdout until the editor says exit."""
    make_server(project).start_io()
