"""The citation plan of one brief, computed once before any template runs.

Walks the brief's prose in reading order (summary, key judgments, sections, annexes),
numbers the notes (same source, locator and credibility: the same number; first note for
a source in full, later ones short), names entities (full name and abbreviation at first
mention), resolves cross-references ("Figure 1") and collects what the brief uses. HTML
and PDF both render this one plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from markdown_it.token import Token

from briefgen.facts.crossrefs import Target, brief_targets
from briefgen.facts.graph import via_chain
from briefgen.facts.model import Brief, Claim, FactBase, PartialDate, Plain, Record, Route, Section, Source
from briefgen.render.diagram import RouteDiagram, route_diagram
from briefgen.render.markdown import mark_token, parse, parse_inline
from briefgen.render.naming import capitalised, entity_name
from briefgen.render.placing import fit_statement, join_calls, words_text


@dataclass(repr=False, eq=False)
class Note(Plain):
    """One footnote: a source at a locator, with its grade and the claims it backs.

    Every claim a note stands for gives the source at that locator the note's credibility,
    so the grade printed is true of each of them (see ``_Planner.find``).
    """

    number: int
    source: Source
    locator: str | None
    credibility: int | None
    form: str  # "full" or "short"
    via: list[tuple[Source, str]]  # the reporting chain, each with its form
    claims: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"note-{self.number}"

    @property
    def grade(self) -> str:
        """Admiralty grade, e.g. 'B2': source reliability, then information credibility."""
        return f"{self.source.custom.reliability or ''}{self.credibility or ''}"


@dataclass(repr=False, eq=False)
class Call(Plain):
    """One place in the text that calls a note."""

    note: Note
    anchor: str
    first: bool
    claim: str | None


class _Request(NamedTuple):
    """A wish to cite a source at a locator, on behalf of some claims."""

    source: str
    locator: str | None
    credibility: int | None
    claims: tuple[str, ...]


@dataclass(repr=False, eq=False)
class KeyJudgment(Plain):
    """A key judgment of the brief: its claim, inline tokens and note calls."""

    claim: Claim
    tokens: list[Token]
    calls: list[Call]


@dataclass(repr=False, eq=False)
class PlannedSection(Plain):
    """A section or annex as planned: anchor, tokens, table rows and figure."""

    section: Section
    anchor: str
    tokens: list[Token]
    rows: list[Record]
    figure: RouteDiagram | None = None  # drawn when the section asks for one
    figure_number: int = 0
    number: int = 0  # "Section 3" (or "Annex 1"), as cross-references write it
    table_target: Target | None = None  # the generated table's label and number
    figure_target: Target | None = None  # the generated figure's


@dataclass(repr=False, eq=False)
class BriefPlan(Plain):
    """Everything a template needs, computed; templates only lay it out."""

    brief: Brief
    summary: list[Token]
    key_judgments: list[KeyJudgment]
    sections: list[PlannedSection]
    annexes: list[PlannedSection]
    notes: list[Note]
    bibliography: list[Source]
    claims_used: list[Claim]
    info_cutoff: PartialDate | None
    entities: list[str] = field(default_factory=list)  # ids the brief names or is about
    targets: dict[str, Target] = field(default_factory=dict)  # what @fig-, @tbl-, @sec- point at


def sort_key(source: Source) -> str:
    """Sources list order: by first author, else by title without a leading article."""
    first = source.author[0].inverted() if source.author else (source.title or source.custom.description or source.id)
    first = first.lower().lstrip("“\"'‘")
    return re.sub(r"^(the|a|an) ", "", first)


class _Planner:
    def __init__(self, base: FactBase, brief: Brief):
        self.base = base
        self.brief = brief
        self.targets = brief_targets(brief)
        self.notes: list[Note] = []
        #: notes standing for claims, by (source, locator, credibility)
        self.by_key: dict[tuple[str, str | None, int | None], Note] = {}
        #: the first note of each (source, locator), and those so far called only from prose
        self.by_place: dict[tuple[str, str | None], Note] = {}
        self.unclaimed: dict[tuple[str, str | None], Note] = {}
        self.appeared: list[str] = []  # sources in order of first appearance in a note
        self.mentioned: set[str] = set()  # entities the brief refers to (for its tables)
        self.mentioned_in_text: set[str] = set()  # entities already named in full
        self.claims_used: dict[str, Claim] = {}

    # -- notes -------------------------------------------------------------------------
    def form_of(self, source_id: str) -> str:
        if source_id in self.appeared:
            return "short"
        self.appeared.append(source_id)
        return "full"

    def find(
        self, source_id: str, locator: str | None, credibility: int | None, claims: tuple[str, ...]
    ) -> Note | None:
        """The note this citation shares, if any.

        A note is shared only when source, locator and credibility agree: two claims
        grading the same passage differently get a note each, so a note's grade is true of
        every claim it stands for. A citation straight from prose stands for no claim and
        carries no credibility: it shares the first note of that source and locator.
        """
        if not claims:
            return self.by_place.get((source_id, locator))
        note = self.by_key.get((source_id, locator, credibility))
        if note is None:
            # A note so far called only from prose takes the grade of the first claim.
            note = self.unclaimed.pop((source_id, locator), None)
            if note is not None:
                note.credibility = credibility
                self.by_key[(source_id, locator, credibility)] = note
        return note

    def cite(self, source_id: str, locator: str | None, credibility: int | None, claims: tuple[str, ...]) -> Call:
        source = self.base.sources[source_id]
        note = self.find(source_id, locator, credibility, claims)
        if note is None:
            form = self.form_of(source_id)
            via = [(self.base.sources[s], self.form_of(s)) for s in via_chain(self.base, source_id)[1:]]
            note = Note(len(self.notes) + 1, source, locator, credibility, form, via)
            self.notes.append(note)
            self.by_place.setdefault((source_id, locator), note)
            if claims:
                self.by_key[(source_id, locator, credibility)] = note
            else:
                self.unclaimed[(source_id, locator)] = note
        for claim in claims:
            if claim not in note.claims:
                note.claims.append(claim)
        first = not note.calls
        call = Call(
            note,
            f"call-{note.number}" + ("" if first else f"-{len(note.calls) + 1}"),
            first,
            claims[-1] if claims else None,
        )
        note.calls.append(call)
        return call

    def claim_requests(self, claim_id: str, on_behalf: tuple[str, ...] = ()) -> list[_Request]:
        """What citing a claim cites: its own sources, or, for a judgment resting on other
        claims and citing nothing itself, the sources of the claims it rests on."""
        # Depth first in the order of ``supports``, with a stack of its own and each claim
        # walked once: a chain of any depth, a circle or a wide lattice of shared supports
        # stays linear (a claim reached again adds nothing its first visit did not).
        requests: list[_Request] = []
        seen: set[str] = set()
        todo = [(claim_id, on_behalf)]
        while todo:
            current, behalf = todo.pop()
            claim = self.base.claims.get(current)
            if claim is None or current in seen:
                continue
            seen.add(current)
            self.use(claim)
            backs = (*behalf, claim.id)
            if claim.sources:
                requests.extend(_Request(c.ref, c.locator, c.credibility, backs) for c in claim.sources)
            else:
                todo.extend((support, backs) for support in reversed(claim.supports))
        return requests

    def calls_for(self, requests: list[_Request]) -> list[Call]:
        """One call per distinct note, in order (two citations of one note make one call)."""
        calls: list[Call] = []
        seen: set[int] = set()
        for req in requests:
            existing = self.find(req.source, req.locator, req.credibility, req.claims)
            if existing is not None and existing.number in seen:
                for claim in req.claims:
                    if claim not in existing.claims:
                        existing.claims.append(claim)
                continue
            call = self.cite(req.source, req.locator, req.credibility, req.claims)
            seen.add(call.note.number)
            calls.append(call)
        return calls

    def cite_claim(self, claim_id: str) -> list[Call]:
        return self.calls_for(self.claim_requests(claim_id))

    def use(self, claim: Claim) -> None:
        self.claims_used.setdefault(claim.id, claim)
        self.mentioned.update(claim.about)

    # -- prose -------------------------------------------------------------------------
    def annotate(self, tokens: list[Token], marked: bool = False) -> list[Token]:
        """Resolve the prose's citations, claims, mentions and cross-references, in reading
        order (the first mention of an entity is the one named in full). ``marked``: the
        tokens are a mention's own words, marked already in their paragraph's context."""
        # Block tokens (a section's body) hold paragraphs of inline tokens; a claim's
        # statement is inline tokens already.
        paragraphs = [t.children for t in tokens if t.type == "inline" and t.children]
        for children in paragraphs or [tokens]:
            self._annotate_inline(children, marked)
        return tokens

    def _annotate_inline(self, children: list[Token], marked: bool) -> None:
        # The running text, for telling where sentences start: marked again as the claims
        # are placed, since a placed claim's words (its closing full stop) count. Without a
        # claim the marks made at parsing stand (markdown._tidy_rule).
        marked = marked or not any(t.type == "bg_claim" for t in children)
        before = ""
        for index, tok in enumerate(children):
            if tok.type != "bg_claim" and not marked:
                before = mark_token(tok, before)
            if tok.type == "bg_cite":
                requests: list[_Request] = []
                for item in tok.meta["items"]:
                    if item.ref in self.base.claims:
                        requests.extend(self.claim_requests(item.ref))
                    else:
                        requests.append(_Request(item.ref, item.locator, None, ()))
                tok.meta["calls"] = self.calls_for(requests)
                join_calls(tok.meta)
            elif tok.type == "bg_claim":
                self.place_claim(tok.meta)
                fit_statement(children, index, before)
                before = mark_token(tok, before)
            elif tok.type == "bg_mention":
                self.name(tok)
            elif tok.type == "bg_xref":
                tok.meta["target"] = self.targets.by_label[tok.meta["label"]]  # the validator checked it
            elif tok.type == "image" and tok.meta.get("figure"):
                tok.meta["target"] = self.targets.by_label[tok.meta["figure"]]

    def place_claim(self, meta: dict[str, Any]) -> None:
        claim = self.base.claims[meta["id"]]
        meta["claim"] = claim
        meta["children"] = self.annotate(parse_inline(claim.statement))
        meta["calls"] = self.cite_claim(claim.id)

    def name(self, tok: Token) -> None:
        """The words of a mention (see naming.entity_name). Words of the writer's own are
        kept, capitalised at a sentence's start, and do not count as naming the entity in
        full: the next plain mention still gives the full name."""
        meta = tok.meta
        ident = meta["id"]
        entity = self.base.entity(ident)
        assert entity is not None  # the validator checked every mention
        meta["entity"] = entity
        self.mentioned.add(ident)
        if meta.get("words"):
            first_text = next((t for t in tok.children or [] if t.type == "text" and t.content), None)
            if first_text is not None and meta.get("sentence_start"):
                first_text.content = capitalised(first_text.content)
            self.annotate(tok.children or [], marked=True)
            meta["text"] = words_text(tok)
            return
        first = ident not in self.mentioned_in_text
        self.mentioned_in_text.add(ident)
        meta["text"] = entity_name(
            entity,
            first=first,
            sentence_start=meta.get("sentence_start", False),
            determined=meta.get("determined", False),
        )

    def section(self, section: Section, index: int) -> PlannedSection:
        """The ``index``-th of the brief's sections and annexes, with its cross-reference
        targets (see facts/crossrefs.py)."""
        anchor = self.targets.section_anchors[index]
        tokens = self.annotate(parse(section.body or ""))
        planned = PlannedSection(section, anchor, tokens, [])
        label = anchor if anchor.startswith("sec-") else f"sec-{anchor}"
        planned.number = self.targets.by_label[label].number
        table, figure = self.targets.tables[index], self.targets.figures[index]
        planned.table_target = self.targets.by_label[table] if table else None
        planned.figure_target = self.targets.by_label[figure] if figure else None
        return planned

    def rows(self, kind: str) -> list[Record]:
        records = list(self.base.collection(kind).values())
        used = [r for r in records if r.id in self.mentioned]  # type: ignore[attr-defined]
        return used or records


def plan_brief(base: FactBase, brief: Brief) -> BriefPlan:
    """The brief's plan. The fact base must have passed validation."""
    planner = _Planner(base, brief)
    summary = planner.annotate(parse(brief.summary or ""))
    kjs = []
    for claim_id in brief.key_judgments:
        claim = base.claims[claim_id]
        children = planner.annotate(parse_inline(claim.statement))
        kjs.append(KeyJudgment(claim, children, planner.cite_claim(claim_id)))
    parts = [planner.section(s, i) for i, s in enumerate(brief.sections + brief.annexes)]
    sections, annexes = parts[: len(brief.sections)], parts[len(brief.sections) :]
    # Tables list what the whole brief refers to, so they are filled after all prose.
    for planned in sections + annexes:
        if planned.section.table:
            planned.rows = planner.rows(planned.section.table)
    # Figures likewise draw what the whole brief refers to; numbered in reading order.
    for planned in sections + annexes:
        target = planned.figure_target
        if planned.section.figure == "routes" and target is not None:
            routes = [r for r in planner.rows("routes") if isinstance(r, Route)]
            planned.figure = route_diagram(routes, base, target.anchor, planned.section.where("figure"))
            planned.figure_number = target.number
    # Via chains of bibliography entries: every source that appeared in a note.
    # Chicago cites personal communications in notes only: they are not in the sources list.
    listed = (base.sources[s] for s in planner.appeared if base.sources[s].type != "personal_communication")
    bibliography = sorted(listed, key=sort_key)
    dates = [c.as_of for c in planner.claims_used.values() if c.as_of]
    cutoff = max(dates, key=lambda d: d.sort_key) if dates else None
    return BriefPlan(
        brief,
        summary,
        kjs,
        sections,
        annexes,
        planner.notes,
        bibliography,
        list(planner.claims_used.values()),
        cutoff,
        sorted(planner.mentioned),
        planner.targets.by_label,
    )
