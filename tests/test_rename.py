"""`briefgen rename OLD NEW`: an id renamed everywhere it is written, every other byte kept;
and the occurrences it rests on, held to the checker's own scan and to `impact`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.authoring.occurrences import file_occurrences, slots
from briefgen.authoring.rename import plan_rename, read_fact_files
from briefgen.build import check_project
from briefgen.errors import BriefgenError
from briefgen.facts.graph import FileTexts, all_prose, impact_of
from briefgen.facts.project import Project
from briefgen.facts.syntax import scan_references
from tests.conftest import MINI, REPO, run_cli

#: MINI with comments, quoting and spacing of an analyst's own, around the ids renamed.
HAND_EDITED = {
    "content/actors.yaml": MINI["content/actors.yaml"].replace(
        "- id: port-authority\n", "# the port's own authority\n- id:   'port-authority'   # keep this comment\n"
    )
    + "- id: port-authority-staff\n  name: Staff of the port authority\n",
    "content/claims.yaml": MINI["content/claims.yaml"]
    .replace("  about: [port-authority]\n", '  about: [ "port-authority" ]  # quoted on purpose\n')
    .replace(
        "statement: The @port-authority said",
        "statement: The @port-authority (not `@port-authority`, nor @port-authority-staff) said",
    ),
    "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"].replace(
        "(again) and the @trade-ministry [@ministry, para. 2].",
        "(again) and the @trade-ministry [@ministry, para. 2; @road-slow].\n      Also @{port-authority}.",
    ),
}


def test_rename_changes_the_id_everywhere_and_nothing_else(make_project: Callable[..., Path]) -> None:
    root = make_project(HAND_EDITED)
    before = {rel: (root / rel).read_bytes() for rel in MINI}
    proc = run_cli("rename", "port-authority", "harbour-authority", "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "changed 6 places in 3 files" in proc.stderr
    assert "briefgen check: 0 errors" in proc.stderr
    after = {rel: (root / rel).read_bytes() for rel in MINI}
    expected = dict(before)
    expected["content/actors.yaml"] = before["content/actors.yaml"].replace(b"'port-authority'", b"'harbour-authority'")
    claims = before["content/claims.yaml"].replace(b'"port-authority"', b'"harbour-authority"')
    claims = claims.replace(b"The @port-authority (not", b"The @harbour-authority (not")
    expected["content/claims.yaml"] = claims
    brief = before["content/briefs/harbour.yaml"].replace(b"@port-authority", b"@harbour-authority")
    expected["content/briefs/harbour.yaml"] = brief.replace(b"@{port-authority}", b"@{harbour-authority}")
    assert after == expected
    assert b"`@port-authority`" in after["content/claims.yaml"]  # code stays code
    assert b"@port-authority-staff" in after["content/claims.yaml"]  # another id stays itself


def test_dry_run_writes_nothing(make_project: Callable[..., Path]) -> None:
    root = make_project()
    before = {rel: (root / rel).read_bytes() for rel in MINI}
    proc = run_cli("rename", "harbour-report", "harbour-news", "--dry-run", "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "content/claims.yaml: would change 3 places" in proc.stderr
    assert "content/sources.yaml: would change 2 places" in proc.stderr  # its id, and ministry's via
    assert "would change 6 places in 3 files" in proc.stderr
    assert {rel: (root / rel).read_bytes() for rel in MINI} == before


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("harbour-report", "ministry", "the id 'ministry' is already taken"),
        ("harbour-report", "coast", "the id 'coast' is already taken"),  # taken in another collection
        ("harbor-report", "x", "no record has the id 'harbor-report' (did you mean 'harbour-report'?)"),
        ("harbour-report", "Harbour_Report", "'Harbour_Report' is not a valid id"),
        ("harbour-report", "a" * 101, f"'{'a' * 77}...' is not a valid id"),  # over the id limit
    ],
)
def test_refused_renames_exit_2_and_write_nothing(
    make_project: Callable[..., Path], old: str, new: str, said: str
) -> None:
    root = make_project()
    before = {rel: (root / rel).read_bytes() for rel in MINI}
    proc = run_cli("rename", old, new, "--project", str(root))
    assert proc.returncode == 2
    assert f"error[BG609]: {said}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert {rel: (root / rel).read_bytes() for rel in MINI} == before


def test_a_new_id_yaml_would_read_as_a_number_is_quoted(make_project: Callable[..., Path]) -> None:
    root = make_project()
    proc = run_cli("rename", "tin", "2025", "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    assert '  about: [hills, coast, hill-road, "2025"]\n' in (root / "content/claims.yaml").read_text()
    assert '- id: "2025"\n' in (root / "content/minerals.yaml").read_text()
    base, problems = check_project(Project(root))
    assert "2025" in base.minerals and not [p for p in problems if p.severity == "error"]


def test_the_project_is_checked_after_and_its_errors_reported(make_project: Callable[..., Path]) -> None:
    root = make_project({"content/minerals.yaml": MINI["content/minerals.yaml"] + "- id: cobalt\n"})
    proc = run_cli("rename", "tin", "tin-ore", "--project", str(root))
    assert proc.returncode == 1
    assert "error[BG102]: mineral 'cobalt' needs 'name'" in proc.stderr
    assert "changed 3 places in 3 files" in proc.stderr


def test_every_id_of_the_example_renames_cleanly() -> None:
    """Each id of the example content renamed in memory: every occurrence found where the
    checker's scan says (no file refused), and the renamed base checks as cleanly."""
    files = read_fact_files(Project(REPO))
    ids = [s.value for f in files for s in slots(f.collection, f.data) if s.role == "definition"]
    assert len(ids) > 50
    for ident in ids:
        renamed = plan_rename(files, ident, f"{ident}-renamed")
        assert renamed.places >= 1


def test_prose_occurrences_are_the_scans_references() -> None:
    """As many prose occurrences of each id as the checker's scan finds in the example."""
    base, _ = check_project(Project(REPO))
    scanned: dict[str, int] = {}
    for prose in all_prose(base):
        for ref in scan_references(prose.text or ""):
            if ref.how != "xref":  # a brief's figure, table or section: no record to rename
                scanned[ref.ref] = scanned.get(ref.ref, 0) + 1
    found: dict[str, int] = {}
    for file in read_fact_files(Project(REPO)):
        for occ in file_occurrences(file.collection, file.data, file.lines, file.display):
            if occ.role == "prose":
                found[occ.ident] = found.get(occ.ident, 0) + 1
    assert found == scanned


def test_references_hold_every_direct_use_impact_knows() -> None:
    """Every claim `impact` lists as citing (directly), naming or about an id is among the
    id's occurrences, and each brief holds as many as `impact` finds direct uses in it."""
    project = Project(REPO)
    base, _ = check_project(project)
    places: dict[str, list[tuple[str, int]]] = {}
    for file in read_fact_files(project):
        for occ in file_occurrences(file.collection, file.data, file.lines, file.display):
            if occ.role != "definition":
                places.setdefault(occ.ident, []).append((occ.pos.file, occ.pos.line))
    for ident in ["kia", "diplomat-myanmar-minerals-deal", "chipwe-pangwa", "china", "rare-earths"]:
        impact = impact_of(base, ident, FileTexts())
        for brief in base.briefs.values():
            direct = [u for u in impact.uses if u.ref == ident and u.brief == brief.id]
            assert len(direct) == sum(f == brief.pos.file for f, _ in places[ident]), (ident, brief.id)
            for use in direct:  # and at the same line
                assert (use.pos.file, use.pos.line) in places[ident], (ident, use)
        for claim_id in impact.claims:
            claim = base.claims[claim_id]
            if ident in base.sources and all(c.ref != ident for c in claim.sources):
                continue  # it cites a source known only via this one: a use of that source
            lines = range(claim.pos.line, claim.pos.line + 200)  # within the claim's record
            mine = [line for f, line in places[ident] if f == claim.pos.file and line in lines]
            assert mine, (ident, claim_id)


def test_an_id_written_with_an_escape_is_refused_not_half_renamed(make_project: Callable[..., Path]) -> None:
    claims = (
        MINI["content/claims.yaml"]
        .replace("statement: The @port-authority said", 'statement: "The \\u0040port-authority said')
        .replace("would take years to build.\n  about", 'would take years to build."\n  about', 1)
    )
    root = make_project({"content/claims.yaml": claims})
    with pytest.raises(BriefgenError) as caught:
        plan_rename(read_fact_files(Project(root)), "port-authority", "pa")
    assert caught.value.problems[0].code == "BG610"


def test_an_id_behind_a_yaml_anchor_is_renamed_with_its_references(make_project: Callable[..., Path]) -> None:
    actors = MINI["content/actors.yaml"].replace("- id: port-authority\n", "- id: &pa port-authority\n")
    root = make_project({"content/actors.yaml": actors})
    proc = run_cli("rename", "port-authority", "harbour-board", "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "- id: &pa harbour-board\n" in (root / "content" / "actors.yaml").read_text(encoding="utf-8")
    assert "briefgen check: 0 errors" in proc.stderr


def test_a_definition_the_rename_cannot_edit_stops_it_before_anything_is_written(
    make_project: Callable[..., Path],
) -> None:
    """The record's own id written with an escape: the references elsewhere must not be
    renamed without it (which left a project naming an id no record had)."""
    actors = MINI["content/actors.yaml"].replace("- id: port-authority\n", '- id: "port\\x2dauthority"\n')
    root = make_project({"content/actors.yaml": actors})
    assert run_cli("check", "--project", str(root)).returncode == 0
    before = {path: path.read_bytes() for path in (root / "content").rglob("*.yaml")}
    proc = run_cli("rename", "port-authority", "harbour-board", "--project", str(root))
    assert proc.returncode != 0 and "error[BG610]" in proc.stderr and "content/actors.yaml" in proc.stderr
    assert {path: path.read_bytes() for path in (root / "content").rglob("*.yaml")} == before


#: Prose where the id stands in code (which the renderer prints as it is written) before
#: and beside the reference to it: each variant is renamed outside the code only.
CODE_VARIANTS = {
    "fenced then indented": "```\n@port-authority in code\n```\n\n    @port-authority indented code\n\n",
    "fenced": "```\n@port-authority in code\n```\n\n",
    "tilde fence": "~~~\n@port-authority in code\n~~~\n",
    "indented": "Text.\n\n    @port-authority indented code\n\n",
    "inline, over two lines": "Code `a\n@port-authority` here.\n\n",
    "fence in a list item": "- item\n\n  ```\n  @port-authority\n  ```\n- more\n\n",
    "fence in a nested list": "- a\n  - b\n\n    ```\n    @port-authority\n    ```\n\n",
    "code in a list item": "- item\n\n      @port-authority code in item\n\n",
    "fence in a block quote": "> ```\n> @port-authority\n> ```\n\n",
    "code in a block quote": ">     @port-authority\n\n",
}


def _with_body(brief: str, body: str) -> str:
    indented = "".join(f"      {line}" if line.strip() else line for line in body.splitlines(keepends=True))
    return brief.replace("    body: Who is who.\n", "    body: |\n" + indented)


@pytest.mark.parametrize("code", CODE_VARIANTS.values(), ids=CODE_VARIANTS.keys())
def test_rename_leaves_code_blocks_and_spans_alone(make_project: Callable[..., Path], code: str) -> None:
    brief = MINI["content/briefs/harbour.yaml"]
    before = _with_body(brief, code + "The @port-authority said so; `@port-authority` is code.\n")
    root = make_project({"content/briefs/harbour.yaml": before})
    proc = run_cli("rename", "port-authority", "harbour-authority", "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "content/briefs/harbour.yaml: changed 3 places" in proc.stderr  # summary, Trade, the new line
    renamed = brief.replace("@port-authority", "@harbour-authority")
    expected = _with_body(renamed, code + "The @harbour-authority said so; `@port-authority` is code.\n")
    assert (root / "content/briefs/harbour.yaml").read_text(encoding="utf-8") == expected


def test_a_problem_after_the_same_token_in_code_is_placed_at_itself(make_project: Callable[..., Path]) -> None:
    # The check's positions count occurrences as rename does: code before it is counted too.
    body = "```\n@nobody in code\n```\n\nThe @nobody said so.\n"
    root = make_project({"content/briefs/harbour.yaml": _with_body(MINI["content/briefs/harbour.yaml"], body)})
    _, problems = check_project(Project(root))
    found = [p for p in problems if p.code == "BG115"]
    text = (root / "content/briefs/harbour.yaml").read_text(encoding="utf-8").splitlines()
    assert len(found) == 1, found
    line = text[found[0].pos.line - 1]
    assert line.strip() == "The @nobody said so." and line[found[0].pos.col - 1 :].startswith("@nobody")
