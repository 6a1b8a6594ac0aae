"""Field kinds and pass 1 of validation (briefgen.check.fields), in process: YAML text in,
typed records and positioned problems out.

One table of field kinds (facts/kinds.py); the validator's readers and the JSON Schema's
descriptions are tables keyed by it, and must cover it exactly.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest

from briefgen.authoring.schema import KIND_SCHEMAS
from briefgen.check.fields import VALUE_READERS, Checker
from briefgen.errors import Pos
from briefgen.facts.kinds import FIELD_KINDS
from briefgen.facts.load import parse_yaml_text
from briefgen.facts.model import COLLECTIONS, Claim, Name, PartialDate, Place, Source, spec, yaml_fields
from briefgen.facts.project import Project


def test_every_table_of_field_kinds_covers_the_one_list() -> None:
    assert set(VALUE_READERS) == set(FIELD_KINDS)
    assert set(KIND_SCHEMAS) == set(FIELD_KINDS)


def _all_fields() -> list[tuple[type, str, dataclasses.Field[Any]]]:
    seen: list[type] = []
    todo = list(COLLECTIONS.values())
    out = []
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.append(cls)
        for key, f in yaml_fields(cls):
            out.append((cls, key, f))
            if f.metadata.get("record"):
                todo.append(f.metadata["record"])
    return out


def test_every_field_of_the_model_has_a_known_kind() -> None:
    fields = _all_fields()
    assert len(fields) > 50
    for cls, key, f in fields:
        kind = FIELD_KINDS[f.metadata["kind"]]
        listed_default = f.default_factory is list  # type: ignore[comparison-overlap]
        assert kind.listed == listed_default, (cls.__name__, key)


def test_a_field_of_an_unknown_kind_is_refused_at_once() -> None:
    # model.spec used to document an "int" kind that the validator could not read.
    with pytest.raises(ValueError, match="unknown field kind 'int'"):
        spec("int")


def _read(cls: type, yaml_text: str) -> tuple[Any, Checker]:
    raw, problems = parse_yaml_text(textwrap.dedent(yaml_text), "content/x.yaml")
    assert problems == []
    checker = Checker(Project(Path("/nonexistent")))
    return checker.record(cls, raw, raw.pos, "the record"), checker


def _problems(checker: Checker) -> list[tuple[str, int, int, str]]:
    return [(p.code, p.pos.line, p.pos.col, p.message) for p in checker.problems]


def test_a_clean_claim_becomes_a_typed_record() -> None:
    claim, checker = _read(
        Claim,
        """\
        id: kia-holds-mines
        kind: " Fact"
        statement: The @kia holds the mines.
        about: kia
        as_of: 2024-10
        sources:
          - ref: diplomat
            locator: para. 3
            credibility: 2
        """,
    )
    assert checker.problems == []
    assert claim.kind == "fact"  # an allowed value, whatever its case and spaces
    assert claim.about == ["kia"]  # one value where a list is expected is a list of one
    assert claim.as_of == PartialDate(2024, 10)
    assert claim.sources[0].credibility == 2
    assert claim.where("as_of")[1:] == (5, 8)
    # References are noted, with where they stand, for pass 2 to resolve.
    assert [(r.value, r.targets, r.pos.line, r.pos.col) for r in checker.pending] == [
        ("kia", ("actors", "minerals", "places", "routes"), 4, 8),
        ("diplomat", ("sources",), 7, 10),
    ]


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "id: c\nkind: fact\nstatment: x\n",
            ("BG101", 3, 1, "unknown key 'statment' in the record (did you mean 'statement'?)"),
        ),
        (
            "id: c\nkind: facts\n",
            ("BG105", 2, 7, "'kind' of the record: 'facts' is not one of the allowed values (did you mean 'fact'?)"),
        ),
        ("id: c\nkind: fact\nas_of: 2025-13\n", ("BG106", 3, 8, "'as_of' of the record: '2025-13' is not a date")),
        ("id: Bad_Id\nkind: fact\n", ("BG108", 1, 5, "'id' of the record: 'Bad_Id' is not a valid id")),
        (
            "id: c\nkind: fact\nstatement: {a: 1}\n",
            ("BG104", 3, 12, "'statement' of the record: expected text, found a mapping"),
        ),
        (
            "id: c\nkind: fact\nabout: [kia, 3]\n",
            ("BG104", 3, 14, "an item of 'about' of the record: expected an id, found a number"),
        ),
        ("id: c\n", ("BG102", 1, 1, "the record needs 'kind'")),
    ],
)
def test_field_mistakes_are_reported_where_they_are(yaml_text: str, expected: tuple[str, int, int, str]) -> None:
    _, checker = _read(Claim, yaml_text)
    assert expected in _problems(checker)


def test_coords_out_of_range_are_refused() -> None:
    place, checker = _read(Place, "id: p\nname: P\ncoords: [95, 10]\n")
    assert place.coords is None
    assert _problems(checker) == [("BG104", 3, 9, "'coords' of the record: expected [latitude, longitude] in degrees")]


def test_names_may_be_plain_strings_or_csl_names() -> None:
    source, checker = _read(Source, "id: s\ntype: report\nauthor:\n  - Reuters\n  - {family: Lin, given: Mei}\n")
    assert checker.problems == []
    assert source.author == [Name(literal="Reuters"), Name(family="Lin", given="Mei")]


def test_a_source_url_must_use_a_safe_scheme() -> None:
    source, checker = _read(Source, "id: s\ntype: webpage\nURL: javascript:alert(1)\n")
    assert source.URL is None
    assert [p[0] for p in _problems(checker)] == ["BG117"]


def test_records_compare_and_show_as_dataclasses_do() -> None:
    # Record's own __eq__ and __repr__ (model.py) stand in for generated ones: equal fields
    # make equal records wherever they were read from; another kind never equals; the
    # records stay unhashable (they are mutable).
    from briefgen.errors import Pos
    from briefgen.facts.model import Citation, Claim, Mineral, Name

    def claim(**changes: object) -> Claim:
        fields: dict[str, object] = {"id": "c1", "kind": "fact", "statement": "Tin.", "about": ["tin"]}
        fields["sources"] = [Citation(ref="s1", locator="para. 2", quote="tin")]
        return Claim(**{**fields, **changes})  # type: ignore[arg-type]

    first, second = claim(), claim(pos=Pos("other.yaml", 9, 1), field_pos={"id": Pos("other.yaml", 9, 5)})
    assert first == second
    assert first != claim(statement="Copper.")
    assert first != claim(sources=[Citation(ref="s1", locator="para. 3", quote="tin")])
    assert Mineral(id="tin", name="Tin") != Mineral.__new__(Name) and Mineral(id="tin", name="Tin") != "tin"
    assert [first].index(second) == 0
    with pytest.raises(TypeError):
        hash(first)
    assert repr(Name(family="Smith")) == (
        "Name(family='Smith', given=None, literal=None, suffix=None, "
        "non_dropping_particle=None, dropping_particle=None)"
    )
    assert repr(first).startswith("Claim(id='c1', kind='fact', statement='Tin.', about=['tin'], as_of=None, ")


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        ("templates/brief.html.j2", "e.g. 'brief':"),
        ("memo.html.j2", "e.g. 'memo':"),
        ("partials/cite", "e.g. 'brief' or 'summary':"),
        ("templates/partials/prose.html.j2", "e.g. 'brief' or 'summary':"),
        ("../../etc/passwd", "e.g. 'brief' or 'summary':"),
    ],
)
def test_a_template_written_as_a_path_is_answered_with_a_name_to_write(written: str, suggested: str) -> None:
    """A partial is never suggested as a brief's template: it is a piece, not a page."""
    checker = Checker(Project(Path("/nonexistent")))
    meta = {"kind": "template", "max_len": 100}
    assert checker.read_template(meta, written, Pos("b.yaml", 1, 11), "'template' of brief 'b'", "template") is None
    (problem,) = checker.problems
    assert (problem.code, problem.message) == ("BG301", f"'template' of brief 'b': {written!r} is not a template name")
    assert suggested in problem.hint
