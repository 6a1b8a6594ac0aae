"""Evidence in the draft: a note or a placed claim opens its quote in the archive's own text,
marked, with the locator; in-process, over HTTP, and in a real headless Chromium."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.preview_latency import start_preview
from briefgen.build import check_project
from briefgen.check.archives.normalise import normalise, normalise_mapped
from briefgen.facts.load import ParseCache
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.preview.evidence import CONTEXT, claim_evidence, note_evidence
from briefgen.render.plan import plan_brief
from tests.conftest import REPO, write_project
from tests.test_archives import PAGE, _pdf, _project
from tests.test_preview import FULL, Server

# -- the normalisation, with offsets --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII, nothing to fold",
        "  runs \t of\n\nwhite   space  ",
        "the armed group’s “seizure” — in October",
        "a ﬁnal ligature and a full-width Ａ",
        "soft\u00adhyphen, zero\u200bwidth, no\u00a0break",
        "accents: Cafe\u0301 and café, Å and A\u030a",
        "Myanmar’s rare earths – dysprosium and terbium ‘HREEs’",
    ],
)
def test_normalise_mapped_agrees_with_normalise_and_points_into_the_text(text: str) -> None:
    folded, origin = normalise_mapped(text)
    assert folded == normalise(text)
    assert len(origin) == len(folded)
    assert origin == sorted(origin)  # in reading order
    for char, index in zip(folded, origin, strict=True):
        if char != " ":  # each letter comes from a character that folds to it
            assert char in normalise(text[index : index + 2]) or char in normalise(text[index])


# -- in process -------------------------------------------------------------------------------


def _base(root: Path) -> FactBase:
    base, problems = check_project(Project(root), ParseCache())
    assert not [p for p in problems if p.severity == "error"], problems
    return base


def _marks(citation: dict[str, object]) -> str:
    return " ".join(str(p["mark"]) for p in citation["passages"])  # type: ignore[attr-defined]


def test_every_claim_of_the_example_shows_its_quote_marked_in_the_articles_own_words() -> None:
    base = _base(REPO)
    article = (REPO / "content" / "archive" / "diplomat-myanmar-minerals-deal.txt").read_text(encoding="utf-8")
    shown = 0
    for claim_id, claim in base.claims.items():
        evidence = claim_evidence(base, claim_id)
        assert evidence is not None
        for cite, entry in zip(claim.sources, evidence["citations"], strict=True):
            if not cite.quote:
                continue
            mark = _marks(entry)
            assert normalise(mark) == normalise(cite.quote), claim_id
            assert entry["locator_ok"] is True and entry["found"] == cite.locator, claim_id
            for passage in entry["passages"]:
                # The article's own characters (curly quotes, dashes), not the folded ones.
                whole = passage["before"] + passage["mark"] + passage["after"]
                assert whole in " ".join(article.split()), claim_id
            shown += 1
    assert shown >= 20  # the example quotes the article throughout
    sample = claim_evidence(base, "kia-seized-chipwe-pangwa")
    assert sample is not None
    assert "The armed group’s seizure" in _marks(sample["citations"][0])  # a curly apostrophe


def test_a_wrong_locator_is_shown_with_where_the_quote_really_is(tmp_path: Path) -> None:
    text = b"Title\n\nFirst paragraph here.\n\nExports fell by half in 2025, the ministry said.\n"
    root = _project(tmp_path, "doc.txt", text, "Exports fell by half in 2025", "para. 9", parts="")
    base, _ = check_project(Project(root), ParseCache())  # BG129 is check's; the evidence still shows
    [entry] = claim_evidence(base, "c1")["citations"]  # type: ignore[index]
    assert (entry["found"], entry["locator"], entry["locator_ok"]) == ("para. 3", "para. 9", False)
    [passage] = entry["passages"]
    assert passage["mark"] == "Exports fell by half in 2025"
    assert passage["after"] == ", the ministry said."


def test_a_quote_over_two_paragraphs_is_marked_in_both(tmp_path: Path) -> None:
    text = b"One two three.\n\nFour five six.\n"
    root = _project(tmp_path, "doc.txt", text, "two three. Four five", "paras. 1-2", parts="")
    [entry] = claim_evidence(_base(root), "c1")["citations"]  # type: ignore[index]
    assert entry["found"] == "paras. 1-2" and entry["locator_ok"] is True
    assert [(p["locator"], p["before"], p["mark"], p["after"]) for p in entry["passages"]] == [
        ("para. 1", "One ", "two three.", ""),
        ("para. 2", "", "Four five", " six."),
    ]


def test_a_web_page_quote_is_marked_in_its_paragraph(tmp_path: Path) -> None:
    root = _project(tmp_path, "page.html", PAGE.encode(), "exports fell by half in 2025", "#trade")
    [entry] = claim_evidence(_base(root), "c1")["citations"]  # type: ignore[index]
    assert entry["locator_ok"] is True and entry["found"] == "para. 2"
    [passage] = entry["passages"]
    assert passage["before"] == "According to the ministry, "
    assert passage["mark"] == "exports fell by half in 2025"  # <em>half</em> read as text


def test_a_pdf_quote_is_marked_on_its_page_across_the_hyphenated_break(tmp_path: Path) -> None:
    root = _project(tmp_path, "doc.pdf", _pdf(), "refining capacity of the region is extraordinarily", "p. i")
    [entry] = claim_evidence(_base(root), "c1")["citations"]  # type: ignore[index]
    assert entry["found"] == "p. i" and entry["locator_ok"] is True
    [passage] = entry["passages"]
    assert passage["locator"] == "p. i"
    assert "extraordinarily" in passage["mark"]  # the word the layout broke, joined


def test_notes_show_what_they_print_and_prose_citations_their_passage(mini: Path) -> None:
    base = _base(mini)
    plan = plan_brief(base, base.briefs["harbour"])
    by_source = {}
    for note in plan.notes:
        evidence = note_evidence(base, plan, note.number)
        assert evidence is not None and evidence["note"] == note.number
        by_source.setdefault((note.source.id, note.locator), evidence)
    # A claim's note: its quote marked; the ministry is archived with the harbour report.
    [cite] = by_source[("ministry", "para. 2")]["citations"]
    assert (cite["claim"], cite["via"], cite["mark"] if "mark" in cite else _marks(cite)) == (
        "exports-fell",
        "harbour-report",
        "exports fell by half in 2025",
    )
    assert cite["grade"] == "C3"
    # A source cited straight from prose: the passage at its locator, nothing marked.
    [prose] = by_source[("harbour-report", "para. 1")]["citations"]
    if prose.get("claim") is None:
        assert prose["passages"][0]["before"].startswith("Ore from the northern hills")
        assert prose["passages"][0]["mark"] == ""
    # A judgment's citation without a quote: the passage its locator names.
    [judgment] = claim_evidence(base, "j-road-late")["citations"]  # type: ignore[index]
    assert judgment["passages"][0]["locator"] == "para. 3" and judgment["passages"][0]["mark"] == ""
    assert note_evidence(base, plan, len(plan.notes) + 1) is None
    assert claim_evidence(base, "no-such-claim") is None


def test_a_long_passage_is_cut_around_the_mark(tmp_path: Path) -> None:
    filler = " ".join(f"word{n}" for n in range(1500))
    text = f"{filler} the quoted words here {filler}\n".encode()
    root = _project(tmp_path, "doc.txt", text, "the quoted words here", "para. 1", parts="")
    [passage] = claim_evidence(_base(root), "c1")["citations"][0]["passages"]  # type: ignore[index]
    assert passage["mark"] == "the quoted words here"
    assert passage["before"].startswith("…") and passage["after"].endswith("…")
    assert len(passage["before"]) <= CONTEXT + 1 and len(passage["after"]) <= CONTEXT + 1


# -- over HTTP and in Chromium ----------------------------------------------------------------


@pytest.fixture
def server(example_copy: Path) -> Iterator[Server]:
    yield from _serve(example_copy)


def _serve(root: Path) -> Iterator[Server]:
    proc, url = start_preview(root)
    assert proc.stderr is not None and url.startswith("http://127.0.0.1:"), url
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(iter(proc.stderr.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    yield Server(url, proc, root, log)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_evidence_answers_only_the_previews_own_pages(server: Server) -> None:
    server.wait_for(lambda s: FULL in s["pages"])
    status, headers, body = server.get("/_preview/claims/kia-seized-chipwe-pangwa")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["citations"][0]["found"] == "para. 3"
    status, _, body = server.get(f"/_preview/notes/{FULL}/1")
    assert status == 200 and json.loads(body)["note"] == 1
    missing = ("/_preview/claims/nope", f"/_preview/notes/{FULL}/9999", "/_preview/notes/nope/1", "/_preview/claims/")
    for path in missing:
        assert server.get(path)[0] == 404, path
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(server.url)
    for origin in ("http://evil.example", f"http://127.0.0.1:{(parts.port or 0) + 1}"):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request("GET", "/_preview/claims/kia-seized-chipwe-pangwa", headers={"Origin": origin})
        response = conn.getresponse()
        assert response.status == 403, origin
        assert b"seizure" not in response.read()
        conn.close()


def test_a_note_opens_its_quote_in_context_and_escape_closes_it(server: Server, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page.goto(server.url + f"{FULL}.html")
    call = page.locator("a.fn-call[data-claims~='kia-seized-chipwe-pangwa']").first
    call.click()
    panel = page.locator("#bg-evidence")
    panel.wait_for(state="visible")
    assert panel.locator("h2").inner_text() == f"Evidence for note {call.get_attribute('data-note')}"
    marks = panel.locator("mark").all_inner_texts()
    assert "The armed group’s seizure of the Chipwe-Pangwa mining belt in October" in marks
    assert "at para. 3, as the claim says" in panel.inner_text()
    assert "content/archive/diplomat-myanmar-minerals-deal.txt" in panel.inner_text()
    assert page.url.endswith(f"{FULL}.html")  # the click did not jump to the notes
    page.screenshot(path="/tmp/evidence.png")
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('fn-call')")  # focus back on the call
    page.close()


def test_a_placed_claim_opens_with_enter(server: Server, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page.goto(server.url + f"{FULL}.html")
    claim = page.locator("span.claim[data-claim='kia-seized-chipwe-pangwa']").first
    claim.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#bg-evidence")
    panel.wait_for(state="visible")
    assert panel.locator("h2").inner_text() == "Evidence for kia-seized-chipwe-pangwa"
    assert panel.locator("mark").count() >= 1
    page.locator("#bg-evidence-close").click()
    panel.wait_for(state="hidden")
    page.close()


HOSTILE = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'


def test_archive_text_is_shown_as_text_never_as_markup(tmp_path: Path, browser: object) -> None:
    text = f"A title\n\nThe report said {HOSTILE} and nothing more.\n".encode()
    root = _project(tmp_path, "doc.txt", text, HOSTILE, "para. 2", parts="")
    write_project(
        root,
        {
            "content/briefs/b.yaml": """\
                id: b
                title: A brief
                date: 2026-01-15
                template: brief
                summary: "[[c1]]"
                """
        },
    )
    for server in _serve(root):
        server.wait_for(lambda s: "b" in s["pages"])
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(server.url + "b.html")
        page.locator("a.fn-call").first.click()
        panel = page.locator("#bg-evidence")
        panel.wait_for(state="visible")
        assert panel.locator("mark").inner_text() == HOSTILE
        assert panel.locator("img, script").count() == 0
        page.wait_for_timeout(200)
        assert page.title() != "pwned"
        page.close()
