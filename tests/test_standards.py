"""Analytic standards: one small project per rule that breaks it, checked through the CLI.

Each test changes the MINI project (tests/conftest.py) in one way and asserts the code,
the severity, the message and the position a user would see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.build import check_project
from briefgen.check import wording
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import plan_brief
from tests import htmlread
from tests.conftest import GAZETTE, GAZETTE_FACT, MINI, run_cli

CLAIMS = MINI["content/claims.yaml"]
SOURCES = MINI["content/sources.yaml"]
BRIEF = MINI["content/briefs/harbour.yaml"]
SUMMARY = MINI["content/briefs/harbour-summary.yaml"]

Problems = list[dict[str, Any]]


def _check(project: Path, *extra: str) -> tuple[int, Problems]:
    proc = run_cli("check", "--project", str(project), "--format", "json", *extra, cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _hits(problems: Problems, code: str) -> Problems:
    return [p for p in problems if p["code"] == code]


def _at(text: str, line_holding: str, word: str | None = None) -> tuple[int, int]:
    """(line, col) of ``word`` on the first line holding ``line_holding`` (1-based)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line_holding in line:
            return number, line.index(word or line_holding) + 1
    raise AssertionError(f"no line holding {line_holding!r}")


def _where(problem: dict[str, Any]) -> tuple[str, int, int]:
    return problem["file"], problem["line"], problem["col"]


# -- 0. the word finder's quick pre-test ------------------------------------------------------

_WORDS = [*wording.ROW_1, *wording.ROW_2, *wording.HEDGES, "almost certainly", "probably", "remotely possible"]
_ODD = ["\u212a", "\u017f", "\u0131", "\u0130", "M\u0130GHT", "May", "might", "“", "`", "@", " ", "\n", "  ", "-", "."]


def _as_without_pre_test(text: str) -> None:
    found = wording.estimative_words(text), wording.likelihood_terms(text)
    saved = wording._TERM_HINTS, wording._HEDGE_HINTS
    wording._TERM_HINTS = wording._HEDGE_HINTS = ("",)  # every text passes the pre-test
    try:
        assert found == (wording.estimative_words(text), wording.likelihood_terms(text)), text
    finally:
        wording._TERM_HINTS, wording._HEDGE_HINTS = saved


def test_the_quick_pre_test_never_hides_a_listed_word() -> None:
    """estimative_words and likelihood_terms skip the regexes when no hint substring is in
    the text; every listed word, however written, is still found."""
    for word in _WORDS:
        after = " chances" if word == "remote" else ""  # "remote" only in "remote chances"
        for variant in (word, word.upper(), word.title(), word.replace(" ", "\n  ")):
            text = f"It is {variant}{after} that the road opens."
            assert wording.estimative_words(text) or variant in ("MAY", "May"), text  # only "may" hedges
            _as_without_pre_test(text)
        # Letters the regexes' IGNORECASE takes for i, k and s (dotless i, dotted capital I,
        # Kelvin, long s), in lower and upper case words.
        odd_forms = [word.replace("i", c) for c in ("\u0131", "\u0130")]
        odd_forms += [word.upper().replace("I", "\u0130"), word.replace("k", "\u212a"), word.replace("s", "\u017f")]
        for odd in odd_forms:
            _as_without_pre_test(f"It is {odd}{after} that the road opens.")


@given(
    st.lists(
        st.one_of(
            st.sampled_from(_WORDS).flatmap(
                lambda w: st.sampled_from([w, w.upper(), w.title(), w.replace(" ", "\n  "), w[:-1], w[1:]])
            ),
            st.sampled_from(_ODD),
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz KSIi", max_size=8),
        ),
        max_size=12,
    ).map("".join)
)
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_the_quick_pre_test_finds_what_the_regexes_find(text: str) -> None:
    """Whatever the text (odd case foldings included), the same words as the regexes alone."""
    _as_without_pre_test(text)


# -- 1. facts apart from judgments ------------------------------------------------------------


def test_estimative_words_in_a_fact_warn_at_the_word(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "  statement: The @port-authority said a new road would take years to build.\n",
        "  statement: The @port-authority said in May 2025 that a new road could probably take years, “as it may”.\n",
    ).replace(
        "  statement: According to the @trade-ministry, exports fell by half in 2025.\n",
        "  statement: >-\n    According to the @trade-ministry, exports\n    perhaps fell by half in 2025.\n",
    )
    project = make_project({"content/claims.yaml": claims})
    code, problems = _check(project)
    assert code == 0  # warnings only
    hits = _hits(problems, "BG203")
    assert sorted(h["message"] for h in hits) == [
        "fact 'exports-fell' uses the estimative word 'perhaps'",
        "fact 'road-slow' uses the estimative word 'could'",
        "fact 'road-slow' uses the estimative word 'probably'",
    ]
    assert {h["severity"] for h in hits} == {"warning"}
    where = {h["message"].rsplit(" ", 1)[-1].strip("'"): _where(h) for h in hits}
    assert where["could"] == ("content/claims.yaml", *_at(claims, "could probably", "could"))
    assert where["probably"] == ("content/claims.yaml", *_at(claims, "could probably", "probably"))
    # A folded block: the word is found on its own line inside the block.
    assert where["perhaps"] == ("content/claims.yaml", *_at(claims, "perhaps fell", "perhaps"))
    assert all("make the claim a judgment" in h["hint"] for h in hits)
    # The month May and a quoted "may" are not estimates.
    assert not any("'may'" in h["message"] or "'May'" in h["message"] for h in hits)
    strict, _ = _check(project, "--strict")
    assert strict == 1


def test_might_as_a_noun_is_not_an_estimate(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "Ore from the @hills is trucked to the @coast every week.\n",
        "Ore from the @hills is trucked to the @coast every week under military might.\n",
    )
    _, problems = _check(make_project({"content/claims.yaml": claims}))
    assert _hits(problems, "BG203") == []


def test_a_judgment_with_another_likelihood_term(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "  statement: The new road is unlikely to open soon.\n",
        "  statement: The new road is very unlikely to open soon.\n",
    )
    _, problems = _check(make_project({"content/claims.yaml": claims}))
    hits = _hits(problems, "BG204")
    assert len(hits) == 2, hits
    said = next(h for h in hits if "says" in h["message"])
    assert said["message"] == "judgment 'j-road-late' has likelihood 'unlikely', but its statement says 'very unlikely'"
    assert _where(said) == ("content/claims.yaml", *_at(claims, "very unlikely", "very"))
    missing = next(h for h in hits if "does not say" in h["message"])
    assert _where(missing) == ("content/claims.yaml", *_at(claims, "The new road is very", "The new road"))
    assert said["severity"] == "warning"


def test_a_judgment_that_does_not_say_its_likelihood(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "  statement: The new road is unlikely to open soon.\n", "  statement: The new road will open late.\n"
    )
    _, problems = _check(make_project({"content/claims.yaml": claims}))
    (hit,) = _hits(problems, "BG204")
    assert (
        hit["message"] == "judgment 'j-road-late' has likelihood 'unlikely', but its statement does not say 'unlikely'"
    )
    assert _where(hit) == ("content/claims.yaml", *_at(claims, "The new road will open late.", "The new road"))
    assert "unlikely" in hit["hint"]


@pytest.mark.parametrize(
    ("statement", "phrase"),
    [
        ("The new road is unlikely to open soon; we say so with high confidence.", "high confidence"),
        ("We are confident the new road is unlikely to open soon.", "confident"),
        ("The new road is unlikely to open soon. Confidence is low.", None),
    ],
)
def test_confidence_in_the_likelihood_sentence(
    make_project: Callable[..., Path], statement: str, phrase: str | None
) -> None:
    claims = CLAIMS.replace("  statement: The new road is unlikely to open soon.\n", f"  statement: {statement}\n")
    _, problems = _check(make_project({"content/claims.yaml": claims}))
    hits = _hits(problems, "BG205")
    if phrase is None:
        assert hits == []
        return
    (hit,) = hits
    assert hit["message"] == (
        f"judgment 'j-road-late' states its confidence ('{phrase}') in the same sentence as its likelihood ('unlikely')"
    )
    assert _where(hit) == ("content/claims.yaml", *_at(claims, statement, phrase))


def test_mixing_the_two_icd_203_rows_in_one_brief(make_project: Callable[..., Path]) -> None:
    brief = BRIEF.replace(
        "      Later, the ministry again [@ministry, para. 4].\n",
        "      Later, the ministry again [@ministry, para. 4].\n      Trade will probably recover.\n",
    )
    # A brief in the second row alone, with no judgments, is consistent.
    summary = SUMMARY.replace("key_judgments: [j-road-late]\n", "").replace(
        'summary: "[[ore-trucked]]"', 'summary: "[[ore-trucked]] Trade will probably recover."'
    )
    project = make_project({"content/briefs/harbour.yaml": brief, "content/briefs/harbour-summary.yaml": summary})
    code, problems = _check(project)
    assert code == 0
    (hit,) = _hits(problems, "BG206")
    assert hit["message"] == (
        "brief 'harbour' mixes the two ICD 203 rows: 'probably' (row 2) beside 'unlikely' (row 1)"
    )
    assert _where(hit) == ("content/briefs/harbour.yaml", *_at(brief, "will probably", "probably"))
    assert "almost no chance, very unlikely" in hit["hint"]


# -- 2. grading and corroboration -------------------------------------------------------------


def _high_confidence(extra_sources: str = "", extra_claims: str = "", supports: str = "[road-slow]") -> dict[str, str]:
    claims = CLAIMS.replace("  confidence: low\n", "  confidence: high\n").replace(
        "  supports: [road-slow]\n", f"  supports: {supports}\n"
    )
    return {"content/claims.yaml": claims + extra_claims, "content/sources.yaml": SOURCES + extra_sources}


def test_high_confidence_needs_two_independent_strong_sources(make_project: Callable[..., Path]) -> None:
    files = _high_confidence()
    _, problems = _check(make_project(files))
    (hit,) = _hits(problems, "BG207")
    assert hit["severity"] == "warning"
    assert hit["message"].startswith("judgment 'j-road-late' is held with high confidence, but the evidence allows")
    assert "found only 'harbour-report'" in hit["message"]
    assert _where(hit) == ("content/claims.yaml", *_at(files["content/claims.yaml"], "confidence: high", "high"))
    # A second independent source graded A1 lifts the cap.
    corroborated = _high_confidence(GAZETTE, GAZETTE_FACT, "[road-slow, gazette-trucks]")
    _, problems = _check(make_project(corroborated))
    assert _hits(problems, "BG207") == []


def test_sources_reported_via_one_publication_count_once(make_project: Callable[..., Path]) -> None:
    via = GAZETTE + "    via: harbour-report\n"
    _, problems = _check(make_project(_high_confidence(via, GAZETTE_FACT, "[road-slow, gazette-trucks]")))
    (hit,) = _hits(problems, "BG207")
    assert "found only 'harbour-report'" in hit["message"]


def _html(root: Path, brief: str = "harbour", *, draft: bool = False) -> str:
    project = Project(root)
    base, _ = check_project(project)
    return render_html(plan_brief(base, base.briefs[brief]), base, project, draft=draft)


def test_single_source_facts_are_flagged_in_drafts_and_listed_in_an_annex(mini: Path) -> None:
    draft = _html(mini, draft=True)
    flagged = re.findall(
        r'data-claim="([a-z-]+)"[^>]*>.*?</span>(?:&#8288;<sup.*?</sup>)?<span class="flag single-source"', draft
    )
    assert sorted(flagged) == ["exports-fell", "ore-trucked"]  # the two facts placed with [[...]]
    final = _html(mini)
    assert "flag single-source" not in final  # no draft chrome in a final build
    root = htmlread.parse(final)
    annex = htmlread.by_id(root)["annex-single-source"]
    text = htmlread.text_of(annex)
    assert "All 3 facts in this brief rest on a single independent source, “The Harbour Report”" in text
    items = [li.get("data-claim") for li in annex.iter(f"{htmlread.NS}li")]
    assert items == ["ore-trucked", "road-slow", "exports-fell"]  # reading order


def test_a_corroborated_fact_is_neither_flagged_nor_listed(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "      quote: exports fell by half in 2025\n      credibility: 3\n",
        "      quote: exports fell by half in 2025\n      credibility: 3\n"
        "    - ref: coast-gazette\n      locator: p. 4\n      credibility: 2\n",
    )
    project = make_project({"content/claims.yaml": claims, "content/sources.yaml": SOURCES + GAZETTE})
    draft = _html(project, draft=True)
    assert draft.count('class="flag single-source"') == 1  # ore-trucked only
    annex = htmlread.by_id(htmlread.parse(_html(project)))["annex-single-source"]
    assert "2 of the 3 facts in this brief rest on a single independent source" in htmlread.text_of(annex)
    assert [li.get("data-claim") for li in annex.iter(f"{htmlread.NS}li")] == ["ore-trucked", "road-slow"]


def test_the_grading_and_likelihood_annexes_in_a_built_brief(mini: Path) -> None:
    proc = run_cli("build", "harbour", "--format", "html", "--project", str(mini), cwd=mini)
    assert proc.returncode == 0, proc.stderr
    root = htmlread.parse((mini / "output" / "harbour.html").read_text())
    ids = htmlread.by_id(root)
    rows = {
        tr.get("data-source"): [htmlread.text_of(td) for td in tr if td.tag.endswith(("td", "th"))]
        for tr in ids["annex-grading"].iter(f"{htmlread.NS}tr")
        if tr.get("data-source")
    }
    assert rows == {
        # road-slow grades para. 3 as 2, the key judgment j-road-late as 3: both are shown
        "harbour-report": [
            "“The Harbour Report”",
            "B usually reliable",
            "2 probably true; 3 possibly true",
            "(independent)",
        ],
        "ministry": ["Ministry of Trade", "C fairly reliable", "3 possibly true", "“The Harbour Report”"],
    }
    used = [htmlread.text_of(el) for el in ids["annex-likelihood"].iter() if "used" in (el.get("class") or "")]
    assert used == ["unlikely", "20–45%"]
    toc = htmlread.text_of(root.find(f".//{htmlread.NS}nav"))
    assert "Annex 1: Likelihood and confidence" in toc and "Annex 3: Source grading" in toc


def test_a_brief_can_switch_the_standard_annexes_off(make_project: Callable[..., Path]) -> None:
    project = make_project({"content/briefs/harbour.yaml": BRIEF + "standard_annexes: false\n"})
    html = _html(project)
    assert 'id="annex-' not in html
    assert "Annex 1:" not in html


# -- 3. staleness -----------------------------------------------------------------------------


def test_a_claim_older_than_the_project_max_age(make_project: Callable[..., Path]) -> None:
    project = make_project({"briefgen.yaml": "max_age: 6m\n"})
    code, problems = _check(project)
    assert code == 0
    (hit,) = _hits(problems, "BG208")
    assert hit["severity"] == "warning"
    assert hit["message"] == (
        "claim 'exports-fell' is stale in brief 'harbour': as of June 2025, more than 6 months "
        "(max_age 6m, from briefgen.yaml) before the brief's date, 15 January 2026"
    )
    assert _where(hit) == ("content/claims.yaml", *_at(CLAIMS, "as_of: 2025-06", "2025-06"))
    strict, _ = _check(project, "--strict")
    assert strict == 1
    proc = run_cli("build", "--strict", "--format", "html", "--project", str(project), cwd=project)
    assert proc.returncode == 1 and "warning[BG208]" in proc.stderr
    assert not (project / "output" / "harbour.html").exists()


def test_a_brief_max_age_overrides_the_project_one(make_project: Callable[..., Path]) -> None:
    brief = BRIEF.replace("template: brief\n", "template: brief\nmax_age: 1y\n")
    _, problems = _check(make_project({"briefgen.yaml": "max_age: 6m\n", "content/briefs/harbour.yaml": brief}))
    assert _hits(problems, "BG208") == []


@pytest.mark.parametrize("where", ["briefgen.yaml", "content/briefs/harbour.yaml"])
def test_a_max_age_that_is_not_a_duration(make_project: Callable[..., Path], where: str) -> None:
    files = (
        {"briefgen.yaml": "max_age: soon\n"}
        if where == "briefgen.yaml"
        else {"content/briefs/harbour.yaml": BRIEF.replace("template: brief\n", "template: brief\nmax_age: soon\n")}
    )
    code, problems = _check(make_project(files))
    assert code == 1
    (hit,) = _hits(problems, "BG105")
    assert "'soon' is not a duration" in hit["message"] and "18m" in hit["hint"]
    assert _where(hit) == (where, *_at(files[where], "max_age: soon", "soon"))


def test_a_mistyped_key_in_briefgen_yaml_is_named_with_the_right_one(make_project: Callable[..., Path]) -> None:
    code, problems = _check(make_project({"briefgen.yaml": "max_ages: 6m\n"}))
    assert code == 1
    (hit,) = _hits(problems, "BG101")
    assert hit["message"] == "unknown key 'max_ages' in briefgen.yaml (did you mean 'max_age'?)"
    assert _where(hit) == ("briefgen.yaml", 1, 1)


def test_judgments_resting_on_stale_claims_are_stale(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "  about: [port-authority]\n  sources:", "  about: [port-authority]\n  as_of: 2020\n  sources:"
    )
    _, problems = _check(make_project({"content/claims.yaml": claims, "briefgen.yaml": "max_age: 2y\n"}))
    (stale,) = _hits(problems, "BG208")
    assert stale["message"].startswith("claim 'road-slow' is stale in brief 'harbour': as of 2020")
    hits = _hits(problems, "BG209")
    assert sorted(h["message"].split(" is stale in brief ")[1].split(":")[0] for h in hits) == [
        "'harbour'",
        "'harbour-summary'",
    ]
    assert all(h["message"].startswith("judgment 'j-road-late' is stale in brief") for h in hits)
    assert all("it rests on 'road-slow'" in h["message"] for h in hits)
    assert {_where(h) for h in hits} == {("content/claims.yaml", *_at(claims, "supports: [road-slow]", "road-slow"))}


def _title_block(html: str) -> dict[str, str]:
    dl = htmlread.parse(html).find(f".//{htmlread.NS}dl")
    return {
        htmlread.text_of(div.find(f"{htmlread.NS}dt")): htmlread.text_of(div.find(f"{htmlread.NS}dd")) for div in dl
    }


def test_the_title_block_states_the_information_cut_off(make_project: Callable[..., Path]) -> None:
    # The newest as_of among the claims the brief uses.
    assert _title_block(_html(make_project()))["Information cut-off"] == "June 2025"
    later = CLAIMS.replace("  as_of: 2025-06\n", "  as_of: 2025-09-02\n")
    assert (
        _title_block(_html(make_project({"content/claims.yaml": later})))["Information cut-off"] == "2 September 2025"
    )


# -- 4. retraction and withdrawal -------------------------------------------------------------


def test_a_retracted_source_cannot_be_cited(make_project: Callable[..., Path]) -> None:
    sources = SOURCES.replace("    via: harbour-report\n", "    via: harbour-report\n    retracted: true\n")
    project = make_project({"content/sources.yaml": sources})
    code, problems = _check(project)
    assert code == 1
    hits = _hits(problems, "BG210")
    assert all(h["severity"] == "error" for h in hits)
    by_message = {h["message"]: _where(h) for h in hits}
    assert by_message == {
        "claim 'exports-fell' cites retracted source 'ministry'": (
            "content/claims.yaml",
            *_at(CLAIMS, "- ref: ministry", "ministry"),
        ),
        "brief 'harbour', section 'Trade': depends on retracted source 'ministry' "
        "(exports-fell -> ministry; ministry)": (
            "content/briefs/harbour.yaml",
            *_at(BRIEF, "[[exports-fell]]"),
        ),
    }
    assert all("briefgen impact ministry" in h["hint"] for h in hits)
    proc = run_cli("build", "--format", "html", "--project", str(project), cwd=project)
    assert proc.returncode == 1
    assert "brief 'harbour', section 'Trade': depends on retracted source 'ministry'" in proc.stderr
    assert not (project / "output").exists() or not list((project / "output").iterdir())


def test_retracting_a_publication_reaches_what_it_relays(make_project: Callable[..., Path]) -> None:
    sources = SOURCES.replace("    reliability: B\n", "    reliability: B\n    retracted: true\n")
    _, problems = _check(make_project({"content/sources.yaml": sources}))
    messages = [h["message"] for h in _hits(problems, "BG210")]
    assert "claim 'exports-fell' cites 'ministry', known only through it, retracted source 'harbour-report'" in messages
    parts = sorted(m.split(": depends")[0] for m in messages if m.startswith("brief"))
    assert parts == [
        "brief 'harbour', key judgments",
        "brief 'harbour', section 'Trade'",
        "brief 'harbour', summary",
        "brief 'harbour-summary', key judgments",
        "brief 'harbour-summary', summary",
    ]


def test_a_superseded_claim_cannot_be_used(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "  about: [port-authority]\n", "  about: [port-authority]\n  status: superseded\n  superseded_by: ore-trucked\n"
    )
    _, problems = _check(make_project({"content/claims.yaml": claims}))
    hits = _hits(problems, "BG211")
    assert all(h["severity"] == "error" and "use 'ore-trucked' instead" in h["hint"] for h in hits)
    by_message = {h["message"]: _where(h) for h in hits}
    assert by_message["judgment 'j-road-late' rests on superseded claim 'road-slow'"] == (
        "content/claims.yaml",
        *_at(claims, "supports: [road-slow]", "road-slow"),
    )
    assert by_message["brief 'harbour', summary: depends on superseded claim 'road-slow' (road-slow)"] == (
        "content/briefs/harbour.yaml",
        *_at(BRIEF, "[@road-slow]"),
    )
    key = "depends on superseded claim 'road-slow' (j-road-late -> road-slow)"
    assert f"brief 'harbour', key judgments: {key}" in by_message
    assert f"brief 'harbour-summary', key judgments: {key}" in by_message
    assert len(hits) == 4


def test_a_deprecated_claim_nothing_uses_is_fine(make_project: Callable[..., Path]) -> None:
    extra = "- id: old-news\n  kind: gap\n  statement: Nobody knows.\n  status: deprecated\n"
    code, problems = _check(make_project({"content/claims.yaml": CLAIMS + extra}))
    assert code == 0 and problems == []


HARBOUR_SLOW = """\
- id: j-harbour-slow
  kind: judgment
  statement: Harbour trade is likely to slow.
  likelihood: likely
  confidence: low
  supports: [j-road-late]
"""


def test_staleness_passes_up_a_chain_of_judgments(make_project: Callable[..., Path]) -> None:
    claims = CLAIMS.replace(
        "  about: [port-authority]\n  sources:", "  about: [port-authority]\n  as_of: 2020\n  sources:"
    )
    brief = BRIEF.replace("key_judgments: [j-road-late]", "key_judgments: [j-road-late, j-harbour-slow]")
    files = {
        "content/claims.yaml": claims + HARBOUR_SLOW,
        "content/briefs/harbour.yaml": brief,
        "briefgen.yaml": "max_age: 2y\n",
    }
    _, problems = _check(make_project(files))
    chained = [h for h in _hits(problems, "BG209") if "j-harbour-slow" in h["message"]]
    assert [h["message"] for h in chained] == [
        "judgment 'j-harbour-slow' is stale in brief 'harbour': it rests on 'j-road-late', which rests on "
        "stale claim 'road-slow' (older than max_age 2y)"
    ]
    assert _where(chained[0]) == ("content/claims.yaml", *_at(files["content/claims.yaml"], "[j-road-late]", "j-road"))
