"""briefgen.facts.load in process: YAML (and JSON) text in; values, positions and problems out.

Positions are 1-based line and column, as editors show them. The syntax-error positions
and messages are libyaml's (the loader uses the C parser when PyYAML has it).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest

from briefgen.errors import Pos, Problem
from briefgen.facts import load
from briefgen.facts.load import (
    LoadedFile,
    ParseCache,
    YList,
    YMap,
    display_path,
    find_in_file,
    load_yaml_file,
    parse_bytes,
    parse_yaml_text,
)

F = "f.yaml"


def at(line: int, col: int) -> Pos:
    return Pos(F, line, col)


def parse(text: str) -> tuple[Any, list[Problem]]:
    return parse_yaml_text(text, F)


def found(problems: list[Problem]) -> list[tuple[str, Pos, str]]:
    """(code, position, message) of each problem: what a user reads."""
    return [(p.code, p.pos, p.message) for p in problems]


# -- values and positions ------------------------------------------------------------------


def test_every_key_value_and_item_keeps_its_line_and_column() -> None:
    value, problems = parse("id: a\nlist:\n  - x\n  - 2\nmap: {k: v}\n")
    assert problems == []
    assert value == {"id": "a", "list": ["x", 2], "map": {"k": "v"}}
    assert isinstance(value, YMap) and isinstance(value["list"], YList) and isinstance(value["map"], YMap)
    assert value.pos == at(1, 1)
    assert value.key_pos == {"id": at(1, 1), "list": at(2, 1), "map": at(5, 1)}
    assert value.value_pos == {"id": at(1, 5), "list": at(3, 3), "map": at(5, 6)}
    assert value["list"].pos == at(3, 3)
    assert value["list"].item_pos == [at(3, 5), at(4, 5)]
    assert value["map"].key_pos == {"k": at(5, 7)}
    assert value["map"].value_pos == {"k": at(5, 10)}


def test_where_falls_back_to_the_container_for_what_is_not_there() -> None:
    value, _ = parse("outer:\n  a: 1\nitems: [x]\n")
    assert value["outer"].where("a") == at(2, 6)
    assert value["outer"].where("missing") == value["outer"].pos == at(2, 3)
    assert value["items"].where(0) == at(3, 9)
    assert value["items"].where(5) == value["items"].pos == at(3, 8)


def test_a_block_scalar_value_starts_at_its_indicator_and_keeps_its_lines() -> None:
    value, problems = parse("text: |\n  line one\n  line two\n")
    assert problems == []
    assert value == {"text": "line one\nline two\n"}
    assert value.where("text") == at(1, 7)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("plain words", "plain words"),
        ("'2025'", "2025"),
        ('"yes"', "yes"),
        ("2025", 2025),
        ("-1.5", -1.5),
        ("1_000", 1000),
        ("yes", True),
        ("Off", False),
        ("~", None),
        ("2025-06-01", datetime.date(2025, 6, 1)),
        ("2025-06-01 10:00:00", datetime.datetime(2025, 6, 1, 10, 0)),
        # An impossible date stays text: the validator explains what is wrong with it.
        ("2025-02-30", "2025-02-30"),
        ("!!str 12", "12"),
    ],
)
def test_scalars_are_typed_as_yaml_says_and_plain_text_stays_text(written: str, expected: object) -> None:
    value, problems = parse(f"a: {written}\n")
    assert problems == []
    assert value == {"a": expected}
    assert type(value["a"]) is type(expected)


def test_an_empty_or_comment_only_file_holds_nothing_and_is_no_problem() -> None:
    assert parse("") == (None, [])
    assert parse("# only a comment\n") == (None, [])


# -- keys ----------------------------------------------------------------------------------


def test_a_duplicate_key_is_reported_at_the_second_and_the_first_value_kept() -> None:
    value, problems = parse("a: 1\nb: 2\na: 3\n")
    assert value == {"a": 1, "b": 2}
    assert found(problems) == [("BG002", at(3, 1), "duplicate key 'a' (first at line 1)")]
    assert problems[0].hint == "YAML keeps only one of them: delete or rename one"
    assert value.key_pos["a"] == at(1, 1)


def test_duplicate_keys_are_found_in_nested_and_flow_mappings_too() -> None:
    value, problems = parse("outer:\n  x: 1\n  y: 2\n  x: 3\nflow: {k: 1, k: 2}\n")
    assert value == {"outer": {"x": 1, "y": 2}, "flow": {"k": 1}}
    assert found(problems) == [
        ("BG002", at(4, 3), "duplicate key 'x' (first at line 2)"),
        ("BG002", at(5, 14), "duplicate key 'k' (first at line 5)"),
    ]


def test_numbers_and_booleans_as_keys_become_text_and_a_list_key_is_refused() -> None:
    value, problems = parse("1: one\ntrue: t\n2.5: f\n? [a, b]\n: v\nafter: kept\n")
    assert value == {"1": "one", "true": "t", "2.5": "f", "after": "kept"}
    assert found(problems) == [("BG104", at(4, 3), "a key must be plain text")]


def test_yaml_1_1_booleans_as_keys_collide_as_true() -> None:
    # 'yes' and 'on' are both the boolean true to YAML 1.1: one key, written twice.
    value, problems = parse("yes: 1\non: 2\n")
    assert value == {"true": 1}
    assert found(problems) == [("BG002", at(2, 1), "duplicate key 'true' (first at line 1)")]


# -- anchors, aliases, merge keys ------------------------------------------------------------


def test_an_alias_repeats_the_anchored_value() -> None:
    value, problems = parse("x: &A {k: 1}\ny: *A\nz: [*A]\n")
    assert problems == []
    assert value == {"x": {"k": 1}, "y": {"k": 1}, "z": [{"k": 1}]}
    # the repeated mapping keeps the anchor's positions
    assert value["y"].key_pos == {"k": at(1, 8)}


def test_a_merge_key_adds_the_anchored_keys_with_their_positions_and_an_earlier_key_wins() -> None:
    value, problems = parse("base: &b {k: 1, j: 2}\nm:\n  k: 3\n  <<: *b\n")
    assert problems == []
    assert value["m"] == {"k": 3, "j": 2}
    assert value["m"].key_pos == {"k": at(3, 3), "j": at(1, 17)}
    assert value["m"].value_pos["j"] == at(1, 20)


def test_a_merge_of_several_anchors_takes_the_first_one_s_key() -> None:
    value, problems = parse("a: &a {k: 1}\nb: &b {k: 2, j: 2}\nm:\n  <<: [*a, *b]\n")
    assert problems == []
    assert value["m"] == {"k": 1, "j": 2}


def test_an_alias_bomb_is_refused_before_it_is_expanded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for name, prev in zip("bcdef", "abcde", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines.append("g: [" + ", ".join(["*f"] * 9) + "]")
    value, problems = parse("\n".join(lines) + "\n")
    assert value is None
    assert found(problems) == [("BG006", at(1, 4), "aliases expand to too many nodes (a YAML alias bomb?)")]


def test_a_few_aliases_of_a_wide_list_are_fine() -> None:
    items = ", ".join(["x"] * 100)
    value, problems = parse(f"a: &a [{items}]\nb: [*a, *a, *a]\n")
    assert problems == []
    assert len(value["b"]) == 3 and value["b"][2] == ["x"] * 100


# -- limits and refusals ---------------------------------------------------------------------


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_refused() -> None:
    depth = load.MAX_DEPTH
    ok, problems = parse("deep: " + "[" * depth + "]" * depth + "\n")
    assert problems == [] and ok is not None
    inner = ok["deep"]
    for _ in range(depth - 1):
        inner = inner[0]
    assert inner == []
    value, problems = parse("deep: " + "[" * (depth + 1) + "]" * (depth + 1) + "\n")
    assert value is None
    assert found(problems) == [("BG006", at(1, 6 + depth + 1), "YAML nested too deeply")]
    assert problems[0].hint == "flatten the structure"


@pytest.mark.parametrize(
    ("written", "tag"),
    [
        ("!!python/object:os.system x", "tag:yaml.org,2002:python/object:os.system"),
        ("!custom x", "!custom"),
        ("!!binary aGVsbG8=", "tag:yaml.org,2002:binary"),
        ("!!set {a}", "tag:yaml.org,2002:set"),
        ("!!omap [a: 1]", "tag:yaml.org,2002:omap"),
        ("!local [1, 2]", "!local"),
    ],
)
def test_tags_are_refused_and_the_rest_of_the_mapping_is_kept(written: str, tag: str) -> None:
    value, problems = parse(f"id: x\nbad: {written}\nafter: y\n")
    assert value == {"id": "x", "bad": None, "after": "y"}
    assert found(problems) == [("BG005", at(2, 6), f"YAML tag {tag!r} is not allowed")]
    # the validator is told not to add "needs 'bad'" to the loader's report
    assert value.rejected == frozenset({"bad"})


def test_a_mapping_with_nothing_refused_rejects_no_key() -> None:
    value, _ = parse("a: 1\nb: ~\n")
    assert value.rejected == frozenset()


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("!!int x", "cannot read 'x' as a whole number (!!int)"),
        ("!!float y", "cannot read 'y' as a number (!!float)"),
        ("!!bool maybe", "cannot read 'maybe' as true or false (!!bool)"),  # a KeyError in PyYAML
        ("!!int 0x", "cannot read '0x' as a whole number (!!int)"),
    ],
)
def test_a_scalar_its_own_tag_cannot_read_is_reported_at_the_value(written: str, message: str) -> None:
    value, problems = parse(f"a: {written}\n")
    assert value == {"a": None}
    assert found(problems) == [("BG104", at(1, 4), message)]
    assert problems[0].hint == "remove the tag (the '!!' word) or quote the value to make it text"


def test_an_explicit_timestamp_that_is_no_date_is_left_for_the_date_rule() -> None:
    # PyYAML's constructor raises AttributeError on it; the validator says BG106 instead.
    value, problems = parse("a: !!timestamp nonsense\n")
    assert value == {"a": "nonsense"} and problems == []


@pytest.mark.parametrize("text", ["9" * 5000, "-" + "1" * 101, "1." + "0" * 5000, "!!int " + "7" * 4400])
def test_a_number_too_long_is_refused_before_it_is_converted(text: str) -> None:
    value, problems = parse(f"a: {text}\nb: 1\n")
    assert value == {"a": None, "b": 1}
    assert [(p.code, p.pos.line, p.pos.col) for p in problems] == [("BG104", 1, 4)]
    assert "numbers may have at most 100" in problems[0].message


def test_a_key_too_long_as_a_number_is_refused_and_skipped() -> None:
    # Past Python's int-to-str limit (4,300 digits) str(int) raises; an explicit key may be long.
    value, problems = parse("? " + "9" * 5000 + "\n: 1\nb: 2\n")
    assert value == {"b": 2}
    assert [(p.code, p.pos.line, p.pos.col) for p in problems] == [("BG104", 1, 3)]


def test_a_number_of_100_characters_is_still_a_number() -> None:
    value, problems = parse("a: " + "1" * 100 + "\n")
    assert value == {"a": int("1" * 100)} and problems == []


def test_more_than_one_document_is_refused_at_the_separator() -> None:
    value, problems = parse("a: 1\n---\nb: 2\n")
    assert value is None
    assert found(problems) == [("BG001", at(2, 1), "this file holds more than one YAML document ('---')")]


# -- syntax errors -----------------------------------------------------------------------------

_QUOTE_HINT = "a value holding ': ' must be quoted, e.g. statement: \"A: B\""
_TAB_HINT = "YAML indents with spaces only: replace the tab characters with spaces"
_NEAR_HINT = "check indentation and quoting near this position"


@pytest.mark.parametrize(
    ("text", "pos", "message", "hint"),
    [
        pytest.param(
            "a: [1, 2\nb: 3\n",
            at(1, 4),
            "a list opened with '[' here is not closed on its line "
            "(YAML: did not find expected ',' or ']', while parsing a flow sequence)",
            "close it with ']'; if the bracket is text, quote the whole value, e.g. a: \"[1, 2\"",
            id="unclosed-bracket-points-at-its-start",
        ),
        pytest.param(
            "a: 'unclosed\n",
            at(1, 4),
            "a quoted value opened here is never closed "
            "(YAML: found unexpected end of stream, while scanning a quoted scalar)",
            "close it with the same quotation mark; inside single quotes write ' as '', "
            'inside double quotes write " as \\"',
            id="unclosed-quote",
        ),
        pytest.param(
            "a: b: c\n",
            at(1, 5),
            "YAML syntax error: mapping values are not allowed in this context",
            _QUOTE_HINT.replace('statement: "A: B"', 'a: "b: c"'),
            id="colon-in-value",
        ),
        pytest.param(
            "statement: One: two\n",
            at(1, 15),
            "YAML syntax error: mapping values are not allowed in this context",
            _QUOTE_HINT.replace('"A: B"', '"One: two"'),
            id="colon-in-statement",
        ),
        pytest.param(
            "a:\n\tb: 1\n",
            at(2, 1),
            "YAML syntax error: found character that cannot start any token (while scanning for the next token)",
            _TAB_HINT,
            id="tab-indent",
        ),
        pytest.param(
            "a:\n  - x\n  \t- y\n",
            at(3, 3),
            "YAML syntax error: found a tab character that violates indentation (while scanning a plain scalar)",
            _TAB_HINT,
            id="tab-after-spaces-points-at-the-tab",
        ),
        pytest.param(
            "key:\n  nested: 1\n bad: 2\n",
            at(3, 2),
            "this line is indented 1 space, which lines up with no key or list item above it "
            "(YAML: did not find expected key, while parsing a block mapping)",
            "indent it by 2, as line 2, or by 0, as line 1 (spaces from the start of the line)",
            id="bad-indent-points-at-the-line-and-the-indents-it-could-have",
        ),
        pytest.param(
            "- id: a\n  kind: x\n - id: b\n",
            at(3, 2),
            "this line is indented 1 space, which lines up with no key or list item above it "
            "(YAML: did not find expected '-' indicator, while parsing a block collection)",
            "indent it by 0, as line 1 (spaces from the start of the line)",  # as the items above
            id="bad-indent-of-a-list-item",
        ),
        pytest.param(
            "sections:\n  - heading: Production\n    body: |\n      [[a]] [[b]]\n - heading: Water\n",
            at(5, 2),
            "this line is indented 1 space, which lines up with no key or list item above it "
            "(YAML: did not find expected key, while parsing a block mapping)",
            # never "by 6, as line 4": the text of a block scalar is no indentation to copy
            "indent it by 2, as line 2 (spaces from the start of the line)",
            id="bad-indent-after-a-block-scalar",
        ),
        pytest.param(
            "- id: a\n  sources:\n    - ref: x\n    locator: y\n",
            at(4, 5),
            "this line lines up with the '-' of the list item on line 3, not with its keys "
            "(YAML: did not find expected '-' indicator, while parsing a block collection)",
            "indent it by 6, as the first key of that item on line 3",
            id="a-key-lined-up-with-its-items-dash-the-commonest-slip",
        ),
        pytest.param(
            "a:\n  b: 1\n- c\n",
            at(3, 1),
            "this list item stands among the keys of the mapping above (line 1), where YAML expects a key "
            "(YAML: did not find expected key, while parsing a block mapping)",
            "a list goes under its key, indented further: the key on a line of its own ('key:'), then each "
            "item two spaces further in",
            id="a-list-item-among-keys",
        ),
        pytest.param(
            "# note\n  - id: a\n- id: b\n",
            at(3, 1),
            "this line is indented less than the file's first line (line 2, 2 spaces in) "
            "(YAML: did not find expected <document start>)",
            "start the file's top level at the line's start: take the 2 spaces off line 2 and the lines of its block",
            id="an-indented-first-line",
        ),
        pytest.param(
            "- a\n- b\nc: d\n",
            at(1, 1),
            "YAML syntax error: did not find expected '-' indicator (while parsing a block collection); "
            "noticed at line 3",
            _NEAR_HINT,
            id="a-line-that-lines-up-keeps-the-parsers-words",
        ),
        pytest.param(
            'about: [x, "y" z]\n',
            at(1, 8),
            "YAML cannot read an item of this list: items are separated by commas, and an item holding a "
            "quotation mark or a bracket is quoted whole "
            "(YAML: did not find expected ',' or ']', while parsing a flow sequence)",
            'write [a, b, "c d"]; if the brackets are text, quote the whole value, e.g. about: \'[x, "y" z]\'',
            id="a-list-closed-on-its-line-with-an-unreadable-item",
        ),
        pytest.param(
            "a: {b: 1\nc: 2\n",
            at(1, 4),
            "a mapping opened with '{' here is not closed on its line "
            "(YAML: did not find expected ',' or '}', while parsing a flow mapping)",
            "close it with '}'; if the bracket is text, quote the whole value, e.g. a: \"{b: 1\"",
            id="unclosed-brace",
        ),
        pytest.param(
            "a: 1\nthis has no colon\nb: 2\n",
            at(2, 1),
            "this line has no ':' after its first word, so it is neither a 'key: value' nor a list item "
            "(YAML: could not find expected ':', while scanning a simple key)",
            "write it as 'key: value'; if it continues the text above, indent it under that value's first "
            "word, or write the value as a block (key: |) with the lines below it",
            id="no-colon",
        ),
        pytest.param(
            "- id: a\n  statement: one\n   two: x\n",
            at(3, 7),
            "this line continues the value of 'statement' on line 2, and a ': ' in it cannot start a key "
            "there (YAML: mapping values are not allowed in this context)",
            "quote the whole value of 'statement' (a quoted value may run over several lines), or write it "
            "as a block (statement: |) with its lines below it",
            id="colon-in-a-continued-value",
        ),
    ],
)
def test_syntax_errors_point_at_the_construct_that_went_wrong(text: str, pos: Pos, message: str, hint: str) -> None:
    value, problems = parse(text)
    assert value is None
    assert found(problems) == [("BG001", pos, message)]
    assert problems[0].hint == hint


@pytest.mark.parametrize(
    ("text", "pos", "hint"),
    [
        (
            "- id: a\n  statement: @kia holds the mines.\n",
            at(2, 14),
            "a value cannot start with '@' in YAML: quote the whole value, e.g. statement: \"@kia holds the mines.\"",
        ),
        (
            "- id: a\n  statement: [[kia-took]] and more.\n",
            at(2, 14),
            "a value starting with '[' is read as a YAML list: quote the whole value, "
            'e.g. statement: "[[kia-took]] and more."',
        ),
        (
            "- id: a\n  statement: [@report, p. 2] says so.\n",
            at(2, 14),
            "a value starting with '[' is read as a YAML list: quote the whole value, "
            'e.g. statement: "[@report, p. 2] says so."',
        ),
        (
            "- id: a\n  statement: [The KIA]{@kia} holds it.\n",
            at(2, 14),
            "a value starting with '[' is read as a YAML list: quote the whole value, "
            'e.g. statement: "[The KIA]{@kia} holds it."',
        ),
        (
            '- id: a\n  statement: "Quoted" then text.\n',
            at(2, 14),
            "a quoted value ends at its closing quote, and text follows it here: quote the whole value, "
            "e.g. statement: '\"Quoted\" then text.'",
        ),
        (
            "- id: a\n  statement: *bold* claim\n",
            at(2, 14),
            "a value starting with '*' is read as a YAML alias (Markdown's *emphasis* too): "
            'quote the whole value, e.g. statement: "*bold* claim"',
        ),
        (
            "about:\n  - @kia\n",
            at(2, 5),
            "a value cannot start with '@' in YAML: quote the whole value, e.g. - \"@kia\"",
        ),
    ],
    ids=["mention", "claim-in-place", "citation", "mention-words", "text-after-quote", "emphasis", "list-item"],
)
def test_a_value_yaml_reads_otherwise_is_shown_quoted(text: str, pos: Pos, hint: str) -> None:
    """The prose syntax starts with characters YAML gives a meaning: the hint shows the
    value as it must be written, at the value itself."""
    value, problems = parse(text)
    assert value is None
    assert [(p.code, p.pos) for p in problems] == [("BG001", pos)]
    assert problems[0].hint == hint
    assert "noticed at line" not in problems[0].message


def test_a_quoted_value_with_a_comment_after_it_is_not_blamed() -> None:
    """Only the line where the parser noticed the problem is looked at, and a comment
    after a closing quote is not text after it."""
    value, problems = parse('- id: "a" # the first\n  kind: fact\n bad: 2\n')
    assert value is None
    assert problems[0].hint == "indent it by 2, as line 2 (spaces from the start of the line)"


def test_a_control_character_is_reported_at_its_column_counted_in_characters() -> None:
    # 'é' is two bytes in UTF-8; the column counts it as one, as an editor does.
    value, problems = parse("id: x\nname: café\x07\n")
    assert value is None
    assert found(problems) == [
        ("BG001", at(2, 11), "character U+0007 is not allowed in YAML (control characters are not allowed)")
    ]
    assert "invisible control characters" in problems[0].hint


# -- bytes and files ---------------------------------------------------------------------------


def test_bytes_that_are_not_utf8_are_reported_at_their_line_and_column() -> None:
    loaded = parse_bytes(Path(F), F, b"id: x\nname: caf\xe9\n")
    assert loaded.data is None
    assert found(loaded.problems) == [("BG003", at(2, 10), "byte 0xe9 is not UTF-8")]
    assert loaded.problems[0].hint == "save the file as UTF-8 in your editor"


def test_a_byte_order_mark_is_dropped_and_the_text_kept() -> None:
    loaded = parse_bytes(Path(F), F, "\ufeffname: café\n".encode())
    assert loaded.problems == []
    assert loaded.data == {"name": "café"}
    assert loaded.data.where("name") == at(1, 7)
    assert loaded.text == "name: café\n"
    assert loaded.lines == ["name: café"]


def test_a_file_is_shown_relative_to_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "content").mkdir()
    path = tmp_path / "content" / "claims.yaml"
    path.write_text("- id: a\n  kind: fact\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded = load_yaml_file(path)
    assert isinstance(loaded, LoadedFile)
    assert loaded.display == os.path.join("content", "claims.yaml")
    assert loaded.problems == []
    assert loaded.data == [{"id": "a", "kind": "fact"}]
    assert loaded.data.where(0) == Pos(loaded.display, 1, 3)


def test_a_path_outside_the_working_folder_is_shown_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    outside = tmp_path / "elsewhere.yaml"
    assert display_path(outside) == str(outside)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(load.MAX_FILE_BYTES + 1)  # sparse: nothing is written
    loaded = load_yaml_file(big)
    assert loaded.data is None
    assert found(loaded.problems) == [
        ("BG004", Pos("big.yaml"), f"file is {load.MAX_FILE_BYTES + 1:,} bytes; the limit is {load.MAX_FILE_BYTES:,}")
    ]


def test_a_broken_link_and_a_missing_file_are_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    link = tmp_path / "link.yaml"
    link.symlink_to("gone.yaml")
    loaded = load_yaml_file(link)
    assert loaded.data is None
    assert found(loaded.problems) == [
        ("BG010", Pos("link.yaml"), "file is a link to 'gone.yaml', which does not exist")
    ]
    missing = load_yaml_file(tmp_path / "missing.yaml")
    assert found(missing.problems) == [("BG010", Pos("missing.yaml"), "cannot read file: No such file or directory")]


# -- JSON sources (CSL-JSON is read as YAML) -------------------------------------------------


def test_csl_json_is_read_with_positions_and_json_escapes() -> None:
    text = '[\n  {\n    "id": "a",\n    "title": "Caf\\u00e9 \\/ bar"\n  }\n]\n'
    value, problems = parse_yaml_text(text, "sources.json")
    assert problems == []
    assert value == [{"id": "a", "title": "Café / bar"}]
    assert value.item_pos == [Pos("sources.json", 2, 3)]
    assert value[0].key_pos == {"id": Pos("sources.json", 3, 5), "title": Pos("sources.json", 4, 5)}
    assert value[0].value_pos == {"id": Pos("sources.json", 3, 11), "title": Pos("sources.json", 4, 14)}


def test_compact_and_tab_indented_json_are_read() -> None:
    assert parse('[{"id":"a","n":1,"ok":true,"x":null}]') == ([{"id": "a", "n": 1, "ok": True, "x": None}], [])
    assert parse('{\n\t"id": "a"\n}\n') == ({"id": "a"}, [])


def test_a_duplicate_key_in_json_is_reported() -> None:
    value, problems = parse('[{"id": "a", "id": "b"}]')
    assert value == [{"id": "a"}]
    assert found(problems) == [("BG002", at(1, 14), "duplicate key 'id' (first at line 1)")]


# -- the parse cache -----------------------------------------------------------------------------


def test_the_cache_parses_a_file_again_only_when_its_bytes_change(tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    cache = ParseCache()
    first = cache.load(path)
    assert cache.load(path) is first and cache.parsed == 1
    # touched, same bytes: not parsed again
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cache.load(path) is first and cache.parsed == 1
    # new bytes (of the same size, a second later): parsed again
    path.write_text("a: 2\n", encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    second = cache.load(path)
    assert second is not first and second.data == {"a": 2} and cache.parsed == 2


def test_the_cache_reports_a_missing_file_as_the_loader_does(tmp_path: Path) -> None:
    loaded = ParseCache().load(tmp_path / "missing.yaml")
    assert [p.code for p in loaded.problems] == ["BG010"]


# -- positions inside prose ------------------------------------------------------------------------

PROSE = "a: |\n  x @foo and @foo\n  @foo again\n"


@pytest.mark.parametrize(("nth", "expected"), [(0, Pos("f", 2, 5)), (1, Pos("f", 2, 14)), (2, Pos("f", 3, 3))])
def test_find_in_file_finds_the_nth_occurrence_after_the_value_start(nth: int, expected: Pos) -> None:
    assert find_in_file(PROSE, Pos("f", 1, 4), "@foo", nth) == expected
    assert find_in_file(PROSE.splitlines(), Pos("f", 1, 4), "@foo", nth) == expected


def test_find_in_file_searches_from_the_value_s_column_and_falls_back_to_the_value() -> None:
    # the first '@foo' on the line is before the value, so the second is the 0th
    assert find_in_file("k: @foo v: @foo", Pos("f", 1, 9), "@foo", 0) == Pos("f", 1, 12)
    assert find_in_file(PROSE, Pos("f", 1, 4), "@foo", 3) == Pos("f", 1, 4)
    assert find_in_file("", Pos("f", 1, 4), "@foo", 0) == Pos("f", 1, 4)
    assert find_in_file(PROSE, Pos("f"), "@foo", 0) == Pos("f")
