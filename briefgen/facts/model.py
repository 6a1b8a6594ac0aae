"""The typed content model: one dataclass per record kind.

Each YAML-facing field carries its rules in ``metadata`` (see :func:`spec`): the
validator reads them to check and convert records, and ``schema`` turns them into JSON
Schema, so the rules are written once, here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any, ClassVar

from briefgen.errors import Pos
from briefgen.facts.kinds import FIELD_KINDS
from briefgen.lazyinit import lazy_dataclass

LIKELIHOODS = (
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
)
#: ICD 203 percentage bands for each likelihood term (for the annex explaining the scale).
#: ICD 203 probability ranges, with en dashes as ranges are typeset.
LIKELIHOOD_BANDS = {
    "almost no chance": "1–5%",
    "very unlikely": "5–20%",
    "unlikely": "20–45%",
    "roughly even chance": "45–55%",
    "likely": "55–80%",
    "very likely": "80–95%",
    "almost certain": "95–99%",
}
CONFIDENCES = ("high", "moderate", "low")
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
CSL_TYPES = (
    "article",
    "article-journal",
    "article-magazine",
    "article-newspaper",
    "bill",
    "book",
    "broadcast",
    "chapter",
    "collection",
    "dataset",
    "document",
    "entry",
    "entry-dictionary",
    "entry-encyclopedia",
    "event",
    "graphic",
    "hearing",
    "interview",
    "legal_case",
    "legislation",
    "manuscript",
    "map",
    "motion_picture",
    "pamphlet",
    "paper-conference",
    "patent",
    "performance",
    "periodical",
    "personal_communication",
    "post",
    "post-weblog",
    "regulation",
    "report",
    "review",
    "software",
    "speech",
    "standard",
    "thesis",
    "treaty",
    "webpage",
)
ENTITY_COLLECTIONS = ("actors", "minerals", "places", "routes")
#: Figures a brief section can carry (see briefgen/diagram.py).
FIGURES = ("routes",)


#: What the ``article`` field of actors, places and routes means.
ARTICLE_DOC = "the article the name takes in running text, e.g. the (the Democratic Republic of the Congo)"

#: Length limits (characters) of the fields that have a sensible length (BG123): generous
#: for what a reader sees in one line, a header or a table cell.
MAX_TITLE = 300  # a brief's title and subtitle, a section heading
MAX_NAME = 200  # names, short names, aliases, authors, a CSL name's parts
MAX_LABEL = 100  # a marking, a template name, a language, a symbol, numbers of a source
MAX_SOURCE_TITLE = 500  # source and container titles: academic titles run long
MAX_PATH = 500  # an archive path


def spec(
    kind: str,
    *,
    required: bool = False,
    key: str | None = None,
    doc: str = "",
    default: Any = None,
    choices: tuple[Any, ...] = (),
    refs: tuple[str, ...] = (),
    record: type | None = None,
    max_len: int | None = None,
) -> Any:
    """A YAML-facing dataclass field and its rules.

    ``kind`` names one of :data:`briefgen.facts.kinds.FIELD_KINDS`. ``max_len`` bounds a
    text (each item of a list) in characters, where the kind's own bound does not do:
    titles and names are laid out on one line or in a header, and WeasyPrint's layout time
    grows faster than their length (BG123).
    """
    if kind not in FIELD_KINDS:  # a programming error, caught when the model is imported
        raise ValueError(f"unknown field kind {kind!r}: add it to facts/kinds.py")
    meta = {
        "kind": kind,
        "required": required,
        "key": key,
        "doc": doc,
        "choices": choices,
        "refs": refs,
        "record": record,
        "max_len": max_len if max_len is not None else FIELD_KINDS[kind].max_len,
    }
    if FIELD_KINDS[kind].listed:
        return field(default_factory=list, metadata=meta)
    if kind == "record" and record is not None:
        return field(default_factory=record, metadata=meta)
    return field(default=default, metadata=meta)


def internal() -> Any:
    """A field the loader fills in (position, file), never read from YAML."""
    return field(default=None, repr=False, compare=False, metadata={"internal": True})


@lazy_dataclass(frozen=True)
class PartialDate:
    """A date known to the year, month or day.

    Ordered as ``order=True`` would order it (by year, month, day; None against a number
    is a TypeError), with the comparisons written here rather than generated and compiled
    at every start.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def _key(self) -> tuple[int, int | None, int | None]:
        return (self.year, self.month, self.day)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()  # type: ignore[operator]  # None against a number: TypeError

    def __le__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() <= other._key()  # type: ignore[operator]  # None against a number: TypeError

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() > other._key()  # type: ignore[operator]  # None against a number: TypeError

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() >= other._key()  # type: ignore[operator]  # None against a number: TypeError

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return text

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def human(self) -> str:
        """'27 November 2026', 'November 2026' or '2026'."""
        months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        if self.month and self.day:
            return f"{self.day} {months[self.month - 1]} {self.year}"
        if self.month:
            return f"{months[self.month - 1]} {self.year}"
        return str(self.year)


#: The fields each class compares and shows, worked out once per class.
_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


class Plain:
    """``__eq__`` and ``__repr__`` for dataclasses made with ``eq=False, repr=False``, as
    the generated ones behave (same class, equal fields, the fields that compare; the
    instances unhashable). Records and the render stage's views derive from it: generated,
    the pair would be compiled for each class at every start of briefgen, a few
    milliseconds of each command's start-up."""

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = _COMPARED.get(self.__class__)
        if names is None:
            fields = dataclasses.fields(self)  # type: ignore[arg-type]
            names = _COMPARED[self.__class__] = tuple(f.name for f in fields if f.compare)
        return [getattr(self, n) for n in names] == [getattr(other, n) for n in names]

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq: unhashable

    def __repr__(self) -> str:
        names = _SHOWN.get(self.__class__)
        if names is None:
            names = _SHOWN[self.__class__] = tuple(f.name for f in dataclasses.fields(self) if f.repr)  # type: ignore[arg-type]
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{self.__class__.__qualname__}({shown})"


@lazy_dataclass(repr=False, eq=False)
class Record(Plain):
    """Base of every record: where it came from."""

    collection: ClassVar[str] = ""
    pos: Pos = internal()
    field_pos: dict[str, Pos] = internal()

    def where(self, name: str) -> Pos:
        """Position of a field's value, or of the record when the field is absent."""
        return (self.field_pos or {}).get(name, self.pos)


@lazy_dataclass(repr=False, eq=False)
class Name(Record):
    """A CSL name: family and given, or one literal name (an organisation)."""

    family: str | None = spec("text", max_len=MAX_NAME)
    given: str | None = spec("text", max_len=MAX_NAME)
    literal: str | None = spec("text", max_len=MAX_NAME)
    suffix: str | None = spec("text", max_len=MAX_NAME)
    non_dropping_particle: str | None = spec("text", key="non-dropping-particle", max_len=MAX_NAME)
    dropping_particle: str | None = spec("text", key="dropping-particle", max_len=MAX_NAME)

    def __str__(self) -> str:
        if self.literal:
            return self.literal
        return " ".join(x for x in (self.given, self.non_dropping_particle, self.family) if x)

    def short(self) -> str:
        return self.literal or self.family or str(self)

    def inverted(self) -> str:
        """ "Family, Given", as a sources list writes its first author (a literal name as is)."""
        if self.literal or not self.family:
            return str(self)
        family = " ".join(x for x in (self.non_dropping_particle, self.family) if x)
        given = " ".join(x for x in (self.given, self.dropping_particle) if x)
        return f"{family}, {given}" if given else family


@lazy_dataclass(repr=False, eq=False)
class ArchivePart(Record):
    """One block of a ``.txt`` archive that is not one of the article's paragraphs: the
    next block (blocks are separated by blank lines) whose text starts with ``starts``.
    The archive stays the source's text byte for byte; what is what is said here."""

    part: str = spec(
        "text", required=True, doc="the part's name (title, standfirst, caption...), or skip", max_len=MAX_LABEL
    )
    starts: str = spec(
        "text", required=True, doc="the block's first words, as they stand in the archive", max_len=MAX_TITLE
    )


@lazy_dataclass(repr=False, eq=False)
class SourceCustom(Record):
    """Project fields of a source (CSL keeps unknown keys under ``custom``)."""

    reliability: str | None = spec("enum", choices=tuple(RELIABILITY), doc="Admiralty source reliability A-F")
    via: str | None = spec("ref", refs=("sources",), doc="known only as reported by this source")
    archive: str | None = spec(
        "path", doc="archived copy (.txt, .html or .pdf) under content/archive/, relative to content/"
    )
    archive_parts: list[ArchivePart] = spec(
        "records",
        record=ArchivePart,
        doc="what in a .txt archive is not the article's paragraphs (title, standfirst, page furniture), in order",
    )
    archive_sha256: str | None = spec(
        "text",
        doc="SHA-256 of the archived file's bytes, as briefgen archive records it: check fails when they change",
        max_len=MAX_LABEL,
    )
    description: str | None = spec("text", doc="how to name a source with neither author nor title", max_len=MAX_TITLE)
    retracted: bool | None = spec("bool", doc="the source has been retracted: it can no longer be cited")


@lazy_dataclass(repr=False, eq=False)
class Source(Record):
    """A source: a CSL-JSON item."""

    collection: ClassVar[str] = "sources"
    id: str = spec("slug", required=True)
    type: str = spec("enum", required=True, choices=CSL_TYPES, doc="CSL item type")
    title: str | None = spec("text", max_len=MAX_SOURCE_TITLE)
    title_short: str | None = spec("text", key="title-short", max_len=MAX_NAME)
    author: list[Name] = spec("names")
    editor: list[Name] = spec("names")
    container_title: str | None = spec("text", key="container-title", max_len=MAX_SOURCE_TITLE)
    container_title_short: str | None = spec("text", key="container-title-short", max_len=MAX_NAME)
    collection_title: str | None = spec("text", key="collection-title", max_len=MAX_SOURCE_TITLE)
    publisher: str | None = spec("text", max_len=MAX_NAME)
    publisher_place: str | None = spec("text", key="publisher-place", max_len=MAX_NAME)
    genre: str | None = spec("text", max_len=MAX_NAME)
    medium: str | None = spec("text", max_len=MAX_NAME)
    note: str | None = spec("text")
    abstract: str | None = spec("text")
    volume: str | None = spec("text", max_len=MAX_LABEL)
    issue: str | None = spec("text", max_len=MAX_LABEL)
    page: str | None = spec("text", max_len=MAX_LABEL)
    edition: str | None = spec("text", max_len=MAX_LABEL)
    language: str | None = spec("text", max_len=MAX_LABEL)
    issued: PartialDate | None = spec("date")
    accessed: PartialDate | None = spec("date")
    URL: str | None = spec("url")
    DOI: str | None = spec("text", max_len=MAX_NAME)
    ISBN: str | None = spec("text", max_len=MAX_LABEL)
    archive: str | None = spec("text", max_len=MAX_PATH)
    archive_location: str | None = spec("text", max_len=MAX_PATH)
    interviewer: list[Name] = spec("names", doc="interviews: who asked the questions")
    recipient: list[Name] = spec("names", doc="letters, e-mails, personal communications: to whom")
    authority: str | None = spec("text", doc="legal cases: the court, e.g. 2d Cir.", max_len=MAX_NAME)
    # More CSL variables reference managers export (Zotero, Better BibTeX): kept so an
    # export validates as it is; notes print number, section and version where Chicago does.
    translator: list[Name] = spec("names")
    number: str | None = spec("text", doc="report or document number", max_len=MAX_LABEL)
    section: str | None = spec("text", max_len=MAX_LABEL)
    number_of_pages: str | None = spec("text", key="number-of-pages", max_len=MAX_LABEL)
    version: str | None = spec("text", max_len=MAX_LABEL)
    event_title: str | None = spec("text", key="event-title", max_len=MAX_SOURCE_TITLE)
    event_place: str | None = spec("text", key="event-place", max_len=MAX_NAME)
    ISSN: str | None = spec("text", max_len=MAX_LABEL)
    PMID: str | None = spec("text", max_len=MAX_LABEL)
    PMCID: str | None = spec("text", max_len=MAX_LABEL)
    call_number: str | None = spec("text", key="call-number", max_len=MAX_LABEL)
    keyword: str | None = spec("text")
    source: str | None = spec("text", doc="the database the item came from, e.g. a library catalogue", max_len=MAX_NAME)
    citation_key: str | None = spec("text", key="citation-key", doc="the reference manager's key", max_len=MAX_NAME)
    custom: SourceCustom = spec("record", record=SourceCustom)


@lazy_dataclass(repr=False, eq=False)
class Actor(Record):
    """A state, armed group, military, company, think tank or person."""

    collection: ClassVar[str] = "actors"
    id: str = spec("slug", required=True)
    name: str = spec("text", required=True, max_len=MAX_NAME)
    short: str | None = spec(
        "text", doc="abbreviation, used after the first mention; a person's family name", max_len=MAX_NAME
    )
    article: str | None = spec("enum", choices=("the",), doc=ARTICLE_DOC)
    kind: str | None = spec(
        "enum",
        choices=(
            "state",
            "government",
            "military",
            "armed-group",
            "company",
            "think-tank",
            "media",
            "person",
            "organization",
        ),
    )
    country: str | None = spec("text", max_len=MAX_NAME)
    parent: str | None = spec("ref", refs=("actors",))
    description: str | None = spec("text")


@lazy_dataclass(repr=False, eq=False)
class Mineral(Record):
    """A mineral or element, or a group of them."""

    collection: ClassVar[str] = "minerals"
    id: str = spec("slug", required=True)
    name: str = spec("text", required=True, max_len=MAX_NAME)
    short: str | None = spec("text", max_len=MAX_NAME)
    symbol: str | None = spec("text", max_len=MAX_LABEL)
    uses: list[str] = spec("texts", max_len=MAX_NAME)
    description: str | None = spec("text")


@lazy_dataclass(repr=False, eq=False)
class Place(Record):
    """A country, region, town, mining area, border crossing, river..."""

    collection: ClassVar[str] = "places"
    id: str = spec("slug", required=True)
    name: str = spec("text", required=True, max_len=MAX_NAME)
    short: str | None = spec("text", max_len=MAX_NAME)
    article: str | None = spec("enum", choices=("the",), doc=ARTICLE_DOC)
    aliases: list[str] = spec("texts", max_len=MAX_NAME)
    kind: str | None = spec(
        "enum",
        choices=("country", "region", "state", "city", "town", "mining-area", "border-crossing", "river", "port"),
    )
    within: str | None = spec("ref", refs=("places",))
    coords: list[float] | None = spec("coords", doc="[latitude, longitude]; never invented")
    description: str | None = spec("text")


@lazy_dataclass(repr=False, eq=False)
class Route(Record):
    """A way minerals move (or could move) from one place to another."""

    collection: ClassVar[str] = "routes"
    id: str = spec("slug", required=True)
    name: str = spec("text", required=True, max_len=MAX_NAME)
    short: str | None = spec("text", max_len=MAX_NAME)
    article: str | None = spec("enum", choices=("the",), doc=ARTICLE_DOC)
    mode: str | None = spec("enum", choices=("road", "rail", "river", "sea", "air", "pipeline", "mixed"))
    from_: str | None = spec("ref", key="from", refs=("places",))
    to: str | None = spec("ref", refs=("places",))
    via: list[str] = spec("refs", refs=("places",))
    commodities: list[str] = spec("refs", refs=("minerals",))
    status: str | None = spec("enum", choices=("operational", "disrupted", "proposed", "closed"))
    description: str | None = spec("text")


@lazy_dataclass(repr=False, eq=False)
class Citation(Record):
    """One source of a claim: which source, where in it, the words, how credible."""

    ref: str = spec("ref", required=True, refs=("sources",))
    locator: str | None = spec("text", doc="e.g. 'para. 4', 'p. 12'", max_len=MAX_NAME)
    quote: str | None = spec("text", doc="verbatim from the source")
    credibility: int | None = spec("enum", choices=tuple(CREDIBILITY), doc="Admiralty information credibility 1-6")


@lazy_dataclass(repr=False, eq=False)
class Claim(Record):
    """An assertion with its sources: the only place facts and judgments live."""

    collection: ClassVar[str] = "claims"
    id: str = spec("slug", required=True)
    kind: str = spec("enum", required=True, choices=("fact", "judgment", "assumption", "gap"))
    statement: str = spec("markdown", required=True)
    about: list[str] = spec("refs", refs=ENTITY_COLLECTIONS)
    as_of: PartialDate | None = spec("date")
    sources: list[Citation] = spec("records", record=Citation)
    likelihood: str | None = spec("enum", choices=LIKELIHOODS, doc="judgments only: ICD 203 term")
    confidence: str | None = spec("enum", choices=CONFIDENCES, doc="judgments only")
    supports: list[str] = spec("refs", refs=("claims",), doc="judgments only: claims it rests on")
    status: str | None = spec("enum", choices=("current", "deprecated", "superseded"))
    superseded_by: str | None = spec("ref", refs=("claims",))


@lazy_dataclass(repr=False, eq=False)
class Section(Record):
    """A section or annex of a brief."""

    heading: str = spec("text", required=True, max_len=MAX_TITLE)
    id: str | None = spec("slug", doc="anchor; made from the heading when absent")
    body: str | None = spec("markdown")
    table: str | None = spec("enum", choices=ENTITY_COLLECTIONS, doc="a table generated from a collection")
    figure: str | None = spec("enum", choices=FIGURES, doc="a figure drawn from the fact base: routes")


@lazy_dataclass(repr=False, eq=False)
class Brief(Record):
    """A brief: what to say, in which order, with which template."""

    collection: ClassVar[str] = "briefs"
    id: str = spec("slug", required=True)
    title: str = spec("text", required=True, max_len=MAX_TITLE)
    subtitle: str | None = spec("text", max_len=MAX_TITLE)
    date: PartialDate | None = spec("date", required=True)
    authors: list[str] = spec("texts", max_len=MAX_NAME)
    marking: str | None = spec("text", doc="e.g. Public", max_len=MAX_LABEL)
    template: str = spec(
        "template", default="brief", doc="template name: brief, summary or a project's own", max_len=MAX_LABEL
    )
    lang: str = spec("text", default="en", max_len=MAX_LABEL)
    paper: str = spec("enum", default="a4", choices=("a4", "letter"))
    keywords: list[str] = spec("texts", max_len=MAX_NAME)
    summary: str | None = spec("markdown", doc="bottom line up front")
    key_judgments: list[str] = spec("refs", refs=("claims",))
    sections: list[Section] = spec("records", record=Section)
    annexes: list[Section] = spec("records", record=Section)
    max_age: str | None = spec("text", doc="claims older than this are stale, e.g. 90d, 18m, 5y", max_len=MAX_LABEL)
    standard_annexes: bool = spec(
        "bool", default=True, doc="add the annexes on likelihood, single-source facts and source grading"
    )


COLLECTIONS: dict[str, type[Record]] = {
    cls.collection: cls for cls in (Source, Actor, Mineral, Place, Route, Claim, Brief)
}

Entity = Actor | Mineral | Place | Route


_YAML_FIELDS: dict[type, list[tuple[str, dataclasses.Field[Any]]]] = {}


def yaml_fields(cls: type) -> list[tuple[str, dataclasses.Field[Any]]]:
    """(YAML key, dataclass field) for each field of ``cls`` read from YAML (worked out once)."""
    cached = _YAML_FIELDS.get(cls)
    if cached is not None:
        return cached
    out = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal") or "kind" not in f.metadata:
            continue
        out.append((f.metadata.get("key") or f.name, f))
    _YAML_FIELDS[cls] = out
    return out


@lazy_dataclass(repr=False, eq=False)
class FactBase(Plain):
    """Every record of a project, checked and indexed by id."""

    sources: dict[str, Source] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    minerals: dict[str, Mineral] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    routes: dict[str, Route] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    briefs: dict[str, Brief] = field(default_factory=dict)
    #: each archived source's passages (briefgen.check.archives.Archive) by source id, for
    #: quotes and locators; filled by the validator (typed loosely: facts/ sits below check/)
    archives: dict[str, Any] = field(default_factory=dict)
    #: SHA-256 (hex) of each archive file's bytes as read, by source id; filled likewise
    archive_hashes: dict[str, str] = field(default_factory=dict)

    def collection(self, name: str) -> dict[str, Any]:
        return getattr(self, name)  # type: ignore[no-any-return]

    def find(self, ident: str) -> Record | None:
        """The record with this id, whatever its collection."""
        for name in COLLECTIONS:
            rec = self.collection(name).get(ident)
            if rec is not None:
                return rec  # type: ignore[no-any-return]
        return None

    def entity(self, ident: str) -> Entity | None:
        for name in ENTITY_COLLECTIONS:
            rec = self.collection(name).get(ident)
            if rec is not None:
                return rec  # type: ignore[no-any-return]
        return None
