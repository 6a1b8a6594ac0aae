"""Rebuilding for the live preview: check the project, render changed drafts, keep the last good ones.

One rebuild at a time produces an immutable :class:`Snapshot` (every page complete, in
memory); readers take the current snapshot once, so a request during a rebuild gets the
last complete page, never a half-made one. A broken save keeps the last good pages and
reports the problems, which the open pages show in an overlay.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from briefgen.build import check_project
from briefgen.errors import BriefgenError, Problem, errors_in
from briefgen.facts.load import ParseCache
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import BriefPlan, plan_brief
from briefgen.words import counted


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
            from briefgen.build import asset_roots, broken_image_problems
            from briefgen.render.pdf import render_pdf

            html = render_html(plan, base, self.project)
            result = render_pdf(html, self.project.root, asset_roots(self.project))
            if result.broken_images:  # the server shows these instead of a PDF missing an image
                raise BriefgenError(broken_image_problems(base, self.project, ident, result.broken_images))
            self._pdfs[ident] = (tag, result.pdf)
            return result.pdf, False


__all__ = ["Previewer", "Snapshot", "problem_json"]
