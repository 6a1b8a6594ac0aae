"""The shape of the code: imports run one way, and no module imports itself back.

The contracts themselves are in pyproject.toml ([tool.importlinter]); ``make test`` runs
them. These tests prove the contracts bite (a planted upward import breaks them) and
check, module by module, what import-linter checks package by package: no cycles.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the briefgen package found in ``root``, with its pyproject.toml."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "briefgen", tmp_path / "briefgen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def _plant(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")


def test_the_import_contracts_are_kept() -> None:
    proc = _lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_an_upward_import_inside_a_function_breaks_the_layers(copy_of_the_package: Path) -> None:
    _plant(
        copy_of_the_package / "briefgen" / "facts" / "model.py",
        "def _planted() -> None:\n    from briefgen.render import plan  # noqa: F401\n",
    )
    proc = _lint_imports(copy_of_the_package)
    assert proc.returncode == 1
    assert "Stages import downwards only BROKEN" in proc.stdout
    assert "briefgen.facts.model -> briefgen.render.plan" in proc.stdout


def test_weasyprint_outside_the_pdf_stage_breaks_a_contract(copy_of_the_package: Path) -> None:
    _plant(copy_of_the_package / "briefgen" / "render" / "html.py", "import weasyprint  # noqa: E402, F401\n")
    proc = _lint_imports(copy_of_the_package)
    assert proc.returncode == 1
    assert "Only the PDF stage drives WeasyPrint BROKEN" in proc.stdout


def import_cycles(graph: grimp.ImportGraph, modules: Iterable[str]) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan's
    strongly connected components of size > 1, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    wanted = set(modules)

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & wanted):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in graph.find_modules_directly_imported_by(module):
                found.append(sorted(group))

    for module in sorted(wanted):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle_through_a_third_module() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph, graph.modules) == [["p.a", "p.b", "p.c"]]


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    # grimp reads every import statement, those inside functions included.
    graph = grimp.build_graph("briefgen", cache_dir=None)
    assert import_cycles(graph, graph.modules) == []


def test_check_imports_neither_jinja_nor_markdown_nor_weasyprint(tmp_path: Path) -> None:
    # `check` runs on every save in editors and the preview: it must not pay for the
    # render stages' libraries (the build module imports them only when it renders).
    assert _modules_after(["check"], tmp_path, ("jinja2", "markdown_it", "weasyprint")) == []


def _modules_after(argv: list[str], tmp_path: Path, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` a run of ``briefgen argv`` on the example imported (exit code 0)."""
    code = (
        "import sys\n"
        "from briefgen.commands.main import main\n"
        f"code = main({argv!r})\n"
        f"print('LOADED', sorted(m for m in {names!r} if m in sys.modules), code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("LOADED")), "")
    assert line.endswith(" 0"), proc.stdout + proc.stderr
    return [m.strip("'") for m in line[len("LOADED [") : -len("] 0")].split(", ") if m]


def test_a_clean_check_or_html_build_imports_nothing_only_a_mistake_needs(tmp_path: Path) -> None:
    # Start-up is most of a command's time: difflib (nearest passages, did-you-mean),
    # logging (the cache's debug lines), traceback (a template's error line) and json
    # (printed reports) are imported when they are used, not by every run.
    assert _modules_after(["check"], tmp_path, ("difflib", "logging", "traceback", "json")) == []
    out = tmp_path / "out"
    built = _modules_after(
        ["build", "myanmar-rare-earths", "--format", "html", "--out", str(out)], tmp_path, ("difflib",)
    )
    assert built == []
