"""Evidence in the draft: what the preview shows when a note or a placed claim is opened.

For each citation, the passage (paragraph, named part or page) of the source's archive in
which its quote stands, in the archive's own words with the quote marked, the locator the
claim gives and the one where the quote was found. The quote is found as ``check`` finds
it (:mod:`briefgen.check.quotes`, under the one normalisation); the mark is carried back
to the archive's own text by :func:`normalise_mapped`, so curly quotes, dashes and accents
show as the source printed them.

Everything here is data for the draft's script, which writes it with ``textContent``:
archive text is content, and never becomes markup.
"""

from __future__ import annotations

from typing import Any

from briefgen.check.archives import Archive
from briefgen.check.archives.locators import canonical, span_locator
from briefgen.check.archives.model import Passage
from briefgen.check.archives.normalise import normalise_mapped
from briefgen.check.quotes import archive_source, locator_holds, occurrences, passages_of
from briefgen.facts.model import Citation, FactBase, Source
from briefgen.render.plan import BriefPlan, Note

#: the most characters of context shown on either side of a mark: a PDF page or a long
#: web paragraph is cut (with an ellipsis) rather than sent whole
CONTEXT = 1200


def claim_evidence(base: FactBase, claim_id: str) -> dict[str, Any] | None:
    """Each citation of claim ``claim_id`` with its quote in context; None for no such claim."""
    claim = base.claims.get(claim_id)
    if claim is None:
        return None
    return {
        "title": f"Evidence for {claim_id}",
        "claim": claim_id,
        "kind": claim.kind,
        "citations": [_citation(base, cite) for cite in claim.sources],
    }


def note_evidence(base: FactBase, plan: BriefPlan, number: int) -> dict[str, Any] | None:
    """What note ``number`` of a brief stands for, in context: the citations of its claims
    that the note prints (same source, locator and credibility), or, for a source cited
    straight from prose, the passage at the note's locator. None for no such note."""
    note = next((n for n in plan.notes if n.number == number), None)
    if note is None:
        return None
    citations = []
    for claim_id in note.claims:
        claim = base.claims.get(claim_id)
        for cite in claim.sources if claim else ():
            if _printed_by(note, cite):
                citations.append({**_citation(base, cite), "claim": claim_id})
    if not citations:  # cited from prose: no quote, but the locator names a passage
        citations.append(_at_locator(base, note.source, note.locator, note.grade))
    return {"title": f"Evidence for note {note.number}", "note": note.number, "citations": citations}


def _printed_by(note: Note, cite: Citation) -> bool:
    return cite.ref == note.source.id and cite.locator == note.locator and cite.credibility == note.credibility


def _citation(base: FactBase, cite: Citation) -> dict[str, Any]:
    """One citation: its source, grade, locator and quote, and the quote in its passage."""
    source = base.sources.get(cite.ref)
    entry: dict[str, Any] = {
        "source": cite.ref,
        "title": _title(source, cite.ref),
        "grade": f"{source.custom.reliability or ''}{cite.credibility or ''}" if source else "",
        "locator": cite.locator or "",
        "quote": cite.quote or "",
        "passages": [],
    }
    archived_by = archive_source(base, cite.ref) if source else None
    archive = base.archives.get(archived_by) if archived_by else None
    if archived_by is None or archive is None:
        entry["status"] = "the source has no archived copy, so the quote cannot be shown in context"
        return entry
    _describe_archive(entry, base, cite.ref, archived_by)
    if not cite.quote:
        return {**entry, **_passages_at(archive, cite.locator)}
    found = occurrences(cite.quote, archive)
    if not found:
        entry["status"] = "the quote is not in the archive (briefgen check reports where it differs)"
        return entry
    located = [(span, _span_locator(archive, span)) for span in found]
    # The occurrence the locator names, when one does; else the first.
    named = [(span, loc) for span, loc in located if locator_holds(cite.locator or "", cite.quote, [loc], archive)]
    (start, end), where = (named or located)[0]
    entry["found"] = where
    entry["locator_ok"] = bool(cite.locator) and locator_holds(cite.locator or "", cite.quote, [where], archive)
    entry["passages"] = [_marked(archive, index, start, end) for index in passages_of(archive, start, end)]
    return entry


def _at_locator(base: FactBase, source: Source, locator: str | None, grade: str) -> dict[str, Any]:
    """A source cited from prose: the passage its locator names, nothing marked."""
    entry: dict[str, Any] = {
        "source": source.id,
        "title": _title(source, source.id),
        "grade": grade,
        "locator": locator or "",
        "quote": "",
        "passages": [],
    }
    archived_by = archive_source(base, source.id)
    archive = base.archives.get(archived_by) if archived_by else None
    if archived_by is None or archive is None:
        entry["status"] = "the source has no archived copy"
        return entry
    _describe_archive(entry, base, source.id, archived_by)
    return {**entry, **_passages_at(archive, locator)}


def _describe_archive(entry: dict[str, Any], base: FactBase, cited: str, archived_by: str) -> None:
    archived = base.sources[archived_by]
    entry["archive"] = f"content/{archived.custom.archive}"
    if archived_by != cited:
        entry["via"] = archived_by


def _passages_at(archive: Archive, locator: str | None) -> dict[str, Any]:
    """The passages a locator names (a paragraph, a range, a page, a part, a section)."""
    if not locator:
        return {"status": "cited without a quote or a locator"}
    wanted = canonical(locator)
    if wanted.startswith("#"):
        text = archive.sections.get(wanted[1:])
        if text is None:
            return {"status": f"the archive has no element '{wanted}'"}
        return {"passages": [_piece(wanted, text, 0, 0)], "status": "cited without a quote"}
    names = [p.locator.lower() if p.kind == "part" else p.locator for p in archive.passages]
    first, last = _range_ends(wanted)
    if first in names and last in names and names.index(first) <= names.index(last):
        chosen = archive.passages[names.index(first) : names.index(last) + 1]
        return {"passages": [_piece(p.locator, _shown(p)[0], 0, 0) for p in chosen], "status": "cited without a quote"}
    return {"status": f"the archive has no passage at '{locator}'"}


def _range_ends(locator: str) -> tuple[str, str]:
    if locator.startswith("paras. "):
        first, _, last = locator[len("paras. ") :].partition("-")
        return f"para. {first}", f"para. {last}"
    if locator.startswith("pp. "):
        first, _, last = locator[len("pp. ") :].partition("-")
        return f"p. {first}", f"p. {last}"
    return locator, locator


def _span_locator(archive: Archive, span: tuple[int, int]) -> str:
    indexes = passages_of(archive, *span)
    return span_locator(archive.passages[indexes.start : indexes.stop])


def _marked(archive: Archive, index: int, start: int, end: int) -> dict[str, Any]:
    """Passage ``index`` with the part of the span ``start:end`` (of the joined text) that
    falls in it marked, in the passage's own text."""
    passage = archive.passages[index]
    offset = archive.starts[index]
    local_start = max(start, offset) - offset
    local_end = min(end, offset + len(passage.text)) - offset
    shown, origin = _shown(passage)
    mark_start = origin[local_start] if local_start < len(origin) else len(shown)
    mark_end = origin[local_end] if local_end < len(origin) else len(shown)
    while mark_end > mark_start and shown[mark_end - 1].isspace():
        mark_end -= 1
    return _piece(passage.locator, shown, mark_start, mark_end)


def _shown(passage: Passage) -> tuple[str, list[int]]:
    """The passage's own text and, per normalised character, where it stands in it; the
    normalised text itself where the two cannot be lined up character by character."""
    if passage.shown:
        folded, origin = normalise_mapped(passage.shown)
        if folded == passage.text:
            return passage.shown, origin
    return passage.text, list(range(len(passage.text)))


def _piece(locator: str, text: str, start: int, end: int) -> dict[str, Any]:
    """A passage cut for showing: the text before the mark (at most CONTEXT characters), the
    mark, the text after (likewise)."""
    before, mark, after = text[:start], text[start:end], text[end:]
    if len(before) > CONTEXT:
        before = "…" + before[-CONTEXT:].split(" ", 1)[-1]
    if len(after) > CONTEXT:
        after = after[:CONTEXT].rsplit(" ", 1)[0] + "…"
    return {"locator": locator, "before": before, "mark": mark, "after": after}


def _title(source: Source | None, ident: str) -> str:
    if source is None:
        return ident
    return source.title or source.custom.description or source.publisher or ident


__all__ = ["CONTEXT", "claim_evidence", "note_evidence"]
