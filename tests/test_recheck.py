"""The check on unsaved buffers reuses the last one (facts/reuse.py) and must give exactly
what `briefgen check` gives on the same texts saved: the same problems, in the same order,
at the same positions, after every kind of edit. And it does the per-record work only for
the records of the edited file (counted, not timed)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.authoring.lsp.state import FactWorkspace
from briefgen.build import check_project
from briefgen.facts.project import Project
from briefgen.facts.reuse import reuse_for
from tests.conftest import MINI, write_project

CLAIMS, SOURCES, ACTORS, BRIEF = (
    "content/claims.yaml",
    "content/sources.yaml",
    "content/actors.yaml",
    "content/briefs/harbour.yaml",
)

#: Edits, each a file and a change of its text (old -> new, applied to the current buffer);
#: each breaks something, later ones restore it, so the ids, quotes and supports of every
#: kind of file change, break and come back.
EDITS: list[tuple[str, str, str]] = [
    (CLAIMS, "- ref: harbour-report\n      locator: para. 1", "- ref: harbour-reprot\n      locator: para. 1"),
    (CLAIMS, "- ref: harbour-reprot\n      locator: para. 1", "- ref: harbour-report\n      locator: para. 1"),
    (CLAIMS, "quote: would take years to build.", "quote: would take many years to build."),
    (CLAIMS, "supports: [road-slow]", "supports: [road-slow, j-road-late]"),
    (CLAIMS, "statement: Ore from the @hills", "statement: Ore from the @hils likely"),
    (SOURCES, "- id: harbour-report", "- id: harbour-paper"),
    (CLAIMS, "quote: would take many years to build.", "quote: would take years to build."),
    (SOURCES, "- id: harbour-paper", "- id: harbour-report"),
    (SOURCES, "    reliability: B\n", ""),
    (ACTORS, "- id: trade-ministry", "- id: port-authority"),
    (BRIEF, "Who is who.", "Who is @nobody, [[exports-fel]] and @fig-none."),
    (BRIEF, "key_judgments: [j-road-late]", "key_judgments: [j-road-late, ore-trucked]"),
    (ACTORS, "- id: port-authority\n  name: Ministry", "- id: trade-ministry\n  name: Ministry"),
    (CLAIMS, "supports: [road-slow, j-road-late]", "supports: [road-slow]"),
    (SOURCES, "    archive: archive/harbour.txt\n", "    reliability: B\n    archive: archive/harbour.txt\n"),
    (CLAIMS, "- id: road-slow\n", "- id: road-slow\n  : broken yaml ["),
    (CLAIMS, "- id: road-slow\n  : broken yaml [", "- id: road-slow\n"),
    (BRIEF, "Who is @nobody, [[exports-fel]] and @fig-none.", "Who is who."),
    (CLAIMS, "statement: Ore from the @hils likely", "statement: Ore from the @hills"),
    (BRIEF, "key_judgments: [j-road-late, ore-trucked]", "key_judgments: [j-road-late]"),
]


def test_every_recheck_equals_a_full_check_of_the_same_texts_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")  # the full check reads every file afresh
    root = write_project(tmp_path / "p", MINI)
    workspace = FactWorkspace(Project(root))
    texts = {rel: (root / rel).read_text(encoding="utf-8") for rel in (CLAIMS, SOURCES, ACTORS, BRIEF)}
    for rel, text in texts.items():
        workspace.set_buffer(root / rel, text)
    workspace.check()
    seen_codes: set[str] = set()
    for step, (rel, old, new) in enumerate(EDITS):
        assert old in texts[rel], (step, rel, old)
        texts[rel] = texts[rel].replace(old, new, 1)
        workspace.set_buffer(root / rel, texts[rel])
        live = workspace.check().problems
        saved = write_project(tmp_path / f"saved-{step}", {**MINI, **texts})
        full = [p for p in check_project(Project(saved))[1]]
        relocated = [_moved(p, root, saved) for p in live]
        assert relocated == full, f"step {step}: {rel}: {old!r} -> {new!r}"
        seen_codes.update(p.code for p in live)
    # The edits did make the problems they were meant to (the comparison is not vacuous).
    assert {"BG103", "BG112", "BG119", "BG115", "BG125", "BG107", "BG127", "BG131", "BG203", "BG001"} <= seen_codes


def _moved(problem: object, root: Path, saved: Path) -> object:
    """A live problem as the saved copy's check words it (its paths are the copy's)."""
    import dataclasses

    from briefgen.errors import Pos, Problem

    assert isinstance(problem, Problem)
    here, there = str(root), str(saved)
    pos = Pos(problem.pos.file.replace(here, there), problem.pos.line, problem.pos.col)
    return dataclasses.replace(
        problem, pos=pos, message=problem.message.replace(here, there), hint=problem.hint.replace(here, there)
    )


def test_a_recheck_works_out_only_the_edited_files_records(make_project: Callable[..., Path]) -> None:
    root = make_project()
    workspace = FactWorkspace(Project(root))
    workspace.check()
    reuse = reuse_for(workspace.cache)
    assert reuse.computed["claims"] == 4  # the first check: every claim
    text = (root / CLAIMS).read_text(encoding="utf-8")
    workspace.set_buffer(root / CLAIMS, text.replace("para. 3", "para. 2", 1))
    workspace.check()
    # The four claims of the edited file only: no source, actor or brief again.
    assert reuse.computed["claims"] == 4
    assert reuse.computed["references.prose"] == 4  # claims' statements; the briefs are kept
    assert reuse.computed["references.cross"] == 0
    assert reuse.computed["standards.brief_uses"] == 0
    workspace.set_buffer(root / BRIEF, (root / BRIEF).read_text(encoding="utf-8").replace("Who is who.", "Who?"))
    workspace.check()
    assert reuse.computed["claims"] == 0
    assert reuse.computed["references.prose"] == 1  # the one brief edited
    assert reuse.computed["references.cross"] == 1
    assert reuse.computed["standards.brief_uses"] == 1
    # Nothing edited: nothing worked out again, the quotes included.
    workspace.check()
    assert sum(reuse.computed.values()) == 0


def test_a_result_is_reused_only_with_what_it_was_worked_out_from() -> None:
    from briefgen.facts.reuse import Reuse

    reuse, record = Reuse(), object()
    calls: list[str] = []

    def run(depends: str, finish: bool = True) -> None:
        reuse.start()
        reuse.job("j", depends)(record, lambda r: calls.append(depends))
        if finish:
            reuse.finish()

    run("ids 1")
    run("ids 1")
    assert calls == ["ids 1"]  # same record, same ids: kept
    run("ids 2", finish=False)  # a check that ended half way keeps nothing
    run("ids 2")
    assert calls == ["ids 1", "ids 2", "ids 2"]
    run("ids 2")
    assert calls == ["ids 1", "ids 2", "ids 2"]
    run("ids 2")  # and a new object is never taken for the old one
    reuse.start()
    reuse.job("j", "ids 2")(object(), lambda r: calls.append("new"))
    assert calls[-1] == "new"


# -- a second attack round: rechecks that once differed from a fresh check ---------------------


def _fresh(root: Path) -> list[object]:
    """A check with nothing carried over from an earlier one."""
    return check_project(Project(root))[1]


def test_a_circle_told_again_when_its_members_change_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Equal graphs in another order tell a circle from another member (facts/reuse.same)."""
    from briefgen.facts.load import ParseCache

    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")
    root = write_project(tmp_path / "p", MINI)
    judgment = "- id: j{0}\n  kind: judgment\n  statement: It is likely.\n  likelihood: likely\n"
    judgment += "  confidence: low\n  supports: [{1}]\n"
    a, b, c = judgment.format("a", "jb, jc"), judgment.format("b", "jc"), judgment.format("c", "ja, jb")
    claims = root / CLAIMS
    cache = ParseCache()
    claims.write_text(MINI[CLAIMS] + a + b + c, encoding="utf-8")
    check_project(Project(root), cache)
    claims.write_text(MINI[CLAIMS] + b + c + a, encoding="utf-8")  # the same claims, ja last
    live = check_project(Project(root), cache)[1]
    assert [p for p in live if p.code == "BG119"], "the example must hold the circle"
    assert live == _fresh(root)


def test_a_file_renamed_over_another_with_the_same_size_and_time_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ParseCache's stamp holds the inode and change time, which no copy or rename keeps."""
    from briefgen.facts.load import ParseCache

    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")
    root = write_project(tmp_path / "p", MINI)
    (root / "content/places.yaml").unlink()
    (root / "content/places").mkdir()
    a, b = root / "content/places/a.yaml", root / "content/places/b.yaml"
    a.write_text(MINI["content/places.yaml"], encoding="utf-8")
    b.write_text(MINI["content/places.yaml"].replace("id: coast", "id: coaxt"), encoding="utf-8")
    for path in (a, b):
        os.utime(path, ns=(10**18, 10**18))
    cache = ParseCache()
    check_project(Project(root), cache)
    os.replace(a, b)
    assert check_project(Project(root), cache)[1] == _fresh(root)


def test_an_open_buffer_over_the_file_limit_is_refused_as_the_file_would_be(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", MINI)
    workspace = FactWorkspace(Project(root))
    workspace.check()
    places = root / "content/places.yaml"
    text = places.read_text(encoding="utf-8") + ("# " + "x" * 1000 + "\n") * 9000
    workspace.set_buffer(places, text)
    live = workspace.check().problems
    places.write_text(text, encoding="utf-8")
    assert [p.code for p in live] == ["BG004"]
    assert live == _fresh(root)


def test_buffers_are_used_when_content_is_a_link(tmp_path: Path) -> None:
    real, root = tmp_path / "real", tmp_path / "linked"
    write_project(real, MINI)
    root.mkdir()
    (root / "content").symlink_to(real / "content")
    workspace = FactWorkspace(Project(root))
    workspace.check()
    claims = root / CLAIMS
    text = claims.read_text(encoding="utf-8").replace("@hills", "@hils")
    workspace.set_buffer(claims, text)
    live = workspace.check().problems
    claims.write_text(text, encoding="utf-8")
    assert [p.code for p in live] == ["BG115"]
    assert live == _fresh(root)


def test_an_unsaved_briefgen_yaml_counts(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {**MINI, "briefgen.yaml": "max_age: 30y\n"})
    workspace = FactWorkspace(Project(root))
    assert workspace.check().problems == []
    workspace.set_buffer(root / "briefgen.yaml", "max_age: 1d\n")
    live = workspace.check().problems
    (root / "briefgen.yaml").write_text("max_age: 1d\n", encoding="utf-8")
    assert "BG208" in {p.code for p in live}
    assert live == _fresh(root)
