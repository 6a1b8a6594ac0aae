"""What a brief's cross-references can point at: its sections, tables and figures, each
with its label (Quarto's ``sec-``, ``tbl-``, ``fig-``), its number in reading order and
its anchor in the HTML.

Worked out from the brief alone (no Markdown parser), so ``check`` reports a dangling
``@fig-...`` and the plan writes "Figure 2" from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from briefgen.facts.grammar import slugify
from briefgen.facts.model import Brief, Plain, Section
from briefgen.facts.syntax import scan_figure_labels

#: Anchors the brief's own frame uses, which a section may not take.
RESERVED_ANCHORS = frozenset({"summary", "key-judgments", "contents", "notes", "sources", "top"})
_WORDS = {"fig": "Figure", "tbl": "Table", "sec": "Section"}


class Target(NamedTuple):
    """Something a cross-reference can point at."""

    label: str  # "fig-routes", as written after the @
    kind: str  # "fig", "tbl" or "sec"
    number: int  # in reading order, per kind (annexes have numbers of their own)
    anchor: str  # the HTML id
    annex: bool = False
    generated: bool = False  # a generated table or figure (not one of the prose's images)

    @property
    def text(self) -> str:
        """What a cross-reference writes: "Figure 1", "Table 2", "Section 3", "Annex 1"."""
        return f"{'Annex' if self.annex else _WORDS[self.kind]} {self.number}"


@dataclass(repr=False, eq=False)
class BriefTargets(Plain):
    """A brief's targets by label, and each section's own (in the order of ``sections +
    annexes``): its anchor, and the labels of its generated table and figure."""

    by_label: dict[str, Target]
    section_anchors: list[str]
    tables: list[str | None]
    figures: list[str | None]
    #: figure labels given twice (the first place keeps the label)
    duplicates: list[str]


def section_anchor(section: Section, taken: set[str]) -> str:
    """A section's HTML id: its ``id``, else its heading's slug, made unique in ``taken``."""
    anchor = section.id or slugify(section.heading or "", fallback="section")  # a heading the check refused is None
    base, n = anchor, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def brief_targets(brief: Brief) -> BriefTargets:
    """Every target of the brief, numbered in reading order: the summary's figures, then
    each section's (and annex's) figures in its text, its generated figure, its table."""
    out = BriefTargets({}, [], [], [], [])
    counts = {"fig": 0, "tbl": 0}
    taken = set(RESERVED_ANCHORS)

    def add(label: str, kind: str, anchor: str, annex: bool = False, number: int = 0, generated: bool = False) -> str:
        if not number:
            counts[kind] += 1
            number = counts[kind]
        if label in out.by_label:
            out.duplicates.append(label)
        else:
            out.by_label[label] = Target(label, kind, number, anchor, annex, generated)
        return label

    def prose_figures(text: str | None) -> None:
        for fig in scan_figure_labels(text or ""):
            if fig.label and fig.placed:
                add(fig.label, "fig", fig.label)

    prose_figures(brief.summary)
    parts = [(s, False, i) for i, s in enumerate(brief.sections, 1)]
    parts += [(s, True, i) for i, s in enumerate(brief.annexes, 1)]
    for section, annex, number in parts:
        anchor = section_anchor(section, taken)
        out.section_anchors.append(anchor)
        label = anchor if anchor.startswith("sec-") else f"sec-{anchor}"
        add(label, "sec", anchor, annex, number)
        prose_figures(section.body)
        figure = None
        if section.figure:
            figure = _unique(f"fig-{section.figure}", set(out.by_label))
            add(figure, "fig", figure, generated=True)
        out.figures.append(figure)
        table = None
        if section.table:
            table = _unique(f"tbl-{section.table}", set(out.by_label))
            add(table, "tbl", table, generated=True)
        out.tables.append(table)
    return out


def _unique(label: str, taken: set[str]) -> str:
    """``label``, or ``label-2``, ``label-3``... when a brief has two tables of one kind."""
    candidate, n = label, 2
    while candidate in taken:
        candidate, n = f"{label}-{n}", n + 1
    return candidate
