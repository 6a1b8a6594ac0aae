"""The preview's own pages: the index (the briefs with their dates, problem counts and
links), and the notice answering a PDF link whose brief is out of date.

The page is a Jinja template shipped as package data (``page/``); this module only works
out the data it shows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jinja2

from briefgen.errors import Problem, errors_in
from briefgen.preview.rebuild import Snapshot
from briefgen.words import counted


@dataclass(frozen=True)
class IndexRow:
    """One brief on the index."""

    ident: str
    title: str
    date: str
    count: int  # problems in the files the brief's draft was made from
    stale: bool = False  # the draft (and PDF) served is the last good one, not the latest save
    drafted: bool = True  # it has a draft at all (one the last save broke may never have had one)


@functools.cache
def _environment() -> jinja2.Environment:
    # Autoescape everything: the page's .j2 name would not match select_autoescape's
    # "html" suffix, and titles and the folder name come from the user's files.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("briefgen.preview", "page"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def index_rows(snapshot: Snapshot) -> list[IndexRow]:
    """The snapshot's briefs in id order, each with the number of problems in the files its
    draft was made from (its own file, its claims', sources' and entities'; a broken claims
    file counts against every brief that cites from it), and whether that draft is stale."""
    by_file: dict[str, int] = {}
    for problem in snapshot.problems:
        by_file[problem.pos.file] = by_file.get(problem.pos.file, 0) + 1
    drawn = {ident: snapshot.drawn_from.get(ident, frozenset()) | {t[2]} for ident, t in snapshot.titles.items()}
    # A problem in no brief's files (briefgen.yaml, a template the check found broken, the
    # preview's own) concerns them all: it counts against every brief it keeps out of date,
    # so an out-of-date brief never shows 0.
    known = set().union(*drawn.values()) if drawn else set()
    unplaced = sum(n for f, n in by_file.items() if f not in known)
    rows = []
    for ident, (title, date, _file) in sorted(snapshot.titles.items()):
        count = sum(by_file.get(f, 0) for f in drawn[ident])
        if ident in snapshot.stale:
            count += unplaced
        rows.append(IndexRow(ident, title, date, count, ident in snapshot.stale, ident in snapshot.pages))
    return rows


def index_page(snapshot: Snapshot, project_name: str) -> bytes:
    """The index page (UTF-8 HTML) for ``snapshot`` of the project in folder ``project_name``."""
    total = len(snapshot.problems)
    errors = len(errors_in(list(snapshot.problems)))
    summary = counted(total, "problem", zero="no").capitalize()
    if errors and errors != total:
        summary += f" ({counted(errors, 'error')})"
    html = (
        _environment()
        .get_template("index.html.j2")
        .render(
            project=project_name,
            rows=index_rows(snapshot),
            total=total,
            summary=summary,
            stale=bool(snapshot.stale),
        )
    )
    return html.encode("utf-8")


#: The most problems the out-of-date notice lists (the draft's overlay and the terminal have all).
NOTICE_PROBLEMS = 20


def stale_page(
    snapshot: Snapshot,
    ident: str,
    kind: str = "pdf",
    unmade: tuple[Problem, ...] = (),
    last_good: bool | None = None,
) -> bytes:
    """What a brief's link answers while the brief is out of date (UTF-8 HTML): not the
    last good draft or PDF as if it were current, but why it is not, the problems, and a
    link to the last good PDF when one can be had (``last_good``; by default, when there is
    a last good draft). ``kind`` is the link's ("pdf" or "html"); ``unmade``, the problems
    that keep the last good PDF from being laid out (the templates it needs broken since)."""
    errors = errors_in(list(snapshot.problems)) or list(snapshot.problems)
    drafted = (ident in snapshot.pages if last_good is None else last_good) and not unmade
    return _notice(
        "stale",
        snapshot,
        ident,
        errors,
        heading=f"{ident}.{kind} is out of date",
        kind=kind,
        summary=counted(len(errors), "error" if errors_in(errors) else "problem"),
        last_good=drafted,
        unmade=[p.format() for p in unmade[:NOTICE_PROBLEMS]],
    )


def unmade_pdf_page(snapshot: Snapshot, ident: str, problems: tuple[Problem, ...]) -> bytes:
    """What a PDF link answers when the draft is current but its PDF cannot be laid out
    (a template that breaks only in print, an image missing): the problems, as a page."""
    return _notice("unmade", snapshot, ident, list(problems), heading=f"{ident}.pdf cannot be laid out")


def _notice(mode: str, snapshot: Snapshot, ident: str, problems: list[Problem], **values: object) -> bytes:
    """The notice page (notice.html.j2) in ``mode``, "stale" or "unmade", as UTF-8."""
    html = (
        _environment()
        .get_template("notice.html.j2")
        .render(
            mode=mode,
            ident=ident,
            title=snapshot.titles.get(ident, (ident, "", ""))[0],
            problems=[p.format() for p in problems[:NOTICE_PROBLEMS]],
            more=max(0, len(problems) - NOTICE_PROBLEMS),
            **{"last_good": False, "unmade": [], **values},
        )
    )
    return html.encode("utf-8")


__all__ = ["IndexRow", "index_page", "index_rows", "stale_page", "unmade_pdf_page"]
