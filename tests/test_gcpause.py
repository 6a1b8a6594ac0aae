"""The cycle collector is paused while the fact base is built (briefgen/gcpause.py).

That is only sound while building it leaves no reference cycles: a dropped fact base must
be freed by reference counting alone, or a long-lived preview would grow on every save.
These tests fail if a change brings a cycle in (a recursive closure holding the base was
one), and pin which processes freeze what survives.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.synth import generate
from briefgen.check.validate import validate_project
from briefgen.commands.main import main
from briefgen.facts.load import ParseCache
from briefgen.facts.project import Project
from tests.conftest import MINI, REPO, write_project


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A record cache of the test's own, so cold and warm runs are both exercised."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("BRIEFGEN_NO_CACHE", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def collector_on() -> Iterator[None]:
    """Run with the collector enabled and nothing pending, whatever ran before."""
    was = gc.isenabled()
    gc.enable()
    gc.collect()
    yield
    if not was:
        gc.disable()


def _cyclic_garbage_after(project: Project, cache: ParseCache | None) -> int:
    base, problems = validate_project(project, cache)
    assert base.claims, "the project should have loaded"
    del base, problems
    return gc.collect()


@pytest.mark.parametrize("which", ["example", "mini", "synthetic"])
def test_building_the_fact_base_leaves_no_reference_cycles(
    which: str, tmp_path: Path, own_cache: Path, collector_on: None
) -> None:
    if which == "example":
        root = REPO
    elif which == "mini":
        root = write_project(tmp_path / "mini", MINI)
    else:
        root = generate(tmp_path / "synthetic", claims=300, briefs=3)
    project = Project(root)
    # Cold (parsed and written to the record cache), warm (read back), and the preview's
    # in-memory cache (first load, then a rebuild with every file unchanged).
    assert _cyclic_garbage_after(project, None) == 0
    assert _cyclic_garbage_after(project, None) == 0
    memory = ParseCache()
    assert _cyclic_garbage_after(project, memory) == 0
    assert _cyclic_garbage_after(project, memory) == 0


def test_the_collector_is_back_on_after_a_check(mini: Path, collector_on: None) -> None:
    assert main(["check", "--project", str(mini)]) == 0
    assert gc.isenabled()


def test_only_a_one_shot_command_process_freezes(mini: Path, collector_on: None) -> None:
    """In-process (tests, the preview) nothing is frozen; the `briefgen` command freezes
    the fact base it built, so later collections in that process skip it."""
    before = gc.get_freeze_count()
    assert main(["check", "--project", str(mini)]) == 0
    assert gc.get_freeze_count() == before

    probe = (
        "import gc, sys\n"
        "from briefgen.commands import main as cli\n"
        "sys.argv = ['briefgen', 'check', '--project', sys.argv[1]]\n"
        "code = cli.run()\n"
        "print(code, gc.isenabled(), gc.get_freeze_count())\n"
    )
    # No cache: the first check above kept its result, which the probe would just print.
    env = {**os.environ, "PYTHONPATH": str(REPO), "BRIEFGEN_NO_CACHE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(mini)], capture_output=True, text=True, env=env, timeout=120
    )
    code, enabled, frozen = proc.stdout.split()
    assert (code, enabled) == ("0", "True"), proc.stderr
    assert int(frozen) > 1000  # the records, positions and lists of the project, at least
