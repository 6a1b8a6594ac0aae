"""The set-up of the two commands: which Python makes `.venv/`, and that naming another one
makes it anew (the Makefile and .ci/python)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _qualifies(python: str) -> bool:
    """3.11 or later, and able to make a virtual environment: what .ci/python asks."""
    check = "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))"
    return subprocess.run([python, "-c", check], capture_output=True).returncode == 0


def test_the_system_python_comes_first_when_it_qualifies() -> None:
    chosen = subprocess.run([REPO / ".ci/python"], capture_output=True, text=True, check=True).stdout.strip()
    if Path("/usr/bin/python3").exists() and _qualifies("/usr/bin/python3"):
        assert chosen == "/usr/bin/python3"
    else:
        assert chosen == (shutil.which("python3") or "python3")
    assert _qualifies(chosen)


def test_an_old_python_on_path_is_passed_over(tmp_path: Path) -> None:
    # A python3 on PATH that is too old: .ci/python must not offer it when /usr/bin/python3
    # fits, and says "python3" (so that making the environment names the problem) otherwise.
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    chosen = subprocess.run([REPO / ".ci/python"], capture_output=True, text=True, check=True, env=env).stdout.strip()
    assert chosen != str(fake)
    if _qualifies("/usr/bin/python3"):
        assert chosen == "/usr/bin/python3"


def _dry_run(repo: Path, *args: str) -> str:
    make = shutil.which("make")
    assert make, "make is needed (Debian: apt-get install make)"
    return subprocess.run([make, "-n", "check", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def bare_checkout(tmp_path: Path) -> Path:
    """What the Makefile reads, without a virtual environment."""
    (tmp_path / ".ci").mkdir()
    for name in ("Makefile", "pyproject.toml", ".ci/python"):
        shutil.copy2(REPO / name, tmp_path / name)
    return tmp_path


def test_make_uses_the_python_it_is_given_and_remakes_the_environment_for_another(bare_checkout: Path) -> None:
    plan = _dry_run(bare_checkout, f"PYTHON={sys.executable}")
    assert f"{sys.executable} -m venv .venv" in plan
    stamp = re.search(r"test -e (\.venv/\.installed-\d+) \|\| rm -rf \.venv", plan)
    assert stamp, plan
    # The environment made with this interpreter stands: nothing to do but the command.
    (bare_checkout / ".venv").mkdir()
    Path(bare_checkout / stamp.group(1)).touch()
    assert "-m venv" not in _dry_run(bare_checkout, f"PYTHON={sys.executable}")
    # Another interpreter: the environment is made anew (its stamp is another file).
    other = _dry_run(bare_checkout, "PYTHON=/usr/bin/python3")
    assert "/usr/bin/python3 -m venv .venv" in other
    assert re.search(r"test -e \.venv/\.installed-\d+ \|\| rm -rf \.venv", other)
    assert stamp.group(1) not in other


def test_make_picks_the_python_ci_python_names(bare_checkout: Path) -> None:
    chosen = subprocess.run([bare_checkout / ".ci/python"], capture_output=True, text=True, check=True).stdout.strip()
    assert f"{chosen} -m venv .venv" in _dry_run(bare_checkout)
