"""Render a brief's plan to one self-contained HTML document with Jinja2.

Templates come from the project's own ``templates/`` first, then the packaged defaults,
file by file. Autoescape and StrictUndefined are on: content is untrusted, and a typo in a
template is an error with the template's file and line, not an empty string.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from briefgen import __version__
from briefgen.cachedir import cache_folder, read_entry, write_entry
from briefgen.errors import BriefgenError, Pos, Problem
from briefgen.facts.assets import image_data_uri
from briefgen.facts.grammar import TEMPLATE_SUFFIX
from briefgen.facts.load import display_path
from briefgen.facts.model import LIKELIHOOD_BANDS, RELIABILITY, FactBase
from briefgen.facts.project import Project, packaged_templates
from briefgen.render.annexes import standard_annexes
from briefgen.render.diagram import status_swatch
from briefgen.render.markdown import render, render_inline
from briefgen.render.naming import entity_name
from briefgen.render.plan import BriefPlan, Call
from briefgen.render.typography import chicago, smarten_html

if TYPE_CHECKING:  # only a build with --changes-since needs the module (and pays its import)
    from briefgen.editions.changes import BriefChanges


def _pinpoint(locator: str) -> str:
    """A locator as Chicago's notes write it: a page without "p." ("p. 27" -> "27")."""
    return re.sub(r"^pp?\.\s*(?=\d)", "", locator.strip())


class VerifiedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates on disk, in cachedir's checked entries.

    Jinja's own FileSystemBytecodeCache raises when the disk is full or the folder is a
    file, and would run a damaged entry's code; here such an entry is compiled anew and a
    write that fails is skipped.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.bin"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = read_entry(self._path(bucket))
        if payload is None:
            return
        try:
            bucket.load_bytecode(io.BytesIO(payload))  # Jinja checks its magic and the source's checksum
        except Exception:  # a verified entry this Jinja cannot read: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = io.BytesIO()
        bucket.write_bytecode(data)
        write_entry(self._path(bucket), data.getvalue())


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs: a command starts without compiling them again.

    Jinja checks each template's source checksum, so an edited template is compiled anew.
    """
    folder = cache_folder("jinja")
    return VerifiedBytecodeCache(folder) if folder is not None else None


@cache
def environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    """The Jinja environment over template ``folders``, first match wins (cached: loaders
    and compiled templates are reused). ``Project.template_folders()`` gives them."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2", "htm"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["chicago"] = chicago
    env.filters["pinpoint"] = _pinpoint
    env.filters["full_name"] = lambda entity: entity_name(entity, first=True, determined=True)
    env.filters["upfirst"] = lambda text: text[:1].upper() + text[1:] if text else text
    return env


def template_problem(exc: BaseException, name: str) -> Problem:
    """A template error as a Problem at the template's file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Problem(
            Pos(display_path(Path(exc.filename)) if exc.filename else exc.name or name, exc.lineno or 0, 1),
            "BG302",
            f"template syntax error: {exc.message}",
            "fix the Jinja syntax at this line",
        )
    import traceback  # only a failed render needs it

    # Jinja rewrites tracebacks so template frames carry the template file and line.
    where = Pos(name)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".j2", ".html", ".css")):
            where = Pos(display_path(Path(frame.filename)), frame.lineno or 0, 1)
            break
    hint = "check the variable and attribute names used in the template"
    if isinstance(exc, jinja2.UndefinedError):
        return Problem(where, "BG303", f"template error: {exc.message}", hint)
    if isinstance(exc, RecursionError):
        return Problem(
            where, "BG303", "template error: a macro or include calls itself without end", "give the recursion an end"
        )
    return Problem(where, "BG303", f"template error: {type(exc).__name__}: {exc}", hint)


class _Renderer:
    """The callbacks the Markdown render rules call, bound to one brief's templates."""

    def __init__(self, env: jinja2.Environment, draft: bool, content: Path | None = None):
        self.content = content  # images in prose are inlined from content/assets/ only
        self.calls_macro = env.get_template("partials/calls.html.j2").module.calls  # type: ignore[attr-defined]
        self.note_macro = env.get_template("partials/cite.html.j2").module.note  # type: ignore[attr-defined]
        # The markup of claims, mentions and images; a project's templates/ may override it.
        self.prose_macros: Any = env.get_template("partials/prose.html.j2").module
        # A project's prose.html.j2 written before figures and cross-references had macros
        # gets the packaged ones for those.
        packaged: Any = None
        if not (hasattr(self.prose_macros, "xref") and hasattr(self.prose_macros, "figure")):
            packaged = environment((packaged_templates(),)).get_template("partials/prose.html.j2").module
        self.xref_macro: Any = getattr(self.prose_macros, "xref", None) or packaged.xref
        self.figure_macro: Any = getattr(self.prose_macros, "figure", None) or packaged.figure
        # Each note's footnote body, written once per brief and handed to the calls macro
        # (a note is called again and again); a project's own calls.html.j2 that takes no
        # ``bodies`` writes them itself, as before.
        self.bodies: dict[int, Markup] | None = {} if "bodies" in getattr(self.calls_macro, "arguments", ()) else None
        self.draft = draft
        #: facts resting on one independent source, flagged in drafts (not in final builds)
        self.single_source: set[str] = set()
        self.md_env: dict[str, Any] = {
            "render_calls": self.calls,
            "render_claim": self.claim,
            "render_mention": self.mention,
            "render_image": self.image,
            "render_figure": self.figure,
            "render_xref": self.xref,
        }

    def calls(self, calls: list[Call]) -> str:
        bodies = self.bodies
        if bodies is None:
            return str(self.calls_macro(calls))
        for call in calls:
            if call.note.number not in bodies:
                bodies[call.note.number] = Markup(self.note_macro(call.note, False))
        return str(self.calls_macro(calls, bodies))

    def image(self, src: str, alt: str, title: str) -> str:
        """An image from content/assets/ as a data: URI (the HTML stays one file and the PDF
        fetches nothing); any other source is refused and only its alt text is written."""
        uri = image_data_uri(self.content, src) if self.content is not None else None
        return str(self.prose_macros.image(uri=uri, alt=alt, title=title))

    def figure(self, src: str, alt: str, title: str, meta: dict[str, Any]) -> str:
        """An image in prose labelled ``{#fig-ID}``: a numbered figure, its alt text the caption."""
        uri = image_data_uri(self.content, src) if self.content is not None else None
        return str(self.figure_macro(uri=uri, alt=alt, title=title, target=meta["target"]))

    def xref(self, meta: dict[str, Any]) -> str:
        return str(self.xref_macro(target=meta["target"]))

    def note_text(self, note: Any) -> Markup:
        return Markup(self.note_macro(note))

    def claim(self, meta: dict[str, Any], inner: str) -> str:
        claim = meta["claim"]
        calls: list[Call] = meta.get("calls", [])
        return str(
            self.prose_macros.claim(
                id=claim.id,
                kind=claim.kind,
                # each source once; the claim's own (a citation right after it joins its calls)
                sources=list(dict.fromkeys(c.note.source.id for c in calls if c.claim == claim.id)),
                as_of=str(claim.as_of) if claim.as_of else "",
                draft=self.draft,
                where=str(claim.pos) if claim.pos else "",
                inner=Markup(inner),  # the statement, rendered (and escaped) by the Markdown renderer
                lead=meta.get("lead", ""),
                calls=Markup(self.calls(calls)),
                single_source=claim.id in self.single_source,
            )
        )

    def mention(self, meta: dict[str, Any], words: str | None) -> str:
        """A mention; ``words``, the writer's own words, are HTML the Markdown renderer
        has already escaped."""
        text = Markup(words) if words is not None else meta["text"]
        return str(self.prose_macros.mention(id=meta["id"], text=text))

    def prose(self, tokens: list[Any]) -> Markup:
        return Markup(render(tokens, self.md_env))

    def inline(self, tokens: list[Any]) -> Markup:
        return Markup(render_inline(tokens, self.md_env))


def provenance(plan: BriefPlan) -> dict[str, dict[str, Any]]:
    """What the preview shows on hovering a claim or note: ids, grades, dates, YAML file:line."""
    notes_by_claim: dict[str, list[dict[str, str]]] = {}
    for note in plan.notes:
        for claim_id in note.claims:
            notes_by_claim.setdefault(claim_id, []).append(
                {"source": note.source.id, "grade": note.grade, "locator": note.locator or "", "note": str(note.number)}
            )
    out: dict[str, dict[str, Any]] = {}
    for claim in plan.claims_used:
        entry: dict[str, Any] = {
            "kind": claim.kind,
            "as_of": str(claim.as_of) if claim.as_of else "",
            "where": str(claim.pos) if claim.pos else "",
            "sources": notes_by_claim.get(claim.id, []),
        }
        if claim.kind == "judgment":
            entry["likelihood"] = claim.likelihood or ""
            entry["confidence"] = claim.confidence or ""
        out[claim.id] = entry
    return out


@contextlib.contextmanager
def template_errors(name: str) -> Iterator[None]:
    """Whatever rendering template ``name`` raises, as the one BriefgenError a user sees:
    a missing include (BG301), or the template's own mistake at its line (BG302...)."""
    try:
        yield
    except jinja2.TemplateNotFound as exc:
        raise BriefgenError(
            Problem(Pos(name), "BG301", f"template '{exc.name}' not found", "add it to templates/ or fix the include")
        ) from None
    except BriefgenError:
        raise  # already a problem a user can act on (a callback's, an image's)
    except Exception as exc:  # the template is the project's own code: whatever it raises is its mistake
        raise BriefgenError(template_problem(exc, name)) from None


def note_texts(plan: BriefPlan, project: Project) -> dict[int, Markup]:
    """Each note's text as HTML, by number, from the citation partial (cite.html.j2's
    ``note``, grade included): the words of the HTML's note list, for other renderings."""
    env = environment(tuple(project.template_folders()))
    name = "partials/cite.html.j2"
    with template_errors(name):
        macro = env.get_template(name).module.note  # type: ignore[attr-defined]
        return {note.number: Markup(macro(note)) for note in plan.notes}


def render_html(
    plan: BriefPlan,
    base: FactBase,
    project: Project,
    *,
    draft: bool = False,
    draft_tag: str = "",
    changes: BriefChanges | None = None,
) -> str:
    """The brief as one HTML document (CSS inlined, nothing fetched).

    ``draft`` adds the live preview's script and provenance data; ``draft_tag`` names the
    draft's inputs, so an open page can tell whether it is out of date. ``changes`` adds
    the annex "What changed since the last edition".
    """
    env = environment(tuple(project.template_folders()))
    name = f"{plan.brief.template}{TEMPLATE_SUFFIX}"
    with template_errors(name):  # an include, an import or a partial's own code: its problem
        try:
            template = env.get_template(name)
            renderer = _Renderer(env, draft, project.content)
        except jinja2.TemplateNotFound as exc:
            if exc.name != name:
                raise
            raise BriefgenError(  # the brief's own template: the mistake is in the brief
                Problem(
                    plan.brief.where("template"),
                    "BG301",
                    f"brief '{plan.brief.id}': no template '{plan.brief.template}' ({name})",
                    "use brief or summary, or add templates/" + name,
                )
            ) from None
    standards = standard_annexes(plan, base, changes)
    if draft:
        renderer.single_source = {f.claim.id for f in standards.single_source}
    names = {
        i: getattr(r, "name", i)
        for c in ("actors", "minerals", "places", "routes")
        for i, r in base.collection(c).items()
    }
    with template_errors(name):
        # Curly quotes in every text, whichever template wrote it (render/typography.py).
        return smarten_html(
            template.render(
                plan=plan,
                brief=plan.brief,
                draft=draft,
                version=__version__,
                prose=renderer.prose,
                inline=renderer.inline,
                calls=lambda calls: Markup(renderer.calls(calls)),
                note_text=renderer.note_text,
                names=names,
                sources=base.sources,
                bands=LIKELIHOOD_BANDS,
                reliability=RELIABILITY,
                draft_tag=draft_tag,
                provenance=provenance(plan) if draft else {},
                standards=standards,
                status_swatch=status_swatch,
            )
        )
