"""Installed use: `pip install .` (not editable) into a fresh virtual environment, then init and build.

The wheel must carry the default templates, CSS and everything `init` and `new` write; run
from a folder outside the repository, nothing can come from the checkout by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.pdfread import PdfBack

#: Left out of the copy that is installed: caches, outputs, other environments.
IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "output", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    # No PYTHONPATH, no virtualenv of the caller: only what pip installed is importable.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_pip_install_then_init_and_build_work_from_the_wheel(tmp_path: Path) -> None:
    # pip builds in the source tree (build/, *.egg-info): build from a copy, never the checkout.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=IGNORE)
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    install = _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)], tmp_path
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # Installed as a wheel into site-packages, templates included: not a link to the checkout.
    where = _run(
        [str(python), "-c", "import briefgen.facts.project as h; print(h.__file__); print(h.packaged_templates())"],
        tmp_path,
    )
    assert where.returncode == 0, where.stderr
    module, templates = where.stdout.split()
    assert Path(module).is_relative_to(venv) and "site-packages" in module
    assert Path(templates).is_relative_to(venv)
    for name in ("layout.html.j2", "brief.html.j2", "screen.css", "print.css", "partials/figures.html.j2"):
        assert (Path(templates) / name).is_file(), name

    briefgen = str(venv / "bin" / "briefgen")
    init = _run([briefgen, "init", str(tmp_path / "x")], tmp_path)
    assert init.returncode == 0, init.stderr
    build = _run([briefgen, "build", "--project", str(tmp_path / "x")], tmp_path)
    assert build.returncode == 0, build.stderr
    out = tmp_path / "x" / "output"
    assert sorted(p.name for p in out.iterdir()) == ["example-brief.html", "example-brief.pdf"]
    html = (out / "example-brief.html").read_text()
    assert "<svg" in html and "Figure 1." in html
    assert "Page 1 of" in PdfBack.open(out / "example-brief.pdf").page_texts()[0]
    # The DOCX's styles come from the packaged reference.docx, which the wheel carries.
    word = _run([briefgen, "build", "--format", "docx", "--project", str(tmp_path / "x"), "--out", "w"], tmp_path)
    assert word.returncode == 0, word.stderr
    assert (tmp_path / "w" / "example-brief.docx").read_bytes().startswith(b"PK")
    # `new` reads its skeletons from the package data too.
    for kind in ("source", "actor", "mineral", "place", "route", "claim", "brief"):
        added = _run([briefgen, "new", kind, f"new-{kind}", "--project", str(tmp_path / "x")], tmp_path)
        assert added.returncode == 0, added.stderr
    assert "- id: new-claim" in (tmp_path / "x" / "content" / "claims.yaml").read_text()
    assert (tmp_path / "x" / "content" / "briefs" / "new-brief.yaml").is_file()
    schema = _run([briefgen, "schema", "--check", "--project", str(tmp_path / "x")], tmp_path)
    assert schema.returncode == 0, schema.stderr
    help_text = _run([briefgen, "import-sources", "--help"], tmp_path)
    assert "example: briefgen import-sources" in help_text.stdout


def test_the_development_install_is_a_plain_path_entry(tmp_path: Path) -> None:
    # `make`'s editable install: briefgen found through a path in a .pth file, with no import
    # hook of setuptools' (__editable___briefgen_*_finder) loaded at every command's start.
    probe = "import sys, briefgen; print(briefgen.__file__); print([repr(f) for f in sys.meta_path])"
    shown = _run([sys.executable, "-c", probe], tmp_path)
    assert shown.returncode == 0, shown.stderr
    where, hooks = shown.stdout.splitlines()
    assert Path(where) == REPO / "briefgen" / "__init__.py"
    assert "__editable__" not in hooks
