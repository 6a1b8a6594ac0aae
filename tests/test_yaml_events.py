"""The event walk (facts/yamlnodes.py's _EventBuilder) reads every document exactly as the
node walk does: the same values of the same types, the same positions of every mapping,
key, value, list and item, the same problems in the same order. (The line walk, tried
before both, is held to the node walk in tests/test_yaml_lines.py.)

The node walk (``_parse_with_nodes``, still what reads the documents the event walk
leaves alone) is the reference: every document here is read both ways and compared, and
its data with ``yaml.safe_load`` besides. The documents are generated (Hypothesis) from
every scalar form of YAML 1.1 that PyYAML's safe loader gives a meaning (booleans,
nulls, ints in all bases, floats, dates, merge keys), quoted and block scalars, tags,
anchors and aliases, flow and block collections, duplicate and non-text keys, broken
lines; plus the example content, the test fixtures and a synthetic project.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bench.synth import generate
from briefgen.authoring.yamledit import plain_data
from briefgen.facts import yamlnodes
from briefgen.facts.load import YList, YMap
from briefgen.facts.yvalues import MAX_DEPTH
from tests.test_fuzz import FUZZ

REPO = Path(__file__).resolve().parent.parent

#: Plain scalars as written: every implicit type of YAML 1.1 and what nearly is one.
PLAIN = [
    "yes", "No", "ON", "off", "y", "n", "Y", "true", "False", "TRUE", "tRue",
    "~", "null", "Null", "NULL", "nil", "",
    "0", "7", "-3", "+5", "012", "09", "0x1F", "0X1f", "0o17", "0b101", "1_000", "-0b1", "1:20", "190:20:30",
    "0.", "1.5", ".5", "-.5", "1e3", "1.0e+3", "6.8523015e+5", "685.230_15e+03", "190:20:30.15",
    ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "1e", "1.2.3", "-", "+", ".",
    "2024-01-02", "2024-1-2", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "2002-12-14", "2024-13-45", "2024-02-30", "2000-01", "1999",
    "<<", "=", "<", "fact", "claim-1", "a b", "kia took chipwe", "Myanmar’s rare earths", "é", "1 2",
    "9" * 19, "1" * 150, "0x" + "f" * 120, "1" * 101 + ".5",
]  # fmt: skip
#: Texts quoted or written as block scalars (always text, whatever they look like).
TEXTS = ["yes", "0x1F", "2024-01-02", "", " ", "a: b", "#c", "it's", 'say "hi"', "\\", "x\ty", "null", "<<"]
TAGS = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!map", "!!seq", "!x", "!"]


def _quoted(text: str, style: str) -> str:
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    return '"' + escaped + '"'


@st.composite
def scalars(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["plain"] * 8 + ["quoted"] * 3 + ["tagged", "alias"]))
    if kind == "plain":
        return draw(st.sampled_from(PLAIN))
    if kind == "quoted":
        return _quoted(draw(st.sampled_from(TEXTS)), draw(st.sampled_from(["'", '"'])))
    if kind == "tagged":
        return draw(st.sampled_from(TAGS)) + " " + draw(st.sampled_from(PLAIN[:40]))
    return "*" + draw(st.sampled_from(["a", "b", "nowhere"]))


def _keys() -> st.SearchStrategy[str]:
    return st.sampled_from(["id", "kind", "a", "b", "c", "note", "yes", "1", "0x1", "~", "2024-01-02", "<<", '"q"'])


def _trees() -> st.SearchStrategy[Any]:
    leaves = scalars()
    return st.recursive(
        leaves,
        lambda children: st.tuples(
            st.sampled_from(["seq", "map"]),
            st.booleans(),  # flow style
            st.lists(st.tuples(_keys(), children), max_size=4),
            st.sampled_from([""] * 10 + ["&a ", "&b ", "!!map ", "!!seq "]),
        ),
        max_leaves=14,
    )


def _block_scalar(text: str, indent: int, style: str) -> str:
    pad = " " * indent
    return style + "\n" + "\n".join(pad + line for line in text.split("\n"))


def _flow(tree: Any) -> str:
    if isinstance(tree, str):
        return tree
    kind, _, items, prefix = tree
    if kind == "seq":
        return prefix + "[" + ", ".join(_flow(v) for _, v in items) + "]"
    return prefix + "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in items) + "}"


def _emit(tree: Any, indent: int) -> str:
    """The tree as YAML: block style unless it asks for flow style (or is empty)."""
    if isinstance(tree, str):
        return tree
    kind, flow, items, _ = tree
    if flow or not items:
        return _flow(tree)
    pad = " " * indent
    lines = []
    for key, value in items:
        lead = f"{pad}- " if kind == "seq" else f"{pad}{key}: "
        if isinstance(value, str) or value[1] or not value[2]:
            text = _emit(value, indent + 2)
            if text.startswith(("&", "!")) and not isinstance(value, str):
                text = _flow(value)
            lines.append(lead + text)
        else:
            lines.append(lead.rstrip() + (" " + value[3].strip() if value[3] else "") + "\n" + _emit(value, indent + 2))
    return "\n".join(lines)


def _read_both(text: str) -> tuple[tuple[Any, list[Any]], tuple[Any, list[Any]]]:
    return yamlnodes.parse_with_pyyaml(text, "f.yaml"), yamlnodes._parse_with_nodes(text, "f.yaml")


def _same(a: Any, b: Any, where: str = "") -> None:
    """Equal values of equal types, with equal positions all the way down."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, YMap):
        assert list(a) == list(b), where
        assert (a.pos, a.key_pos, a.value_pos, a.rejected) == (b.pos, b.key_pos, b.value_pos, b.rejected), where
        for key in a:
            _same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, YList):
        assert (len(a), a.pos, a.item_pos) == (len(b), b.pos, b.item_pos), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}/{index}")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def _check(text: str) -> None:
    (value, problems), (ref_value, ref_problems) = _read_both(text)
    assert problems == ref_problems, text
    _same(value, ref_value, text)


@given(_trees(), st.sampled_from(["", "", "\n", "---\n", "%YAML 1.1\n---\n", "--- # c\n"]), st.data())
@FUZZ
def test_generated_documents_read_as_by_the_node_walk(tree: Any, head: str, data: st.DataObject) -> None:
    text = head + _emit(tree, 0) + "\n"
    lines = text.split("\n")
    if data.draw(st.booleans()):  # sometimes broken: a line dropped, doubled or pushed in
        at = data.draw(st.integers(0, len(lines) - 1))
        edit = data.draw(st.sampled_from(["drop", "double", "indent", "tab"]))
        line = lines[at]
        lines[at : at + 1] = {
            "drop": [],
            "double": [line, line],
            "indent": ["   " + line],
            "tab": ["\t" + line],
        }[edit]
    _check("\n".join(lines))


@pytest.mark.parametrize("value", PLAIN + [_quoted(t, q) for t in TEXTS for q in "'\""])
@pytest.mark.parametrize("form", ["k: {}", "- {}", "[{}]", "{{k: {}}}", "{}: v", "k:\n  - {}"])
def test_every_scalar_form_in_every_place(value: str, form: str) -> None:
    text = form.format(value) + "\n"
    _check(text)
    (read, problems), _ = _read_both(text)
    try:
        expected = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):
        return  # not YAML, or an impossible date: the problems say so (compared above)
    if not problems and not _has_special(expected):
        assert plain_data(read) == expected or _has_nan(expected)


def _has_special(value: Any) -> bool:
    """Keys the loader turns to text (1, true, null) or refuses (dates): not safe_load's."""
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_special(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_special(v) for v in value)
    return False


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: yes\nc: 2024-01-02\nd: ~\ne: 0x1F\nf: 1.5\ng: .nan\nh: '1'\n",
        "a: 1\na: 2\nb: [1, 2]\nb: x\n",  # duplicate keys, the second value never read
        "1: x\ntrue: y\n~: z\n1.5: w\n2024-01-02: date key\n0x10: hex\n",
        "x: 2024-13-45\ny: 2024-02-30 10:00:00\n",  # impossible dates stay text
        "n: " + "1" * 150 + "\nm: " + "2" * 150 + ".5\n",  # too long numbers
        "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",  # deep: the node walk's BG006
        "a:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(MAX_DEPTH + 3)) + "  " * (MAX_DEPTH + 4) + "v\n",
        "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n",  # anchors, merge keys
        "<<: {a: 1}\nb: 2\n",
        "a: &x [1, 2]\nb: *x\nc: *nowhere\n",
        "a: !!python/object:os.system x\n",
        "? [a, b]\n: v\n",
        "? {a: 1}\n: v\n",
        "a: 1\n---\nb: 2\n",
        "a: [1, 2\n",
        "a: b: c\n",
        "\ta: 1\n",
        "",
        "---\n",
        "# only a comment\n",
        "just text\n",
        "- a\n- - b\n  - c\n- {x: [1, {y: z}]}\n",
        "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\n",
        "a: 'single'\nb: \"double \\u00e9\"\nc: plain text\n",
        "a: 1\nb: !!str 2\nc: !!int '3'\nd: !!bool maybe\ne: !!timestamp nonsense\n",
        "k: \x07\n",
        "key with spaces: v\n'quoted key': w\n\"1\": x\n",
        "a:\n  - 1\n  - 1\n  - {b: 2, b: 3}\n",
    ],
)
def test_hand_written_documents(text: str) -> None:
    _check(text)


def test_every_yaml_file_of_the_example_fixtures_and_a_synthetic_project(tmp_path: Path) -> None:
    generate(tmp_path / "synth", claims=300, briefs=3)
    paths = [
        *sorted((REPO / "content").rglob("*.yaml")),
        *sorted((REPO / "tests" / "fixtures").rglob("*.yaml")),
        *sorted((tmp_path / "synth").rglob("*.yaml")),
    ]
    assert len(paths) > 20
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        _check(text)


def test_common_documents_take_the_event_walk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The comparisons above mean something only if the event walk reads the common
    documents itself: the node walk is not called for them."""
    generate(tmp_path / "synth", claims=50, briefs=1)
    calls: list[str] = []
    monkeypatch.setattr(yamlnodes, "_parse_with_nodes", lambda text, display: calls.append(display))
    paths = sorted((tmp_path / "synth" / "content").rglob("*.yaml")) + sorted((REPO / "content").rglob("*.yaml"))
    for path in paths:
        value, problems = yamlnodes.parse_with_pyyaml(path.read_text(), str(path))
        assert value is not None and problems == []
    assert calls == []
    value, problems = yamlnodes.parse_with_pyyaml("a: 1\na: x\nb: [2024-01-02, yes, ~, '0x1']\n", "f.yaml")
    assert calls == []
    assert problems[0].code == "BG002"
    assert value == {"a": 1, "b": [datetime.date(2024, 1, 2), True, None, "0x1"]}
    for other in ("a: &x 1\nb: *x\n", "a: !!str 1\n", "<<: {a: 1}\n", "a: [1\n", "a: 1\n---\nb: 2\n"):
        yamlnodes.parse_with_pyyaml(other, "f.yaml")
    assert len(calls) == 5  # each left to the node walk
