"""The one place the stages are sequenced: check -> plan -> HTML -> PDF, DOCX -> write.

Everything is rendered in memory first and written only when every brief succeeded, each
file atomically, so a failed build leaves the previous outputs as they were.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.errors import Pos, Problem, UsageError, errors_in, sort_problems
from briefgen.facts.assets import image_data_uri, image_key
from briefgen.facts.graph import all_prose
from briefgen.facts.load import ParseCache, find_in_file
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.facts.syntax import scan_links
from briefgen.files import resolve
from briefgen.gcpause import freeze_survivors
from briefgen.words import counted, did_you_mean, printable
from briefgen.write import check_targets, finish_interrupted_switch, write_all_atomic

if TYPE_CHECKING:
    from briefgen.render.layoutcache import Laid, LayoutCache
    from briefgen.render.plan import BriefPlan


def check_project(project: Project, cache: ParseCache | None = None) -> tuple[FactBase, list[Problem]]:
    """The ``check`` stage: the fact base and every problem in it and in the templates, in file order.

    Renders nothing: no Markdown, and Jinja only for a project with templates of its own.
    """
    # The passes and the template check: imported here, for recall_or_check's hit needs neither.
    from briefgen.check.validate import validate_project
    from briefgen.render.templatecheck import check_templates

    base, problems = validate_project(project, cache)
    problems.extend(check_templates(project, base))
    return base, sort_problems(problems)


def recall_or_check(project: Project) -> tuple[FactBase, list[Problem]]:
    """:func:`check_project` for a one-shot command. When nothing the check reads changed
    since the last check (check/resultcache.py keeps its result), that result stands and
    only the records are read (through the records cache), no pass across them run; else
    the project is checked in full and the result kept for the next command."""
    from briefgen.check.resultcache import CheckResults

    results = CheckResults(project)
    problems = results.known()
    if problems is not None and not errors_in(problems):
        from briefgen.check.loading import read_base

        base, read = read_base(project)
        if results.read_as_checked(read):  # the records come from the very bytes checked
            return base, problems
    base, problems = check_project(project)
    results.keep(problems)
    return base, problems


@dataclass
class BuildResult:
    """What a build found, wrote, laid out and reused."""

    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    failed: bool = False
    corrections: dict[str, int] = field(default_factory=dict)
    #: Outputs an earlier, killed build had left half switched, replaced before this one began.
    completed: list[Path] = field(default_factory=list)
    #: Briefs whose PDF was laid out, and those whose unchanged layout was reused (layoutcache).
    laid_out: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


#: What each ``--format`` writes. ``all`` is what a brief is published as (HTML and PDF);
#: the DOCX, an export for editing and clearance, is asked for by name.
FORMATS = {"html": ("html",), "pdf": ("pdf",), "docx": ("docx",), "all": ("pdf", "html")}


def output_path(out: Path, ident: str, ext: str) -> Path:
    """Where a brief's HTML, PDF or DOCX goes."""
    return out / f"{ident}.{ext}"


def select_briefs(base: FactBase, wanted: Iterable[str]) -> list[str]:
    """The brief ids to build: the ones asked for, or all."""
    wanted = list(wanted)
    if not wanted:
        return list(base.briefs)
    for ident in wanted:
        if ident not in base.briefs:
            raise UsageError(
                Problem(
                    Pos("briefgen build"),
                    "BG501",
                    f"no brief '{ident}'{did_you_mean(ident, list(base.briefs))}",
                    f"known briefs: {', '.join(base.briefs) or 'none'}",
                )
            )
    return wanted


def asset_roots(project: Project) -> list[Path]:
    """Folders whose files a brief may load: the project's templates and content assets."""
    roots = project.template_folders()
    assets = project.content / "assets"
    # Content is untrusted: an assets folder that is a link out of the project is no root.
    try:
        inside = resolve(assets).is_relative_to(resolve(project.content))
    except OSError:  # a loop of links: no root either (check reports it, BG121)
        inside = False
    if inside:
        roots.append(assets)
    return roots


def _import_pdf_stage() -> None:
    with contextlib.suppress(Exception):  # a real failure shows again where pdf is used
        import briefgen.render.pdf  # noqa: F401


#: The template that promises a brief of one page (BG411 when it runs over).
ONE_PAGE_TEMPLATE = "summary"


def _start_pdf_import() -> bool:
    """Import WeasyPrint in a thread. It takes over half a second, much of it waiting on
    subprocesses that locate its libraries, so that wait overlaps the HTML still to render.
    Only once a PDF is known to need laying out: a build that fails its checks, or whose
    layouts are all reused, imports nothing and spawns nothing."""
    threading.Thread(target=_import_pdf_stage, name="briefgen-import", daemon=True).start()
    return True


PdfJob = tuple[str, str, list[str]]  # (html, base url, roots)


def _pdf_job(args: PdfJob) -> tuple[Laid, list[str], float]:
    """Lay out one PDF (in a worker process with -j): the outcome, the files it loaded, and
    when it began (the layout cache keeps it only if none of those files changed since)."""
    from briefgen.render.layoutcache import lay_out

    started = time.time()
    laid, loaded = lay_out(*args)
    return laid, loaded, started


def broken_image_problems(base: FactBase, project: Project, ident: str, broken: list[tuple[str, str]]) -> list[Problem]:
    """BG409 for each image the PDF stage could not lay out, at the prose that shows it
    (the line of the image inside the YAML block), else at the brief."""
    where: dict[str, tuple[str, Pos]] = {}
    for prose in all_prose(base):
        if not prose.text or "![" not in prose.text:
            continue
        for link in scan_links(prose.text):
            uri = image_data_uri(project.content, link.url) if link.kind == "image" else None
            if uri is None or image_key(uri) in where:
                continue
            nth = prose.text.count(link.raw, 0, link.offset)
            try:
                lines = Path(prose.pos.file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                lines = []
            where[image_key(uri)] = (link.url, find_in_file(lines, prose.pos, link.raw, nth))
    brief = base.briefs[ident]
    problems = []
    for key, reason in broken:
        url, pos = where.get(key, ("an image of a template", brief.pos))
        shown = url if len(url) <= 80 else url[:77] + "..."
        problems.append(
            Problem(
                pos,
                "BG409",
                f"brief '{ident}': image '{shown}' does not decode ({reason}); "
                "the PDF would show it broken, or leave it out without a word",
                "the file's header is sound but its image data is not: export it again from the original",
            )
        )
    return problems


def small_figure_problems(ident: str, plan: BriefPlan) -> list[Problem]:
    """BG412 for each route figure whose smallest text would print under 7 pt on A4 even
    with its type grown (too many places side by side), at the section's ``figure``."""
    from briefgen.render.diagram import MIN_PRINT_PT

    problems = []
    for planned in plan.sections + plan.annexes:
        figure = planned.figure
        if figure is not None and figure.nodes and figure.smallest_print_pt < MIN_PRINT_PT:
            problems.append(
                Problem(
                    planned.section.where("figure"),
                    "BG412",
                    f"brief '{ident}': the route figure's smallest text prints at "
                    f"{figure.smallest_print_pt:.1f} pt on A4 (under {MIN_PRINT_PT:g} pt)",
                    "draw fewer routes side by side: split them between sections or briefs, each with 'figure: routes'",
                    "warning",
                )
            )
    return problems


class _Progress:
    """One status line on the terminal, rewritten as PDFs are done: count, brief, time."""

    def __init__(self, total: int, to_lay_out: int):
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        unchanged = total - to_lay_out
        if not to_lay_out:
            self._show(f"{counted(total, 'PDF')} unchanged: reusing their layouts...")
        else:
            self._show(
                f"laying out {counted(to_lay_out, 'PDF')}" + (f", {unchanged} unchanged" if unchanged else "") + "..."
            )

    def finished(self, ident: str) -> None:
        self.done += 1
        self._show(f"{ident} done ({time.monotonic() - self.started:.1f} s)")

    def reused(self, ident: str) -> None:
        self.done += 1
        self._show(f"{ident} reused (unchanged since it was laid out)")

    def close(self) -> None:
        """End the status line, so what follows (a summary, an error) starts on its own."""
        print(file=sys.stderr, flush=True)

    def _show(self, text: str) -> None:
        # \r and clear-to-end-of-line: the line is rewritten in place, never scrolls; the
        # text itself (a brief's id) can carry no control of its own (words.printable).
        print(f"\r\033[K[{self.done}/{self.total}] {printable(text)}", end="", file=sys.stderr, flush=True)


def _lay_out_pdfs(
    ids: list[str], jobs_args: list[PdfJob], jobs: int, progress: _Progress | None
) -> list[tuple[Laid, list[str], float]]:
    """Each brief's PDF, in the order of ``ids``; with ``jobs`` > 1 in worker processes
    (WeasyPrint is CPU-bound and holds the GIL), reporting each as it completes."""
    outcomes: list[tuple[Laid, list[str], float] | None] = [None] * len(ids)
    try:
        if jobs > 1 and len(ids) > 1:
            # Imported here: multiprocessing and its sockets cost every other build start-up time.
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=min(jobs, len(ids))) as pool:
                futures = {pool.submit(_pdf_job, job): n for n, job in enumerate(jobs_args)}
                for future in as_completed(futures):
                    n = futures[future]
                    outcomes[n] = future.result()  # a worker's BriefgenError is raised here
                    if progress:
                        progress.finished(ids[n])
        else:
            for n, job in enumerate(jobs_args):
                outcomes[n] = _pdf_job(job)
                if progress:
                    progress.finished(ids[n])
    finally:
        if progress:
            progress.close()
    return [o for o in outcomes if o is not None]


def build_project(
    project: Project,
    brief_ids: Iterable[str] = (),
    fmt: str = "all",
    out: Path | None = None,
    *,
    strict: bool = False,
    jobs: int = 1,
    progress: bool = False,
    changes_since: str | None = None,
    force: bool = False,
) -> BuildResult:
    """Check, render and write briefs; never writes anything when a step fails.

    ``changes_since`` (a git revision) adds the annex "What changed since the last edition".
    A PDF whose layout inputs are unchanged since a previous build is taken from the layout
    cache (render/layoutcache.py) instead of laid out; ``force`` lays out every one.
    """
    result = BuildResult()
    out = out or project.output
    result.completed = finish_interrupted_switch(out)
    base, problems = recall_or_check(project)
    result.problems = problems
    if errors_in(problems) or (strict and problems):
        result.failed = True
        return result
    ids = select_briefs(base, brief_ids)
    if jobs < 1:
        raise UsageError(Problem(Pos("briefgen build"), "BG502", "-j needs a number of 1 or more", "e.g. -j 2"))
    exts = list(FORMATS[fmt])
    # Fail early, before the slow part, when any output cannot be replaced (BG401).
    check_targets(output_path(out, ident, ext) for ident in ids for ext in exts)
    want_pdf = "pdf" in exts
    cache: LayoutCache | None = None
    if want_pdf:
        from briefgen.render.layoutcache import layout_cache

        cache = layout_cache()
    importing = False
    if want_pdf and jobs == 1 and (force or cache is None):
        importing = _start_pdf_import()
    changes = {}
    if changes_since is not None:
        from briefgen.editions.changes import brief_changes
        from briefgen.editions.revisions import load_revision

        earlier = load_revision(project, changes_since)
        changes = {ident: brief_changes(earlier, base, ident) for ident in ids}
    # Imported here, not at the top: `check` runs through this module and needs neither
    # Jinja nor Markdown.
    from briefgen.render.html import render_html
    from briefgen.render.plan import plan_brief

    roots = [str(r) for r in asset_roots(project)]
    pages: dict[str, str] = {}
    keys: dict[str, str] = {}
    laid: dict[str, Laid] = {}
    files: dict[Path, bytes] = {}
    for ident in ids:
        plan = plan_brief(base, base.briefs[ident])
        pages[ident] = render_html(plan, base, project, changes=changes.get(ident))
        result.problems.extend(small_figure_problems(ident, plan))
        if "docx" in exts:
            from briefgen.render.docx import render_docx

            files[output_path(out, ident, "docx")] = render_docx(plan, pages[ident], project)
        if cache is not None:
            keys[ident] = cache.key(pages[ident], str(project.root), roots)
            hit = None if force else cache.get(keys[ident], roots)
            if hit is not None:
                laid[ident] = hit
            elif jobs == 1 and not importing:
                importing = _start_pdf_import()  # overlaps the HTML of the briefs still to render
    if want_pdf:
        result.reused = [i for i in ids if i in laid]
        result.laid_out = [i for i in ids if i not in laid]
        status = _Progress(len(ids), len(result.laid_out)) if progress and ids else None
        for ident in result.reused:
            if status:
                status.reused(ident)
        if result.laid_out:
            jobs_args = [(pages[i], str(project.root), roots) for i in result.laid_out]
            freeze_survivors()  # what exists now lives until exit: spare it WeasyPrint's collections
            for ident, (outcome, loaded, started) in zip(
                result.laid_out, _lay_out_pdfs(result.laid_out, jobs_args, jobs, status), strict=True
            ):
                laid[ident] = outcome
                if cache is not None:
                    cache.put(keys[ident], roots, outcome, loaded, started)
        elif status:
            status.close()
        outcomes = [laid[i] for i in ids]
        for ident, (pdf, final_html, corrections, misplaced, refused, broken, n_pages) in zip(
            ids, outcomes, strict=True
        ):
            if broken:  # an image the PDF would silently lack: an error, and nothing is written
                result.problems.extend(broken_image_problems(base, project, ident, broken))
                result.failed = True
                continue
            files[output_path(out, ident, "pdf")] = pdf
            pages[ident] = final_html  # the HTML exactly as laid out, page-break corrections included
            result.corrections[ident] = corrections
            brief = base.briefs[ident]
            for note, call_page, body_page in misplaced:
                result.problems.append(
                    Problem(
                        brief.pos,
                        "BG405",
                        f"brief '{ident}': note {note} is called on page {call_page} but not printed at its foot"
                        + (f" (it is on page {body_page})" if body_page else ""),
                        "shorten the note or the paragraph around its call",
                        "warning",
                    )
                )
            if brief.template == ONE_PAGE_TEMPLATE and n_pages > 1:
                result.problems.append(
                    Problem(
                        brief.where("template"),
                        "BG411",
                        f"brief '{ident}': the one-page summary runs to {n_pages} pages",
                        "cut the summary, key judgments or sections, or use template: brief",
                        "warning",
                    )
                )
            for url in refused:
                result.problems.append(
                    Problem(
                        brief.pos,
                        "BG406",
                        f"brief '{ident}': refused to load {url}",
                        "briefs may load only the project's own templates and assets",
                        "warning",
                    )
                )
    if result.failed:
        return result
    if "html" in exts:
        for ident in ids:
            files[output_path(out, ident, "html")] = pages[ident].encode("utf-8")
    if strict and result.problems:  # warnings of the layout (BG405, BG406, BG411) fail a strict build too
        result.failed = True
        return result
    # All files or none: an interruption now leaves every previous output as it was.
    result.written.extend(write_all_atomic(dict(sorted(files.items()))))
    return result
