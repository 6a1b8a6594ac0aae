"""Hostile content shapes that used to end in a Python traceback (issue #13).

Each shape runs through the real command line, ``briefgen check`` and ``briefgen build
--format html``: exit 1, the problem at its file:line:col with its code, no traceback,
and no output written. Then the graph walker in process: circles of one, two and three,
a tail leading into a circle, a 100,000-deep chain, and a diamond lattice that a naive
walk would take exponentially long over. Last, the live preview: a circle of supports
saved into a claims file shows as a problem, and the next save mends it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.preview_latency import start_preview
from briefgen.facts.config import Duration, parse_duration
from briefgen.facts.graph import circles
from tests.conftest import MINI, run_cli, write_project

CLAIMS = MINI["content/claims.yaml"]
SOURCES = MINI["content/sources.yaml"]
PLACES = MINI["content/places.yaml"]
ACTORS = MINI["content/actors.yaml"]
BRIEF = MINI["content/briefs/harbour.yaml"]
LINE_RE = re.compile(
    r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>BG\d{3})\]: (?P<msg>.*)$"
)


def judgment(ident: str, *supports: str, as_of: str = "2025") -> str:
    """A judgment resting on ``supports`` and citing nothing itself."""
    return (
        f"- id: {ident}\n  kind: judgment\n  statement: It is unlikely.\n  likelihood: unlikely\n"
        f"  confidence: low\n  as_of: {as_of}\n  supports: [{', '.join(supports)}]\n"
    )


def key_judgments(*ids: str) -> str:
    return BRIEF.replace("key_judgments: [j-road-late]", f"key_judgments: [j-road-late, {', '.join(ids)}]")


@dataclass(frozen=True)
class Shape:
    """Files replacing MINI's, and the problems expected: (file, text of the line, token,
    code), the position being where ``token`` stands on the first line holding that text."""

    files: dict[str, str]
    expected: list[tuple[str, str, str, str]]  # file, line containing, token on it, code
    says: str = ""  # words the first expected problem's message holds


def _pos(text: str, line_has: str, token: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line_has in line:
            return number, line.index(token) + 1
    raise AssertionError(f"no line with {line_has!r}")


_C = "content/claims.yaml"
_S = "content/sources.yaml"
_B = "content/briefs/harbour.yaml"
_LONG = "x" * 5000

SHAPES: dict[str, Shape] = {
    "a judgment supporting itself": Shape(
        {_C: CLAIMS + judgment("ja", "ja"), _B: key_judgments("ja")},
        [(_C, "supports: [ja]", "ja]", "BG119")],
        says="names itself in 'supports'",
    ),
    "a circle of two supports": Shape(
        {_C: CLAIMS + judgment("ja", "jb") + judgment("jb", "ja"), _B: key_judgments("ja")},
        [(_C, "supports: [jb]", "jb", "BG119"), (_C, "supports: [ja]", "ja", "BG119")],
        says="ja -> jb -> ja",
    ),
    "a tail into a circle of three supports": Shape(
        {
            _C: CLAIMS
            + judgment("jt", "ja", "road-slow")
            + judgment("ja", "jb")
            + judgment("jb", "jc")
            + judgment("jc", "ja"),
            _B: key_judgments("jt"),
        },
        [
            (_C, "supports: [jb]", "jb", "BG119"),
            (_C, "supports: [jc]", "jc", "BG119"),
            (_C, "supports: [ja]", "ja", "BG119"),
        ],
    ),
    "a circle of via": Shape(
        {
            _S: SOURCES
            + "- id: va\n  type: report\n  custom: {via: vb}\n- id: vb\n  type: report\n  custom: {via: va}\n"
        },
        [(_S, "custom: {via: vb}", "vb", "BG118"), (_S, "custom: {via: va}", "va", "BG118")],
        says="va -> vb -> va",
    ),
    "places within each other": Shape(
        {"content/places.yaml": PLACES + "- id: pa\n  name: A\n  within: pb\n- id: pb\n  name: B\n  within: pa\n"},
        [("content/places.yaml", "within: pb", "pb", "BG124"), ("content/places.yaml", "within: pa", "pa", "BG124")],
        says="pa -> pb -> pa",
    ),
    "an actor its own parent": Shape(
        {"content/actors.yaml": ACTORS + "- id: aa\n  name: A\n  parent: aa\n"},
        [("content/actors.yaml", "parent: aa", "aa", "BG124")],
    ),
    "claims superseding each other": Shape(
        {
            _C: CLAIMS.replace("- id: road-slow\n", "- id: road-slow\n  superseded_by: ore-trucked\n").replace(
                "- id: ore-trucked\n", "- id: ore-trucked\n  superseded_by: road-slow\n"
            )
        },
        [(_C, "superseded_by: road-slow", "road-slow", "BG124"), (_C, "superseded_by: ore-trucked", "ore", "BG124")],
    ),
    "an integer of 5,000 digits": Shape(
        {_C: CLAIMS.replace("credibility: 2", "credibility: " + "9" * 5000, 1)},
        [(_C, "credibility: 999", "999", "BG104")],
        says="numbers may have at most 100",
    ),
    "a key of 5,000 digits": Shape(
        {_C: CLAIMS.replace("  as_of: 2025\n", "  as_of: 2025\n  ? " + "7" * 5000 + "\n  : 1\n", 1)},
        [(_C, "? 777", "777", "BG104")],
        says="numbers may have at most 100",
    ),
    "!!int abc": Shape(
        {_C: CLAIMS.replace("credibility: 2", "credibility: !!int abc", 1)},
        [(_C, "!!int", "!!int", "BG104")],
        says="cannot read 'abc' as a whole number",
    ),
    "!!float x": Shape(
        {_C: CLAIMS.replace("credibility: 2", "credibility: !!float x", 1)},
        [(_C, "!!float", "!!", "BG104")],
        says="cannot read 'x' as a number",
    ),
    "!!bool maybe": Shape(
        {_C: CLAIMS.replace("as_of: 2025\n", "as_of: !!bool maybe\n", 1)},
        [(_C, "!!bool", "!!", "BG104")],
        says="cannot read 'maybe' as true or false",
    ),
    "!!timestamp nonsense": Shape(
        {_C: CLAIMS.replace("as_of: 2025\n", "as_of: !!timestamp nonsense\n", 1)}, [(_C, "!!timestamp", "!!", "BG106")]
    ),
    "year 0000": Shape(
        {_C: CLAIMS.replace("as_of: 2025\n", "as_of: 0000-01-01\n", 1)}, [(_C, "as_of: 0000", "0000", "BG106")]
    ),
    "year 0000 without a day": Shape(
        {
            _C: CLAIMS.replace("as_of: 2025\n", "as_of: 0000-06\n", 1),
            _B: BRIEF.replace("date: 2026-01-15", "date: '0000'"),
        },
        [(_B, "date: '0000'", "'0000'", "BG106"), (_C, "as_of: 0000", "0000", "BG106")],
    ),
    "max_age of 99999999 years": Shape(
        {_B: BRIEF.replace("date: 2026-01-15", "date: 2026-01-15\nmax_age: 99999999y")},
        [(_B, "max_age:", "999", "BG105")],
        says="is not a duration",
    ),
    "a NUL byte in an archive path": Shape(
        {_S: SOURCES.replace("archive: archive/harbour.txt", 'archive: "archive/har\\0bour.txt"')},
        [(_S, "archive: ", '"', "BG113")],
        says="holds a NUL byte",
    ),
    "an archive path of 5,000 characters": Shape(
        {_S: SOURCES.replace("archive: archive/harbour.txt", "archive: archive/" + _LONG)},
        [(_S, "archive: ", "archive/x", "BG113")],
        says="a path may have at most 1,024",
    ),
    "an archive file name of 300 bytes": Shape(
        {_S: SOURCES.replace("archive: archive/harbour.txt", "archive: archive/" + "é" * 150 + ".txt")},
        [(_S, "archive: ", "archive/", "BG113")],
        says="a name may have at most 255",
    ),
    "a NUL byte in a template": Shape(
        {_B: BRIEF.replace("template: brief", 'template: "bri\\0ef"')},
        [(_B, "template:", '"', "BG301")],
        says="is not a template name",
    ),
    "a template name of 5,000 characters": Shape(
        {_B: BRIEF.replace("template: brief", "template: " + _LONG)},
        [(_B, "template:", "xxx", "BG123")],
        says="the limit is 100",
    ),
    "a partial as the template": Shape(
        {_B: BRIEF.replace("template: brief", "template: partials/prose.html.j2")},
        [(_B, "template:", "partials", "BG301")],
        says="is not a template name",
    ),
    "a path as the template": Shape(
        {_B: BRIEF.replace("template: brief", "template: ../../layout")},
        [(_B, "template:", "../", "BG301")],
        says="is not a template name",
    ),
}


def _problems(output: str) -> list[tuple[str, int, int, str, str]]:
    found = []
    for line in output.splitlines():
        m = LINE_RE.match(line)
        if m and m["sev"] == "error":
            found.append((m["file"], int(m["line"]), int(m["col"]), m["code"], m["msg"]))
    return found


@pytest.mark.parametrize("command", [["check"], ["build", "--format", "html"]], ids=["check", "build"])
@pytest.mark.parametrize("name", list(SHAPES))
def test_a_hostile_shape_is_a_problem_at_its_position(name: str, command: list[str], tmp_path: Path) -> None:
    shape = SHAPES[name]
    project = write_project(tmp_path / "p", {**MINI, **shape.files})
    proc = run_cli(*command, "--project", ".", cwd=project, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    got = [(f, line, col, code) for f, line, col, code, _ in _problems(proc.stdout + proc.stderr)]
    for file, line_has, token, code in shape.expected:
        line, col = _pos((project / file).read_text(encoding="utf-8"), line_has, token)
        assert (file, line, col, code) in got, (name, got)
    if shape.says:
        first = shape.expected[0]
        line, col = _pos((project / first[0]).read_text(encoding="utf-8"), first[1], first[2])
        messages = [
            m for f, ln, c, code, m in _problems(proc.stdout + proc.stderr) if (f, ln, c) == (first[0], line, col)
        ]
        assert any(shape.says in m for m in messages), messages
    assert not (project / "output").exists()  # nothing written


def test_circles_say_the_way_round_once_per_member(tmp_path: Path) -> None:
    shape = SHAPES["a tail into a circle of three supports"]
    project = write_project(tmp_path / "p", {**MINI, **shape.files})
    proc = run_cli("check", "--project", ".", "--format", "json", cwd=project)
    circles_found = [(p["message"], p["line"]) for p in json.loads(proc.stdout) if p["code"] == "BG119"]
    assert [m for m, _ in circles_found] == [
        "'supports' of claim 'ja' goes round in a circle: ja -> jb -> jc -> ja",
        "'supports' of claim 'jb' goes round in a circle: jb -> jc -> ja -> jb",
        "'supports' of claim 'jc' goes round in a circle: jc -> ja -> jb -> jc",
    ]  # the tail 'jt' is no member: mending the circle mends it


@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale"])
def test_a_chain_of_supports_1500_deep_builds(stale: bool, tmp_path: Path) -> None:
    # Each judgment rests on the next, the last on a fact: no recursion may walk it. With a
    # max_age of one year, every judgment is stale through the chain (the staleness rule).
    chain = "".join(judgment(f"c{i}", f"c{i + 1}", as_of="2025") for i in range(1500))
    chain += judgment("c1500", "ore-trucked", as_of="2025")
    brief = key_judgments("c0")
    if stale:
        brief = brief.replace("date: 2026-01-15", "date: 2030-01-15\nmax_age: 1y")
    project = write_project(tmp_path / "p", {**MINI, _C: CLAIMS + chain, _B: brief})
    proc = run_cli("build", "harbour", "--format", "html", "--project", ".", cwd=project, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (project / "output" / "harbour.html").is_file()
    assert ("BG209" in proc.stderr) is stale


def test_9999_12_31_with_a_max_age_does_not_overflow(tmp_path: Path) -> None:
    files = {
        _C: CLAIMS.replace("as_of: 2025\n", "as_of: 9999-12-31\n", 1),
        _B: BRIEF.replace("date: 2026-01-15", "date: 9999-12-31\nmax_age: 9999w"),
        "briefgen.yaml": "max_age: 9999d\n",
        # the summary uses the claim too, and no claim may be dated after its brief (BG128)
        "content/briefs/harbour-summary.yaml": MINI["content/briefs/harbour-summary.yaml"].replace(
            "date: 2026-01-15", "date: 9999-12-31"
        ),
    }
    project = write_project(tmp_path / "p", {**MINI, **files})
    proc = run_cli("build", "harbour", "--format", "html", "--project", ".", cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr


# -- in process: the walker and the date arithmetic --------------------------------------------


def test_a_circle_of_one_two_and_three() -> None:
    assert [(c.member, c.way) for c in circles({"a": ["a"]})] == [("a", "a -> a")]
    assert [(c.member, c.next, c.way) for c in circles({"a": ["b"], "b": ["a"]})] == [
        ("a", "b", "a -> b -> a"),
        ("b", "a", "b -> a -> b"),
    ]
    three = circles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]})
    assert [(c.member, c.way, c.size) for c in three] == [
        ("a", "a -> b -> c -> a", 3),
        ("b", "b -> c -> a -> b", 3),
        ("c", "c -> a -> b -> c", 3),
    ]


def test_a_tail_into_a_circle_is_no_member_and_unknown_ids_are_ends() -> None:
    found = circles({"t": ["u"], "u": ["a", "nowhere"], "a": ["b"], "b": ["a"], "x": []})
    assert [c.member for c in found] == ["a", "b"]


def test_a_circle_inside_a_bigger_one_gives_each_member_one_way() -> None:
    # a <-> b and a -> c -> a: one strongly connected part, each member reported once.
    found = circles({"a": ["b", "c"], "b": ["a"], "c": ["a"]})
    assert [(c.member, c.way) for c in found] == [("a", "a -> b -> a"), ("b", "b -> a -> b"), ("c", "c -> a -> c")]


def test_a_chain_100000_deep_and_a_circle_as_long_are_walked_in_linear_time() -> None:
    n = 100_000
    started = time.perf_counter()
    assert circles({f"c{i}": [f"c{i + 1}"] for i in range(n)}) == []
    ring = circles({f"c{i}": [f"c{(i + 1) % n}"] for i in range(n)})
    assert len(ring) == n
    assert ring[5].way == f"c5 -> c6 -> c7 -> c8 -> ... -> c3 -> c4 -> c5 ({n} steps)"  # shortened
    assert time.perf_counter() - started < 20  # quadratic would be hours


def test_a_wide_diamond_lattice_is_not_walked_path_by_path() -> None:
    # 40 layers of 30, each node linked to every node of the next: 30**40 paths.
    width, depth = 30, 40
    lattice = {
        f"n{d}-{w}": [f"n{d + 1}-{x}" for x in range(width)] if d + 1 < depth else []
        for d in range(depth)
        for w in range(width)
    }
    started = time.perf_counter()
    assert circles(lattice) == []
    lattice["n39-0"] = ["n0-0"]  # one link back closes circles through every layer
    found = circles(lattice)
    assert len(found) == width * (depth - 2) + 2  # n0-0, the 38 layers between, n39-0
    assert time.perf_counter() - started < 10


def test_date_arithmetic_stops_at_the_last_day() -> None:
    assert Duration(9999, "w").after(dt.date(9999, 12, 31)) == dt.date.max
    assert Duration(9999, "d").after(dt.date(9990, 1, 1)) == dt.date.max
    assert Duration(9999, "y").after(dt.date(1, 1, 1)) == dt.date.max
    assert Duration(1, "m").after(dt.date(2025, 1, 31)) == dt.date(2025, 2, 28)
    assert parse_duration("99999999y") is None and parse_duration("9999y") == Duration(9999, "y")


# -- the live preview ------------------------------------------------------------------------


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    project = write_project(tmp_path / "p", MINI)
    proc, url = start_preview(project)
    assert url.startswith("http://127.0.0.1:"), url
    log: list[str] = []
    assert proc.stderr is not None
    threading.Thread(target=lambda: log.extend(iter(proc.stderr.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    yield url, project, log
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _state(url: str) -> dict[str, object]:
    import urllib.request

    with urllib.request.urlopen(url + "_preview/state", timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _wait_for(url: str, predicate: object, timeout: float = 20) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    state: dict[str, object] = {}
    while time.monotonic() < deadline:
        state = _state(url)
        if predicate(state):  # type: ignore[operator]
            return state
        time.sleep(0.05)
    raise AssertionError(f"preview state never matched; last: {state}")


def test_the_preview_shows_a_support_circle_and_picks_up_the_fix(preview: tuple[str, Path, list[str]]) -> None:
    url, project, log = preview
    first = _wait_for(url, lambda s: s["version"] >= 1 and not s["problems"])
    claims = project / _C
    claims.write_text(CLAIMS + judgment("ja", "jb") + judgment("jb", "ja"), encoding="utf-8")
    broken = _wait_for(url, lambda s: s["version"] > first["version"] and s["problems"])
    codes = {(p["code"], p["file"], p["line"]) for p in broken["problems"]}  # type: ignore[attr-defined]
    text = claims.read_text(encoding="utf-8")
    assert ("BG119", _C, _pos(text, "supports: [jb]", "jb")[0]) in codes
    # The watcher is still alive: the next save, mending the circle, is picked up.
    claims.write_text(CLAIMS + judgment("ja", "jb") + judgment("jb", "road-slow"), encoding="utf-8")
    _wait_for(url, lambda s: s["version"] > broken["version"] and not s["problems"])
    assert not any("Traceback" in row for row in log), "".join(log)
