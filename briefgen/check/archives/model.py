"""What an archive is read into: located passages, and the error for one that cannot be read."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import NamedTuple

from briefgen.check.archives.normalise import normalise
from briefgen.lazyinit import lazy_dataclass

#: The libraries each archive reader runs (top-level modules): a result any of them made
#: is kept only for the same versions and builds (cachedir.libraries_stamp).
READER_LIBRARIES = {
    "pdf": ("pypdf",),
    "html": ("trafilatura", "lxml", "justext", "htmldate", "courlan", "charset_normalizer"),
}


class Passage(NamedTuple):
    """One located part of an archive: a paragraph, a named part or a page."""

    #: ``para``, ``part`` (a named part: ``title``, ``standfirst``...) or ``page``
    kind: str
    #: the paragraph's number, the part's name, or the page's label
    name: str
    #: the passage's text, normalised
    text: str
    #: the passage as the archive has it (white space folded, nothing else), for showing it
    shown: str = ""

    @property
    def locator(self) -> str:
        """How a claim writes this passage's locator."""
        if self.kind == "para":
            return f"para. {self.name}"
        if self.kind == "page":
            return f"p. {self.name}"
        return self.name


@lazy_dataclass()
class Archive:
    """An archive's passages in reading order, and (web pages) the text of each id'ed part."""

    format: str
    passages: list[Passage]
    #: normalised text of each element of a web page that has an ``id`` (for ``#id``)
    sections: Mapping[str, str] = field(default_factory=dict)
    #: what the archive was read from (its kind, bytes and parts; see read_archive), or ""
    #: when unknown: where its quotes stand is kept on disk by this (check/quotecache.py)
    identity: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # The passages joined by one space, and where each starts in it: a quote may run
        # from one passage into the next (paras. 3-4), and is found in the joined text.
        starts, offset = [], 0
        for passage in self.passages:
            starts.append(offset)
            offset += len(passage.text) + 1
        self.starts = starts
        self.text = " ".join(p.text for p in self.passages)


class Sections(Mapping[str, str]):
    """The normalised text of each ``id`` of a web page, as slices of the page's one flat
    text, normalised when asked for: reading a page costs its size plus its ids, however
    deeply they nest (a text per id, made up front, cost depth times size)."""

    def __init__(self, flat: str, spans: dict[str, tuple[int, int]]):
        self._flat, self._spans = flat, spans
        self._last: tuple[str, str] | None = None  # one kept: all could hold depth x size

    def __getitem__(self, ident: str) -> str:
        if self._last is None or self._last[0] != ident:
            start, end = self._spans[ident]
            self._last = (ident, normalise(self._flat[start:end]))
        return self._last[1]

    def __contains__(self, ident: object) -> bool:
        return ident in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


class ArchiveError(Exception):
    """An archive that cannot be read: what is wrong, how to fix it, and where in the file
    (line and column, 0 when the whole file is at fault)."""

    def __init__(self, message: str, hint: str, line: int = 0, col: int = 0, *, lasting: bool = True):
        super().__init__(message)
        self.message, self.hint, self.line, self.col = message, hint, line, col
        #: False for a time-out: the same bytes may read on a quieter machine, so not kept
        self.lasting = lasting


class ArchivePartError(ArchiveError):
    """An entry of a source's ``archive_parts`` (by its index) that does not fit the archive."""

    def __init__(self, index: int, message: str, hint: str):
        super().__init__(message, hint)
        self.index = index
