"""The preview's index page: the briefs with their dates, problem counts and links.

The page is a Jinja template shipped as package data (``page/``); this module only works
out the data it shows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jinja2

from briefgen.preview.rebuild import Snapshot
from briefgen.words import counted


@dataclass(frozen=True)
class IndexRow:
    """One brief on the index."""

    ident: str
    title: str
    date: str
    count: int  # problems reported in the brief's own file


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
    """The snapshot's briefs in id order, each with the number of problems in its file."""
    by_file: dict[str, int] = {}
    for problem in snapshot.problems:
        by_file[problem.pos.file] = by_file.get(problem.pos.file, 0) + 1
    return [
        IndexRow(ident, title, date, by_file.get(file, 0))
        for ident, (title, date, file) in sorted(snapshot.titles.items())
    ]


def index_page(snapshot: Snapshot, project_name: str) -> bytes:
    """The index page (UTF-8 HTML) for ``snapshot`` of the project in folder ``project_name``."""
    total = len(snapshot.problems)
    html = (
        _environment()
        .get_template("index.html.j2")
        .render(
            project=project_name,
            rows=index_rows(snapshot),
            total=total,
            summary=counted(total, "problem", zero="no").capitalize(),
        )
    )
    return html.encode("utf-8")


__all__ = ["IndexRow", "index_page", "index_rows"]
