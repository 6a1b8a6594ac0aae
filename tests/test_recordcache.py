"""The on-disk cache of checked records: faster, never different."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import MINI, REPO


def _check(project: Path, cache_home: Path, *, use_cache: bool = True) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache_home)}
    env.pop("BRIEFGEN_NO_CACHE", None)
    if not use_cache:
        env["BRIEFGEN_NO_CACHE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "briefgen", "check", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_cached_records_give_the_same_problems_at_the_same_places(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    claims = (
        MINI["content/claims.yaml"]
        .replace("  as_of: 2025-06\n", "  as_of: 2025-13\n")
        .replace("    - ref: ministry\n", "    - ref: ministy\n")
        + "- id: extra\n  kind: gap\n  statment: typo\n  statement: A gap about @coast.\n"
    )
    project = make_project({"content/claims.yaml": claims})
    cache_home = tmp_path / "cache"
    cold = _check(project, cache_home)
    entries = list(cache_home.rglob("records/*.bin"))
    assert entries, "the first run should fill the cache"
    warm = _check(project, cache_home)
    uncached = _check(project, cache_home, use_cache=False)
    assert cold == warm == uncached
    assert {p["code"] for p in warm} >= {"BG101", "BG103", "BG106"}


def test_an_edited_file_is_checked_again(make_project: Callable[..., Path], tmp_path: Path) -> None:
    project = make_project()
    cache_home = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache_home)}
    first = subprocess.run([sys.executable, "-m", "briefgen", "check"], cwd=project, env=env, capture_output=True)
    assert first.returncode == 0
    path = project / "content" / "claims.yaml"
    path.write_text(path.read_text().replace("kind: fact", "kind: factoid", 1))
    assert _check(project, cache_home)[0]["code"] == "BG105"


def test_the_cache_keys_on_the_code_of_every_sub_package(tmp_path: Path) -> None:
    # Records checked by one version of any module are never read by another: editing a
    # module deep in a stage package (not just the checker's own) changes the code stamp.
    import shutil

    shutil.copytree(REPO / "briefgen", tmp_path / "briefgen", ignore=shutil.ignore_patterns("__pycache__"))

    def stamp() -> str:
        proc = subprocess.run(
            [sys.executable, "-c", "from briefgen.cachedir import code_stamp; print(code_stamp())"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(tmp_path)},
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    before = stamp()
    assert stamp() == before
    for module in ("render/pdf.py", "facts/graph.py", "commands/main.py"):
        path = tmp_path / "briefgen" / module
        path.write_text(path.read_text() + "\n# edited\n")
        after = stamp()
        assert after != before, module
        before = after
    (tmp_path / "briefgen" / "check" / "archives" / "added.py").write_text("")  # a new module, two levels down
    assert stamp() != before


def test_a_check_with_every_file_cached_never_imports_pyyaml(mini: Path, tmp_path: Path) -> None:
    # PyYAML's import is a good part of a warm check's start-up: only parsing what the
    # line walk declines needs it (the mini project's sources.yaml has flow mappings).
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("BRIEFGEN_NO_CACHE", None)
    code = "import sys; from briefgen.commands.main import main; rc = main(['check']); print(rc, 'yaml' in sys.modules)"

    def check() -> list[str]:
        proc = subprocess.run([sys.executable, "-c", code], cwd=mini, env=env, capture_output=True, text=True)
        return proc.stdout.split()[-2:]

    assert check() == ["0", "True"]  # nothing cached: every file parsed
    assert check() == ["0", "False"]
    (mini / "content" / "minerals.yaml").write_text(MINI["content/minerals.yaml"] + "# edited\n")
    assert check() == ["0", "False"]  # one file parsed again, by the line walk
    (mini / "content" / "sources.yaml").write_text(MINI["content/sources.yaml"] + "# edited\n")
    assert check() == ["0", "True"]  # one file parsed again, by PyYAML
