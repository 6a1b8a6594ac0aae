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
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.check.validate import validate_project
from briefgen.errors import BriefgenError, Pos, Problem, UsageError, errors_in, sort_problems
from briefgen.facts.assets import image_data_uri, image_key
from briefgen.facts.graph import all_prose
from briefgen.facts.load import ParseCache, find_in_file
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.facts.syntax import scan_links
from briefgen.gcpause import freeze_survivors
from briefgen.render.templatecheck import check_templates
from briefgen.words import counted, did_you_mean, printable
from briefgen.write import check_targets, complete_switch, write_all_atomic


def check_project(project: Project, cache: ParseCache | None = None) -> tuple[FactBase, list[Problem]]:
    """The ``check`` stage: the fact base and every problem in it and in the templates, in file order.

    Renders nothing: no Markdown, and Jinja only for a project with templates of its own.
    """
    base, problems = validate_project(project, cache)
    problems.extend(check_templates(project, base))
    return base, sort_problems(problems)


@dataclass
class BuildResult:
    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    failed: bool = False
    corrections: dict[str, int] = field(default_factory=dict)
    #: Outputs an earlier, killed build had left half switched, replaced before this one began.
    completed: list[Path] = field(default_factory=list)


#: What each ``--format`` writes. ``all`` is what a brief is published as (HTML and PDF);
#: the DOCX, an export for editing and clearance, is asked for by name.
FORMATS = {"html": ("html",), "pdf": ("pdf",), "docx": ("docx",), "all": ("pdf", "html")}


def output_path(out: Path, ident: str, ext: str) -> Path:
    """Where a brief's HTML, PDF or DOCX goes."""
    return out / f"{ident}.{ext}"


def finish_interrupted_switch(folder: Path) -> list[Path]:
    """Complete the switch of outputs a killed build left half done in ``folder`` (see
    briefgen/write.py); the outputs replaced. Best effort: a folder that cannot be written
    now is reported when the build writes, and ``check`` writes nothing of its own."""
    try:
        return complete_switch(folder)
    except BriefgenError:
        return []


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
    if assets.resolve().is_relative_to(project.content.resolve()):
        roots.append(assets)
    return roots


def _import_pdf_stage() -> None:
    with contextlib.suppress(Exception):  # a real failure shows again where pdf is used
        import briefgen.render.pdf  # noqa: F401


PdfOutcome = tuple[bytes, str, int, list[tuple[int, int, int]], list[str], list[tuple[str, str]]]


def _pdf_job(args: tuple[str, str, list[str]]) -> PdfOutcome:
    from briefgen.render.pdf import render_pdf

    html, base_url, roots = args
    result = render_pdf(html, Path(base_url), [Path(r) for r in roots])
    return result.pdf, result.html, result.corrections, result.misplaced, result.refused, result.broken_images


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


class _Progress:
    """One status line on the terminal, rewritten as PDFs are done: count, brief, time."""

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._show(f"laying out {counted(total, 'PDF')}...")

    def finished(self, ident: str) -> None:
        self.done += 1
        self._show(f"{ident} done ({time.monotonic() - self.started:.1f} s)")

    def close(self) -> None:
        """End the status line, so what follows (a summary, an error) starts on its own."""
        print(file=sys.stderr, flush=True)

    def _show(self, text: str) -> None:
        # \r and clear-to-end-of-line: the line is rewritten in place, never scrolls; the
        # text itself (a brief's id) can carry no control of its own (words.printable).
        print(f"\r\033[K[{self.done}/{self.total}] {printable(text)}", end="", file=sys.stderr, flush=True)


def _lay_out_pdfs(
    ids: list[str], jobs_args: list[tuple[str, str, list[str]]], jobs: int, progress: _Progress | None
) -> list[PdfOutcome]:
    """Each brief's PDF, in the order of ``ids``; with ``jobs`` > 1 in worker processes
    (WeasyPrint is CPU-bound and holds the GIL), reporting each as it completes."""
    outcomes: list[PdfOutcome | None] = [None] * len(ids)
    try:
        if jobs > 1 and len(ids) > 1:
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
) -> BuildResult:
    """Check, render and write briefs; never writes anything when a step fails.

    ``changes_since`` (a git revision) adds the annex "What changed since the last edition".
    """
    result = BuildResult()
    out = out or project.output
    result.completed = finish_interrupted_switch(out)
    base, problems = check_project(project)
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
    if "pdf" in exts and jobs == 1:
        # Importing WeasyPrint takes over half a second, much of it waiting on subprocesses
        # that locate its libraries; start it now so that wait overlaps the HTML. Only now:
        # a build that fails its checks starts no import and spawns nothing.
        threading.Thread(target=_import_pdf_stage, name="briefgen-import", daemon=True).start()
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

    pages: dict[str, str] = {}
    files: dict[Path, bytes] = {}
    for ident in ids:
        plan = plan_brief(base, base.briefs[ident])
        pages[ident] = render_html(plan, base, project, changes=changes.get(ident))
        if "docx" in exts:
            from briefgen.render.docx import render_docx

            files[output_path(out, ident, "docx")] = render_docx(plan, pages[ident], project)
    if "pdf" in exts:
        roots = [str(r) for r in asset_roots(project)]
        jobs_args = [(pages[i], str(project.root), roots) for i in ids]
        freeze_survivors()  # what exists now lives until exit: spare it WeasyPrint's collections
        outcomes = _lay_out_pdfs(ids, jobs_args, jobs, _Progress(len(ids)) if progress and ids else None)
        for ident, (pdf, final_html, corrections, misplaced, refused, broken) in zip(ids, outcomes, strict=True):
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
                        f"brief '{ident}': note {note} is called on page {call_page} but printed on page {body_page}",
                        "shorten the note or the paragraph around its call",
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
    if strict and result.problems:  # warnings of the layout (BG405, BG406) fail a strict build too
        result.failed = True
        return result
    # All files or none: an interruption now leaves every previous output as it was.
    result.written.extend(write_all_atomic(dict(sorted(files.items()))))
    return result
