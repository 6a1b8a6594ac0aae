"""Rebuilding for the live preview: check the project, render changed drafts, keep the last good ones.

One rebuild at a time produces an immutable :class:`Snapshot` (every page complete, in
memory); readers take the current snapshot once, so a request during a rebuild gets the
last complete page, never a half-made one. A broken save keeps the last good pages and
reports the problems, which the open pages show in an overlay.

A brief's PDF is laid out when first asked for; from then on, each rebuild that changes
that brief lays its PDF out again in a background thread, so the PDF link is ready when
the analyst clicks it. Layouts go through the build's layout cache (render/layoutcache.py):
a PDF whose inputs are back to an earlier state, or unchanged since the last build or
preview, is not laid out at all.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from briefgen.build import check_project
from briefgen.errors import BriefgenError, Pos, Problem, errors_in
from briefgen.facts.load import ParseCache
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import BriefPlan, plan_brief
from briefgen.words import counted, printable


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
    #: Briefs whose served draft (and PDF) is the last good one, not of the latest save: the
    #: save broke the build, or broke this brief's rendering.
    stale: frozenset[str] = frozenset()
    #: brief id -> the files its served draft was made from (its own, its claims', sources'
    #: and entities'): the index counts a problem in any of them against the brief.
    drawn_from: dict[str, frozenset[str]] = field(default_factory=dict)

    def every_brief(self) -> frozenset[str]:
        """Every brief the snapshot lists or serves a draft of."""
        return frozenset(self.titles) | frozenset(self.pages)


class _Drafts(NamedTuple):
    """The last good rebuild's drafts, for laying out PDFs and answering evidence."""

    base: FactBase | None
    plans: dict[str, BriefPlan]
    #: the fact base each plan was made from (or found equal under): a rebuild that fails to
    #: render a brief keeps its plan, and the next compares with this base, not with a
    #: newer one its draft never saw
    bases: dict[str, FactBase]
    tags: dict[str, str]


class PdfAnswer(NamedTuple):
    """What a PDF request gets: the PDF (None when there is none to give), whether it was
    ready (kept from before the request), whether the brief is out of date, the snapshot
    that was decided from, and the problems that keep a last good PDF from being made."""

    pdf: bytes | None
    kept: bool
    stale: bool
    snapshot: Snapshot
    problems: tuple[Problem, ...] = ()
    #: for a brief out of date: whether its last good PDF can be had (``?last-good``)
    last_good: bool = False


def files_drawn_from(plan: BriefPlan, base: FactBase) -> frozenset[str]:
    """The files a brief's plan was made from: a problem in any of them concerns the brief."""
    # Looked up in ``base``: a record moved to another file compares equal (positions do
    # not count), and a kept plan would still name the file it came from.
    records: list[Any] = [base.briefs.get(plan.brief.id, plan.brief)]
    records += [base.claims.get(c.id, c) for c in plan.claims_used]
    records += [base.sources.get(s.id, s) for s in plan.bibliography]
    records += [r for r in (base.entity(i) for i in plan.entities) if r is not None]
    return frozenset(r.pos.file for r in records)


def _same_inputs(plan: BriefPlan, made_from: FactBase, base: FactBase) -> bool:
    """True when nothing ``plan`` drew from has changed between the base it was made from
    and ``base`` (records compare by value)."""
    if base.briefs.get(plan.brief.id) != plan.brief:
        return False
    if any(base.claims.get(c.id) != c for c in plan.claims_used):
        return False
    if any(base.sources.get(s.id) != s for s in plan.bibliography):
        return False
    for ident in plan.entities:
        if base.entity(ident) != made_from.entity(ident):
            return False
    for section in plan.sections + plan.annexes:
        kinds = [section.section.table] if section.section.table else []
        if getattr(section.section, "figure", None):
            kinds += ["routes", "places", "minerals"]  # a route diagram draws from all three
        if any(base.collection(kind) != made_from.collection(kind) for kind in kinds):
            return False
    # A claim or source the brief did not use before may now be cited through prose that
    # did not change only if the brief changed, which the first test catches.
    return True


def problem_json(problem: Problem, lines_around: int = 2, files: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A problem for the browser, with the offending lines of its file.

    ``files`` caches each file's lines: a broken save can report thousands of problems in
    one file, and the file is read once for all of them, not once per problem.
    """
    data = problem.as_json()
    context: list[tuple[int, str]] = []
    if problem.pos.line:
        text = _lines(problem.pos.file, files if files is not None else {})
        first = max(1, problem.pos.line - lines_around)
        last = min(len(text), problem.pos.line + lines_around)
        context = [(n, text[n - 1]) for n in range(first, last + 1)]
    data["context"] = context
    return data


def _lines(file: str, files: dict[str, list[str]]) -> list[str]:
    if file not in files:
        try:
            files[file] = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
        except (OSError, ValueError):  # gone, a folder, a NUL in the name
            files[file] = []
    return files[file]


def unexpected(exc: BaseException, what: str, code: str, hint: str) -> Problem:
    """A problem for an exception briefgen did not expect: its type and message, no traceback."""
    try:
        said = str(exc).strip()
    except Exception:  # even an exception's own __str__ may fail
        said = ""
    message = said.splitlines()[0] if said else ""
    if len(message) > 300:
        message = message[:297] + "..."
    said = f"{what}: {type(exc).__name__}" + (f": {message}" if message else "")
    return Problem(Pos("briefgen preview"), code, said, hint)


#: The most problems sent to open pages: a save that breaks a large file can report
#: thousands, and an overlay that long helps no one (the terminal lists every one).
MAX_SHOWN = 200


class Previewer:
    """Rebuilds drafts on demand and keeps the last good ones."""

    def __init__(self, project: Project, log: TextIO | None = None):
        self.project = project
        self.log = log or sys.stderr
        self.cache = ParseCache()
        self._rebuild_lock = threading.Lock()
        self._changed = threading.Condition()
        self.snapshot = Snapshot()
        #: The last good rebuild's plans, the base each was made from, and their drafts'
        #: tags: one object, replaced whole, so a PDF thread never pairs one rebuild's plan
        #: with another's base or tag.
        self._drafts = _Drafts(None, {}, {}, {})
        #: Briefs whose last render failed: rendered again at every rebuild until one renders
        #: (their kept plan may match the base, but their draft is not of the files as saved).
        self._failed: set[str] = set()
        #: A template or settings change a failed rebuild did not render: the next renders all.
        self._templates_dirty = False
        self._tags = itertools.count(1)
        self._pdfs: dict[str, tuple[str, bytes]] = {}
        self._pdf_lock = threading.Lock()
        #: Briefs whose PDF has been asked for: laid out again in the background after a save.
        self._wanted: dict[str, None] = {}
        self._pdf_due = threading.Condition()
        self._pdf_worker: threading.Thread | None = None
        self._state_lock = threading.Lock()
        self._states: dict[int, bytes] = {}  # snapshot version -> state JSON

    # -- rebuilding ----------------------------------------------------------------------
    def rebuild(self, templates_changed: bool = False) -> Snapshot:
        """Check the project again and render the briefs whose inputs changed.

        Never raises: an exception briefgen did not expect (a bug) is reported as a problem
        (BG703) and the last good drafts stay served, so one bad save cannot stop the preview.
        """
        with self._rebuild_lock:
            started = time.perf_counter()
            templates_changed = templates_changed or self._templates_dirty
            self._templates_dirty = templates_changed  # until a rebuild renders with them
            try:
                snapshot = self._rebuild(templates_changed, started)
            except Exception as exc:
                old = self.snapshot
                problem = unexpected(
                    exc,
                    "the rebuild failed unexpectedly",
                    "BG703",
                    "the last good drafts are still served; save again to retry, and please report this "
                    "briefgen bug with the file you saved",
                )
                snapshot = Snapshot(
                    old.version + 1,
                    old.pages,
                    old.tags,
                    old.titles,
                    (problem,),
                    (),
                    time.perf_counter() - started,
                    stale=old.every_brief(),
                    drawn_from=old.drawn_from,
                )
                # Render every brief again next time: what was half done is not trusted.
                self._drafts, self._failed = _Drafts(self._drafts.base, {}, {}, {}), set()
            self._publish(snapshot)
            return snapshot

    def _rebuild(self, templates_changed: bool, started: float) -> Snapshot:
        old = self.snapshot
        base, problems = check_project(self.project, self.cache)
        problems = list(problems)
        # Work on copies, kept only once the whole rebuild succeeds.
        plans, pages, tags, rebuilt = dict(self._drafts.plans), dict(old.pages), dict(old.tags), []
        plan_bases = dict(self._drafts.bases)
        titles: dict[str, tuple[str, str, str]] = {}
        stale: set[str] = set()
        drawn_from = dict(old.drawn_from)
        if not errors_in(problems):
            for ident, brief in base.briefs.items():
                titles[ident] = (brief.title, brief.date.human() if brief.date else "", brief.pos.file)
                previous = plans.get(ident)
                made_from = plan_bases.get(ident)
                if (
                    previous is not None
                    and made_from is not None
                    and not templates_changed
                    and ident not in self._failed
                    and _same_inputs(previous, made_from, base)
                ):
                    plan_bases[ident] = base  # equal in all the plan draws from
                    drawn_from[ident] = files_drawn_from(previous, base)
                    continue
                try:
                    plan = plan_brief(base, brief)
                    tag = f"{next(self._tags)}"
                    page = render_html(plan, base, self.project, draft=True, draft_tag=tag)
                except BriefgenError as exc:
                    problems.extend(exc.problems)
                    # Its last good draft (if any) stays served, marked out of date.
                    stale.add(ident)
                    # What broke it (a template's line, say) counts against this brief.
                    broke = {brief.pos.file, *(p.pos.file for p in exc.problems)}
                    drawn_from[ident] = drawn_from.get(ident, frozenset()) | broke
                    continue
                plans[ident], plan_bases[ident] = plan, base
                pages[ident], tags[ident] = page.encode("utf-8"), tag
                drawn_from[ident] = files_drawn_from(plan, base)
                rebuilt.append(ident)
            for gone in set(pages) - set(base.briefs):
                pages.pop(gone)
                tags.pop(gone, None)
                plans.pop(gone, None)
                plan_bases.pop(gone, None)
            drawn_from = {i: f for i, f in drawn_from.items() if i in base.briefs}
            self._drafts = _Drafts(base, plans, plan_bases, {i: tags[i] for i in plans if i in tags})
            self._failed = set(stale)  # the briefs that failed to render, this time
            self._templates_dirty = False
        else:
            # Nothing is rendered from a fact base with errors: every draft served is the last
            # good one, and the index and the PDF links say so (not "0 problems").
            titles = dict(old.titles)
            stale = set(old.every_brief())
        return Snapshot(
            old.version + 1,
            pages,
            tags,
            titles,
            tuple(problems),
            tuple(rebuilt),
            time.perf_counter() - started,
            stale=frozenset(stale),
            drawn_from=drawn_from,
        )

    def _publish(self, snapshot: Snapshot) -> None:
        with self._changed:
            before, self.snapshot = self.snapshot, snapshot
            self._changed.notify_all()
        self._report(snapshot, errors_before=bool(errors_in(list(before.problems))))
        if any(ident in self._wanted for ident in snapshot.rebuilt):
            with self._pdf_due:
                self._pdf_due.notify()

    def _report(self, snapshot: Snapshot, errors_before: bool = False) -> None:
        for problem in snapshot.problems:
            print(problem.format(), file=self.log)  # format() is terminal-safe already
        errors = len(errors_in(list(snapshot.problems)))
        if errors:
            serving = "serving the last good drafts" if snapshot.pages else "no drafts yet: fix the errors and save"
            print(f"briefgen preview: {counted(errors, 'error')}; {serving}", file=self.log)
        elif snapshot.rebuilt:
            ms = snapshot.seconds * 1000
            rebuilt = printable(", ".join(snapshot.rebuilt))
            fixed = "errors fixed; " if errors_before else ""
            print(f"briefgen preview: {fixed}rebuilt {rebuilt} in {ms:.0f} ms", file=self.log)
        elif errors_before:  # the save put the files back as the drafts show them
            print("briefgen preview: errors fixed; the drafts are current", file=self.log)
        self.log.flush()

    def wait_for_change(self, seen: int, timeout: float) -> Snapshot:
        """The snapshot once it is newer than version ``seen`` (or the current one on timeout)."""
        with self._changed:
            self._changed.wait_for(lambda: self.snapshot.version != seen, timeout=timeout)
            return self.snapshot

    def report(self, problem: Problem) -> None:
        """Print one problem that is not part of a rebuild (the watcher's own)."""
        print(problem.format(), file=self.log, flush=True)

    def state(self, snapshot: Snapshot) -> dict[str, Any]:
        """What open pages are told: the version, each draft's tag, and the problems, errors
        first and at most :data:`MAX_SHOWN` of them (the terminal lists them all), each with
        its file's lines around it, every file read once."""
        files: dict[str, list[str]] = {}
        errors = errors_in(list(snapshot.problems))
        first = (errors + [p for p in snapshot.problems if p.severity != "error"])[:MAX_SHOWN]
        return {
            "version": snapshot.version,
            "pages": snapshot.tags,
            "rebuilt": list(snapshot.rebuilt),
            "problems": [problem_json(p, files=files) for p in first],
            #: briefs whose draft is the last good one: only their pages show the problems
            "stale": sorted(snapshot.stale),
            "errors": len(errors),
            "total": len(snapshot.problems),
        }

    def state_json(self, snapshot: Snapshot) -> bytes:
        """:meth:`state` as JSON, made once per snapshot however many pages ask for it."""
        with self._state_lock:
            cached = self._states.get(snapshot.version)
            if cached is None:
                cached = json.dumps(self.state(snapshot)).encode()
                self._states = {v: b for v, b in self._states.items() if v > snapshot.version - 2}
                self._states[snapshot.version] = cached
            return cached

    def last_good(self) -> tuple[FactBase | None, dict[str, BriefPlan]]:
        """The fact base and the brief plans of the last good rebuild (what the drafts show)."""
        drafts = self._drafts
        return drafts.base, drafts.plans

    # -- PDF on request, then in the background -------------------------------------------
    def pdf(self, ident: str, last_good: bool = False) -> PdfAnswer:
        """The brief's PDF, built on request and kept until the brief's draft changes; from
        the first request on, it is laid out again in the background after each save that
        changes the brief.

        While the brief is out of date (the last save broke it), the answer holds no PDF
        unless ``last_good`` asks for the one of the last good draft: the kept one, or laid
        out from that draft's plan and fact base, if the templates still render it. Whether
        the brief is out of date is read under the layout lock, with the PDF it labels.
        """
        with self._pdf_lock:  # one layout at a time: WeasyPrint is CPU-bound anyway
            snapshot = self.snapshot
            stale = ident in snapshot.stale
            if stale and not last_good:
                return PdfAnswer(None, False, True, snapshot, last_good=self._has_last_good(ident, snapshot))
            try:
                found = self._lay_out(ident, snapshot)
            except BriefgenError as exc:
                if not stale:
                    raise
                return PdfAnswer(None, False, True, snapshot, tuple(exc.problems))
        if found is None:
            return PdfAnswer(None, False, stale, snapshot)
        if not stale:
            self._want(ident)
        return PdfAnswer(found[0], found[1] == "kept", stale, snapshot)

    def _has_last_good(self, ident: str, snapshot: Snapshot) -> bool:
        """Whether the brief's last good draft can still give a PDF (kept, or a plan to lay out)."""
        tag = snapshot.tags.get(ident)
        kept = self._pdfs.get(ident)
        return tag is not None and ((kept is not None and kept[0] == tag) or ident in self._drafts.plans)

    def _lay_out(self, ident: str, snapshot: Snapshot) -> tuple[bytes, str] | None:
        """The PDF of the brief's draft in ``snapshot``, and where it came from: "kept" (made
        earlier for this draft), "reused" (the layout cache) or "laid out" (now). The caller
        holds the layout lock."""
        drafts = self._drafts  # read once: a rebuild replaces it whole
        cached = self._pdfs.get(ident)
        tag = snapshot.tags.get(ident)
        if tag is not None and cached is not None and cached[0] == tag:
            return cached[1], "kept"
        # The plan is of the same rebuild as its tag: a rebuild not yet published may be
        # newer than ``snapshot``, and its PDF is kept under its own tag, never the old one.
        tag, plan, base = drafts.tags.get(ident), drafts.plans.get(ident), drafts.bases.get(ident)
        if tag is None or plan is None or base is None:
            return None
        from briefgen.build import asset_roots, broken_image_problems
        from briefgen.render.layoutcache import lay_out, layout_cache

        html = render_html(plan, base, self.project)
        roots = [str(r) for r in asset_roots(self.project)]
        cache = layout_cache()
        key = cache.key(html, str(self.project.root), roots) if cache is not None else ""
        laid = cache.get(key, roots) if cache is not None else None
        how = "reused"
        if laid is None:
            how = "laid out"
            started = time.time()
            laid, loaded = lay_out(html, str(self.project.root), roots)
            if cache is not None:
                cache.put(key, roots, laid, loaded, started)
        pdf, broken = laid[0], laid[5]
        if broken:  # the server shows these instead of a PDF missing an image
            raise BriefgenError(broken_image_problems(base, self.project, ident, broken))
        self._pdfs[ident] = (tag, pdf)
        return pdf, how

    def _want(self, ident: str) -> None:
        """From now on, lay the brief's PDF out again after each save that changes it.
        (``_wanted`` changes under ``_pdf_due``: request threads and the worker share it.)"""
        with self._pdf_due:
            if ident in self._wanted:
                return
            self._wanted[ident] = None
        self._start_pdf_worker()

    def _unwant(self, ident: str) -> None:
        with self._pdf_due:
            self._wanted.pop(ident, None)

    def _start_pdf_worker(self) -> None:
        with self._pdf_due:
            if self._pdf_worker is None:
                self._pdf_worker = threading.Thread(target=self._pdf_loop, name="briefgen-pdf", daemon=True)
                self._pdf_worker.start()

    def _stale_pdfs(self) -> list[str]:
        """Briefs asked for whose kept PDF is not of the current draft."""
        tags = self.snapshot.tags
        return [i for i in list(self._wanted) if i in tags and self._pdfs.get(i, ("", b""))[0] != tags[i]]

    def _pdf_loop(self) -> None:
        """Lay out, one after another, the PDFs asked for whose brief has changed since."""
        while True:
            with self._pdf_due:
                self._pdf_due.wait_for(self._stale_pdfs)
                todo = self._stale_pdfs()
            for ident in todo:
                started = time.perf_counter()
                try:
                    with self._pdf_lock:
                        found = self._lay_out(ident, self.snapshot)
                except BriefgenError as exc:  # shown when the PDF is asked for; said here once
                    for problem in exc.problems:
                        self.report(problem)
                    self._unwant(ident)  # asked for again once fixed
                    continue
                except Exception as exc:  # a bug: say so, keep the preview and this thread alive
                    self.report(unexpected(exc, f"laying out {ident}.pdf failed", "BG703", "ask for the PDF again"))
                    self._unwant(ident)
                    continue
                if found is None:  # no plan to lay out (a failed rebuild): wait for the next request
                    self._unwant(ident)
                elif found[1] != "kept":
                    seconds = time.perf_counter() - started
                    how = f"{found[1]} in the background, {seconds:.1f} s"
                    print(
                        f"briefgen preview: {printable(ident)}.pdf ready ({how})",
                        file=self.log,
                        flush=True,
                    )


__all__ = ["PdfAnswer", "Previewer", "Snapshot", "files_drawn_from", "problem_json", "unexpected"]
