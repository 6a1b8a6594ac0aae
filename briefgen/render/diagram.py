"""The route diagram: places and routes from the fact base, laid out as an inline SVG.

A schematic, not a map: the fact base holds coordinates only where a source gives them,
so nothing here uses or invents any. Places are boxes; each route is an arrow from its
``from`` through its ``via`` places to its ``to``, styled by ``status`` and labelled with
the commodities it carries. The layout is layered left to right (origins on the left,
destinations on the right) and depends only on the data and its order, so two builds
draw the same picture.

Every string from content is escaped; the SVG loads nothing (no fonts, images or links),
so it is the same in the browser and in WeasyPrint's PDF.
"""

from __future__ import annotations

import collections
import itertools
import math
from dataclasses import dataclass, field
from typing import NamedTuple

from markupsafe import Markup, escape

from briefgen.errors import BriefgenError, Pos, Problem
from briefgen.facts.model import FactBase, Plain, Route

#: The most a readable figure holds: beyond this one diagram on a page is a tangle (and its
#: layout grows with places times layers), so a brief splits its routes instead (BG408).
MAX_PLACES = 40
MAX_ROUTES = 60
#: Arrows: a route is one per leg (from, each via, to).
MAX_SEGMENTS = 150

#: How each status is drawn: colour, dash pattern (empty: solid), line width. The one home
#: of these: the routes table shows the same line (status_swatch). Each pair differs in
#: its dash pattern and in its grey level (Rec. 601 luma: .19, .59, .41, .26, .66), so the
#: figure reads in grey print.
STYLES: dict[str, tuple[str, str, float]] = {
    "operational": ("#12365f", "", 2.4),
    "proposed": ("#6a9fd8", "8 5", 2.4),
    "disrupted": ("#b35900", "12 4 3 4", 2.4),
    "closed": ("#9b1c1c", "2 4", 2.4),
    "": ("#a3a9b2", "10 3 2 3 2 3", 1.8),
}
STATUS_WORDS = {
    "operational": "operational",
    "proposed": "proposed",
    "disrupted": "disrupted",
    "closed": "closed",
    "": "status not stated",
}
MODE_WORDS = {
    "road": "by road",
    "rail": "by rail",
    "river": "by river",
    "sea": "by sea",
    "air": "by air",
    "pipeline": "by pipeline",
    "mixed": "by mixed modes",
}
#: The house sans-serif list (fonts.css --sans: the shipped face first), quoted: "Source
#: Sans 3" unquoted is invalid CSS. Without the Helvetica and Arial of --sans: WeasyPrint's
#: SVG renderer lets fontconfig's strong alias for Arial (Liberation Sans) win.
FONT = "'briefgen Sans', 'Source Sans 3', 'Source Sans Pro', sans-serif"
NODE_FONT, WITHIN_FONT, LABEL_FONT, SUB_FONT = 13.0, 11.5, 11.5, 11.5
NODE_WRAP, LABEL_WRAP = 128.0, 150.0
PAD_X, PAD_Y, LINE = 10.0, 7.0, 1.25
ARROW = 9.0
LEGEND_LINE = 40.0

#: The smallest text the figure may print, in points, and where it is printed: the text
#: width of an A4 page with print.css's margins (210 mm less 22 and 20 mm), the narrowest
#: the figure is set in; the SVG is drawn at 1 px = 0.75 pt and shrunk to fit that width.
MIN_PRINT_PT = 7.0
PRINT_WIDTH_PT = (210 - 22 - 20) / 25.4 * 72
PX_PT = 0.75


def printed_scale(width: float) -> float:
    """Points per SVG unit when a figure ``width`` units wide is printed on A4."""
    return min(PX_PT, PRINT_WIDTH_PT / width) if width else PX_PT


class Sizes(NamedTuple):
    """Font sizes and wrap widths (SVG units); the fonts grow together until the smallest
    text prints at MIN_PRINT_PT or more."""

    node: float = NODE_FONT
    within: float = WITHIN_FONT
    label: float = LABEL_FONT
    sub: float = SUB_FONT
    node_wrap: float = NODE_WRAP
    label_wrap: float = LABEL_WRAP

    def scaled(self, k: float) -> Sizes:
        """Type ``k`` times larger in columns as wide as before: names and labels wrap into
        more lines, so the figure grows taller rather than wider."""
        node, within, label, sub = (round(v * k, 2) for v in (self.node, self.within, self.label, self.sub))
        return Sizes(node, within, label, sub, self.node_wrap, self.label_wrap)

    @property
    def smallest(self) -> float:
        return min(self.node, self.within, self.label, self.sub)


# Advance widths of DejaVu Sans (the widest of the fonts the figure asks for) in ems, so
# the estimated width of a label is never less than its drawn width.
_NARROW = dict.fromkeys("ijl.,:;'’‘|!I ", 0.32)
_NARROW.update(dict.fromkeys("ft()[]-", 0.40))
_NARROW.update({"r": 0.42, "s": 0.53, "c": 0.56, "z": 0.53, "m": 0.98, "w": 0.82, "W": 1.0, "M": 0.87, "–": 0.5})
_NARROW.update({"—": 1.0, "·": 0.32})


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` at ``size`` (generous, never short)."""
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += _NARROW[ch]
        elif ch.isupper():
            total += 0.74
        else:
            total += 0.64
    return total * size


def wrap(text: str, size: float, limit: float) -> list[str]:
    """Greedy word wrap to ``limit`` width; a word longer than the limit stands alone."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, size) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(repr=False, eq=False)
class Node(Plain):
    """A place in the diagram (or, when ``dummy``, a bend of a long arrow)."""

    key: str
    lines: list[str] = field(default_factory=list)
    within: str = ""
    dummy: bool = False
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0


@dataclass(repr=False, eq=False)
class Arrow(Plain):
    """One route drawn: its path, arrowhead, labels and style."""

    route: Route
    status: str
    path: str
    head: list[tuple[float, float]]
    label: list[str]  # the route's name (``named`` lines), then what it carries
    sub: list[str]  # its mode and status, wrapped
    label_x: float
    label_y: float
    side: int  # -1: labels all above the line (upper of parallel arrows), 1: all below, 0: astride
    span: float = 0.0  # horizontal extent: a route's labels go on its widest arrow
    named: int = 0  # how many lines of ``label`` are the route's name


@dataclass(repr=False, eq=False)
class _Chain(Plain):
    """One segment of a route as node keys (bends included), its place among parallels."""

    keys: list[str]
    route: Route
    index: int
    count: int
    last: bool


@dataclass(repr=False, eq=False)
class RouteDiagram(Plain):
    """A laid-out route diagram and its words."""

    ident: str
    nodes: list[Node]
    arrows: list[Arrow]
    width: float
    height: float
    legend: list[tuple[str, float, float]]  # (status, x, y)
    title: str
    words: list[str]  # one sentence per route: the text alternative
    sizes: Sizes = field(default_factory=Sizes)

    @property
    def smallest_print_pt(self) -> float:
        """The size its smallest text prints at on A4, in points."""
        return self.sizes.smallest * printed_scale(self.width)

    @property
    def description(self) -> str:
        return " ".join(self.words)

    def svg(self) -> Markup:
        return render_svg(self)


def describe(route: Route, base: FactBase) -> str:
    """A route in words, from its fields alone."""

    def name(ident: str | None) -> str:
        place = base.places.get(ident or "")
        return place.name if place else "an unstated place"

    parts = [route.name + ":"]
    if route.mode:
        parts.append(MODE_WORDS.get(route.mode, f"by {route.mode}"))
    parts.append(f"from {name(route.from_)} to {name(route.to)}")
    if route.via:
        parts[-1] += " via " + and_list([name(v) for v in route.via])
    text = " ".join(parts)
    goods = [base.minerals[c].name if c in base.minerals else c for c in route.commodities]
    text += ", carrying " + and_list(goods) if goods else ", commodities not stated"
    text += "; " + STATUS_WORDS[route.status or ""]
    if not _stops(route):
        text += " (not drawn: it names fewer than two places)"
    return text + "."


def _stops(route: Route) -> list[str]:
    """The places a route passes, in order, without repeats in a row; [] when undrawable."""
    stops = [s for s in (route.from_, *route.via, route.to) if s]
    out: list[str] = []
    for s in stops:
        if not out or out[-1] != s:
            out.append(s)
    return out if len(out) >= 2 else []


def route_diagram(routes: list[Route], base: FactBase, ident: str = "routes", where: Pos | None = None) -> RouteDiagram:
    """Lay out ``routes`` (in the order given) between the places they connect.

    Raises BG408 (at ``where``, the section's ``figure:``) when there are more places,
    routes or arrows than one readable figure holds.
    """
    drawn = [stops for stops in map(_stops, routes) if stops]
    places = len({s for stops in drawn for s in stops})
    segments = sum(len(stops) - 1 for stops in drawn)
    over = [
        f"{number} {what} (the limit is {limit})"
        for number, what, limit in (
            (places, "places", MAX_PLACES),
            (len(drawn), "routes", MAX_ROUTES),
            (segments, "route legs", MAX_SEGMENTS),
        )
        if number > limit
    ]
    if over:
        raise BriefgenError(
            Problem(
                where or Pos(ident),
                "BG408",
                f"the route diagram would draw {' and '.join(over)}: too many for one readable figure",
                "split it: put the routes of each region in a brief (or an annex) of its own with "
                "'figure: routes'; a figure draws the routes its brief refers to, or all when it names none",
            )
        )
    # Larger type in columns of the same width makes the figure taller, not much wider: grow
    # it until the smallest text prints at MIN_PRINT_PT on A4 (it stops when growing would
    # help no more: a figure whose single words are wider than its columns).
    sizes = Sizes()
    diagram = _Layout(routes, base, ident, sizes).run()
    for _ in range(8):
        if not diagram.nodes or diagram.smallest_print_pt >= MIN_PRINT_PT:
            break
        k = MIN_PRINT_PT / diagram.smallest_print_pt * 1.01
        bigger = _Layout(routes, base, ident, sizes.scaled(k)).run()
        if bigger.smallest_print_pt <= diagram.smallest_print_pt + 0.05:
            break
        sizes, diagram = sizes.scaled(k), bigger
    return diagram


class _Layout:
    def __init__(self, routes: list[Route], base: FactBase, ident: str, sizes: Sizes | None = None):
        self.routes = routes
        self.base = base
        self.ident = ident
        self.sizes = sizes or Sizes()
        self.nodes: dict[str, Node] = {}
        self.edges: list[tuple[str, str, Route, bool]] = []  # place segments in route order; last?

    # -- graph -------------------------------------------------------------------------
    def place_node(self, ident: str) -> Node:
        node = self.nodes.get(ident)
        if node is None:
            place = self.base.places.get(ident)
            name = place.name if place else ident
            within = ""
            if place and place.within and place.within in self.base.places:
                within = "in " + self.base.places[place.within].name
            z = self.sizes
            node = Node(ident, wrap(name, z.node, z.node_wrap), within)
            node.w = max(text_width(line, z.node) for line in node.lines) + 2 * PAD_X
            if within:
                node.w = max(node.w, text_width(within, z.within) + 2 * PAD_X)
            node.h = len(node.lines) * z.node * LINE + (z.within * LINE if within else 0) + 2 * PAD_Y
            self.nodes[ident] = node
        return node

    def run(self) -> RouteDiagram:
        for route in self.routes:
            stops = _stops(route)
            for n, (a, b) in enumerate(itertools.pairwise(stops), start=2):
                self.place_node(a)
                self.place_node(b)
                self.edges.append((a, b, route, n == len(stops)))
        self.assign_layers()
        chains = self.add_dummies()
        order = self.order_layers()
        arrows = self.place(order, chains)
        return self.finish(arrows)

    def assign_layers(self) -> None:
        """Longest path from the origins; a back edge (a cycle) is ignored for layering."""
        succ: dict[str, list[str]] = {k: [] for k in self.nodes}
        linked: set[tuple[str, str]] = set()  # a set beside the lists: membership in O(1)
        for a, b, *_ in self.edges:
            if (a, b) not in linked:
                linked.add((a, b))
                succ[a].append(b)
        # Depth-first search in data order finds the back edges deterministically.
        state: dict[str, int] = {}
        forward: dict[str, list[str]] = {k: [] for k in self.nodes}

        def visit(start: str) -> None:
            stack = [(start, iter(succ[start]))]
            state[start] = 1
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    stack.pop()
                elif state.get(nxt) == 1:
                    continue  # back edge
                else:
                    forward[node].append(nxt)
                    if nxt not in state:
                        state[nxt] = 1
                        stack.append((nxt, iter(succ[nxt])))

        for key in self.nodes:
            if key not in state:
                visit(key)
        indegree = {k: 0 for k in self.nodes}
        for targets in forward.values():
            for t in targets:
                indegree[t] += 1
        layer = dict.fromkeys(self.nodes, 0)
        ready = collections.deque(k for k in self.nodes if indegree[k] == 0)
        while ready:
            cur = ready.popleft()
            for t in forward[cur]:
                layer[t] = max(layer[t], layer[cur] + 1)
                indegree[t] -= 1
                if indegree[t] == 0:
                    ready.append(t)
        last = max(layer.values(), default=0)
        reached = {t for targets in forward.values() for t in targets}
        for key, place in self.nodes.items():
            # Destinations line up on the right, so "where it ends up" reads as one column.
            place.layer = last if not forward[key] and key in reached else layer[key]

    def add_dummies(self) -> list[_Chain]:
        """Each segment as a chain of keys, one per layer crossed; parallel index and count."""
        chains: list[_Chain] = []
        groups: dict[tuple[str, str], int] = {}
        for a, b, *_ in self.edges:
            pair = (min(a, b), max(a, b))
            groups[pair] = groups.get(pair, 0) + 1
        seen: dict[tuple[str, str], int] = {}
        for n, (a, b, route, last) in enumerate(self.edges):
            pair = (min(a, b), max(a, b))
            index = seen.get(pair, 0)
            seen[pair] = index + 1
            la, lb = self.nodes[a].layer, self.nodes[b].layer
            step = 1 if lb > la else -1
            chain = [a]
            for k, lay in enumerate(range(la + step, lb, step)):
                key = f"~{n}-{k}"
                self.nodes[key] = Node(key, dummy=True, layer=lay)
                chain.append(key)
            chain.append(b)
            chains.append(_Chain(chain, route, index, groups[pair], last))
        self.chains = chains
        return chains

    def order_layers(self) -> list[list[str]]:
        """Order each layer to keep arrows from crossing (barycentre sweeps, best kept)."""
        count = max(n.layer for n in self.nodes.values()) + 1 if self.nodes else 0
        layers: list[list[str]] = [[] for _ in range(count)]
        for key, node in self.nodes.items():
            layers[node.layer].append(key)
        links: list[tuple[str, str]] = []
        for item in self.chains:
            for a, b in itertools.pairwise(item.keys):
                links.append((a, b) if self.nodes[a].layer < self.nodes[b].layer else (b, a))
        preds: dict[str, list[str]] = {k: [] for k in self.nodes}
        succs: dict[str, list[str]] = {k: [] for k in self.nodes}
        for a, b in links:
            preds[b].append(a)
            succs[a].append(b)

        link_layer = [self.nodes[a].layer for a, _ in links]

        def crossings(order: list[list[str]]) -> int:
            pos = {k: i for layer in order for i, k in enumerate(layer)}
            return count_crossings([(lay, pos[a], pos[b]) for lay, (a, b) in zip(link_layer, links, strict=True)])

        def barycentre(layer: list[str], ref: list[str], neigh: dict[str, list[str]]) -> list[str]:
            where = {k: n for n, k in enumerate(ref)}
            index = {k: n for n, k in enumerate(layer)}  # not layer.index(k): that is quadratic

            def key(k: str) -> tuple[float, int]:
                near = [where[m] for m in neigh[k] if m in where]
                return (sum(near) / len(near) if near else float(index[k]), index[k])

            return sorted(layer, key=key)

        best = [list(layer) for layer in layers]
        best_score = crossings(best)
        current = [list(layer) for layer in layers]
        for sweep in range(8):
            if sweep % 2 == 0:
                for i in range(1, count):
                    current[i] = barycentre(current[i], current[i - 1], preds)
            else:
                for i in range(count - 2, -1, -1):
                    current[i] = barycentre(current[i], current[i + 1], succs)
            score = crossings(current)
            if score < best_score:
                best, best_score = [list(layer) for layer in current], score
        self.preds, self.succs = preds, succs
        return best

    # -- geometry ----------------------------------------------------------------------
    def label_of(self, route: Route) -> tuple[list[str], list[str], int]:
        """The route's name (wrapped), then what it carries; its mode and status; how many
        lines the name takes."""
        z = self.sizes
        goods = [self.base.minerals[c].name if c in self.base.minerals else c for c in route.commodities]
        name = wrap(route.name, z.label, z.label_wrap) if route.name else []
        label = name + (wrap(", ".join(goods), z.label, z.label_wrap) if goods else [])
        sub = " · ".join(x for x in (route.mode or "", STATUS_WORDS[route.status or ""]) if x)
        return label, wrap(sub, z.sub, z.label_wrap) if sub else [], len(name)

    def place(self, order: list[list[str]], chains: list[_Chain]) -> list[Arrow]:
        z = self.sizes
        labels = {id(c.route): self.label_of(c.route) for c in chains}
        widths = [_label_width(lab, sub, z) for lab, sub, _ in labels.values()]
        label_w = max(widths, default=0.0)
        label_h = max([len(lab) * z.label * LINE for lab, _, _ in labels.values()] + [0.0])
        gap = max(120.0, label_w + 48)  # room for S-bends at both ends of a level run
        sub_h = max([len(sub) * z.sub * LINE for _, sub, _ in labels.values()] + [0.0])
        stack = label_h + sub_h + 14  # one arrow's labels, with room around them
        most = max((c.count for c in chains), default=1)
        # Two parallel arrows put their labels on their outer sides, so their lanes can be
        # close; with three or more the middle ones carry labels between lanes.
        lane = 16.0 if most <= 2 else stack
        node_h = max((n.h for n in self.nodes.values()), default=0.0)
        spread = 2 * stack + lane if most == 2 else stack + lane * (most - 1)
        pitch = max(node_h, spread) + 26
        # Columns: each as wide as its widest box, the gap fitting the widest label.
        x, prev_w = 0.0, None
        for layer in order:
            width = max((self.nodes[k].w for k in layer), default=0.0)
            x += width / 2 if prev_w is None else prev_w / 2 + gap + width / 2
            for k in layer:
                self.nodes[k].x = x
            prev_w = width
        for layer in order:
            for i, k in enumerate(layer):
                self.nodes[k].y = i * pitch
        # Straighten: pull each node towards its neighbours, keeping the order and spacing.
        for _ in range(3):
            for layer in order[1:]:
                self.align(layer, self.preds, pitch)
            for layer in reversed(order[:-1]):
                self.align(layer, self.succs, pitch)
        arrows = [
            self.arrow(c.keys, c.route, c.index - (c.count - 1) / 2, lane, labels[id(c.route)], c.last) for c in chains
        ]
        # A route through ``via`` places is several arrows: each carries the route's name (so
        # every line on a shared stretch says whose it is), its widest one what it carries.
        widest: dict[int, Arrow] = {}
        for a in arrows:
            best = widest.get(id(a.route))
            if best is None or a.span > best.span + 0.5:
                widest[id(a.route)] = a
        for a in arrows:
            if widest[id(a.route)] is not a:
                a.label, a.sub = a.label[: a.named], []
        return arrows

    def align(self, layer: list[str], neigh: dict[str, list[str]], pitch: float) -> None:
        desired = []
        for k in layer:
            near = [self.nodes[m].y for m in neigh[k]]
            desired.append(sum(near) / len(near) if near else self.nodes[k].y)
        ys: list[float] = []
        for want in desired:
            ys.append(want if not ys else max(want, ys[-1] + pitch))
        # Pushing nodes apart moved them down; shifting the whole layer back keeps the spacing.
        shift = sum(d - y for d, y in zip(desired, ys, strict=True)) / len(ys) if ys else 0.0
        for k, y in zip(layer, ys, strict=True):
            self.nodes[k].y = y + shift

    def arrow(
        self,
        chain: list[str],
        route: Route,
        offset: float,
        lane: float,
        label: tuple[list[str], list[str], int],
        last: bool,
    ) -> Arrow:
        """One segment's arrow; ``offset`` (0 unless parallel to another) moves it to its own lane."""
        nodes = [self.nodes[k] for k in chain]
        rightward = nodes[-1].x >= nodes[0].x
        sign = 1 if rightward else -1
        first, end = nodes[0], nodes[-1]
        points = [(first.x + sign * first.w / 2, first.y + offset * min(8.0, first.h / 4))]
        for n in nodes[1:-1]:
            points.append((n.x, n.y + offset * lane))
        end_pt = (end.x - sign * end.w / 2, end.y + offset * min(8.0, end.h / 4))
        if len(nodes) == 2 and (offset or abs(end_pt[1] - points[0][1]) > 0.5):
            # A level run in the middle (its own lane when parallel) carries the labels
            # clear of the line, with short S-bends at either end.
            x0, y0 = points[0]
            x1, y1 = end_pt
            bend = min(36.0, abs(x1 - x0) / 4) * sign
            y_lane = (first.y + end.y) / 2 + offset * lane
            points += [(x0 + bend, y_lane), (x1 - bend, y_lane)]
        points.append(end_pt)
        # Cubic pieces with horizontal tangents: level pieces are straight, others S-bends.
        pieces = []
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            dx = (x1 - x0) / 2
            pieces.append(((x0, y0), (x0 + dx, y0), (x1 - dx, y1), (x1, y1)))
        # Shorten the last piece so the line stops where the arrowhead begins. Only a route's
        # last arrow has a head; the others end at the edge of the ``via`` place they reach.
        (p0, c1, c2, p3) = pieces[-1]
        ux, uy = p3[0] - c2[0], p3[1] - c2[1]
        norm = math.hypot(ux, uy) or 1.0
        ux, uy = ux / norm, uy / norm
        tip = p3
        base_pt = (tip[0] - ux * ARROW, tip[1] - uy * ARROW)
        pieces[-1] = (p0, c1, (c2[0] - ux * ARROW, c2[1] - uy * ARROW), base_pt)
        head = [
            tip,
            (base_pt[0] - uy * ARROW * 0.5, base_pt[1] + ux * ARROW * 0.5),
            (base_pt[0] + uy * ARROW * 0.5, base_pt[1] - ux * ARROW * 0.5),
        ]
        if not last:
            pieces[-1] = (p0, c1, c2, p3)
            head = []
        d = f"M{_n(pieces[0][0][0])} {_n(pieces[0][0][1])}"
        for _, c1, c2, p3 in pieces:
            d += f" C{_n(c1[0])} {_n(c1[1])} {_n(c2[0])} {_n(c2[1])} {_n(p3[0])} {_n(p3[1])}"
        # Labels sit at the middle of a level arrow, else on its widest level piece.
        if all(abs(y - points[0][1]) < 0.5 for _, y in points):
            mx, my = (points[0][0] + points[-1][0]) / 2, points[0][1]
        else:

            def rank(i: int) -> tuple[bool, float, int]:
                (x0, y0), _, _, (x1, y1) = pieces[i]
                return (abs(y1 - y0) < 0.5, abs(x1 - x0), -i)

            q0, q1, q2, q3 = pieces[max(range(len(pieces)), key=rank)]
            mx = (q0[0] + 3 * q1[0] + 3 * q2[0] + q3[0]) / 8
            my = (q0[1] + 3 * q1[1] + 3 * q2[1] + q3[1]) / 8
        span = abs(points[-1][0] - points[0][0])
        side = 0 if offset == 0 or (abs(offset) < 1 and lane > 16) else (1 if offset > 0 else -1)
        return Arrow(route, route.status or "", d, head, label[0], label[1], mx, my, side, span, label[2])

    def finish(self, arrows: list[Arrow]) -> RouteDiagram:
        real = [n for n in self.nodes.values() if not n.dummy]
        xs: list[float] = []
        ys: list[float] = []
        for n in real:
            xs += [n.x - n.w / 2, n.x + n.w / 2]
            ys += [n.y - n.h / 2, n.y + n.h / 2]
        for a in arrows:
            if not a.label and not a.sub:
                continue
            w = _label_width(a.label, a.sub, self.sizes) / 2
            above, below = _label_extent(a, self.sizes)
            xs += [a.label_x - w, a.label_x + w]
            ys += [a.label_y - above, a.label_y + below]
        for a in arrows:
            for px, py in a.head:
                xs.append(px)
                ys.append(py)
        words = [describe(r, self.base) for r in self.routes]
        z = self.sizes
        if not xs:
            return RouteDiagram(self.ident, [], [], 0, 0, [], "Routes in this brief", words, z)
        margin = 12.0
        dx, dy = margin - min(xs), margin - min(ys)
        for n in self.nodes.values():
            n.x += dx
            n.y += dy
        for a in arrows:
            a.path = _shift_path(a.path, dx, dy)
            a.head = [(x + dx, y + dy) for x, y in a.head]
            a.label_x += dx
            a.label_y += dy
        width = max(xs) - min(xs) + 2 * margin
        height = max(ys) - min(ys) + 2 * margin
        # Legend: one sample per status drawn, in a row (wrapping when the figure is narrow),
        # its words as large as the labels'.
        legend: list[tuple[str, float, float]] = []
        statuses = [s for s in STYLES if any(a.status == s for a in arrows)]
        lx, ly = margin, height + 6 + z.label * 0.5
        for s in statuses:
            item_w = LEGEND_LINE + 6 + text_width(STATUS_WORDS[s], z.label) + 22
            if lx > margin and lx + item_w > width - margin:
                lx, ly = margin, ly + z.label * 1.8
            legend.append((s, lx, ly))
            lx += item_w
        if legend:
            ends = [x + LEGEND_LINE + 6 + text_width(STATUS_WORDS[s], z.label) for s, x, _ in legend]
            width = max(width, max(ends) + margin)
            height = ly + z.label * 1.3 + margin / 2
        return RouteDiagram(
            self.ident, real, arrows, round(width, 1), round(height, 1), legend, "Routes in this brief", words, z
        )


def count_crossings(links: list[tuple[int, int, int]]) -> int:
    """How many pairs of links cross: links are (layer, upper position, lower position),
    and two links of one layer cross when their ends are in opposite orders (a shared end
    is no crossing). Counted as inversions with a Fenwick tree, O(L log L), not by
    comparing every pair of links, which made 150 places and 400 routes take hours."""
    total = 0
    by_layer: dict[int, list[tuple[int, int]]] = {}
    for layer, upper, lower in links:
        by_layer.setdefault(layer, []).append((upper, lower))
    for pairs in by_layer.values():
        pairs.sort()
        size = max(lower for _, lower in pairs) + 1
        tree = [0] * (size + 1)
        inserted = 0
        start = 0
        while start < len(pairs):
            end = start
            while end < len(pairs) and pairs[end][0] == pairs[start][0]:
                end += 1
            # Links with the same upper end never cross each other: query the whole group
            # against the links before it, then insert it.
            for _, lower in pairs[start:end]:
                i, not_above = lower + 1, 0  # links inserted with a lower end <= this one's
                while i > 0:
                    not_above += tree[i]
                    i -= i & -i
                total += inserted - not_above
            for _, lower in pairs[start:end]:
                i = lower + 1
                while i <= size:
                    tree[i] += 1
                    i += i & -i
                inserted += 1
            start = end
    return total


def _label_width(label: list[str], sub: list[str], z: Sizes) -> float:
    return max([text_width(t, z.label) for t in label] + [text_width(t, z.sub) for t in sub] + [0.0])


def _label_extent(a: Arrow, z: Sizes) -> tuple[float, float]:
    """How far a route's labels reach above and below its label point."""
    lab = len(a.label) * z.label * LINE
    sub = len(a.sub) * z.sub * LINE
    if a.side > 0:
        return 0.0, 6 + lab + sub + 2
    if a.side < 0:
        return 6 + lab + sub + 2, 0.0
    return 6 + lab, 4 + sub


def _n(value: float) -> str:
    """A coordinate, short and stable."""
    text = f"{value:.1f}"
    return "0" if text == "-0.0" else text.rstrip("0").rstrip(".")


def _shift_path(d: str, dx: float, dy: float) -> str:
    out = []
    for part in d.split(" C"):
        cmd = "M" if part.startswith("M") else ""
        nums = [float(v) for v in part.lstrip("M").split()]
        moved = [_n(v + (dx if i % 2 == 0 else dy)) for i, v in enumerate(nums)]
        out.append(cmd + " ".join(moved))
    return " C".join(out)


def render_svg(diagram: RouteDiagram) -> Markup:
    """The diagram as one ``<svg>`` element (inline, self-contained, escaped)."""
    e = escape
    z = diagram.sizes
    ident = e(diagram.ident)
    w, h = _n(diagram.width), _n(diagram.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-diagram" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        # The font as a style, not the font-family attribute: WeasyPrint's SVG renderer does
        # not read a quoted family list there and fell back to another sans than the text's.
        f'style="font-family: {FONT}">',
        f'<title id="{ident}-title">{e(diagram.title)}</title>',
        f'<desc id="{ident}-desc">{e(diagram.description)}</desc>',
    ]
    for a in diagram.arrows:
        colour, dash, width = STYLES.get(a.status, STYLES[""])
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        rid = e(a.route.id)
        out.append(f'<g class="rd-route rd-status-{e(a.status or "unknown")}" data-route="{rid}">')
        out.append(
            f'<path d="{a.path}" fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr} '
            'stroke-linecap="round"/>'
        )
        if a.head:
            pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in a.head)
            out.append(f'<polygon points="{pts}" fill="{colour}"/>')
        # The route's name in bold, what it carries in plain type, mode and status in italics
        # (in ink: the line beside them carries the status's colour).
        lines = [(t, z.label, ' font-weight="bold"' if n < a.named else "") for n, t in enumerate(a.label)]
        if a.side:
            lines += [(t, z.sub, ' font-style="italic"') for t in a.sub]
        above = 6 + 2 + sum(size * LINE for _, size, _ in lines[1:])
        y = a.label_y + 6 + z.label if a.side > 0 else a.label_y - above
        for text, size, style_attr in lines:
            out.append(
                f'<text x="{_n(a.label_x)}" y="{_n(y)}" font-size="{_n(size)}" fill="#1b1f24" '
                f'text-anchor="middle"{style_attr}>{e(text)}</text>'
            )
            y += size * LINE
        for k, text in enumerate(a.sub if not a.side else []):
            out.append(
                f'<text x="{_n(a.label_x)}" y="{_n(a.label_y + 4 + z.sub + k * z.sub * LINE)}" '
                f'font-size="{_n(z.sub)}" fill="#1b1f24" font-style="italic" text-anchor="middle">{e(text)}</text>'
            )
        out.append("</g>")
    for n in diagram.nodes:
        x0, y0 = n.x - n.w / 2, n.y - n.h / 2
        out.append(f'<g class="rd-place" data-place="{e(n.key)}">')
        out.append(
            f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(n.w)}" height="{_n(n.h)}" rx="4" '
            'fill="#eef2f7" stroke="#7d8695" stroke-width="1"/>'
        )
        y = y0 + PAD_Y + z.node * 0.95
        for line in n.lines:
            out.append(
                f'<text x="{_n(n.x)}" y="{_n(y)}" font-size="{_n(z.node)}" font-weight="bold" fill="#1b1f24" '
                f'text-anchor="middle">{e(line)}</text>'
            )
            y += z.node * LINE
        if n.within:
            y += z.within * LINE - z.node * LINE + 1
            out.append(
                f'<text x="{_n(n.x)}" y="{_n(y)}" font-size="{_n(z.within)}" fill="#5a6270" '
                f'text-anchor="middle">{e(n.within)}</text>'
            )
        out.append("</g>")
    for status, x, y in diagram.legend:
        colour, dash, width = STYLES[status]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="rd-legend rd-status-{e(status or "unknown")}">')
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + LEGEND_LINE)}" y2="{_n(y)}" stroke="{colour}" '
            f'stroke-width="{width}"{dash_attr}/>'
        )
        out.append(
            f'<text x="{_n(x + LEGEND_LINE + 6)}" y="{_n(y + z.label * 0.35)}" font-size="{_n(z.label)}" '
            f'fill="#1b1f24">{e(STATUS_WORDS[status])}</text>'
        )
        out.append("</g>")
    out.append("</svg>")
    return Markup("\n".join(out))


def status_swatch(status: str | None) -> Markup:
    """A short sample of the line the figure draws for ``status`` (the routes table shows it
    beside the status's word, so table and figure share one key)."""
    colour, dash, width = STYLES.get(status or "", STYLES[""])
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return Markup(
        '<svg class="status-swatch" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 6" width="30" '
        f'height="4.5" aria-hidden="true"><line x1="1" y1="3" x2="39" y2="3" stroke="{colour}" '
        f'stroke-width="{width}"{dash_attr}/></svg>'
    )
