"""The fact base as a graph: the one home of every walk over its links.

Pure functions over a loaded fact base (no Markdown, no Jinja): the ``via`` chains of
sources and the publications they reach us through, the ``supports`` of judgments, the
parts of a brief and the claims it uses, and what depends on a record (the core of
``briefgen impact`` and of the retraction rules in ``check.standards``). A source's
dependents include every source known only ``via`` it; a claim's include every judgment
resting on it through ``supports``, however indirectly; a brief depends on a record where
its prose names, cites or places it or one of its dependents.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import NamedTuple

from briefgen.errors import Pos
from briefgen.facts.load import locate_in_file
from briefgen.facts.model import ENTITY_COLLECTIONS, Brief, Claim, FactBase, Plain
from briefgen.facts.reuse import Reuse, each
from briefgen.facts.syntax import mention_allowed_before, occurrences_before, scan_references
from briefgen.lazyinit import lazy_dataclass


class FileTexts:
    """File lines by display path: the ones the validator already read, else read from
    disk; each file split into lines once (``find_in_file`` searches the same list)."""

    def __init__(self, known: Mapping[str, str | list[str]] | None = None):
        known = known or {}
        self._lines = {name: text.splitlines() if isinstance(text, str) else text for name, text in known.items()}

    def __getitem__(self, name: str) -> list[str]:
        if name not in self._lines:
            try:
                self._lines[name] = Path(name).read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines[name] = []
        return self._lines[name]


class Use(NamedTuple):
    """One place in a brief that refers to ``ref``: which brief, which part, where."""

    brief: str
    part: str  # "summary", "key judgments", "section 'Heading'" or "annex 'Heading'"
    ref: str
    pos: Pos


def brief_parts(brief: Brief) -> Iterator[tuple[str, str | None, Pos]]:
    """(part name, Markdown text, position of the text) for each prose part of a brief."""
    yield "summary", brief.summary, brief.where("summary")
    for section in brief.sections:
        yield f"section '{section.heading}'", section.body, section.where("body")
    for annex in brief.annexes:
        yield f"annex '{annex.heading}'", annex.body, annex.where("body")


class Prose(NamedTuple):
    """One Markdown field of the fact base: whose it is, its text and where the text starts.
    (A named tuple: several passes walk every prose field, and a frozen dataclass costs a
    call per field to make.)"""

    owner: str  # "claim 'id'" or "brief 'id'", for messages
    text: str | None
    pos: Pos
    statement: bool  # a claim's statement (which may name entities but cite nothing)


def all_prose(base: FactBase) -> Iterator[Prose]:
    """Every prose field: claim statements, then each brief's parts in reading order."""
    for record in prose_records(base):
        yield from prose_of(record)


def prose_records(base: FactBase) -> Iterator[Claim | Brief]:
    """The records that hold prose, in the order of :func:`all_prose`: claims, then briefs."""
    yield from base.claims.values()
    yield from base.briefs.values()


def prose_of(record: Claim | Brief) -> list[Prose]:
    """One record's prose fields: a claim's statement, or a brief's parts in reading order."""
    if isinstance(record, Claim):
        return [Prose(f"claim '{record.id}'", record.statement, record.where("statement"), True)]
    return [Prose(f"brief '{record.id}'", text, pos, False) for _part, text, pos in brief_parts(record)]


def prose_texts(record: Claim | Brief) -> list[str]:
    """The texts of :func:`prose_of` alone, for scans that need only the words: several
    passes run over every claim, and a claim's statement needs no Prose made for it."""
    if isinstance(record, Claim):
        return [record.statement] if record.statement else []
    return [text for _part, text, _pos in brief_parts(record) if text]


def brief_uses(brief: Brief, texts: FileTexts) -> list[Use]:
    """Every id a brief refers to, in reading order, with its position in the YAML file."""
    uses: list[Use] = []
    parts = list(brief_parts(brief))
    for name, text, pos in parts[:1]:
        uses.extend(_prose_uses(brief.id, name, text, pos, texts))
    counts: dict[str, int] = {}
    where = brief.where("key_judgments")
    lines = texts[where.file]
    for claim_id in brief.key_judgments:
        nth = counts.get(claim_id, 0)
        counts[claim_id] = nth + 1
        # A whole id, as a mention is found: 'j-road' is not the start of 'j-road-late'.
        at = find_reference(lines, where, claim_id, "mention", nth) or where
        uses.append(Use(brief.id, "key judgments", claim_id, at))
    for name, text, pos in parts[1:]:
        uses.extend(_prose_uses(brief.id, name, text, pos, texts))
    return uses


def _prose_uses(brief: str, part: str, text: str | None, pos: Pos, texts: FileTexts) -> Iterator[Use]:
    if not text:
        return
    lines = texts[pos.file]
    for token, _how, nth, refs in reference_tokens(text):
        at = find_prose_reference(lines, pos, token, nth) or pos
        for ref in refs:
            yield Use(brief, part, ref, at)


def reference_tokens(text: str) -> list[tuple[str, str, int, list[str]]]:
    """(token, how, nth, ids) for each prose reference in ``text``, in order: ``nth`` counts
    the times the token's text stands in the prose before it, code and longer ids included
    (as :func:`find_prose_reference` counts it in the file), and a citation of several ids
    (``[@a; @b]``) is one token with all of them."""
    by_offset: dict[int, tuple[str, str, list[str]]] = {}
    for ref in scan_references(text):
        by_offset.setdefault(ref.offset, (ref.token, ref.how, []))[2].append(ref.ref)
    return [
        (token, how, occurrences_before(text, token, offset), refs) for offset, (token, how, refs) in by_offset.items()
    ]


def find_prose_reference(lines: list[str], pos: Pos, token: str, nth: int) -> Pos | None:
    """Where a prose reference stands in a file's ``lines``: the ``nth`` time its token is
    written from ``pos`` (where the prose value starts), ``nth`` counted in the prose itself
    (:func:`reference_tokens`), so what the scan passes over (code, ``@kia`` inside
    ``@kia-hq``) is counted alike on both sides. None when it is not written as itself (a
    YAML escape, a line break inside it). Resumes after the previous occurrence
    (facts.load.locate_in_file): linear in the prose."""
    return locate_in_file(lines, pos, token, nth)


_SLUG_GOES_ON = re.compile(r"[a-z0-9]|-[a-z0-9]")


def find_reference(lines: list[str], pos: Pos, token: str, how: str, nth: int) -> Pos | None:
    """Where the ``nth`` id written as ``token`` stands in a field's ``lines`` (a list of
    ids such as ``key_judgments``), searching from ``pos``, as a mention is read: ``@kia``
    is not the start of ``@kia-hq``, nor of ``x@kia``, nor in a code span on its line.
    None when it is not written as itself. Resumes after the previous occurrence
    (facts.load.locate_in_file). Prose has :func:`find_prose_reference`."""

    def counts(line: str, col: int) -> bool:
        if line.count("`", 0, col) % 2:
            return False  # inside a code span, which prose does not read as syntax
        return how != "mention" or (
            mention_allowed_before(line, col) and not _SLUG_GOES_ON.match(line, col + len(token))
        )

    return locate_in_file(lines, pos, token, nth, counts, how)


@lazy_dataclass(repr=False, eq=False)
class Impact(Plain):
    """Everything that depends on one record."""

    target: str
    kind: str  # source, claim, actor, mineral, place or route
    pos: Pos
    sources: list[str] = field(default_factory=list)  # sources known only through it
    claims: list[str] = field(default_factory=list)  # claims citing it, naming it or about it
    judgments: list[str] = field(default_factory=list)  # claims resting on those through supports
    entities: list[str] = field(default_factory=list)  # entities that refer to it
    uses: list[Use] = field(default_factory=list)  # places in briefs that depend on it
    #: for each use, the ids that lead from the use back to the target (for messages)
    through: dict[Use, str] = field(default_factory=dict)

    def parts(self) -> dict[tuple[str, str], list[Use]]:
        """Uses grouped by (brief, part), in reading order."""
        grouped: dict[tuple[str, str], list[Use]] = {}
        for use in self.uses:
            grouped.setdefault((use.brief, use.part), []).append(use)
        return grouped


def supporters(base: FactBase) -> dict[str, list[str]]:
    """Claim id -> the claims that list it in ``supports``."""
    out: dict[str, list[str]] = {}
    for claim in base.claims.values():
        for support in claim.supports:
            out.setdefault(support, []).append(claim.id)
    return out


def via_chain(base: FactBase, source_id: str) -> list[str]:
    """``source_id`` and every source it is reported through, in order. The chain stops at
    a source known first-hand, at an id the base does not hold, or where it would come
    back to a source already in it (:func:`via_loops` tells which)."""
    chain = [source_id]
    seen = {source_id}  # a set beside the list: a long chain stays linear
    src = base.sources.get(source_id)
    nxt = src.custom.via if src else None
    while nxt and nxt in base.sources and nxt not in seen:
        chain.append(nxt)
        seen.add(nxt)
        nxt = base.sources[nxt].custom.via
    return chain


def via_loops(base: FactBase, source_id: str) -> bool:
    """Whether ``source_id``'s via chain goes round in a circle instead of ending (it may
    lead into one from outside it; :func:`circles` finds the members)."""
    chain = via_chain(base, source_id)
    last = base.sources.get(chain[-1])
    return bool(last and last.custom.via and last.custom.via in chain)


def cited_sources(base: FactBase, reuse: Reuse | None = None) -> dict[str, str | None]:
    """Every source something cites, and every source one is known ``via``: each mapped to
    None when a claim or prose cites it, else to the cited source it relays. With
    ``reuse``, the ids each record cites are taken from the last check for a record object
    seen there."""
    direct: dict[str, None] = {}
    for refs in each(reuse, base, "graph.cites", ("claims",), _cited_ids):
        for ref in refs:
            if ref in base.sources:
                direct[ref] = None
    for refs in each(reuse, base, "graph.prose_cites", ("claims", "briefs"), _prose_cited_ids):
        for ref in refs:
            if ref in base.sources:
                direct[ref] = None
    out: dict[str, str | None] = dict(direct)
    for source_id in direct:
        for relay in via_chain(base, source_id)[1:]:
            out.setdefault(relay, source_id)
    return out


def _cited_ids(claim: Claim) -> list[str]:
    return [cite.ref for cite in claim.sources]


def _prose_cited_ids(record: Claim | Brief) -> list[str]:
    return [ref.ref for text in prose_texts(record) for ref in scan_references(text) if ref.how == "cite"]


def publication(base: FactBase, source_id: str) -> str:
    """The source at the end of the via chain: the publication it reaches us through."""
    return via_chain(base, source_id)[-1]


def independent_sources(base: FactBase, claim: Claim) -> list[str]:
    """The publications a claim's sources reach us through (sources ``via`` one count once)."""
    roots: dict[str, None] = {}
    for cite in claim.sources:
        if cite.ref in base.sources:
            roots[publication(base, cite.ref)] = None
    return list(roots)


def claims_used_by(base: FactBase, brief: Brief) -> list[str]:
    """The claims a brief uses, in reading order, as its citation plan counts them: claims
    cited or placed in its prose, its key judgments, and the supports of a judgment that
    cites nothing itself (its notes cite those). ``tests/test_graph.py`` holds the plan to
    this rule, on the example and on generated briefs."""
    used: dict[str, None] = {}
    parts = list(brief_parts(brief))
    for ref in scan_references(parts[0][1] or ""):
        if ref.how in ("cite", "claim"):
            _use_claim(base, ref.ref, used)
    for claim_id in brief.key_judgments:
        _use_claim(base, claim_id, used)
    for _name, text, _pos in parts[1:]:
        for ref in scan_references(text or ""):
            if ref.how in ("cite", "claim"):
                _use_claim(base, ref.ref, used)
    return list(used)


def _use_claim(base: FactBase, claim_id: str, used: dict[str, None]) -> None:
    """Add a claim to ``used`` and, when it cites nothing itself, the claims it rests on.

    A module function, not a recursive closure: a closure that calls itself is a reference
    cycle holding the fact base, which only the cycle collector could free (see gcpause).
    """
    todo = [claim_id]
    while todo:
        current = todo.pop()
        claim = base.claims.get(current)
        if claim is None or current in used:
            continue
        used[current] = None
        if not claim.sources:
            todo.extend(reversed(claim.supports))


def kind_of(base: FactBase, ident: str) -> str | None:
    if ident in base.sources:
        return "source"
    if ident in base.claims:
        return "claim"
    for name in ENTITY_COLLECTIONS:
        if ident in base.collection(name):
            return name[:-1]
    return None


def _entity_refs(record: object) -> list[str]:
    """Ids of entities an entity refers to (parent, within, from, to, via, commodities)."""
    refs: list[str] = []
    for name in ("parent", "within", "from_", "to"):
        value = getattr(record, name, None)
        if value:
            refs.append(value)
    for name in ("via", "commodities"):
        refs.extend(getattr(record, name, None) or [])
    return refs


def impact_of(
    base: FactBase,
    ident: str,
    texts: FileTexts,
    uses: list[Use] | None = None,
    backers: Mapping[str, list[str]] | None = None,
    through: Callable[[str], bool] | None = None,
) -> Impact:
    """Everything that depends on the source, claim or entity ``ident`` (which must exist).

    ``uses`` is every brief's :func:`brief_uses` and ``backers`` the :func:`supporters`
    of ``base``, when the caller has them already (a caller asking for the impact of many
    ids computes them once). ``through`` says which judgments the walk over ``supports``
    may go on from (all, by default): a check that reports each withdrawn judgment's own
    dependents stops at them, which keeps a long chain of them linear.
    """
    kind = kind_of(base, ident)
    assert kind is not None, ident
    record = base.find(ident)
    assert record is not None
    impact = Impact(ident, kind, record.where("id"))
    # Why each dependent depends on the target: dependent id -> the id it depends through.
    reason: dict[str, str] = {ident: ident}
    if kind == "source":
        for source in base.sources.values():
            chain = via_chain(base, source.id)
            if source.id != ident and ident in chain:
                impact.sources.append(source.id)
                reason[source.id] = ident
        cited = {ident, *impact.sources}
        for claim in base.claims.values():
            hit = next((c.ref for c in claim.sources if c.ref in cited), None)
            if hit is not None:
                impact.claims.append(claim.id)
                reason[claim.id] = hit
    elif kind != "claim":
        for name in ENTITY_COLLECTIONS:
            for other_id, other in base.collection(name).items():
                if ident in _entity_refs(other):
                    impact.entities.append(other_id)
        for claim in base.claims.values():
            named = ident in claim.about or any(
                r.ref == ident and r.how == "mention" for r in scan_references(claim.statement or "")
            )
            if named:
                impact.claims.append(claim.id)
                reason[claim.id] = ident
    # Judgments resting on the target or its dependent claims, however indirectly.
    if backers is None:
        backers = supporters(base)
    queue = [ident, *impact.claims] if kind == "claim" else list(impact.claims)
    done = set(queue)
    for current in queue:  # breadth first; the list grows as it is read
        for judgment in backers.get(current, []):
            if judgment in done:
                continue
            done.add(judgment)
            impact.judgments.append(judgment)
            reason[judgment] = current
            if through is None or through(judgment):
                queue.append(judgment)
    if uses is None:
        uses = [u for brief in base.briefs.values() for u in brief_uses(brief, texts)]
    for use in uses:
        if use.ref in reason:
            impact.uses.append(use)
            impact.through[use] = _path(reason, use.ref, ident)
    return impact


def _path(reason: dict[str, str], start: str, target: str) -> str:
    """'a -> b -> target' from a dependent back to the target; a long way is shortened
    ('a -> b -> ... -> target'), as circles are, so a chain thousands deep cannot make a
    message thousands of ids long (or quadratic to write for every member)."""
    steps = [start]
    while steps[-1] != target and len(steps) <= len(reason):
        steps.append(reason[steps[-1]])
        if len(steps) > _SHOWN_STEPS:
            return " -> ".join([*steps[: _SHOWN_STEPS - 2], "...", target])
    return " -> ".join(steps)


# -- circles ---------------------------------------------------------------------------------

#: A way round longer than this many steps is shown shortened ("a -> b -> ... -> a").
_SHOWN_STEPS = 8


class Circle(NamedTuple):
    """One record on a circle of links: the id the way round leaves it by, and the way."""

    member: str
    next: str  # the id in the member's own field that leads round (where to point)
    way: str  # "a -> b -> c -> a", shortened when long
    size: int  # how many records the circle (its strongly connected part) holds


def circles(links: Mapping[str, Sequence[str]]) -> list[Circle]:
    """Every record that lies on a circle of ``links`` (id -> ids it points to), in the
    order of ``links``, each once, with a way round from it back to itself.

    Linear in records and links, whatever the shape (long chains, wide diamonds, circles
    inside circles), and without recursion: content may hold a chain as deep as it likes.
    Ids ``links`` does not hold are ends, never part of a circle.
    """
    order = {ident: i for i, ident in enumerate(links)}
    out: list[Circle] = []
    # A record that points nowhere lies on no circle: left out, it is an end like an
    # unknown id (most records of a large base point nowhere).
    for part in _strong_parts({ident: targets for ident, targets in links.items() if targets}):
        if len(part) == 1 and part[0] not in links[part[0]]:
            continue  # a record on no circle
        part.sort(key=order.__getitem__)
        out.extend(_ways_round(links, part))
    out.sort(key=lambda c: order[c.member])
    return out


def _strong_parts(links: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The strongly connected parts of the graph (Tarjan's algorithm, with a stack of its
    own instead of recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    parts: list[list[str]] = []
    for start in links:
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work: list[tuple[str, Iterator[str]]] = [(start, iter(links[start]))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in links:
                    continue
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(links[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    part: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.append(member)
                        if member == node:
                            break
                    parts.append(part)
    return parts


def _ways_round(links: Mapping[str, Sequence[str]], part: list[str]) -> Iterator[Circle]:
    """A way round for each member of one strongly connected part (its first member the
    root), in linear time: from the member to the root along shortest paths, then from
    the root back to the member."""
    members = set(part)
    root = part[0]
    ahead: dict[str, str] = {}  # node -> the node before it on a shortest path root -> node
    ahead_dist = {root: 0}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for target in links[node]:
            if target in members and target not in ahead_dist:
                ahead_dist[target] = ahead_dist[node] + 1
                ahead[target] = node
                queue.append(target)
    back: dict[str, list[str]] = {}
    for node in part:
        for target in links[node]:
            if target in members:
                back.setdefault(target, []).append(node)
    toward: dict[str, str] = {}  # node -> the next node on a shortest path node -> root
    toward_dist = {root: 0}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for source in back.get(node, []):
            if source not in toward_dist:
                toward_dist[source] = toward_dist[node] + 1
                toward[source] = node
                queue.append(source)
    # The root's own way round closes through its nearest predecessor.
    last = min(back[root], key=lambda n: ahead_dist[n])
    for member in part:
        if member == root:
            steps = ahead_dist[last] + 1
            walk = [*_follow_back(ahead, last, steps)[::-1], root]  # once per part: linear
            walk_head, walk_tail = walk, walk
            full = steps <= _SHOWN_STEPS
            nxt = walk[1]
        else:
            steps = toward_dist[member] + ahead_dist[member]
            full = steps <= _SHOWN_STEPS
            lead = [member]
            while lead[-1] != root and len(lead) <= _SHOWN_STEPS:
                lead.append(toward[lead[-1]])
            nxt = lead[1]
            walk_head = lead
            walk_tail = _follow_back(ahead, member, 3)[::-1]
            walk = lead + _follow_back(ahead, member, ahead_dist[member] + 1)[::-1][1:] if full else []
        if full:
            shown = " -> ".join(_erase_loops(walk))
        else:
            shown = " -> ".join([*walk_head[:4], "...", *walk_tail[-3:]]) + f" ({steps} steps)"
        yield Circle(member, nxt, shown, len(part))


def _follow_back(ahead: Mapping[str, str], node: str, count: int) -> list[str]:
    """``node`` and up to ``count - 1`` nodes before it on the path from the root."""
    out = [node]
    while len(out) < count and out[-1] in ahead:
        out.append(ahead[out[-1]])
    return out


def _erase_loops(walk: list[str]) -> list[str]:
    """A closed walk without its inner loops: each id once, then the first again."""
    path: list[str] = []
    where: dict[str, int] = {}
    for node in walk[:-1]:
        if node in where:
            for dropped in path[where[node] + 1 :]:
                del where[dropped]
            del path[where[node] + 1 :]
        else:
            where[node] = len(path)
            path.append(node)
    return [*path, walk[-1]]
