"""The check on unsaved buffers reuses the last one (facts/reuse.py) and must give exactly
what `briefgen check` gives on the same texts saved: the same problems, in the same order,
at the same positions, after every kind of edit. And it does the per-record work only for
the records of the edited file (counted, not timed)."""

from __future__ import annotations

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
