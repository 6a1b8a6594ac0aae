"""The example fact base: real, checked, every quote verbatim from the archived article."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from briefgen.build import check_project
from briefgen.errors import errors_in
from briefgen.facts.project import Project
from tests.conftest import REPO, run_cli

ARTICLE = "diplomat-myanmar-minerals-deal"


@pytest.fixture(scope="module")
def example() -> tuple[object, list[object]]:
    return check_project(Project(REPO))


def _quotes() -> list[tuple[str, int, str]]:
    """(file, line, quote) for every quote in the example claims."""
    found = []
    for path in sorted((REPO / "content" / "claims").glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = re.match(r"^\s+quote: (.+)$", line)
            if m:
                found.append((str(path.relative_to(REPO)), number, m.group(1)))
    return found


def test_check_passes_on_the_repository() -> None:
    proc = run_cli("check", "--strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors, 0 warnings" in proc.stderr


def test_example_has_enough_claims_of_every_kind(example) -> None:  # type: ignore[no-untyped-def]
    base, problems = example
    assert not errors_in(problems)
    kinds = [c.kind for c in base.claims.values()]
    assert len(kinds) >= 30
    assert kinds.count("judgment") >= 3
    assert kinds.count("assumption") >= 1
    assert kinds.count("gap") >= 1
    for claim in base.claims.values():
        if claim.kind == "judgment":
            assert claim.likelihood and claim.confidence and claim.supports, claim.id


def test_every_claim_rests_on_a_verified_quote(example) -> None:  # type: ignore[no-untyped-def]
    base, problems = example
    assert not [p for p in problems if p.code == "BG112"]
    for claim in base.claims.values():
        assert any(c.quote for c in claim.sources), f"claim {claim.id} has no quote"
    assert ARTICLE in base.archives


def test_sources_are_the_article_and_parties_it_reports(example) -> None:  # type: ignore[no-untyped-def]
    base, _ = example
    article = base.sources[ARTICLE]
    # The article names neither author nor date nor URL: those fields stay empty.
    assert article.author == [] and article.issued is None and article.URL is None
    assert article.custom.archive
    for source in base.sources.values():
        if source.id != ARTICLE:
            assert source.custom.via == ARTICLE, source.id
            assert source.URL is None


#: SHA-256 of ../shared/sources/diplomat-myanmar-minerals-deal.txt, the article as given:
#: the archive is checked against it even where shared/ is not beside the checkout.
ARTICLE_SHA256 = "af0344794388180bb66123a624669e79f6fb7c9a82ef7657d58da0ee17d55ed5"


def test_archive_is_the_shared_article_verbatim() -> None:
    archived = REPO / "content" / "archive" / f"{ARTICLE}.txt"
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == ARTICLE_SHA256
    shared = REPO.parent / "shared" / "sources" / f"{ARTICLE}.txt"
    if shared.exists():  # beside the working copy: the very bytes
        assert archived.read_bytes() == shared.read_bytes()


@pytest.mark.parametrize(("rel", "line", "quote"), _quotes(), ids=lambda v: str(v)[:30])
def test_altering_one_word_of_any_quote_fails_at_its_line(rel: str, line: int, quote: str, tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(REPO / "content", project / "content")
    path = project / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    value = yaml.safe_load(quote)
    words = value.split(" ")
    victim = max(range(len(words)), key=lambda i: len(words[i]))
    words[victim] = "zanzibar"
    lines[line - 1] = lines[line - 1].replace(
        quote, yaml.safe_dump(" ".join(words), width=10_000).strip().removesuffix("..."), 1
    )
    path.write_text("".join(lines), encoding="utf-8")
    _, problems = check_project(Project(project))
    hits = [p for p in problems if p.code == "BG112"]
    assert len(hits) == 1
    assert (hits[0].pos.line, hits[0].pos.file.endswith(rel)) == (line, True)


def test_citing_a_missing_source_fails_at_its_line(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(REPO / "content", project / "content")
    path = project / "content" / "claims" / "kia.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if re.match(r"\s+- ref: ", row))
    lines = text.splitlines(keepends=True)
    lines[line - 1] = re.sub(r"ref: \S+", "ref: reuters-2025", lines[line - 1])
    path.write_text("".join(lines), encoding="utf-8")
    proc = run_cli("check", "--project", str(project), cwd=project)
    assert proc.returncode == 1
    assert re.search(
        rf"content/claims/kia\.yaml:{line}:\d+: error\[BG103\]: unknown source 'reuters-2025'", proc.stdout
    )
