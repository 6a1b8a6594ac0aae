"""The Markdown factory: markdown-it-py (CommonMark + tables, raw HTML off) and the
project's inline syntax as plugins (see ``syntax.py`` for the patterns).

Parsing and rendering are separate on purpose: ``plan`` parses every prose block of a
brief in reading order and writes note numbers and entity names into the tokens'
``meta``; ``html`` renders the annotated tokens. The render rules ask ``env`` for the
HTML of a footnote call, so this module knows nothing of Jinja or of notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from briefgen.facts.syntax import (
    CITE_RE,
    CLAIM_RE,
    FIGURE_LABEL_RE,
    MENTION_RE,
    MENTION_WORDS_RE,
    XREF_PREFIXES,
    link_allowed,
    mention_allowed_before,
    parse_cite_body,
)
from briefgen.render.naming import after_determiner, starts_sentence


def _parse_gate(url: str) -> bool:
    """markdown-it's validateLink, for links and images alike: safe links, and plain
    relative paths so that images can name files in content/assets/. A relative *link*
    gets past this gate only to be rendered as its text (see _render_link_open)."""
    if link_allowed(url):
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return not (parts.scheme or parts.netloc or url.startswith(("/", "\\")))


def _claim_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    m = CLAIM_RE.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        token = state.push("bg_claim", "", 0)
        token.meta = {"id": m.group(1)}
        token.content = m.group(0)
    state.pos = m.end()
    return True


def _cite_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[@", state.pos):
        return False
    m = CITE_RE.match(state.src, state.pos)
    if not m:
        return False
    items = parse_cite_body(m.group(1))
    if items is None:
        return False
    if not silent:
        token = state.push("bg_cite", "", 0)
        token.meta = {"items": items}
        token.content = m.group(0)
    state.pos = m.end()
    return True


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@" or not mention_allowed_before(state.src, state.pos):
        return False
    m = MENTION_RE.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        ident = m.group(1) or m.group(2)
        if ident.startswith(XREF_PREFIXES):  # Quarto's cross-references: "Figure 1"
            token = state.push("bg_xref", "", 0)
            token.meta = {"label": ident}
        else:
            token = state.push("bg_mention", "", 0)
            token.meta = {"id": ident}
        token.content = m.group(0)
    state.pos = m.end()
    return True


def _mention_words_rule(state: StateInline, silent: bool) -> bool:
    """``[words]{@id}``: the words are Markdown of their own (emphasis, quotes), parsed
    into the stream between an open and a close token, as a link's text is."""
    if not state.src.startswith("[", state.pos):
        return False
    m = MENTION_WORDS_RE.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        token = state.push("bg_mention_open", "", 1)
        token.meta = {"id": m.group(2), "words": True}
        token.content = m.group(0)
        old_max = state.posMax
        state.pos, state.posMax = m.start(1), m.end(1)
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("bg_mention_close", "", -1)
    state.pos = m.end()
    return True


def _fold_mentions(children: list[Token]) -> list[Token]:
    """Each ``bg_mention_open ... close`` run as one ``bg_mention`` token holding its words
    as children (run after smartquotes and the like, so the words are typeset too)."""
    out: list[Token] = []
    stack: list[Token] = []
    for tok in children:
        if tok.type == "bg_mention_open":
            tok.type, tok.nesting, tok.children = "bg_mention", 0, []
            (stack[-1].children if stack else out).append(tok)  # type: ignore[union-attr]
            stack.append(tok)
        elif tok.type == "bg_mention_close" and stack:
            stack.pop()
        else:
            (stack[-1].children if stack else out).append(tok)  # type: ignore[union-attr]
    return out


#: What a token adds to the running text, for telling where a sentence starts.
_STANDS_FOR = {"softbreak": " ", "hardbreak": " ", "image": "x", "bg_xref": "x"}


def mark_sentences(children: list[Token], before: str = "") -> str:
    """Tell each mention and placed claim whether it starts a sentence, and each mention
    whether a determiner precedes it ("the @kia"): the plan capitalises and adds articles
    from these. Gives back the running text, ``before`` and the tokens' words."""
    for tok in children:
        before = mark_token(tok, before)
    return before


def mark_token(tok: Token, before: str) -> str:
    """:func:`mark_sentences` for one token after the running text ``before``; gives back
    the running text with the token's words. A claim the plan has placed counts by its
    statement's words (the plan marks a paragraph as it places them); one not yet placed,
    as a word."""
    if tok.type == "bg_mention":
        tok.meta["sentence_start"] = starts_sentence(before)
        tok.meta["determined"] = after_determiner(before)
        return mark_sentences(tok.children or [], before) if tok.children else before + "x"
    if tok.type == "bg_claim":
        tok.meta["sentence_start"] = starts_sentence(before)
        placed = tok.meta.get("children")
        before = mark_sentences(placed, before) if placed is not None else before + "x"
        return before + tok.meta.get("lead", "")
    if tok.type in ("text", "code_inline"):
        return (before + tok.content)[-200:]
    if tok.type == "bg_cite":
        return before + tok.meta.get("lead", "")
    return before + _STANDS_FOR.get(tok.type, "")


_TRAILING_PUNCT = ".,;:!?"


def _tidy_calls(children: list[Token]) -> None:
    """Place note calls as print typography wants: no space before a call, and a following
    punctuation mark moved in front of it ("text [@a]." renders as "text.¹")."""
    for index, tok in enumerate(children):
        if tok.type not in ("bg_cite", "bg_claim"):
            continue
        if tok.type == "bg_cite" and index > 0:
            before = children[index - 1]
            if before.type == "text":
                before.content = before.content.rstrip(" ")
            elif before.type == "softbreak":  # a citation at the start of a source line
                before.type, before.content = "text", ""
        if index + 1 < len(children) and children[index + 1].type == "text":
            following = children[index + 1]
            lead = ""
            while following.content[:1] and following.content[0] in _TRAILING_PUNCT:
                lead += following.content[0]
                following.content = following.content[1:]
            tok.meta["lead"] = lead


def _mark_figure(tokens: list[Token], index: int) -> None:
    """A paragraph holding only an image and ``{#fig-ID}`` is a figure (Quarto's syntax):
    the label goes into the image's meta and the paragraph's tags are hidden."""
    children = tokens[index].children or []
    if len(children) != 2 or children[0].type != "image" or children[1].type != "text":
        return
    m = FIGURE_LABEL_RE.fullmatch(children[1].content.strip())
    if not m or not (0 < index < len(tokens) - 1) or tokens[index - 1].type != "paragraph_open":
        return
    children[0].meta["figure"] = m.group(1)
    del children[1]
    tokens[index - 1].hidden = tokens[index + 1].hidden = True


def _tidy_rule(state: Any) -> None:
    for index, tok in enumerate(state.tokens):
        if tok.type == "inline" and tok.children:
            tok.children = _fold_mentions(tok.children)
            _tidy_calls(tok.children)
            mark_sentences(tok.children)
            if "{#fig-" in tok.content:
                _mark_figure(state.tokens, index)


def _render_cite(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    render_calls: Callable[[list[Any]], str] = env["render_calls"]
    meta = tokens[idx].meta
    return escapeHtml(meta.get("lead", "")) + render_calls(meta.get("calls", []))


def _render_claim(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    meta = tokens[idx].meta
    render_claim: Callable[[dict[str, Any], str], str] = env["render_claim"]
    inner = self.renderInline(meta.get("children", []), options, env)
    return render_claim(meta, inner)


def _render_mention(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    render_mention: Callable[[dict[str, Any], str | None], str] = env["render_mention"]
    words = self.renderInline(token.children, options, env) if token.children is not None else None
    return render_mention(token.meta, words)


def _render_link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    if not link_allowed(str(tokens[idx].attrGet("href") or "")):
        return ""  # a relative path: the link text stays, the link goes
    return self.renderToken(tokens, idx, options, env)


def _render_link_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    for j in range(idx - 1, -1, -1):  # links do not nest: the nearest opener is this one's
        if tokens[j].type == "link_open":
            if not link_allowed(str(tokens[j].attrGet("href") or "")):
                return ""
            break
    return self.renderToken(tokens, idx, options, env)


def _render_image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """Images go through ``env["render_image"]`` (src, alt, title), which inlines files from
    content/assets/ and refuses the rest; without it only the alt text is written."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    render_image: Callable[[str, str, str], str] | None = env.get("render_image")
    if render_image is None:
        return escapeHtml(alt)
    src, title = str(token.attrGet("src") or ""), str(token.attrGet("title") or "")
    render_figure: Callable[[str, str, str, dict[str, Any]], str] | None = env.get("render_figure")
    if token.meta.get("figure") and render_figure is not None:
        return render_figure(src, alt, title, token.meta)
    return render_image(src, alt, title)


def _render_xref(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    render_xref: Callable[[dict[str, Any]], str] | None = env.get("render_xref")
    meta = tokens[idx].meta
    return render_xref(meta) if render_xref is not None else escapeHtml(tokens[idx].content)


def _render_table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Prose tables get the same class as generated tables, so one stylesheet serves both.
    tokens[idx].attrSet("class", "data")
    return self.renderToken(tokens, idx, options, env)


@cache
def markdown() -> MarkdownIt:
    """The one Markdown parser/renderer (built once; markdown-it instances are reusable)."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["table", "replacements", "smartquotes"])
    md.validateLink = _parse_gate  # type: ignore[method-assign]
    md.inline.ruler.before("link", "bg_claim", _claim_rule)
    md.inline.ruler.before("link", "bg_mention_words", _mention_words_rule)
    md.inline.ruler.before("link", "bg_cite", _cite_rule)
    md.inline.ruler.before("link", "bg_mention", _mention_rule)
    md.core.ruler.push("bg_tidy", _tidy_rule)
    md.add_render_rule("bg_cite", _render_cite)
    md.add_render_rule("bg_claim", _render_claim)
    md.add_render_rule("bg_mention", _render_mention)
    md.add_render_rule("bg_xref", _render_xref)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("link_close", _render_link_close)
    md.add_render_rule("image", _render_image)
    return md


def parse(text: str) -> list[Token]:
    """Block-level tokens of a Markdown text."""
    return markdown().parse(text, {})


def parse_inline(text: str) -> list[Token]:
    """Inline tokens of a one-paragraph text (a claim statement)."""
    tokens = markdown().parseInline(text, {})
    children = (tokens[0].children or []) if tokens else []
    _tidy_calls(children)
    return children


def render(tokens: list[Token], env: dict[str, Any]) -> str:
    return markdown().renderer.render(tokens, markdown().options, env)


def render_inline(tokens: list[Token], env: dict[str, Any]) -> str:
    renderer = markdown().renderer
    assert isinstance(renderer, RendererHTML)
    return renderer.renderInline(tokens, markdown().options, env)


def walk_inline(tokens: list[Token]) -> list[Token]:
    """Every inline token of a block token list, in reading order (one level of children)."""
    out: list[Token] = []
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            out.extend(tok.children)
        else:
            out.append(tok)
    return out
