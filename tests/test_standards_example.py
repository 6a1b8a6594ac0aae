"""The example briefs under the analytic standards: they build clean, and a reader sees the
likelihood and confidence of each key judgment, the information cut-off, the single-source
annex and the source grading table, in HTML and in PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefgen.build import check_project
from briefgen.facts.model import LIKELIHOOD_BANDS
from briefgen.facts.project import Project
from briefgen.render.plan import plan_brief
from tests import htmlread
from tests.conftest import REPO, run_cli
from tests.pdfread import PdfBack, squash

FULL, SUMMARY = "myanmar-rare-earths", "myanmar-rare-earths-summary"
ARTICLE = "“Myanmar’s Minerals Deal”"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("standards")
    proc = run_cli("build", "--strict", "--out", str(out))
    assert proc.returncode == 0, proc.stderr  # --strict: not one warning, standards included
    return out


def _root(built: Path, brief: str) -> object:
    return htmlread.parse((built / f"{brief}.html").read_text())


def _pdf_text(built: Path, brief: str) -> list[str]:
    return [squash(t) for t in PdfBack.open(built / f"{brief}.pdf").page_texts()]


def test_no_standards_problem_in_the_example() -> None:
    _, problems = check_project(Project(REPO))
    assert [p for p in problems if p.code[:3] == "BG2" or p.code in ("BG105",)] == []


@pytest.mark.parametrize("brief", [FULL, SUMMARY])
def test_key_judgments_show_likelihood_with_its_band_and_confidence(built: Path, brief: str) -> None:
    base, _ = check_project(Project(REPO))
    root = _root(built, brief)
    section = htmlread.by_id(root)["key-judgments"]
    items = [li for li in section.iter(f"{htmlread.NS}li") if li.get("data-claim")]
    assert [li.get("data-claim") for li in items] == base.briefs[brief].key_judgments
    pdf = " ".join(_pdf_text(built, brief))
    for li in items:
        claim = base.claims[li.get("data-claim")]
        badges = htmlread.text_of(next(p for p in li.iter(f"{htmlread.NS}p") if p.get("class") == "badges"))
        expected = f"{claim.likelihood} ({LIKELIHOOD_BANDS[claim.likelihood]}) {claim.confidence} confidence"
        assert badges == expected
        assert expected in pdf
        assert li.get("data-sources")  # provenance for the preview


def test_the_information_cut_off_is_on_the_title_block(built: Path) -> None:
    dl = htmlread.by_id(_root(built, FULL))["top"].find(f".//{htmlread.NS}dl")
    meta = {htmlread.text_of(d.find(f"{htmlread.NS}dt")): htmlread.text_of(d.find(f"{htmlread.NS}dd")) for d in dl}
    assert meta["Information cut-off"] == "2025"  # customs data for early 2025, the newest dated claim
    assert "Information cut-off: 2025" in _pdf_text(built, FULL)[0]


def test_the_full_brief_has_the_three_standard_annexes(built: Path) -> None:
    ids = htmlread.by_id(_root(built, FULL))
    for anchor in ("annex-likelihood", "annex-single-source", "annex-grading"):
        assert anchor in ids
    pdf = _pdf_text(built, FULL)
    joined = " ".join(pdf)
    headings = re.findall(r"Annex (\d+): (Likelihood and confidence|Single-source facts|Source grading)", joined)
    # Each heading is in the contents list and again over its annex, numbered after the authored ones.
    authored = len(check_project(Project(REPO))[0].briefs[FULL].annexes)
    numbers = tuple(str(authored + n) for n in (1, 2, 3))
    assert [h for h in headings if h[0] in numbers] == [
        (numbers[0], "Likelihood and confidence"),
        (numbers[1], "Single-source facts"),
        (numbers[2], "Source grading"),
    ] * 2
    assert "55–80%" in joined and "High confidence" in joined


def test_the_single_source_annex_says_the_brief_rests_on_one_article(built: Path) -> None:
    base, _ = check_project(Project(REPO))
    annex = htmlread.by_id(_root(built, FULL))["annex-single-source"]
    text = htmlread.text_of(annex)
    m = re.search(rf"All (\d+) facts in this brief rest on a single independent source, {ARTICLE}", text)
    assert m, text[:300]
    listed = [li.get("data-claim") for li in annex.iter(f"{htmlread.NS}li")]
    facts = [c.id for c in plan_brief(base, base.briefs[FULL]).claims_used if c.kind == "fact"]
    assert listed == facts and len(facts) == int(m.group(1)) > 30
    assert {li.get("data-sources") for li in annex.iter(f"{htmlread.NS}li")} == {"diplomat-myanmar-minerals-deal"}
    pdf = " ".join(_pdf_text(built, FULL))
    assert f"rest on a single independent source, {ARTICLE}" in pdf
    assert "none is corroborated by a second, independent source" in pdf


def test_the_grading_table_lists_each_cited_source_with_its_grade(built: Path) -> None:
    base, _ = check_project(Project(REPO))
    ids = htmlread.by_id(_root(built, FULL))
    cited = [li.get("id").removeprefix("source-") for li in ids["sources"].iter(f"{htmlread.NS}li")]
    rows = [tr for tr in ids["annex-grading"].iter(f"{htmlread.NS}tr") if tr.get("data-source")]
    assert [tr.get("data-source") for tr in rows] == cited
    for tr in rows:
        reliability = htmlread.text_of(next(c for c in tr if c.tag.endswith("td")))
        assert reliability.startswith(base.sources[tr.get("data-source")].custom.reliability + " ")
    pdf = " ".join(_pdf_text(built, FULL))
    assert "Sources cited in this brief and their Admiralty grades" in pdf
    assert "B usually reliable" in pdf and "F reliability cannot be judged" in pdf


def test_the_one_page_summary_keeps_a_compact_line_instead_of_annexes(built: Path) -> None:
    pages = _pdf_text(built, SUMMARY)
    assert len(pages) == 1
    assert f"Every fact here rests on a single independent source, {ARTICLE[:-1]}.”" in pages[0]
    assert "Likelihood terms follow ICD 203" in pages[0]
    assert "annex-" not in (built / f"{SUMMARY}.html").read_text()


@pytest.mark.parametrize("brief", [FULL, SUMMARY])
def test_every_footnoted_element_carries_its_claim_and_source_ids(built: Path, brief: str) -> None:
    html = (built / f"{brief}.html").read_text()
    assert "flag single-source" not in html  # draft chrome stays out of final builds
    root = htmlread.parse(html)
    claims = [el for el in root.iter(f"{htmlread.NS}span") if "claim" in (el.get("class") or "").split()]
    assert claims
    for el in claims:
        assert el.get("data-claim") and el.get("data-sources"), htmlread.text_of(el)[:60]
    for a in root.iter(f"{htmlread.NS}a"):
        if "fn-call" in (a.get("class") or ""):
            assert a.get("data-source")
    # A note carries its source, and the claims it backs (a plain [@source] citation backs none).
    notes = list(htmlread.by_id(root)["notes"].iter(f"{htmlread.NS}li"))
    assert all(li.get("data-source") for li in notes)
    assert sum(bool(li.get("data-claims")) for li in notes) > len(notes) / 2


def test_no_line_of_the_single_source_annex_breaks_a_word_early(built: Path) -> None:
    """The "(note 11)" after a fact and an entity's name wrap as words: WeasyPrint breaks
    at no space just before an inline box, and left "American" and "threat" alone on a
    line (render/pdf.py, breakable_before_inline_text)."""
    import pypdf

    reader = pypdf.PdfReader(str(built / f"{FULL}.pdf"))
    lines = [line.strip() for page in reader.pages for line in (page.extract_text() or "").splitlines()]
    assert any(line.startswith("American overseas business community") for line in lines)
    assert "American" not in lines and "threat" not in lines  # never a word alone on its line
    assert any(line.startswith("threat of an alternate supply chain") for line in lines)
