"""The server's view of the project: files as the editor has them (saved or not), and
the last check of them, with every id's occurrences.

The check is the one ``briefgen check`` runs (build.check_project), on a ParseCache that
answers with the editor's buffer for an open file: an unchanged file keeps its parsed
data and checked records between runs, so a check after one edit parses one file.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from briefgen.authoring.occurrences import Occurrence, OccurrenceIndex, file_occurrences
from briefgen.authoring.rename import FactFile
from briefgen.build import check_project
from briefgen.errors import Problem
from briefgen.facts.load import LoadedFile, ParseCache, load_yaml_bytes
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.files import resolve


class BufferCache(ParseCache):
    """A ParseCache that reads an open file from the editor's buffer, not from disk."""

    def __init__(self) -> None:
        super().__init__()
        self.buffers: dict[Path, str] = {}
        self._parsed: dict[Path, tuple[str, LoadedFile]] = {}

    def load(self, path: Path) -> LoadedFile:
        # Buffers are kept by the resolved path (set_buffer): a content/ reached through a
        # link still finds the editor's text.
        try:
            text = self.buffers.get(resolve(path))
        except OSError:
            text = None
        if text is None:
            return super().load(path)
        hit = self._parsed.get(path)
        if hit is not None and hit[0] == text:
            return hit[1]  # the same object: the validator reuses its checked records
        loaded = load_yaml_bytes(path, text.encode("utf-8", "surrogatepass"))
        self.parsed += 1
        self._parsed[path] = (text, loaded)
        return loaded


@dataclass
class Snapshot:
    """One check of the project: the base, every problem, the files and their ids."""

    base: FactBase
    problems: list[Problem]
    files: dict[str, FactFile]  # by display path
    #: makes the index of every id's occurrences, when first asked for (see ``index``)
    occurrences: Callable[[], OccurrenceIndex]

    @functools.cached_property
    def index(self) -> OccurrenceIndex:
        """Where each id is written, worked out at the first request that needs it (a
        hover, a rename), not while the diagnostics of an edit wait for the check."""
        return self.occurrences()


class FactWorkspace:
    """A project as an editor sees it; ``check()`` makes a new Snapshot."""

    def __init__(self, project: Project):
        self.project = Project(project.root.resolve())
        self.cache = BufferCache()
        self._occurrences: dict[str, tuple[LoadedFile, list[Occurrence]]] = {}
        self._lock = threading.Lock()  # one check at a time: the caches are not shared safely
        self._index_lock = threading.Lock()  # the occurrences kept per file, for the index
        self.snapshot: Snapshot | None = None

    def set_buffer(self, path: Path, text: str | None) -> None:
        """The editor's text of ``path`` (None: closed, read from disk again)."""
        try:
            key = resolve(path)
        except OSError:  # a link loop: no buffer can be found under it either
            return
        if text is None:
            self.cache.buffers.pop(key, None)
        else:
            self.cache.buffers[key] = text

    def check(self) -> Snapshot:
        """Check the project as it stands in the editor; the new Snapshot."""
        with self._lock:
            base, problems = check_project(self.project, self.cache)
            files: dict[str, FactFile] = {}
            read: list[tuple[str, LoadedFile]] = []
            listed, _ = self.project.collection_files()
            for collection, path in listed:
                loaded = self.cache.load(path)  # what the check just read: no parse again
                if loaded.data is None and not loaded.text:
                    continue
                broken = any(p.severity == "error" for p in loaded.problems)
                files[loaded.display] = FactFile(collection, path, loaded.display, loaded.text, loaded.data, broken)
                read.append((collection, loaded))
            self.snapshot = Snapshot(base, problems, files, functools.partial(self._index, read))
            return self.snapshot

    def _index(self, read: list[tuple[str, LoadedFile]]) -> OccurrenceIndex:
        """The occurrences of every id in ``read``'s files (a file's kept while unchanged)."""
        with self._index_lock:
            per_file: dict[str, list[Occurrence]] = {}
            for collection, loaded in read:
                known = self._occurrences.get(loaded.display)
                if known is None or known[0] is not loaded:
                    known = (loaded, file_occurrences(collection, loaded.data, loaded.lines, loaded.display))
                    self._occurrences[loaded.display] = known
                per_file[loaded.display] = known[1]
            return OccurrenceIndex(per_file)
