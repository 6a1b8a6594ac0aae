"""`briefgen init` (a project that checks and builds at once) and `briefgen new` (skeletons)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from briefgen.authoring.scaffold import ARCHIVE_FILE, EXAMPLE_FILES, KINDS, SKELETON_FOLDER, examples, skeletons
from briefgen.facts.model import COLLECTIONS, Citation, Name, Section, SourceCustom, yaml_fields
from tests.conftest import MINI, run_cli


def _keys_in(text: str) -> set[str]:
    """Every key written in a skeleton, commented out or not (the prose header aside)."""
    keys = set()
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#"))
    for line in lines[first:]:
        m = re.match(r"^\s*(?:#\s*)?(?:-\s+)?([A-Za-z_][\w-]*):(?:\s|$)", line)
        if m:
            keys.add(m.group(1))
    return keys


def _model_keys(collection: str) -> set[str]:
    keys = {k for k, _ in yaml_fields(COLLECTIONS[collection])}
    nested = {"sources": [Name, SourceCustom], "claims": [Citation], "briefs": [Section]}.get(collection, [])
    for cls in nested:
        keys |= {k for k, _ in yaml_fields(cls)}
    return keys


@pytest.mark.parametrize("kind", list(skeletons()))
def test_skeletons_use_only_keys_of_the_model(kind: str) -> None:
    collection = KINDS[kind]
    # "TODO: ..." opens the text to replace; every other "word:" must be a field.
    unknown = _keys_in(skeletons()[kind]) - _model_keys(collection) - {"TODO"}
    assert unknown == set(), unknown


@pytest.mark.parametrize("rel", list(examples()))
def test_init_examples_use_only_keys_of_the_model(rel: str) -> None:
    collection, text = examples()[rel]
    assert _keys_in(text) - _model_keys(collection) == set()


def test_the_skeleton_folder_holds_exactly_the_files_new_and_init_read() -> None:
    """One file per kind and per example file, none left over (a stale file would ship unused)."""
    used = {f"new/{kind}.yaml" for kind in KINDS} | {f"init/{rel}" for rel in EXAMPLE_FILES} | {f"init/{ARCHIVE_FILE}"}
    found = {p.relative_to(SKELETON_FOLDER).as_posix() for p in SKELETON_FOLDER.rglob("*") if p.is_file()}
    assert found - {"README.md"} == used
    assert set(skeletons()) == set(KINDS)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("init") / "my-briefs"
    proc = run_cli("init", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "briefgen build --project" in proc.stderr  # says what to do next
    return root


def test_init_project_checks_clean_and_builds_at_once(fresh: Path, tmp_path: Path) -> None:
    check = run_cli("check", "--strict", "--project", str(fresh))
    assert check.returncode == 0, check.stdout
    assert "0 errors, 0 warnings" in check.stderr
    out = tmp_path / "out"
    build = run_cli("build", "--project", str(fresh), "--out", str(out))
    assert build.returncode == 0, build.stderr
    assert sorted(p.name for p in out.iterdir()) == ["example-brief.html", "example-brief.pdf"]
    html = (out / "example-brief.html").read_text()
    assert "Figure 1." in html and "<svg" in html  # the example shows off the route diagram
    assert "Hills railway: by rail from Northern Hills to Port Sela, carrying tin; proposed." in html


def test_init_writes_one_commented_example_of_each_record_and_the_schemas(fresh: Path) -> None:
    content = fresh / "content"
    for collection in COLLECTIONS:
        path = content / f"{collection}.yaml" if collection != "briefs" else content / "briefs" / "example-brief.yaml"
        text = path.read_text()
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve() == (fresh / "schemas" / f"{collection}.schema.json")
        assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 3, f"{path} teaches little"
        assert yaml.safe_load(text), path
    assert not (fresh / "templates").exists(), "templates/ only when asked"
    # The allowed values in the comments come from the model.
    assert "# fact, judgment, assumption, gap" in (content / "claims.yaml").read_text()


def test_init_with_templates_copies_the_defaults(tmp_path: Path) -> None:
    proc = run_cli("init", str(tmp_path / "p"), "--templates")
    assert proc.returncode == 0, proc.stderr
    names = {
        p.relative_to(tmp_path / "p" / "templates").as_posix() for p in (tmp_path / "p" / "templates").rglob("*.*")
    }
    assert {"brief.html.j2", "layout.html.j2", "print.css", "screen.css", "partials/cite.html.j2"} <= names
    assert "partials/figures.html.j2" in names
    assert "reference.docx" in names  # the DOCX's styles, to restyle in Word


def test_init_refuses_an_existing_project(mini: Path) -> None:
    before = (mini / "content" / "claims.yaml").read_text()
    proc = run_cli("init", str(mini))
    assert proc.returncode == 2
    assert "error[BG601]: this folder already holds a project" in proc.stderr
    assert (mini / "content" / "claims.yaml").read_text() == before


def test_new_claim_appends_without_touching_what_is_there(mini: Path) -> None:
    path = mini / "content" / "claims.yaml"
    before = "# My claims: hand-written, with comments.\n" + path.read_text().rstrip("\n")  # no final newline
    path.write_text(before)
    proc = run_cli("new", "claim", "tin-price-rose", "--project", str(mini))
    assert proc.returncode == 0, proc.stderr
    assert "content/claims.yaml" in proc.stderr
    after = path.read_text()
    assert after.startswith(before + "\n")
    records = yaml.safe_load(after)
    assert [r["id"] for r in records][-1] == "tin-price-rose"
    assert records[-1]["kind"] == "fact"
    # The skeleton asks for its sources: check points at them.
    check = run_cli("check", "--project", str(mini))
    line = after.splitlines().index(
        "  sources:                # a fact needs at least one; briefgen check says what is missing"
    )
    assert re.search(
        rf"claims\.yaml:{line + 1}:\d+: error\[BG110\]: fact 'tin-price-rose' has no sources", check.stdout
    )


def test_new_follows_the_indentation_of_the_file(make_project: Callable[..., Path]) -> None:
    indented = "".join("  " + line + "\n" for line in MINI["content/actors.yaml"].splitlines())
    root = make_project({"content/actors.yaml": indented})
    proc = run_cli("new", "actor", "customs-office", "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    actors = yaml.safe_load((root / "content" / "actors.yaml").read_text())
    assert [a["id"] for a in actors] == ["port-authority", "trade-ministry", "customs-office"]


def test_new_brief_gets_its_own_file_and_checks(mini: Path) -> None:
    proc = run_cli("new", "brief", "tin-outlook", "--project", str(mini))
    assert proc.returncode == 0, proc.stderr
    path = mini / "content" / "briefs" / "tin-outlook.yaml"
    brief = yaml.safe_load(path.read_text())
    assert brief["id"] == "tin-outlook" and brief["template"] == "brief"
    check = run_cli("check", "--project", str(mini))
    assert check.returncode == 0, check.stdout
    # Warnings point at every TODO left to fill in, on its own line inside the blocks.
    lines = path.read_text().splitlines()
    todos = [(n, line.index("TODO") + 1) for n, line in enumerate(lines, 1) if "TODO" in line and "#" not in line]
    assert len(todos) == 4  # title, summary, a section's heading and body
    found = re.findall(r"tin-outlook\.yaml:(\d+):(\d+): warning\[BG212\]: (.*)", check.stdout)
    assert [(int(n), int(c)) for n, c, _ in found] == todos
    assert found[0][2] == "'title' of brief 'tin-outlook' still holds the placeholder TODO"
    # The word itself is found, past "TODOS"; a quote, the source's own words, is exempt.
    path.write_text(path.read_text().replace("title: TODO", "title: TODOS for the TODO list", 1))
    claims = mini / "content" / "claims.yaml"
    claims_before = claims.read_text()
    claims.write_text(claims_before.replace("quote: ", "quote: TODO ", 1))
    check = run_cli("check", "--project", str(mini))
    title_line = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("title:"))
    assert f"tin-outlook.yaml:{title_line}:22: warning[BG212]: 'title' of brief" in check.stdout
    assert not re.search(r"claims\.yaml:\S+ warning\[BG212\]", check.stdout)  # the quote is exempt
    claims.write_text(claims_before)
    # Filled in, the brief checks clean.
    path.write_text(path.read_text().replace("TODO", "Tin"))
    check = run_cli("check", "--project", str(mini), "--strict")
    assert check.returncode == 0, check.stdout
    assert "BG212" not in check.stdout


@pytest.mark.parametrize("kind", ["source", "actor", "mineral", "place", "route"])
def test_new_records_of_every_kind_are_valid_at_once(mini: Path, kind: str) -> None:
    proc = run_cli("new", kind, f"new-{kind}", "--project", str(mini))
    assert proc.returncode == 0, proc.stderr
    check = run_cli("check", "--project", str(mini))
    assert check.returncode == 0, check.stdout  # warnings only: unused, and TODO left to fill in
    assert "warning[BG212]:" in check.stdout


def test_new_refuses_a_collection_file_that_is_not_a_regular_file(mini: Path) -> None:
    minerals = mini / "content" / "minerals.yaml"
    minerals.unlink()
    os.mkfifo(minerals)
    proc = run_cli("new", "mineral", "zinc", "--project", str(mini), cwd=mini, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "content/minerals.yaml: error[BG010]: not a regular file; not read" in proc.stderr
    assert "hint: replace it with a plain YAML file" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "claim", "Bad_Id"], "'Bad_Id' is not a valid id"),
        (["new", "claim", "tin"], "id 'tin' is already used by a mineral"),
        (["new", "actor", "x", "--file", "content/briefs/harbour.yaml"], "briefgen does not read actors from this"),
        (["new", "brief", "x", "--file", "content/briefs/harbour.yaml"], "this file holds one record"),
        (["new", "rumour", "x"], "invalid choice"),
        # A collection is a file or a folder, never both (check would refuse it: BG009).
        (
            ["new", "claim", "x-new", "--file", "content/claims/new.yaml"],
            "claims are kept in content/claims.yaml: a folder beside it would make the collection both",
        ),
        (
            ["new", "brief", "x-new", "--file", "content/briefs.yaml"],
            "briefs are kept in content/briefs: a file beside it would make the collection both",
        ),
    ],
)
def test_new_refuses_with_a_reason(mini: Path, args: list[str], message: str) -> None:
    before = sorted((p, p.read_bytes() if p.is_file() else None) for p in (mini / "content").rglob("*"))
    proc = run_cli(*args, "--project", str(mini), cwd=mini)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    # Nothing written: no file changed, none and no folder made.
    assert sorted((p, p.read_bytes() if p.is_file() else None) for p in (mini / "content").rglob("*")) == before
