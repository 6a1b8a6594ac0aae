"""Grades: every note prints the Admiralty grade of each claim it stands for, and every
cited source is graded (BG125). Read back from the built HTML, through the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from briefgen.check.validate import validate_project
from briefgen.facts.model import Citation, FactBase
from briefgen.facts.project import Project
from tests import htmlread
from tests.conftest import MINI, REPO, run_cli

SOURCES = MINI["content/sources.yaml"]
CLAIMS = MINI["content/claims.yaml"]

#: Two facts grading one passage of the harbour report differently, placed in one brief.
TWO_GRADES = """\
- id: trucks-weekly
  kind: fact
  statement: Ore is trucked to the @coast every week.
  about: [coast]
  sources:
    - ref: harbour-report
      locator: para. 1
      quote: trucked to the coast every week
      credibility: 2
- id: trucks-from-hills
  kind: fact
  statement: The ore comes from the @hills.
  about: [hills]
  sources:
    - ref: harbour-report
      locator: para. 1
      quote: Ore from the northern hills
      credibility: 5
"""
TWO_GRADES_BRIEF = """\
id: graded
title: Graded
date: 2026-01-15
summary: |
  [[trucks-weekly]] [[trucks-from-hills]] [[ore-trucked]]
  Again [@trucks-from-hills], and from prose [@harbour-report, para. 1].
"""


def _standing_citations(
    base: FactBase, claim_id: str, seen: frozenset[str] = frozenset()
) -> tuple[bool, list[Citation]]:
    """(own, citations): what a note for ``claim_id`` can rest on; a judgment citing
    nothing itself rests on its supports' citations."""
    claim = base.claims[claim_id]
    if claim.sources:
        return True, list(claim.sources)
    out: list[Citation] = []
    for support in claim.supports:
        if support not in seen:
            out.extend(_standing_citations(base, support, seen | {claim_id})[1])
    return False, out


def assert_every_note_grade_is_true(html: Path, project: Path) -> int:
    """Every note's grade is its source's reliability and the credibility each claim it
    stands for gives that source at that locator; notes of prose citations alone show the
    reliability alone. Returns how many notes stand for claims."""
    base, _ = validate_project(Project(project))
    root = htmlread.parse(html.read_text(encoding="utf-8"))
    texts = htmlread.endnotes(root)
    checked = 0
    for li in root.iter(f"{htmlread.NS}li"):
        ident = li.get("id") or ""
        if not ident.startswith("note-"):
            continue
        number = int(ident[5:])
        text = texts[number].replace("\u00a0", " ")
        m = re.search(r"\[([A-F])([1-6]?)\]$", text)
        assert m, f"note {number} has no grade: {text}"
        letter, credibility = m.group(1), int(m.group(2)) if m.group(2) else None
        source = base.sources[li.get("data-source")]
        assert letter == source.custom.reliability, f"note {number}: {letter} is not {source.id}'s reliability"
        claims = (li.get("data-claims") or "").split()
        if not claims:
            assert credibility is None, f"note {number} stands for no claim but shows credibility {credibility}"
            continue
        body = text[: m.start()].rstrip()
        for claim_id in claims:
            own, cites = _standing_citations(base, claim_id)
            here = [c for c in cites if c.ref == source.id and (c.locator is None or body.endswith(f" {c.locator}."))]
            assert here, f"note {number}: claim '{claim_id}' cites {source.id} nowhere at this locator"
            grades = {c.credibility for c in here}
            if own:
                assert grades == {credibility}, f"note {number} [{letter}{credibility}]: '{claim_id}' gives {grades}"
            else:
                assert credibility in grades, f"note {number} [{letter}{credibility}]: '{claim_id}' rests on {grades}"
        checked += 1
    return checked


def test_every_note_of_the_example_carries_the_grade_of_each_claim_it_stands_for(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("build", "--format", "html", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    # Notes standing for claims: the full brief has dozens, the two-page summary a handful.
    for brief, at_least in (("myanmar-rare-earths", 20), ("myanmar-rare-earths-summary", 5)):
        assert assert_every_note_grade_is_true(out / f"{brief}.html", REPO) >= at_least


def test_the_example_grades_para_9_of_the_article_three_ways(tmp_path: Path) -> None:
    """Issue #14: one note [B6] stood for two sentences, one resting on credibility 3."""
    out = tmp_path / "out"
    assert run_cli("build", "myanmar-rare-earths", "--format", "html", "--out", str(out)).returncode == 0
    root = htmlread.parse((out / "myanmar-rare-earths.html").read_text())
    notes = {n: text.replace("\u00a0", " ") for n, text in htmlread.endnotes(root).items()}
    para9 = {
        li.get("data-claims"): notes[int(li.get("value"))][-4:]
        for li in root.iter(f"{htmlread.NS}li")
        if li.get("data-source") == "diplomat-myanmar-minerals-deal"
        and notes.get(int(li.get("value") or 0), "").endswith(("para. 9. [B6]", "para. 9. [B3]", "para. 9. [B2]"))
    }
    assert para9["airstrikes-kia-casualties"] == "[B6]"
    assert para9["airstrikes-damaged-bhamo"] == "[B3]"
    assert para9["g-customs-data-origin a-imports-are-rare-earths"] == "[B2]"


def test_two_claims_grading_one_passage_differently_get_a_note_each(make_project: Callable[..., Path]) -> None:
    project = make_project({"content/claims.yaml": CLAIMS + TWO_GRADES, "content/briefs/graded.yaml": TWO_GRADES_BRIEF})
    proc = run_cli("build", "graded", "--format", "html", "--project", str(project), cwd=project)
    assert proc.returncode == 0, proc.stderr
    html = project / "output" / "graded.html"
    assert assert_every_note_grade_is_true(html, project) == 2
    root = htmlread.parse(html.read_text())
    notes = htmlread.endnotes(root)
    assert [t[-4:] for t in notes.values()] == ["[B2]", "[B5]"]
    # trucks-weekly and ore-trucked agree (para. 1, credibility 2): one note; the prose
    # citation, standing for no claim, reuses the first note of that place.
    claims = {li.get("value"): li.get("data-claims") for li in root.iter(f"{htmlread.NS}li") if li.get("value")}
    assert claims == {"1": "trucks-weekly ore-trucked", "2": "trucks-from-hills"}
    calls = [a.get("data-note") for a in root.iter(f"{htmlread.NS}a") if "fn-call" in (a.get("class") or "")]
    assert calls == ["1", "2", "1", "2", "1"]


def test_the_mini_project_grades_are_true(mini: Path) -> None:
    """MINI's key judgment grades para. 3 as 3, the fact it rests on as 2."""
    proc = run_cli("build", "--format", "html", "--project", str(mini), cwd=mini)
    assert proc.returncode == 0, proc.stderr
    assert assert_every_note_grade_is_true(mini / "output" / "harbour.html", mini) == 4


# -- BG125: a cited source must be graded ---------------------------------------------------


def _check(project: Path) -> tuple[int, str]:
    proc = run_cli("check", "--project", str(project), cwd=project)
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc.returncode, proc.stdout


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_cited_source_without_reliability_is_an_error_at_its_id(make_project: Callable[..., Path]) -> None:
    sources = SOURCES.replace("    reliability: C\n", "")
    code, out = _check(make_project({"content/sources.yaml": sources}))
    assert code == 1
    line = _line(sources, "- id: ministry")
    assert (
        f"content/sources.yaml:{line}:7: error[BG125]: source 'ministry' is cited but has no reliability grade" in out
    )
    assert "F when its reliability cannot be judged" in out
    assert out.count("BG125") == 1


def test_a_source_only_relaying_a_cited_one_must_be_graded_too(make_project: Callable[..., Path]) -> None:
    """harbour-report is cited by name nowhere in this brief's claims but relays ministry."""
    sources = SOURCES.replace("    reliability: B\n", "")
    claims = CLAIMS.replace("    - ref: harbour-report\n", "    - ref: ministry\n")
    brief = MINI["content/briefs/harbour.yaml"].replace("[@harbour-report, para. 1]", "[@ministry, para. 1]")
    files = {"content/sources.yaml": sources, "content/claims.yaml": claims, "content/briefs/harbour.yaml": brief}
    code, out = _check(make_project(files))
    assert code == 1
    assert re.search(
        r"content/sources.yaml:1:7: error\[BG125\]: source 'harbour-report' relays cited source 'ministry' \(via\)", out
    ), out


def test_an_empty_reliability_is_pointed_at_and_a_wrong_one_reported_once(make_project: Callable[..., Path]) -> None:
    sources = SOURCES.replace("    reliability: C\n", "    reliability:\n")
    code, out = _check(make_project({"content/sources.yaml": sources}))
    assert code == 1
    line = len(sources.split("    reliability:\n")[0].splitlines()) + 1
    assert re.search(rf"content/sources.yaml:{line}:\d+: error\[BG125\]", out), out
    # A letter that is no grade is BG105 alone: not also "has no reliability grade".
    sources = SOURCES.replace("    reliability: C\n", "    reliability: G\n")
    code, out = _check(make_project({"content/sources.yaml": sources}))
    assert code == 1
    assert "error[BG105]" in out and "BG125" not in out


def test_the_grading_annex_calls_a_source_a_channel_only_when_it_is_one(make_project: Callable[..., Path]) -> None:
    """A brief citing ministry from prose only: ministry has a note but no credibility (it
    was "cited only as a channel" before), harbour-report only relays it."""
    brief = "id: prose\ntitle: Prose\ndate: 2026-01-15\nsummary: The ministry says so [@ministry, para. 2].\n"
    project = make_project({"content/briefs/prose.yaml": brief})
    proc = run_cli("build", "prose", "--format", "html", "--project", str(project), cwd=project)
    assert proc.returncode == 0, proc.stderr
    root = htmlread.parse((project / "output" / "prose.html").read_text())
    rows = {
        tr.get("data-source"): [htmlread.text_of(td) for td in tr if td.tag.endswith(("td", "th"))]
        for tr in htmlread.by_id(root)["annex-grading"].iter(f"{htmlread.NS}tr")
        if tr.get("data-source")
    }
    assert rows["ministry"][1:3] == ["C fairly reliable", "no credibility given"]
    assert rows["harbour-report"][1:3] == ["B usually reliable", "(cited only as a channel)"]
