"""The live preview's HTTP side: serve the index, drafts, PDFs, assets and a stream of rebuilds.

Rebuilding lives in :mod:`briefgen.preview.rebuild`, watching in
:mod:`briefgen.preview.watcher` and the index page in :mod:`briefgen.preview.index`;
:func:`serve` wires them together.

The preview's origin holds every draft, so it is guarded like a web application: only the
bound host names are answered (DNS rebinding), the state and the event stream answer only
pages of their own origin, every page carries a Content-Security-Policy that runs no
script but the preview's own files under ``/_preview/``, and ``content/assets/`` serves
only PNG, JPEG and GIF files (the rule of :mod:`briefgen.facts.assets`), never markup.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import re
import socket
import sys
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from briefgen.errors import BriefgenError, Pos, Problem, UsageError
from briefgen.facts.assets import ASSETS, ImageProblem, read_asset
from briefgen.facts.project import Project
from briefgen.preview.evidence import claim_evidence, note_evidence
from briefgen.preview.index import index_page, stale_page, unmade_pdf_page
from briefgen.preview.rebuild import Previewer, Snapshot
from briefgen.preview.watcher import watch
from briefgen.words import printable

_BRIEF_PATH = re.compile(r"/([a-z0-9]+(?:-[a-z0-9]+)*)\.(html|pdf)")
#: The evidence of a placed claim, and of a note of a brief (JSON for the draft's script).
_CLAIM_EVIDENCE = re.compile(r"/_preview/claims/([a-z0-9]+(?:-[a-z0-9]+)*)")
_EVIDENCE = ("/_preview/claims/", "/_preview/notes/")
_NOTE_EVIDENCE = re.compile(r"/_preview/notes/([a-z0-9]+(?:-[a-z0-9]+)*)/([1-9][0-9]{0,5})")
#: The preview's own scripts, served as files so that no page needs an inline script.
_SCRIPTS = ("draft.js", "index.js")
#: Every page's policy: no script but the preview's own files, nothing from elsewhere. The
#: brief's CSS is inline (the built HTML is one self-contained file), hence 'unsafe-inline'
#: for styles only; images are inlined as data: URIs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
#: A client has this long to send a whole request line and headers, however it trickles
#: them, and this long for each read or write after: a half-sent request (slowloris)
#: cannot hold a thread for longer.
REQUEST_TIMEOUT = 10.0
#: Connections served at once; one more is closed at once (each holds a thread).
MAX_CONNECTIONS = 512


class _Handler(BaseHTTPRequestHandler):
    """Serves the index, drafts, PDFs, the event stream and the project's images; 404 otherwise."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    timeout = REQUEST_TIMEOUT  # StreamRequestHandler sets it on the socket

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows rebuilds and problems, not every request

    def handle(self) -> None:
        # A client that goes away mid-request or mid-response is no event worth a traceback.
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def handle_one_request(self) -> None:
        # The socket's timeout bounds each read, not the request: a client sending a byte
        # every few seconds would hold the thread for ever. A deadline for the whole request
        # line and headers shuts the connection down when it passes.
        self._deadline = threading.Timer(REQUEST_TIMEOUT, self._give_up)
        self._deadline.daemon = True
        self._deadline.start()
        try:
            super().handle_one_request()
        finally:
            self._deadline.cancel()

    def _give_up(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def parse_request(self) -> bool:
        """The request line and headers, in before the deadline; then what no browser sends
        is refused: HTTP/0.9 (no headers, so no Host to check) and a second Host header."""
        ok = super().parse_request()
        self._deadline.cancel()  # the headers are in: the answer may take its time (a PDF, events)
        if not ok:
            return False
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # so the refusal goes out with its headers
            self.send_error(HTTPStatus.BAD_REQUEST, "HTTP/0.9 requests are not served")
            return False
        if len(self.headers.get_all("Host") or ()) > 1:
            self.send_error(HTTPStatus.BAD_REQUEST, "more than one Host header")
            return False
        return True

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        if content_type != "application/pdf":  # Chromium's PDF viewer is an embedded plugin
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the base class answers (a malformed or over-long request line): short plain text."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            # The base class refuses a request line before it has read its version (a bad
            # or unsupported one): answer in HTTP/1.0, status line and headers included.
            self.request_version = "HTTP/1.0"
        phrase = message or HTTPStatus(code).phrase
        self._send(code, f"{code} {phrase}\n".encode("latin-1", "replace"), "text/plain; charset=utf-8")

    def _text(self, status: HTTPStatus, text: str) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8")

    def _not_found(self) -> None:
        self._text(HTTPStatus.NOT_FOUND, "not found\n")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self.server.host_allowed(self.headers.get("Host")):
            self.close_connection = True
            return self._text(HTTPStatus.MISDIRECTED_REQUEST, f"this preview answers only {self.server.url}\n")
        path = self._path()
        if path is None:
            return self._text(HTTPStatus.BAD_REQUEST, "bad request path\n")
        # Anything that could leave the served folders is simply not found.
        if "\x00" in path or "\\" in path or any(seg in ("..", ".") for seg in path.split("/")) or "//" in path:
            return self._not_found()
        try:
            self._route(path)
        except (ConnectionError, TimeoutError):
            raise
        except Exception as exc:  # a bug must cost one request, not the server or a traceback
            self.server.report(f"request for {path} failed: {type(exc).__name__}: {exc}")
            self.close_connection = True
            self._text(HTTPStatus.INTERNAL_SERVER_ERROR, "the preview failed on this request; see its terminal\n")

    def _path(self) -> str | None:
        """The request's decoded path; None for anything but an origin-form path (``/...``)."""
        if not self.path.startswith("/"):
            return None  # absolute-URI (http://host/...), authority or asterisk forms
        # Not urlsplit: it would read //etc/passwd as a host name and a path.
        raw = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            return unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None

    def _route(self, path: str) -> None:
        previewer = self.server.previewer
        if path == "/":
            return self._send(HTTPStatus.OK, self.server.index(previewer.snapshot), "text/html; charset=utf-8")
        if path in ("/_preview/events", "/_preview/state") or path.startswith(_EVIDENCE):
            if not self._same_origin():
                return self._text(HTTPStatus.FORBIDDEN, "only the preview's own pages may ask for this\n")
            if path == "/_preview/events":
                return self._events()
            if path == "/_preview/state":
                return self._send(HTTPStatus.OK, previewer.state_json(previewer.snapshot), "application/json")
            return self._evidence(path)
        if path.startswith("/_preview/") and path[len("/_preview/") :] in _SCRIPTS:
            script = self.server.script(path[len("/_preview/") :])
            return self._send(HTTPStatus.OK, script, "text/javascript; charset=utf-8")
        match = _BRIEF_PATH.fullmatch(path)
        if match:
            return self._brief(*match.groups())
        if path.startswith(f"/{ASSETS}/"):
            return self._asset(path[1:])
        return self._not_found()

    def _same_origin(self) -> bool:
        """False for a request made by a page of another origin (another site, or another
        port on this machine, which browsers count as the same site)."""
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            return False
        origin = self.headers.get("Origin")
        if origin is None:
            return True  # browsers send no Origin on a same-origin GET
        parts = urlsplit(origin)
        return parts.scheme == "http" and self.server.host_allowed(parts.netloc)

    def _brief(self, ident: str, kind: str) -> None:
        previewer = self.server.previewer
        if kind == "html":
            snapshot = previewer.snapshot
            page = snapshot.pages.get(ident)
            if page is None and ident in snapshot.titles:  # a brief the last save broke, never drawn
                return self._notice(snapshot, ident, "html")
            if page is None:
                return self._not_found()
            return self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")
        # A PDF costs a layout, and one asked for is laid out again after every save: only
        # the preview's own pages (or the address typed in) may ask, never another site's.
        if not self._same_origin():
            return self._text(HTTPStatus.FORBIDDEN, "only the preview's own pages may ask for this\n")
        try:
            answer = previewer.pdf(ident, last_good=self._asks_for_last_good())
        except BriefgenError as exc:  # the draft is current, its PDF cannot be made: say why
            body = unmade_pdf_page(previewer.snapshot, ident, tuple(exc.problems))
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/html; charset=utf-8")
        if answer.pdf is None and answer.stale:
            # The last good PDF is not handed out as if it were of the files as saved: the
            # notice says why, and links to it if there is one.
            return self._notice(answer.snapshot, ident, "pdf", answer.problems, answer.last_good)
        if answer.pdf is None:
            return self._not_found()
        headers = {
            "X-Briefgen-Cache": "hit" if answer.kept else "miss",
            "X-Briefgen-Draft": "last-good" if answer.stale else "current",
        }
        return self._send(HTTPStatus.OK, answer.pdf, "application/pdf", headers)

    def _notice(
        self,
        snapshot: Snapshot,
        ident: str,
        kind: str,
        problems: tuple[Problem, ...] = (),
        last_good: bool | None = None,
    ) -> None:
        """The out-of-date notice (409: the request conflicts with the state of the files)."""
        body = stale_page(snapshot, ident, kind, problems, last_good)
        self._send(HTTPStatus.CONFLICT, body, "text/html; charset=utf-8")

    def _asks_for_last_good(self) -> bool:
        """Whether the query holds ``last-good`` (the out-of-date notice's link)."""
        query = self.path.partition("?")[2].partition("#")[0]
        return "last-good" in parse_qs(query, keep_blank_values=True)

    def _evidence(self, path: str) -> None:
        """A placed claim's or a note's quotes in context, as of the last good rebuild."""
        base, plans = self.server.previewer.last_good()
        found = None
        claim, note = _CLAIM_EVIDENCE.fullmatch(path), _NOTE_EVIDENCE.fullmatch(path)
        if base is not None and claim:
            found = claim_evidence(base, claim[1])
        elif base is not None and note and note[1] in plans:
            found = note_evidence(base, plans[note[1]], int(note[2]))
        if found is None:
            return self._not_found()
        return self._send(HTTPStatus.OK, json.dumps(found).encode(), "application/json")

    def _asset(self, relative: str) -> None:
        # The same rule as images in prose: a PNG, JPEG or GIF (extension and first bytes)
        # whose resolved path is inside content/assets/, itself inside content/. Anything
        # else, SVG and HTML above all (they would run script on this origin), is not found.
        found = read_asset(self.server.previewer.project.content, relative)
        if isinstance(found, ImageProblem):
            return self._not_found()
        data, media = found
        return self._send(HTTPStatus.OK, data, media)

    def _events(self) -> None:
        """Server-sent events: the state now, then at every rebuild; a comment now and then."""
        previewer = self.server.previewer
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = -1
        while not self.server.stopping.is_set():
            snapshot = previewer.wait_for_change(seen, timeout=REQUEST_TIMEOUT / 2)
            if snapshot.version == seen:
                self.wfile.write(b": still here\n\n")
            else:
                seen = snapshot.version
                self.wfile.write(b"event: state\ndata: " + previewer.state_json(snapshot) + b"\n\n")
            self.wfile.flush()


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server, holding the previewer."""

    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog: a burst of connections (a page and its reloads, a test's 300) waits
    # in the kernel's queue instead of being refused or retried after a second.
    request_queue_size = 1024

    def __init__(self, previewer: Previewer, host: str, port: int):
        self.previewer = previewer
        self.stopping = threading.Event()
        self._scripts: dict[str, bytes] = {}
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__((host, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve a connection in a thread of its own, unless MAX_CONNECTIONS are open: then
        it is closed at once, so no flood of connections can use up threads or memory."""
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes | bytearray) else str(host)
        return f"http://{_bracketed(host)}:{port}/"

    def host_allowed(self, header: str | None) -> bool:
        """True when a Host (or Origin's host) names this server: the bound address, or
        localhost, 127.0.0.1 or [::1], with the bound port. Any other name may be a
        DNS-rebinding attack, a foreign site's name resolving to this machine."""
        if not header:
            return False
        value = header.strip().lower()
        if value.startswith("["):  # an IPv6 literal: [::1]:8000
            inner, _, rest = value.partition("]")
            host, port = inner + "]", rest[1:] if rest.startswith(":") else ""
        else:
            host, _, port = value.rpartition(":")
            if ":" in host:
                return False
        bound, bound_port = self.server_address[:2]
        bound = bound.decode() if isinstance(bound, bytes | bytearray) else str(bound)
        if port != str(bound_port):
            return False
        if host in _LOCAL_NAMES or host == _bracketed(bound.lower()):
            return True
        # Listening on every address (0.0.0.0, ::): any IP literal is fine, since rebinding
        # needs a name; names other than localhost are still refused.
        try:
            wildcard = ipaddress.ip_address(bound).is_unspecified
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return False
        return wildcard

    def index(self, snapshot: Snapshot) -> bytes:
        """The list of briefs: title, date, problems, links to the draft and the PDF."""
        return index_page(snapshot, printable(self.previewer.project.root.name))

    def script(self, name: str) -> bytes:
        """One of the preview's own scripts (package data), read once."""
        if name not in self._scripts:
            self._scripts[name] = resources.files("briefgen.preview").joinpath("page", name).read_bytes()
        return self._scripts[name]

    def report(self, line: str) -> None:
        """One line in the preview's terminal, control characters escaped."""
        print(f"briefgen preview: {printable(line)}", file=self.previewer.log, flush=True)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Whatever escapes a request is one line in the terminal, never a traceback."""
        exc = sys.exception()
        if isinstance(exc, ConnectionError | TimeoutError | socket.timeout):
            return  # the client went away
        self.report(f"a request failed: {type(exc).__name__}: {exc}")


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


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


__all__ = ["CONTENT_SECURITY_POLICY", "PreviewServer", "serve"]
