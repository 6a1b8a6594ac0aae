"""The live preview: serve draft HTML, rebuild on save, push reloads, show errors in the page.

One rebuild at a time produces an immutable :class:`Snapshot` (every page complete, in
memory); request handlers take the current snapshot once, so a request during a rebuild
gets the last complete page, never a half-made one. A broken save keeps the last good
pages and sends the problems to the open pages, which show them in an overlay.
"""

from __future__ import annotations

import errno
import itertools
import json
import mimetypes
import re
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from markupsafe import escape

from briefgen.build import check_project
from briefgen.errors import BriefgenError, Pos, Problem, UsageError, errors_in
from briefgen.facts.load import ParseCache
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import BriefPlan, plan_brief
from briefgen.words import counted

_BRIEF_PATH = re.compile(r"/([a-z0-9]+(?:-[a-z0-9]+)*)\.(html|pdf)")
_WATCHED_SUFFIXES = {".yaml", ".yml", ".json", ".txt", ".j2", ".css", ".svg", ".png", ".jpg", ".jpeg"}


@dataclass(frozen=True)
class Snapshot:
    """Everything the server hands out, as of one rebuild."""

    version: int = 0
    pages: dict[str, bytes] = field(default_factory=dict)  # brief id -> draft HTML
    tags: dict[str, str] = field(default_factory=dict)  # brief id -> draft tag (changes when the page does)
    titles: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> (title, date, file)
    problems: tuple[Problem, ...] = ()
    rebuilt: tuple[str, ...] = ()  # briefs rendered again by the last rebuild
    seconds: float = 0.0


def problem_json(problem: Problem, lines_around: int = 2) -> dict[str, Any]:
    """A problem for the browser, with the offending lines of its file."""
    data = problem.as_json()
    context: list[tuple[int, str]] = []
    if problem.pos.line:
        try:
            text = Path(problem.pos.file).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            text = []
        first = max(1, problem.pos.line - lines_around)
        last = min(len(text), problem.pos.line + lines_around)
        context = [(n, text[n - 1]) for n in range(first, last + 1)]
    data["context"] = context
    return data


class Previewer:
    """Rebuilds drafts on demand and keeps the last good ones."""

    def __init__(self, project: Project, log: TextIO | None = None):
        self.project = project
        self.log = log or sys.stderr
        self.cache = ParseCache()
        self._rebuild_lock = threading.Lock()
        self._changed = threading.Condition()
        self.snapshot = Snapshot()
        self._base: FactBase | None = None
        self._plans: dict[str, BriefPlan] = {}
        self._tags = itertools.count(1)
        self._pdfs: dict[str, tuple[str, bytes]] = {}
        self._pdf_lock = threading.Lock()

    # -- rebuilding ----------------------------------------------------------------------
    def rebuild(self, templates_changed: bool = False) -> Snapshot:
        """Check the project again and render the briefs whose inputs changed."""
        with self._rebuild_lock:
            started = time.perf_counter()
            old = self.snapshot
            base, problems = check_project(self.project, self.cache)
            problems = list(problems)
            pages, tags, rebuilt = dict(old.pages), dict(old.tags), []
            titles: dict[str, tuple[str, str, str]] = {}
            if not errors_in(problems):
                for ident, brief in base.briefs.items():
                    titles[ident] = (brief.title, brief.date.human() if brief.date else "", brief.pos.file)
                    previous = self._plans.get(ident)
                    if previous is not None and not templates_changed and self._same_inputs(previous, base):
                        continue
                    try:
                        plan = plan_brief(base, brief)
                        tag = f"{next(self._tags)}"
                        page = render_html(plan, base, self.project, draft=True, draft_tag=tag)
                    except BriefgenError as exc:
                        problems.extend(exc.problems)
                        continue
                    self._plans[ident] = plan
                    pages[ident], tags[ident] = page.encode("utf-8"), tag
                    rebuilt.append(ident)
                for gone in set(pages) - set(base.briefs):
                    pages.pop(gone)
                    tags.pop(gone, None)
                    self._plans.pop(gone, None)
                self._base = base
            else:
                titles = dict(old.titles)
            snapshot = Snapshot(
                old.version + 1, pages, tags, titles, tuple(problems), tuple(rebuilt), time.perf_counter() - started
            )
            self._publish(snapshot)
            return snapshot

    def _same_inputs(self, plan: BriefPlan, base: FactBase) -> bool:
        """True when nothing the brief's plan was made from has changed (records compare by value)."""
        if base.briefs.get(plan.brief.id) != plan.brief:
            return False
        if any(base.claims.get(c.id) != c for c in plan.claims_used):
            return False
        if any(base.sources.get(s.id) != s for s in plan.bibliography):
            return False
        old = self._base
        if old is None:
            return False
        for ident in plan.entities:
            if base.entity(ident) != old.entity(ident):
                return False
        for section in plan.sections + plan.annexes:
            kinds = [section.section.table] if section.section.table else []
            if getattr(section.section, "figure", None):
                kinds += ["routes", "places", "minerals"]  # a route diagram draws from all three
            if any(base.collection(kind) != old.collection(kind) for kind in kinds):
                return False
        # A claim or source the brief did not use before may now be cited through prose that
        # did not change only if the brief changed, which the first test catches.
        return True

    def _publish(self, snapshot: Snapshot) -> None:
        with self._changed:
            self.snapshot = snapshot
            self._changed.notify_all()
        self._report(snapshot)

    def _report(self, snapshot: Snapshot) -> None:
        for problem in snapshot.problems:
            print(problem.format(), file=self.log)
        errors = len(errors_in(list(snapshot.problems)))
        if errors:
            serving = "serving the last good drafts" if snapshot.pages else "no drafts yet: fix the errors and save"
            print(f"briefgen preview: {counted(errors, 'error')}; {serving}", file=self.log)
        elif snapshot.rebuilt:
            ms = snapshot.seconds * 1000
            print(f"briefgen preview: rebuilt {', '.join(snapshot.rebuilt)} in {ms:.0f} ms", file=self.log)
        self.log.flush()

    def wait_for_change(self, seen: int, timeout: float) -> Snapshot:
        """The snapshot once it is newer than version ``seen`` (or the current one on timeout)."""
        with self._changed:
            self._changed.wait_for(lambda: self.snapshot.version != seen, timeout=timeout)
            return self.snapshot

    def state(self, snapshot: Snapshot) -> dict[str, Any]:
        return {
            "version": snapshot.version,
            "pages": snapshot.tags,
            "rebuilt": list(snapshot.rebuilt),
            "problems": [problem_json(p) for p in snapshot.problems],
        }

    # -- PDF on request --------------------------------------------------------------------
    def pdf(self, ident: str) -> tuple[bytes, bool] | None:
        """The brief's PDF (and whether it came from the cache), built on request and kept
        until the brief's draft changes."""
        with self._pdf_lock:  # one layout at a time: WeasyPrint is CPU-bound anyway
            snapshot = self.snapshot
            tag = snapshot.tags.get(ident)
            plan, base = self._plans.get(ident), self._base
            if tag is None or plan is None or base is None:
                return None
            cached = self._pdfs.get(ident)
            if cached is not None and cached[0] == tag:
                return cached[1], True
            from briefgen.build import asset_roots
            from briefgen.render.pdf import render_pdf

            html = render_html(plan, base, self.project)
            result = render_pdf(html, self.project.root, asset_roots(self.project))
            self._pdfs[ident] = (tag, result.pdf)
            return result.pdf, False


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
        rows = []
        by_file: dict[str, int] = {}
        for problem in snapshot.problems:
            by_file[problem.pos.file] = by_file.get(problem.pos.file, 0) + 1
        for ident, (title, date, file) in sorted(snapshot.titles.items()):
            count = by_file.get(file, 0)
            rows.append(
                f'<tr><td><a href="/{escape(ident)}.html">{escape(title)}</a></td><td>{escape(date)}</td>'
                f'<td class="n">{count}</td><td><a href="/{escape(ident)}.pdf">PDF</a></td></tr>'
            )
        total = len(snapshot.problems)
        summary = counted(total, "problem", zero="no").capitalize()
        html = (
            "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>briefgen preview</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<style>body{font:16px/1.5 'DejaVu Sans',sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}"
            "table{border-collapse:collapse;width:100%}"
            "td,th{border-bottom:1px solid #ccd;padding:.4rem;text-align:left}"
            ".n{text-align:right}.bad{color:#b3261e}</style></head><body data-index=1>"
            f"<h1>Briefs in {escape(self.previewer.project.root.name)}</h1>"
            f'<p class="{"bad" if total else ""}">{summary} in the fact base</p>'
            "<table><thead><tr><th>Brief</th><th>Date</th><th class=n>Problems</th><th>PDF</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            "<script>new EventSource('/_preview/events').addEventListener('state',function(e){"
            "var s=JSON.parse(e.data);if(window.bgv!==undefined&&window.bgv!==s.version)location.reload();"
            "window.bgv=s.version;});</script></body></html>"
        )
        return html.encode("utf-8")


def _relevant(change: Any, path: str) -> bool:
    name = Path(path).name
    if name.startswith((".", "#")) or name.endswith("~"):
        return False  # editor swap and backup files
    return Path(path).suffix.lower() in _WATCHED_SUFFIXES


def watch(previewer: Previewer, stop: threading.Event, ready: threading.Event | None = None) -> None:
    """Rebuild whenever watched files change (inotify through watchfiles; no polling loop)."""
    import watchfiles

    project = previewer.project
    template_dirs = [d.resolve() for d in project.template_folders()]
    # The project settings (briefgen.yaml, e.g. max_age) touch every brief, like a template.
    settings = [p.resolve() for p in (project.root / "briefgen.yaml",) if p.is_file()]
    paths = sorted({project.content.resolve(), *template_dirs, *settings})
    if ready is not None:
        ready.set()
    # step: wait this long for a burst of saves to settle; debounce: but never longer than this.
    for changes in watchfiles.watch(
        *paths,
        watch_filter=_relevant,
        debounce=400,
        step=30,
        stop_event=stop,
        yield_on_timeout=False,
        raise_interrupt=False,
    ):
        changed = [Path(p) for _, p in changes]
        templates_changed = any(any(p.is_relative_to(d) for d in template_dirs) or p in settings for p in changed)
        previewer.rebuild(templates_changed=templates_changed)


def serve(
    project: Project, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False, log: TextIO | None = None
) -> int:
    """Run the preview until interrupted."""
    log = log or sys.stderr
    project.require_content()
    previewer = Previewer(project, log)
    previewer.rebuild()
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
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(previewer, stop), daemon=True, name="briefgen-watch")
    watcher.start()
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


__all__ = ["PreviewServer", "Previewer", "Snapshot", "serve", "watch"]
