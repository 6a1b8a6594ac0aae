"""The live preview's HTTP side: serve the index, drafts, PDFs, assets and a stream of rebuilds.

Rebuilding lives in :mod:`briefgen.preview.rebuild`, watching in
:mod:`briefgen.preview.watcher` and the index page in :mod:`briefgen.preview.index`;
:func:`serve` wires them together.
"""

from __future__ import annotations

import errno
import json
import mimetypes
import re
import sys
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from briefgen.errors import BriefgenError, Pos, Problem, UsageError
from briefgen.facts.project import Project, ignored_reason
from briefgen.preview.index import index_page
from briefgen.preview.rebuild import Previewer, Snapshot
from briefgen.preview.watcher import watch
from briefgen.words import printable

_BRIEF_PATH = re.compile(r"/([a-z0-9]+(?:-[a-z0-9]+)*)\.(html|pdf)")


class _Handler(BaseHTTPRequestHandler):
    """Serves the index, drafts, PDFs, the event stream and the project's assets; 404 otherwise."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows rebuilds and problems, not every request

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        previewer = self.server.previewer
        raw = urlsplit(self.path).path
        path = unquote(raw)
        # Anything that could leave the served folders is simply not found.
        if "\x00" in path or "\\" in path or any(seg in ("..", ".") for seg in path.split("/")) or "//" in path:
            return self._not_found()
        if path == "/":
            return self._send(HTTPStatus.OK, self.server.index(previewer.snapshot), "text/html; charset=utf-8")
        if path == "/_preview/events":
            return self._events()
        if path == "/_preview/state":
            body = json.dumps(previewer.state(previewer.snapshot)).encode()
            return self._send(HTTPStatus.OK, body, "application/json")
        match = _BRIEF_PATH.fullmatch(path)
        if match:
            ident, kind = match.groups()
            if kind == "html":
                page = previewer.snapshot.pages.get(ident)
                if page is None:
                    return self._not_found()
                return self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")
            try:
                found = previewer.pdf(ident)
            except BriefgenError as exc:
                text = "\n".join(p.format() for p in exc.problems).encode()
                return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, text, "text/plain; charset=utf-8")
            if found is None:
                return self._not_found()
            pdf, hit = found
            return self._send(HTTPStatus.OK, pdf, "application/pdf", {"X-Briefgen-Cache": "hit" if hit else "miss"})
        if path.startswith("/assets/"):
            return self._asset(path[len("/assets/") :])
        return self._not_found()

    def _asset(self, rel: str) -> None:
        root = (self.server.previewer.project.content / "assets").resolve()
        try:
            target = (root / rel).resolve()
        except (OSError, RuntimeError):
            return self._not_found()
        if not target.is_relative_to(root) or not target.is_file():
            return self._not_found()  # also symlinks that lead out, and folders (no listings)
        if ignored_reason(rel) or ignored_reason(target.relative_to(root)):
            return self._not_found()  # hidden and editor files are never used (project.ignored_reason)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return self._send(HTTPStatus.OK, target.read_bytes(), kind)

    def _events(self) -> None:
        """Server-sent events: the state now, then at every rebuild; a comment now and then."""
        previewer = self.server.previewer
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = -1
        try:
            while not self.server.stopping.is_set():
                snapshot = previewer.wait_for_change(seen, timeout=10)
                if snapshot.version == seen:
                    self.wfile.write(b": still here\n\n")
                else:
                    seen = snapshot.version
                    data = json.dumps(previewer.state(snapshot))
                    self.wfile.write(f"event: state\ndata: {data}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server, holding the previewer."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, previewer: Previewer, host: str, port: int):
        self.previewer = previewer
        self.stopping = threading.Event()
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}/"

    def index(self, snapshot: Snapshot) -> bytes:
        """The list of briefs: title, date, problems, links to the draft and the PDF."""
        return index_page(snapshot, printable(self.previewer.project.root.name))


def serve(
    project: Project, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False, log: TextIO | None = None
) -> int:
    """Run the preview until interrupted."""
    log = log or sys.stderr
    project.require_content()
    previewer = Previewer(project, log)
    try:
        server = PreviewServer(previewer, host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                Problem(
                    Pos("briefgen preview"),
                    "BG701",
                    f"port {port} is already in use",
                    (f"choose another with --port {port + 1}, or " if port < 65535 else "use ")
                    + "--port 0 for any free port",
                )
            ) from None
        raise UsageError(
            Problem(Pos("briefgen preview"), "BG702", f"cannot listen on {host}:{port}: {exc.strerror}", "check --host")
        ) from None
    stop, watching = threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch, args=(previewer, stop, watching), daemon=True, name="briefgen-watch")
    watcher.start()
    # The first build starts once the watch is in place, so a save made while the preview
    # starts is either in that build or triggers the next one; never lost.
    watching.wait(timeout=10)
    previewer.rebuild()
    print(f"briefgen preview: serving {server.url} (Ctrl-C to stop)", file=log, flush=True)
    print(server.url, flush=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.stopping.set()
        server.server_close()
    print("briefgen preview: stopped", file=log)
    return 0


__all__ = ["PreviewServer", "serve"]
