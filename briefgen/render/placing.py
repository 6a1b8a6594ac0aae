"""How a placed claim's statement fits the sentence around it.

``[[claim-id]]`` writes a statement, a sentence of its own, where the writer puts it: at a
sentence's start, or inside one ("reports that [[claim]], and"). The statement's words are
the claim's; only its edges change, as an editor would change them:

- its first word, capitalised at a sentence's start and lowered mid-sentence when only its
  place made it a capital (naming.fitted_opening);
- its closing punctuation, against the prose's punctuation after it, even behind closing
  emphasis, quotation marks or a citation: one mark, never "October.," or "cards!." (the
  prose's comma replaces the statement's full stop; a question mark serves for a full stop
  or a comma after it; an abbreviation's full stop ends a sentence too);
- mid-sentence, when the sentence goes on with words or a closing bracket, the statement's
  full stop goes ("that [[a]] and that [[b]]", "(that [[a]]) and").

A citation right after the claim (``[[claim]] [@source].``) joins the claim's calls, so the
calls stand together after the punctuation, each note once.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.token import Token

from briefgen.render.naming import capitalised, fitted_opening, starts_sentence

#: The prose's own punctuation after a statement.
_PUNCTUATION = ".,;:!?"
#: What may close around a placed claim before the prose's punctuation: quotation marks
#: (straight ones are curled later, render/typography.py).
_CLOSING_QUOTES = "”’\"'"
_CLOSING_BRACKETS = ")]"
#: A statement's closing punctuation (before any closing quotation marks).
_CLOSING_MARKS = ".!?…"
#: Abbreviations whose full stop is part of the word: "U.S.", "etc.", "Co.".
_ABBREVIATION_RE = re.compile(
    r"(?:(?<![\w.])(?:[A-Za-z]\.){2,}|\b(?:etc|Co|Inc|Ltd|Corp|Bros|Jr|Sr|St|No|vs|al|approx|incl)\.)$"
)


def fit_statement(children: list[Token], index: int, before: str) -> None:
    """Fit the claim placed at ``children[index]`` (its statement's tokens already in
    ``meta["children"]``) to the sentence around it; ``before`` is the paragraph's text up
    to the claim."""
    sentence_start = starts_sentence(before)
    meta = children[index].meta
    statement: list[Token] = meta["children"]
    _fit_opening(statement, sentence_start)
    _join_following_citation(children, index)
    mark = _take_following_punctuation(children, index)
    meta["lead"] = mark + meta.get("lead", "")
    last = _last_text(statement)
    if last is None:
        return
    if meta["lead"]:
        last.content, meta["lead"] = _joined(last.content, meta["lead"])
    elif not sentence_start and _sentence_goes_on(children, index, before):
        last.content = _without_full_stop(last.content)


def _fit_opening(statement: list[Token], sentence_start: bool) -> None:
    """The statement's first word, as its place wants (inside emphasis or a mention's own
    words too; code, an image or a cross-reference first are left as written)."""
    for tok in statement:
        if tok.type.endswith("_open") or (tok.type == "text" and not tok.content):
            continue
        if tok.type == "text":
            tok.content = fitted_opening(tok.content, sentence_start)
        elif tok.type == "bg_mention" and tok.meta.get("words"):
            _fit_opening(tok.children or [], sentence_start)
            tok.meta["text"] = words_text(tok)
        elif tok.type == "bg_mention" and "text" in tok.meta:
            tok.meta["text"] = _fitted_name(tok.meta, sentence_start)
        return


def _fitted_name(meta: dict[str, Any], sentence_start: bool) -> str:
    """A name opening a statement: capitalised at a sentence's start; mid-sentence, only
    the article naming added ("The KIA" -> "the KIA") is lowered, never the name itself
    ("Three Brotherhood Alliance", "Five Eyes")."""
    text: str = meta["text"]
    if sentence_start:
        return capitalised(text)
    article = getattr(meta.get("entity"), "article", None)
    if article and text.startswith(capitalised(article) + " "):
        return article + text[len(article) :]
    return text


def words_text(mention: Token) -> str:
    """A mention's own words as plain text, for renderings that do not write HTML."""
    return "".join(t.content for t in mention.children or [] if t.type in ("text", "code_inline"))


def _last_text(statement: list[Token]) -> Token | None:
    """The statement's last text token, where its closing punctuation is (None when it
    ends in something else: a mention, code)."""
    for tok in reversed(statement):
        if tok.type.endswith("_close") or (tok.type == "text" and not tok.content):
            continue
        return tok if tok.type == "text" else None
    return None


def _next_visible(children: list[Token], index: int) -> int:
    """The index of the first token after ``index`` that is not an empty text."""
    n = index + 1
    while n < len(children) and children[n].type == "text" and not children[n].content:
        n += 1
    return n


def _join_following_citation(children: list[Token], index: int) -> None:
    """A citation right after the claim gives the claim its moved punctuation now, and its
    calls once the plan has made them (:func:`join_calls`): "Bhamo.⁷,⁸", not "Bhamo.⁷.⁸"."""
    claim = children[index].meta
    n = _next_visible(children, index)
    while n < len(children) and children[n].type == "bg_cite":  # "[[a]] [@b] [@c]." too
        cite = children[n].meta
        cite["after_claim"] = claim
        claim["lead"], cite["lead"] = claim.get("lead", "") + cite.get("lead", ""), ""
        n = _next_visible(children, n)


def join_calls(cite: dict[str, Any]) -> None:
    """A citation right after a placed claim hands its calls to the claim's, each note
    once: the calls stand together after the statement's punctuation."""
    claim = cite.pop("after_claim", None)
    if claim is None:
        return
    seen = {call.note.number for call in claim.get("calls", [])}
    claim["calls"] = claim.get("calls", []) + [c for c in cite.get("calls", []) if c.note.number not in seen]
    cite["calls"] = []


def _take_following_punctuation(children: list[Token], index: int) -> str:
    """The prose's punctuation mark behind closing emphasis or quotation marks after the
    claim ("*[[a]]*." "“[[a]]”,"), taken out of the text and given back, to go right after
    the statement, where the calls follow it. A mark behind a closing bracket stays there:
    it ends the sentence the brackets stand in."""
    n = index + 1
    while n < len(children) and (children[n].type.endswith("_close") or not children[n].content):
        if children[n].type not in ("em_close", "strong_close", "text"):
            return ""
        n += 1
    if n >= len(children) or children[n].type != "text":
        return ""
    # (A mark right after the claim is its lead already: markdown._tidy_calls.)
    text = children[n].content
    quotes = len(text) - len(text.lstrip(_CLOSING_QUOTES))
    if quotes < len(text) and text[quotes] in _PUNCTUATION:
        children[n].content = text[:quotes] + text[quotes + 1 :]
        return text[quotes]
    return ""


def _sentence_goes_on(children: list[Token], index: int, before: str) -> bool:
    """Whether the sentence a claim placed mid-sentence stands in goes on after it: a word
    in lower case, a dash, or a closing bracket of brackets opened mid-sentence come next.
    A capital, a mention, the end of the paragraph: the statement ends the sentence."""
    for tok in children[index + 1 :]:
        if tok.type.endswith("_close") or tok.type == "softbreak":
            continue
        if tok.type == "bg_cite" and "after_claim" in tok.meta:
            continue  # its calls join the claim's
        if tok.type != "text":
            return False
        rest = tok.content.lstrip(_CLOSING_QUOTES + " ")
        if not rest:
            continue
        if rest[0] in _CLOSING_BRACKETS:
            # "(that [[a]]) and": the brackets stand in a sentence; "Fell. ([[a]])": they hold one.
            opened = max(before.rfind("("), before.rfind("["))
            return opened >= 0 and not starts_sentence(before[:opened])
        return rest[0].islower() or rest[0] in "—–-"
    return False


def _ending(text: str) -> tuple[str, str, str]:
    """A statement's last text split: the words, the closing punctuation, the closing
    quotation marks ("resources", ".", "”")."""
    quoted = text.rstrip(_CLOSING_QUOTES)
    body = quoted.rstrip(_CLOSING_MARKS)
    return body, quoted[len(body) :], text[len(quoted) :]


def _joined(text: str, lead: str) -> tuple[str, str]:
    """A statement's last text and the prose's punctuation after it, as one mark: the
    prose's comma, semicolon or colon replaces a full stop (inside closing quotation marks
    a comma takes the full stop's place there: "resources,”"); a full stop after the
    statement's own mark (a full stop, a question or exclamation mark, an abbreviation's
    stop, an ellipsis) goes; so does a comma after a question or exclamation mark."""
    body, marks, quotes = _ending(text)
    mark, rest = lead[0], lead[1:]
    if not marks:
        return text, lead
    if marks[-1] in "!?":
        return text, (rest if mark in ".,!?" else lead)
    if marks.endswith(("…", "...")):
        return text, (rest if mark == "." else lead)
    if _ABBREVIATION_RE.search(body + marks):  # "U.S.": the stop is the word's
        return text, (rest if mark == "." else lead)
    if mark == ".":
        return text, rest  # the statement's own full stop serves
    # A comma, semicolon or colon replaces the full stop; a comma goes inside closing
    # quotation marks (where the full stop was), the others outside.
    if quotes and mark == ",":
        return body + marks[:-1] + "," + quotes, rest
    return body + marks[:-1] + quotes, lead


def _without_full_stop(text: str) -> str:
    """The statement's last text without its closing full stop (kept when it is an
    abbreviation's, or a question or exclamation mark, or an ellipsis)."""
    body, marks, quotes = _ending(text)
    if marks != "." or _ABBREVIATION_RE.search(body + marks):
        return text
    return body + quotes


__all__ = ["fit_statement", "join_calls", "words_text"]
