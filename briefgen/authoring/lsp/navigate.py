"""Hover, go to definition and find references, on the occurrences of ids.

Hover text is Markdown for the editor, built from content: every character of content
that Markdown could read as syntax is escaped, so a statement cannot make a link, an
image (which an editor would fetch) or HTML in the hover.
"""

from __future__ import annotations

import re

from briefgen.authoring.lsp.completion import one_line
from briefgen.authoring.lsp.state import Snapshot
from briefgen.authoring.occurrences import Occurrence
from briefgen.facts.graph import kind_of
from briefgen.facts.model import CREDIBILITY, RELIABILITY, Claim, Source

_MARKDOWN_SYNTAX_RE = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&:@\"'=$])")


def escape(text: str) -> str:
    """Content as literal Markdown text, on one line."""
    return _MARKDOWN_SYNTAX_RE.sub(r"\\\1", " ".join(text.split()))


def hover_text(snapshot: Snapshot, ident: str) -> str | None:
    """The record behind an id, as Markdown; None for an id no record has."""
    base = snapshot.base
    kind = kind_of(base, ident)
    if kind is None:
        return None
    record = base.find(ident)
    head = f"**{kind}** `{ident}`"
    if isinstance(record, Claim):
        grade = [record.kind]
        if record.likelihood:
            grade.append(record.likelihood)
        if record.confidence:
            grade.append(f"{record.confidence} confidence")
        if record.as_of:
            grade.append(f"as of {record.as_of}")
        out = [f"{head} · {escape(', '.join(grade))}", "", escape(record.statement or "")]
        for cite in record.sources:
            source = base.sources.get(cite.ref)
            reliability = source.custom.reliability if source else None
            meaning = CREDIBILITY[cite.credibility] if cite.credibility else "no credibility"
            letters = f"{reliability or '?'}{cite.credibility or '?'}"
            line = f"- `{cite.ref}`, {escape(cite.locator or 'no locator')} · grade {letters} ({escape(meaning)})"
            if cite.quote:
                line += f"  \n  “{escape(one_line(cite.quote, 300))}”"
            out.append(line)
        if record.supports:
            out.append("")
            out.append("rests on " + ", ".join(f"`{s}`" for s in record.supports))
        return "\n".join(out)
    if isinstance(record, Source):
        title = record.title or record.custom.description or ident
        out = [head, "", escape(title)]
        if record.container_title:
            out.append("")
            out.append(f"in {escape(record.container_title)}" + (f", {record.issued}" if record.issued else ""))
        letter = record.custom.reliability
        out.append("")
        out.append(f"reliability {letter}: {escape(RELIABILITY[letter])}" if letter in RELIABILITY else "not graded")
        if record.custom.via:
            out.append("")
            out.append(f"known only via `{record.custom.via}`")
        return "\n".join(out)
    name = getattr(record, "name", None) or ident
    short = getattr(record, "short", None)
    sort = getattr(record, "kind", None)
    named = escape(name) + (f" ({escape(short)})" if short else "")
    out = [head + (f" · {escape(sort)}" if sort else ""), "", named]
    description = getattr(record, "description", None)
    if description:
        out += ["", escape(one_line(description, 300))]
    return "\n".join(out)


def definition(snapshot: Snapshot, ident: str) -> list[Occurrence]:
    """Where the record with this id is defined (more than one place: a duplicate id)."""
    return snapshot.index.definitions(ident)


def references(snapshot: Snapshot, ident: str, include_declaration: bool) -> list[Occurrence]:
    """Every place the id is written: fields and prose (what ``impact`` counts as a direct
    use), and its definition when asked."""
    return [o for o in snapshot.index.of(ident) if include_declaration or o.role != "definition"]
