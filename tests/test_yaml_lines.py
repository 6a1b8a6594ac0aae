"""The line walk (facts/yamllines.py) reads a document exactly as PyYAML's node walk does,
or declines it: never a different value, position or type, and never a document in
which PyYAML finds a problem.

The documents are generated in the part of YAML the walk reads (block mappings and
lists at any indentation, lists not indented under their key, plain, quoted and empty
values, flow lists, literal and folded block scalars, blank and comment lines, trailing
spaces) and just past it (escapes, comments after values, values on two lines, tabs,
keep chomping, indentation indicators, broken lines), from every plain scalar form of
YAML 1.1 (tests/test_yaml_events.py's PLAIN).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synth import generate
from briefgen.facts import yamlnodes
from briefgen.facts.load import parse_yaml_text
from briefgen.facts.yamllines import Declined, read_lines
from briefgen.facts.yamlresolve import IMPLICIT_RESOLVERS, plain_tag
from tests.test_fuzz import FUZZ
from tests.test_yaml_events import PLAIN, TEXTS, _quoted, _same

REPO = Path(__file__).resolve().parent.parent
#: More examples than the other fuzz tests: a document takes a millisecond, and every
#: line form should meet every other.
LINES_FUZZ = settings(FUZZ, max_examples=max(FUZZ.max_examples, 500))

WORDS = ["fact", "claim-1", "a b", "para. 12", "Myanmar’s rare earths", "é", "x:y", "a#b", "[1]", "a, b", "-x"]
FLOW_ITEMS = ["a", "b c", "claim-1", "1", "yes", "~", "2024-01-02", "1.5", "", " ", "-", "'q'", '"q"', "a:b", "x #y"]
BLOCK_TEXTS = [
    "one line",
    "two\nlines",
    "para one\n\npara two",
    "a\n\n\nb",
    "  more indented\nback",
    "first\n  more\nlast",
    "# not a comment",
    "trailing  ",
    "ends\n\n",
    "x: y",
]
BLOCK_HEADERS = ["|", "|-", ">", ">-", "|+", ">+", "|2", ">1-", "| # c"]


def _read_lines(text: str) -> Any:
    return read_lines(text, "f.yaml")


def _check(text: str) -> bool:
    """The line walk's reading equals the node walk's; False when it declined."""
    try:
        value = _read_lines(text)
    except Declined:
        return False
    ref_value, ref_problems = yamlnodes._parse_with_nodes(text, "f.yaml")
    shown = repr(text if len(text) < 300 else text[:150] + "..." + text[-150:])
    assert ref_problems == [], (shown, ref_problems)
    _same(value, ref_value, shown)
    return True


#: What the walk reads itself (the generated documents of the second test use only these).
TAME_PLAIN = [
    "fact", "claim-1", "a b", "para. 12", "Myanmar’s rare earths", "é", "7", "1999", "2000-01", "x:y", "a#b",
    "2024-01-02", "2024-02-30", "0000-00-00",
]  # fmt: skip
TAME_TEXTS = ["yes", "2024-01-02", "", " ", "a: b", "#c", "it's", "x #y", "\\"]
TAME_FLOW = ["a", "b c", "claim-1", "1", "2000-01", "é"]
TAME_BLOCK = ["one line", "two\nlines", "para one\n\npara two", "a\n\n\nb", "# not a comment", "x: y"]


@st.composite
def _values(draw: st.DrawFn, indent: int, tame: bool = False, item: bool = False) -> str:
    """A value as written after ``key: `` or ``- `` (``item``) at ``indent`` (with its
    own lines below, for a block scalar); ``tame``: only what the line walk reads."""
    kinds = ["plain"] * 6 + ["quoted"] * 3 + ["flow", "block"] + ([] if tame and item else ["empty"])
    kind = draw(st.sampled_from(kinds))
    if kind == "plain":
        return draw(st.sampled_from(TAME_PLAIN if tame else PLAIN + WORDS))
    if kind == "quoted":
        quote = draw(st.sampled_from(["'", '"']))
        text = draw(st.sampled_from(TAME_TEXTS if tame else TEXTS + WORDS))
        return _quoted(text, quote) if not (tame and quote == '"' and "\\" in text) else f"'{text}'"
    if kind == "flow":
        items = draw(st.lists(st.sampled_from(TAME_FLOW if tame else FLOW_ITEMS), max_size=4))
        sep = draw(st.sampled_from([", ", ",", " , "]))
        return "[" + sep.join(items) + "]"
    if kind == "block":
        header = draw(st.sampled_from(BLOCK_HEADERS[:4] if tame else BLOCK_HEADERS))
        pad = " " * (indent + draw(st.integers(1, 3)))
        body = draw(st.sampled_from(TAME_BLOCK if tame else BLOCK_TEXTS))
        return header + "\n" + "\n".join(pad + line if line else "" for line in body.split("\n"))
    return ""


@st.composite
def _block(draw: st.DrawFn, indent: int, depth: int, tame: bool = False, as_list: bool | None = None) -> str:
    """A block list or mapping at ``indent``, as lines; ``tame``: values the line walk reads."""
    as_list = draw(st.booleans()) if as_list is None else as_list
    lines = []
    names = ["id", "kind", "about", "as_of", "note", "y", "no", "1", "a_b", "x-y"]
    keys = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    for key in keys:
        lead = " " * indent + ("-" + " " * draw(st.integers(1, 2)) if as_list else f"{key}:")
        nested = depth < 3 and draw(st.integers(0, 3)) == 0
        if nested:
            below = indent + draw(st.integers(0 if not as_list else 1, 3))
            if as_list and (tame or draw(st.booleans())):
                # a mapping starting on the dash's line
                inner = draw(_block(len(lead), depth + 1, tame, as_list=False if tame else None)).lstrip(" ")
                lines.append(lead + inner if not inner.startswith("-") else lead.rstrip() + "\n" + inner)
                continue
            lines.append(lead.rstrip())
            lines.append(draw(_block(below, depth + 1, tame)))
        else:
            value = draw(_values(indent, tame, as_list))
            lines.append(lead + (" " if not as_list and value else "") + value)
        extra = draw(st.sampled_from(["", "", "", "blank", "spaces", "comment", "trailing"]))
        if extra == "blank":
            lines.append("")
        elif extra == "spaces":
            # (past a block scalar's indentation, spaces are its text: left to PyYAML)
            lines.append(" " * draw(st.integers(1, max(indent, 1) if tame else 6)))
        elif extra == "comment":
            # (indented into a block scalar, a comment is its text)
            lines.append(" " * draw(st.integers(0, indent if tame else 6)) + "# a comment")
        elif extra == "trailing":
            lines[-1] += "  "
    return "\n".join(lines)


@given(_block(0, 0), st.sampled_from(["\n", "", "\n\n", "\n# end\n"]), st.data())
@LINES_FUZZ
def test_generated_documents_read_as_by_the_node_walk(body: str, end: str, data: st.DataObject) -> None:
    text = body + end
    lines = text.split("\n")
    if data.draw(st.integers(0, 3)) == 0:  # sometimes broken: a line dropped, doubled or pushed in
        at = data.draw(st.integers(0, len(lines) - 1))
        edit = data.draw(st.sampled_from(["drop", "double", "indent", "outdent", "tab", "comment after"]))
        line = lines[at]
        lines[at : at + 1] = {
            "drop": [],
            "double": [line, line],
            "indent": [" " + line],
            "outdent": [line[1:]],
            "tab": ["\t" + line],
            "comment after": [line + " # c"],
        }[edit]
    _check("\n".join(lines))


@given(_block(0, 0, tame=True), st.sampled_from(["\n", "\n\n", "\n# end\n"]))
@LINES_FUZZ
def test_generated_tame_documents_read_by_the_line_walk(body: str, end: str) -> None:
    """Documents of what the walk reads: it reads them (the keys aside: a key that is a
    boolean or a number, or repeated, leaves the document to PyYAML), as PyYAML does."""
    read = _check(body + end)
    if not any(f"{key}:" in body for key in ("y", "no", "1")) and not _repeats_a_key(body):
        assert read, body


def _repeats_a_key(body: str) -> bool:
    """Whether a mapping of ``body`` may hold a key twice (the generator draws keys with
    repeats): the walk leaves those to PyYAML, which reports them."""
    try:
        yamlnodes._parse_with_nodes(body, "f.yaml")
    except Exception:  # pragma: no cover - the node walk reports, never raises
        return True
    return any(p.code == "BG002" for p in yamlnodes._parse_with_nodes(body, "f.yaml")[1])


#: Pieces of lines, put together at random: a soup of what the walk looks for.
PIECES = [
    "- ", "-", "key: ", "k:", "id:", "y: ", "1: ", "a", "b c", "é", "7", "2024-01-02", "yes", "~", "'", "''", '"',
    "[", "]", ", ", ",", "#", " #", " ", "  ", ":", ": ", "|", "|-", ">", ">-", "&a ", "*a", "!!str ", "{", "}", "\\",
]  # fmt: skip


@given(st.lists(st.tuples(st.integers(0, 6), st.lists(st.sampled_from(PIECES), max_size=5)), min_size=1, max_size=8))
@LINES_FUZZ
def test_random_lines_read_as_by_the_node_walk(lines: list[tuple[int, list[str]]]) -> None:
    """No structure at all: whatever the walk reads of random lines, PyYAML reads alike."""
    _check("".join(" " * indent + "".join(pieces) + "\n" for indent, pieces in lines))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [x, y]\nc: 'it''s'\nd: \"q\"\ne:\nf: plain text\n",
        '- id: a\n  about:\n  - x\n  - y\n  sources:\n    -   ref: s\n        quote: "q"\n- id: b\n',
        "k: |\n  line one\n\n  line three\nl: >-\n  folded\n  text\n\n  new para\nm: x\n",
        "k: >\n    deeper\n    text\n",
        "a:\n\n  # between\n  b: 1\n",
        "a: x   \nb:    \n  - 1   \n",
        "  a: 1\n  b: 2\n",  # a document indented as a whole
        "a: 1",  # no final line break
        "a: |\n  no final break",
        "- [a, b]\n- []\n- [ a , b ]\n",
        "a: 2024-01-02\n",  # a date: PyYAML
        "a: yes\n",  # a boolean: PyYAML
        "a: b\n  c\n",  # a plain value on two lines: PyYAML
        "a: 'x\n  y'\n",
        "a: 1 # c\n",
        "a: 1\na: 2\n",
        "a: b: c\n",
        "- a\nb: 1\n",
        "a:\n  - 1\n  b: 2\n",
        "a: 1\n---\nb: 2\n",
        "---\na: 1\n",
        'a: "x\\ty"\n',
        "a: |+\n  keep\n\n",
        "a: |2\n   x\n",
        "a:\n-\n  b: 1\n",
        "a: [b, c\n",
        "a: [b,]\n",
        "",
        "# only\n",
        "\ufeffa: 1\n",
        "a: 1\r\nb: 2\r\n",
        "a: x\u2028y\n",
    ],
)
def test_hand_written_documents(text: str) -> None:
    _check(text)


def test_what_it_reads_and_what_it_leaves(tmp_path: Path) -> None:
    """The comparisons mean something only if the walk reads the common documents itself:
    every file of the example and of a synthetic project but those using a form the
    module's docstring lists (the example's sources.yaml has flow mappings)."""
    assert _check("- id: a\n  kind: fact\n  statement: >-\n    x\n    y\n  about: [a, b]\n  credibility: 3\n")
    assert _check("a:\n- 1\n- 'two'\n\n# c\nb: |\n  t\n")
    for left in [
        "a: 2024-01-02 10:00:00\n",
        "a: 1 # c\n",
        'a: "\\u00e9"\n',
        "a: &x 1\nb: *x\n",
        "a:\tb\n",
        "a: b\n  c\n",
    ]:
        assert not _check(left), left
    generate(tmp_path / "synth", claims=300, briefs=3)
    read = {
        path.relative_to(root).as_posix(): _check(path.read_text(encoding="utf-8"))
        for root in (REPO, tmp_path / "synth")
        for path in sorted((root / "content").rglob("*.yaml"))
    }
    claims = [name for name in read if "/claims/" in name]
    assert claims and all(read[name] for name in claims), read
    assert sum(read.values()) >= len(read) - 3, read


@pytest.mark.parametrize(
    "line",
    [
        " " * 40_000 + "a",
        "- " * 20_000,
        "a" * 40_000 + ":",
        "a" * 1025 + ": x",  # PyYAML refuses an implicit key of over 1024 characters
        "- " + "a" * 1030 + ":",
        "k: " + "[a, " * 10_000 + "]",
        "k: '" + "''" * 20_000,
        "k:" + ": " * 20_000,
    ],
)
def test_hostile_lines_are_read_or_declined_in_linear_time(line: str) -> None:
    """A hang guard: 40,000-character lines of what the line walk looks for."""
    started = time.monotonic()
    for text in (line + "\n", "a: 1\n" + line + "\n", "- x\n" * 1000 + line):
        _check(text)
    assert time.monotonic() - started < 10  # milliseconds, unless something is quadratic


def test_parse_yaml_text_takes_the_line_walk_first(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(yamlnodes, "parse_with_pyyaml", lambda text, display: calls.append(text) or (None, []))
    value, problems = parse_yaml_text("a: [b, 1]\nd: 2024-01-02\n", "f.yaml")
    assert (value, problems, calls) == ({"a": ["b", 1], "d": datetime.date(2024, 1, 2)}, [], [])
    parse_yaml_text("a: yes\n", "f.yaml")
    assert calls == ["a: yes\n"]


def test_the_resolvers_are_pyyamls() -> None:
    """facts/yamlresolve.py's table is PyYAML's, pattern for pattern, in its order."""
    theirs = {
        first: [(tag, pattern.pattern, pattern.flags) for tag, pattern in resolvers]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    ours = {
        first: [(tag, pattern.pattern, pattern.flags) for tag, pattern in resolvers]
        for first, resolvers in IMPLICIT_RESOLVERS.items()
    }
    assert ours == theirs


@given(
    st.one_of(
        st.sampled_from(PLAIN), st.text(alphabet="0123456789-+.:_eExXoObBtTZ ~yesnoNOtrufalTRUFAL<=", max_size=12)
    )
)
@LINES_FUZZ
def test_plain_tag_is_pyyamls_answer(value: str) -> None:
    assert plain_tag(value) == yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))


def test_reading_a_fact_base_imports_no_pyyaml(tmp_path: Path) -> None:
    """A check of a project written in the line walk's YAML never imports PyYAML (some
    20 ms); a file it declines does."""
    generate(tmp_path / "synth", claims=300, briefs=3)
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from briefgen.facts.project import Project\n"
        "from briefgen.check.validate import validate_project\n"
        "base, problems = validate_project(Project(Path(sys.argv[1])))\n"
        "assert len(base.claims) == 300, len(base.claims)\n"
        "print('yaml' in sys.modules)\n"
    )
    env = {**os.environ, "BRIEFGEN_NO_CACHE": "1"}
    ran = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path / "synth")], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert ran.stdout.strip() == "False", ran.stderr
    (tmp_path / "synth" / "content" / "claims" / "claims-000.yaml").write_text("- id: x\n  kind: fact\n  flag: yes\n")
    ran = subprocess.run(
        [sys.executable, "-c", program.replace("== 300", "> 0"), str(tmp_path / "synth")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert ran.stdout.strip() == "True", ran.stderr
