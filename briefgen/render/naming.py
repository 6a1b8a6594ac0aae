"""How an entity is named in running text: full name or short form, article, capital.

One home for the grammar of a mention, so every brief names an entity the same way.
The plan decides *which* form (first mention or later); the words come from here.
"""

from __future__ import annotations

import re

from briefgen.facts.model import Actor, Entity

#: Text before a mention that ends a sentence: a full stop, question or exclamation mark,
#: then closing quotes or brackets, then space. Or nothing at all (the start of a block).
_SENTENCE_END_RE = re.compile(r"(?:^|[.!?][\"”’')\]]*\s)[\"“‘'(\[]*$")
#: Abbreviations that end in a full stop without ending a sentence.
_NOT_SENTENCE_END_RE = re.compile(r"(?:^|\W)(?:e\.g|i\.e|cf|vs|viz|c|ca|approx|incl|no|para|paras|p|pp)\.\s*$", re.I)
#: Words that already determine the noun that follows: no article is added after them.
_DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "their",
        "our",
        "his",
        "her",
        "my",
        "your",
        "whose",
        "each",
        "every",
        "any",
        "no",
        "some",
        "which",
        "what",
    ]
)
#: Words that may stand between a determiner and the name ("the proposed @route"), unlike
#: prepositions and conjunctions, after which a new noun phrase begins.
_NOT_BETWEEN = frozenset(["of", "in", "to", "by", "from", "for", "with", "on", "at", "and", "or", "as", "into", "than"])
#: The last word or two before a name. A match starts only where a word does and gives
#: nothing back (possessive): the same matches, found without trying every letter of every
#: word as a start (a search per mention, thousands per brief, was five times slower).
_LAST_WORDS_RE = re.compile(r"(?<![A-Za-z’'])([A-Za-z’']++)(?:\s++([a-z]++))?\s++$")


def starts_sentence(before: str) -> bool:
    """Whether a word after ``before`` (the text of its paragraph so far) starts a sentence."""
    tail = before[-80:]
    return bool(_SENTENCE_END_RE.search(tail)) and not _NOT_SENTENCE_END_RE.search(tail.rstrip("\"“‘'(["))


def after_determiner(before: str) -> bool:
    """Whether ``before`` ends in a determiner ("the", "its"...), perhaps and one adjective
    ("the proposed"), so the name that follows needs no article of its own."""
    m = _LAST_WORDS_RE.search(before[-60:])
    if m is None:
        return False
    word, last = m.group(1).lower(), m.group(2)
    if last is None or last in _DETERMINERS:
        return (last or word) in _DETERMINERS
    return word in _DETERMINERS and last not in _NOT_BETWEEN


def capitalised(text: str) -> str:
    """The first letter upper case, the rest as written ("copper" -> "Copper")."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


#: Words capitalised only for starting a sentence (articles, pronouns, prepositions,
#: conjunctions, quantifiers, sentence adverbs): lowered when a claim's statement is placed
#: mid-sentence ("reports that [[claim]]": "that the KIA seized", not "that The KIA").
#: A closed list, because any other first word may be a name ("China", "Dysprosium") and
#: keeps its capital: a wrong capital is better than a lowered name (no number words:
#: "Three Brotherhood Alliance" is a name).
_FUNCTION_WORDS_TEXT = """
    a about above according across after against all almost along already also although
    amid among and another around as at because before behind below beside besides
    between beyond both but by currently despite during earlier either even except few
    following for from furthermore given he hence here how however if in indeed inside
    instead into it later less like many meanwhile more moreover most much near neither
    nevertheless nor not now of off on once only or other outside over per perhaps
    recently several she since so still such than then there therefore they though
    through throughout thus to today toward towards under unless unlike until upon via
    we when where whether while whilst who why with within without yesterday yet
"""
_FUNCTION_WORDS = _DETERMINERS | frozenset(_FUNCTION_WORDS_TEXT.split())
#: The first word: not one joined to more by a hyphen or a full stop ("A-10", "A.I.", "No. 5").
_OPENING_WORD_RE = re.compile(r"([^\w]*)([A-Z][a-z]*)(?![\w.\-])")


def fitted_opening(text: str, sentence_start: bool) -> str:
    """The start of a text placed at a sentence's start (first letter capitalised) or in
    mid-sentence (a first word capitalised only for being first lowered, see _FUNCTION_WORDS)."""
    if sentence_start:
        return capitalised(text)
    m = _OPENING_WORD_RE.match(text)
    if m is None or m.group(2).lower() not in _FUNCTION_WORDS:
        return text
    return text[: m.start(2)] + m.group(2).lower() + text[m.end(2) :]


def is_person(entity: Entity) -> bool:
    return isinstance(entity, Actor) and entity.kind == "person"


def entity_name(entity: Entity, *, first: bool, sentence_start: bool = False, determined: bool = False) -> str:
    """The words for one mention of ``entity``.

    First mention: the full name, with the abbreviation in brackets when it is one (never
    "Name (Name)": a short form that is a word of the name, as a person's family name is,
    is not repeated). Later mentions: the short form. A person is never given an article;
    other entities with ``article`` get it unless ``determined`` (the text already has
    one). ``sentence_start`` capitalises the first letter.
    """
    name = entity.name
    short = entity.short
    if first:
        text = name
        if short and not is_person(entity) and not _is_word_of(short, name):
            text = f"{name} ({short})"
    else:
        text = short or name
    article = getattr(entity, "article", None)
    if article and not determined and not is_person(entity):
        text = f"{article} {text}"
    return capitalised(text) if sentence_start else text


def _is_word_of(short: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(short)}(?!\w)", name) is not None
