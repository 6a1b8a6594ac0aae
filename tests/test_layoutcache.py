"""Incremental PDF builds: a brief whose layout inputs are unchanged is not laid out again.

In-process tests count the calls of the layout (render.pdf.render_pdf); process tests show
what a user sees (the reused line, no WeasyPrint import) and that fonts are keyed on.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefgen.build import build_project
from briefgen.facts.graph import claims_used_by
from briefgen.facts.project import Project
from briefgen.render import layoutcache
from tests.conftest import REPO, run_cli

TEMPLATES = REPO / "templates"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("BRIEFGEN_NO_CACHE", raising=False)
    return home


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> Iterator[list[str]]:
    """The final-HTML titles of every layout made, in order (render_pdf, counted)."""
    import briefgen.render.pdf as pdf

    made: list[str] = []
    real = pdf.render_pdf

    def counting(html: str, *args: Any, **kwargs: Any) -> Any:
        made.append(html.split("<title>", 1)[1].split("</title>", 1)[0])
        return real(html, *args, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", counting)
    yield made


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def build(root: Path, out: Path, **kwargs: Any) -> Any:
    result = build_project(Project(root), out=out, **kwargs)
    assert not result.failed, [p.format() for p in result.problems]
    return result


def briefs_using(root: Path, claim: str) -> list[str]:
    """The briefs that use a claim (facts.graph, the one home of that walk)."""
    from briefgen.build import check_project

    base, _ = check_project(Project(root))
    return [ident for ident, brief in base.briefs.items() if claim in claims_used_by(base, brief)]


def edit_statement(root: Path, claim: str) -> None:
    """Add a word to the claim's statement (its YAML line), so its wording changes."""
    for path in sorted((root / "content").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        for n, line in enumerate(lines):
            if line.strip() == f"- id: {claim}":
                for m in range(n + 1, len(lines)):
                    if lines[m].lstrip().startswith("statement:"):
                        lines[m] = lines[m].replace("statement: ", "statement: Edited, ", 1)
                        path.write_text("".join(lines), encoding="utf-8")
                        return
    raise AssertionError(f"no statement found for {claim}")


def test_a_no_op_build_writes_byte_identical_outputs_without_laying_out(
    mini: Path, tmp_path: Path, layouts: list[str]
) -> None:
    first = build(mini, tmp_path / "first")
    assert len(layouts) == 2 and sorted(first.laid_out) == ["harbour", "harbour-summary"] and first.reused == []

    again = build(mini, tmp_path / "again")
    assert len(layouts) == 2, "a no-op build laid a PDF out"
    assert sorted(again.reused) == ["harbour", "harbour-summary"] and again.laid_out == []
    assert outputs(tmp_path / "again") == outputs(tmp_path / "first")

    forced = build(mini, tmp_path / "forced", force=True)
    assert len(layouts) == 4 and sorted(forced.laid_out) == ["harbour", "harbour-summary"]
    assert outputs(tmp_path / "forced") == outputs(tmp_path / "first")


def test_editing_one_claim_lays_out_only_the_briefs_that_use_it(mini: Path, tmp_path: Path, layouts: list[str]) -> None:
    build(mini, tmp_path / "before")
    assert briefs_using(mini, "exports-fell") == ["harbour"]  # placed in its text: [[exports-fell]]
    edit_statement(mini, "exports-fell")

    after = build(mini, tmp_path / "after")
    assert after.laid_out == ["harbour"] and after.reused == ["harbour-summary"]
    assert layouts[2:] == ["Harbour &lt;Trade&gt; &amp; Tin"]
    # What was reused is what a full build writes now.
    build(mini, tmp_path / "full", force=True)
    assert outputs(tmp_path / "after") == outputs(tmp_path / "full")
    assert outputs(tmp_path / "after")["harbour-summary.pdf"] == outputs(tmp_path / "before")["harbour-summary.pdf"]


def _png(colour: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, "png")
    return buffer.getvalue()


def test_a_file_the_layout_loads_is_part_of_the_key(mini: Path, tmp_path: Path, layouts: list[str]) -> None:
    # A stylesheet of the project's own that makes WeasyPrint fetch an image from templates/.
    (mini / "templates").mkdir()
    css = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    (mini / "templates" / "print.css").write_text(css + '\nhtml { background-image: url("templates/mark.png"); }\n')
    out = tmp_path / "out"

    build(mini, out, fmt="pdf")  # mark.png missing: refused (BG406), and remembered as absent
    assert len(layouts) == 2
    (mini / "templates" / "mark.png").write_bytes(_png("red"))
    build(mini, out, fmt="pdf")
    assert len(layouts) == 4, "a file the layout was refused, now present, must lay out again"
    build(mini, out, fmt="pdf")
    assert len(layouts) == 4
    (mini / "templates" / "mark.png").write_bytes(_png("blue"))
    build(mini, out, fmt="pdf")
    assert len(layouts) == 6, "new bytes in a file the layout loaded must lay out again"
    (mini / "templates" / "unused.png").write_bytes(_png("green"))
    build(mini, out, fmt="pdf")
    assert len(layouts) == 6, "a file no layout loads changes nothing"


def test_the_code_and_the_fonts_are_part_of_the_key(mini: Path, tmp_path: Path, cache_home: Path) -> None:
    cache = layoutcache.layout_cache()
    assert cache is not None
    html, roots = "<p>x</p>", [str(mini / "templates")]
    key = cache.key(html, str(mini), roots)
    assert key == layoutcache.LayoutCache(cache.folder, layoutcache.font_stamp() or "").key(html, str(mini), roots)
    assert key != layoutcache.LayoutCache(cache.folder, "other fonts").key(html, str(mini), roots)
    assert key != cache.key(html + " ", str(mini), roots)
    assert key != cache.key(html, str(mini), [*roots, str(mini / "content" / "assets")])


def test_a_damaged_or_unusable_cache_gives_the_same_build(mini: Path, tmp_path: Path, layouts: list[str]) -> None:
    cache_home = Path(os.environ["XDG_CACHE_HOME"])
    build(mini, tmp_path / "first")
    entries = list(cache_home.rglob("layout/*.bin"))
    assert len(entries) == 2
    for entry in entries:  # one byte flipped in the middle of each stored PDF
        blob = bytearray(entry.read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        entry.write_bytes(bytes(blob))
    build(mini, tmp_path / "damaged")
    assert len(layouts) == 4
    assert outputs(tmp_path / "damaged") == outputs(tmp_path / "first")

    layout_folder = entries[0].parent
    shutil.rmtree(layout_folder)
    layout_folder.write_text("a file where the cache folder goes")
    build(mini, tmp_path / "no-cache")
    assert len(layouts) == 6
    assert outputs(tmp_path / "no-cache") == outputs(tmp_path / "first")


def _env(cache_home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache_home), **extra}
    env.pop("BRIEFGEN_NO_CACHE", None)
    return env


def test_a_no_op_build_says_what_it_reused_and_never_starts_weasyprint(mini: Path, tmp_path: Path) -> None:
    env = _env(tmp_path / "cache")
    out = str(tmp_path / "out")
    first = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--out", out], cwd=mini, env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    assert "reused" not in first.stderr
    code = (
        "import sys; from briefgen.commands.main import main; "
        f"rc = main(['build', '--out', {out!r}]); print(rc, 'weasyprint' in sys.modules)"
    )
    again = subprocess.run([sys.executable, "-c", code], cwd=mini, env=env, capture_output=True, text=True)
    assert again.stdout.split()[-2:] == ["0", "False"], again.stderr
    assert "briefgen build: laid out nothing; reused the unchanged layout of harbour-summary, harbour" in again.stderr

    forced = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--force", "--out", out],
        cwd=mini,
        env=env,
        capture_output=True,
        text=True,
    )
    assert forced.returncode == 0 and "reused" not in forced.stderr, forced.stderr


def test_a_new_font_lays_out_again(mini: Path, tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts</dir><dir>{fonts}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir>"
        "</fontconfig>"
    )
    env = _env(tmp_path / "cache", FONTCONFIG_FILE=str(conf))
    out = str(tmp_path / "out")

    def build_cli() -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "briefgen", "build", "--format", "pdf", "--out", out],
            cwd=mini,
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    assert "reused" not in build_cli()
    assert "reused the unchanged layout of harbour-summary, harbour" in build_cli()
    dejavu = next(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))
    shutil.copy(dejavu, fonts / "AnotherSans.ttf")  # fontconfig now offers one font more
    assert "reused" not in build_cli()


def test_the_terminal_status_line_names_the_reused_briefs(mini: Path, tmp_path: Path, cache_home: Path) -> None:
    from tests.test_build import _run_on_a_terminal

    assert run_cli("build", "--out", str(tmp_path / "out"), "--project", str(mini), cwd=mini).returncode == 0
    code, screen = _run_on_a_terminal(["build", "--out", str(tmp_path / "out"), "--project", str(mini)], mini)
    assert code == 0, screen
    assert "[0/2] 2 PDFs unchanged: reusing their layouts..." in screen
    assert "[1/2] harbour-summary reused (unchanged since it was laid out)" in screen
    assert "[2/2] harbour reused (unchanged since it was laid out)" in screen


def _same_as_forced(root: Path, out: Path, tmp_path: Path) -> bool:
    """Whether the (possibly reused) PDFs in ``out`` are the bytes a full layout makes now."""
    forced = tmp_path / "forced"
    build(root, forced, fmt="pdf", force=True)
    return {k: v for k, v in outputs(out).items() if k.endswith(".pdf")} == outputs(forced)


def test_a_project_font_shadowing_a_packaged_one_lays_out_again(mini: Path, tmp_path: Path, layouts: list[str]) -> None:
    """The packaged font served, then a file of the same name in the project's own
    templates/fonts/ (which the fetcher looks in first): the layout cache must see it."""
    (mini / "templates" / "fonts").mkdir(parents=True)  # the project's own fonts folder, empty
    out = tmp_path / "out"
    build(mini, out, fmt="pdf")
    made = len(layouts)
    shutil.copy(
        TEMPLATES / "fonts" / "SourceSansPro-Bold.otf", mini / "templates" / "fonts" / "SourceSerifPro-Regular.otf"
    )
    build(mini, out, fmt="pdf")
    assert len(layouts) > made, "a font that now wins over the packaged one must lay out again"
    assert _same_as_forced(mini, out, tmp_path)


def test_a_font_looked_for_in_vain_then_added_lays_out_again(mini: Path, tmp_path: Path, layouts: list[str]) -> None:
    (mini / "templates" / "fonts").mkdir(parents=True)
    css = (TEMPLATES / "fonts.css").read_text(encoding="utf-8").replace("SourceSerifPro-Regular.otf", "Mine.otf")
    (mini / "templates" / "fonts.css").write_text(css, encoding="utf-8")
    out = tmp_path / "out"
    build(mini, out, fmt="pdf")
    made = len(layouts)
    shutil.copy(TEMPLATES / "fonts" / "SourceSansPro-Bold.otf", mini / "templates" / "fonts" / "Mine.otf")
    build(mini, out, fmt="pdf")
    assert len(layouts) > made
    assert _same_as_forced(mini, out, tmp_path)


def test_a_loaded_file_replaced_by_a_link_out_of_the_project_lays_out_again(
    mini: Path, tmp_path: Path, layouts: list[str]
) -> None:
    """Same bytes, but outside the project now: a full layout refuses it, so must the cache."""
    (mini / "templates").mkdir()
    css = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    (mini / "templates" / "print.css").write_text(css + '\nhtml { background-image: url("templates/mark.png"); }\n')
    (mini / "templates" / "mark.png").write_bytes(_png("red"))
    out = tmp_path / "out"
    build(mini, out, fmt="pdf")
    made = len(layouts)
    outside = tmp_path / "outside.png"
    (mini / "templates" / "mark.png").rename(outside)
    (mini / "templates" / "mark.png").symlink_to(outside)
    build(mini, out, fmt="pdf")
    assert len(layouts) > made, "a file now outside the roots is refused by a full layout: lay out again"
    assert _same_as_forced(mini, out, tmp_path)
