"""A cache on disk of where each quote stands in an archive, keyed by the archive and the
quotes and locators checked against it.

Finding a quote searches its whole archive (every place it stands is told), and a large
fact base has tens of thousands of quotes: on a warm ``check`` that search was the largest
cross-file cost. What it finds depends only on the archive as read (its kind, bytes and
parts: ``Archive.identity``), the quotes and locators, and briefgen's code; so one entry
per archive holds the finding for each of its quotes, in order. An edit to a claim makes
only its archive's entry new. Entries are read and written by cachedir (checked whole
before use); anything unexpected means the quotes are searched again: the cache can make
``check`` faster, never different.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from pathlib import Path

from briefgen import __version__
from briefgen.cachedir import cache_folder, code_stamp, prune, read_entry, touch, write_entry

FORMAT = 1
#: Entries kept at most (one per archive); past that the least recently used quarter goes.
MAX_ENTRIES = 4000

#: What verifying one quote found: every locator it stands at, and whether its locator holds.
Finding = tuple[tuple[str, ...], bool]


class QuoteCache:
    """Findings of the quotes checked against an archive, by the archive and the quotes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.code = code_stamp()
        self.wrote = False

    def key(self, identity: str, quoted: Sequence[tuple[str, str | None]]) -> str:
        """The entry for ``quoted`` ((quote, locator) in order) in the archive ``identity``."""
        head = f"{FORMAT}\0{__version__}\0{self.code}\0{identity}\0"
        body = marshal.dumps([list(pair) for pair in quoted])
        return hashlib.sha1(head.encode("utf-8", "surrogateescape") + body).hexdigest()

    def get(self, key: str, count: int) -> list[Finding] | None:
        """The ``count`` findings stored under ``key``, or None."""
        path = self.folder / f"{key}.bin"
        payload = read_entry(path)
        if payload is None:
            return None
        try:
            rows = marshal.loads(payload)
            found = [(tuple(str(x) for x in where), bool(holds)) for where, holds in rows]
        except Exception:  # a verified entry this code cannot read: search again
            return None
        if len(found) != count:
            return None
        touch(path)  # recently used: kept by prune()
        return found

    def put(self, key: str, findings: Sequence[Finding]) -> None:
        self.wrote = True
        write_entry(self.folder / f"{key}.bin", marshal.dumps([[list(where), holds] for where, holds in findings]))

    def prune(self, keep: int = MAX_ENTRIES) -> None:
        """Drop the least recently used entries once there are more than ``keep`` (looked
        at only after an entry was written: a warm run lists no folder)."""
        if self.wrote:
            prune(self.folder, keep)


def quote_cache() -> QuoteCache | None:
    """The cache in the user's cache folder, or None when there is none (or BRIEFGEN_NO_CACHE)."""
    folder = cache_folder("quotes")
    return QuoteCache(folder) if folder is not None else None
