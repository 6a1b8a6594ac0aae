"""Read YAML files into plain values that remember where each key and value stood.

Most files are read by the line walk (facts/yamllines.py), which reads the plain YAML a
fact base is written in without PyYAML. What it declines is read by PyYAML's safe
loaders (libyaml's C loader when present): PyYAML's own constructor would drop positions
and silently keep the last of two equal keys, so the parser's events (or, for what they
do not cover, the node tree) are read instead (facts/yamlnodes.py, imported only when a
file needs it). Mappings become :class:`YMap`, sequences :class:`YList`, scalars plain
Python values.
Nothing here knows about briefs; ``validate`` gives meaning.
"""

from __future__ import annotations

import bisect
import errno
import functools
import hashlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.errors import Pos, Problem
from briefgen.facts.yvalues import (  # re-exported: where the rest of briefgen reads them
    MAX_ALIAS_EXPANSION,
    MAX_DEPTH,
    MAX_EXPANDED_CHARS,
    MAX_FILE_BYTES,
    MAX_NUMBER_CHARS,
    YList,
    YMap,
)

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_DEPTH",
    "MAX_EXPANDED_CHARS",
    "MAX_FILE_BYTES",
    "MAX_NUMBER_CHARS",
    "LoadedFile",
    "ParseCache",
    "YList",
    "YMap",
    "display_path",
    "find_char_in_file",
    "find_in_file",
    "load_yaml_file",
    "parse_bytes",
    "parse_yaml_text",
]


@dataclass
class LoadedFile:
    """One YAML file: its parsed value (None when unreadable) and what went wrong."""

    path: Path
    display: str
    data: Any
    problems: list[Problem]
    text: str = ""

    @functools.cached_property
    def lines(self) -> list[str]:
        """The file's lines, split once (problem positions inside prose search them)."""
        return self.text.splitlines()


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _line_col_of_byte(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def parse_yaml_text(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document held in ``text``; the value and the problems found.

    The line walk (facts/yamllines.py) reads the plain YAML most files are written in;
    PyYAML (facts/yamlnodes.py) reads what it declines, and reports every problem.
    """
    # Imported here: a command whose files all come from the records cache parses nothing,
    # and the readers' regular expressions take milliseconds to compile.
    from briefgen.facts.yamllines import Declined, read_lines

    try:
        return read_lines(text, display), []
    except Declined:
        pass
    from briefgen.facts.yamlnodes import parse_with_pyyaml  # PyYAML, only when needed

    return parse_with_pyyaml(text, display)


def load_yaml_file(path: Path) -> LoadedFile:
    """Read and parse one YAML file; never raises for bad content."""
    display = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _too_large(path, display, size)
        raw = path.read_bytes()
    except OSError as exc:
        return LoadedFile(path, display, None, [_unreadable(path, display, exc)])
    return parse_bytes(path, display, raw)


def load_yaml_bytes(path: Path, raw: bytes) -> LoadedFile:
    """Parse ``raw`` as the text of ``path`` (an editor's buffer), held to the same size
    limit as a file on disk: the text saved would read the same."""
    display = display_path(path)
    if len(raw) > MAX_FILE_BYTES:
        return _too_large(path, display, len(raw))
    return parse_bytes(path, display, raw)


def _too_large(path: Path, display: str, size: int) -> LoadedFile:
    """BG004: a file over the limit is not parsed (a fact base splits into files)."""
    problem = Problem(
        Pos(display),
        "BG004",
        f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
        "split the collection into several files in its folder",
    )
    return LoadedFile(path, display, None, [problem])


def _unreadable(path: Path, display: str, exc: OSError) -> Problem:
    """BG010 for a file that cannot be read, with the fix for the likely cause."""
    if path.is_symlink() and not path.exists():
        return Problem(
            Pos(display),
            "BG010",
            f"file is a link to '{os.readlink(path)}', which does not exist",
            "point the link at an existing file inside content/, or replace it with the file itself",
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Problem(Pos(display), "BG010", f"cannot read file: {exc.strerror}", "check the file's permissions")
    return Problem(
        Pos(display),
        "BG010",
        f"cannot read file: {exc.strerror}",
        "check that the file is still there and is a plain file",
    )


def unparsed(path: Path, display: str, raw: bytes) -> LoadedFile:
    """The file whose records come from elsewhere (the records cache, a forked child): its
    text as :func:`parse_bytes` keeps it (none when it is not UTF-8), no parsed value."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    return LoadedFile(path, display, None, [], text)


def parse_bytes(path: Path, display: str, raw: bytes) -> LoadedFile:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col_of_byte(raw, exc.start)
        return LoadedFile(
            path,
            display,
            None,
            [
                Problem(
                    Pos(display, line, col),
                    "BG003",
                    f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                    "save the file as UTF-8 in your editor",
                )
            ],
        )
    data, problems = parse_yaml_text(text, display)
    return LoadedFile(path, display, data, problems, text)


class ParseCache:
    """Parsed files kept between builds (the live preview), reused while a file is unchanged.

    A file whose inode, size, modification and change times are as before is not read
    again (the change time cannot be set back: a file renamed over another, or copied in
    with its old time, is read); one that was touched but holds the same bytes is not
    parsed again.
    """

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[int, ...], str, LoadedFile]] = {}
        #: the validator's records of each file, kept with the LoadedFile they came from
        self.records: dict[Path, tuple[Any, ...]] = {}
        self.parsed = 0  # files parsed since the cache was made (for tests and benchmarks)

    def load(self, path: Path) -> LoadedFile:
        try:
            st = path.stat()
        except OSError:
            return load_yaml_file(path)
        stamp = (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        hit = self._entries.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[2]
        if st.st_size > MAX_FILE_BYTES:
            return load_yaml_file(path)
        try:
            raw = path.read_bytes()
        except OSError:
            return load_yaml_file(path)
        digest = hashlib.sha1(raw).hexdigest()
        if hit is not None and hit[1] == digest:
            self._entries[path] = (stamp, digest, hit[2])
            return hit[2]
        loaded = parse_bytes(path, display_path(path), raw)
        self.parsed += 1
        self._entries[path] = (stamp, digest, loaded)
        return loaded


#: The short escapes of YAML's double-quoted scalars, by the character they stand for.
_YAML_SHORT_ESCAPES = {
    "\x00": "0",
    "\x07": "a",
    "\x08": "b",
    "\t": "t",
    "\x0b": "v",
    "\x0c": "f",
    "\r": "r",
    "\x1b": "e",
    "\x85": "N",
    "\u2028": "L",
    "\u2029": "P",
}


def find_char_in_file(file_text: str | list[str], value_pos: Pos, char: str) -> Pos:
    """Where ``char`` first stands after ``value_pos``: written as itself, or as one of the
    escapes of a double-quoted YAML scalar (``\\e``, ``\\x1b``, ``\\u202e``, ...)."""
    if not file_text or not value_pos.line:
        return value_pos
    code = ord(char)
    # Hex digits in either case; the short escapes are case-sensitive (\\N is not \\n).
    spellings = [re.escape(char), f"\\\\u(?i:{code:04x})", f"\\\\U(?i:{code:08x})"]
    if code < 0x100:
        spellings.append(f"\\\\x(?i:{code:02x})")
    if char in _YAML_SHORT_ESCAPES:
        spellings.append("\\\\" + _YAML_SHORT_ESCAPES[char])
    pattern = re.compile("|".join(spellings))
    lines = file_text.splitlines() if isinstance(file_text, str) else file_text
    for index in range(value_pos.line - 1, len(lines)):
        start = value_pos.col - 1 if index == value_pos.line - 1 else 0
        found = pattern.search(lines[index], start)
        if found:
            return Pos(value_pos.file, index + 1, found.start() + 1)
    return value_pos


class _FileIndex:
    """A file's lines joined once, with the offset where each line starts: a token is then
    searched by ``str.find`` over the whole text, not line by line in Python."""

    __slots__ = ("lines", "starts", "text")

    def __init__(self, lines: list[str]):
        self.lines = lines  # held, so the id the index is kept under is not reused
        self.text = "\n".join(lines)
        starts, offset = [], 0
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1
        self.starts = starts


#: indexes by ``id()`` of the lines they were made from, and where the last search for a
#: token after a value stopped: (index id, value position, token) -> (occurrences passed,
#: offset to search on from). Prose asks for the 1st, 2nd, 3rd... occurrence of a token in
#: turn; resuming keeps a value with thousands of references linear (each was a search
#: from the value's start). Both are bounded and cleared when full.
_INDEXES: dict[int, _FileIndex] = {}
_RESUME: dict[tuple[int, Pos, str], tuple[int, int]] = {}
_SEARCH_LOCK = threading.Lock()
_MAX_INDEXES, _MAX_RESUME = 64, 100_000


def _index(lines: list[str]) -> _FileIndex:
    with _SEARCH_LOCK:
        index = _INDEXES.get(id(lines))
        if index is None or index.lines is not lines:
            if len(_INDEXES) >= _MAX_INDEXES:
                _INDEXES.clear()
                _RESUME.clear()
            index = _INDEXES[id(lines)] = _FileIndex(lines)
        return index


def find_in_file(
    file_text: str | list[str],
    value_pos: Pos,
    token: str,
    nth: int,
    accept: Callable[[str, int], bool] | None = None,
    rule: str = "",
) -> Pos:
    """Where the ``nth`` occurrence of ``token`` after ``value_pos`` stands in the file
    (``value_pos`` itself when there is none).

    Prose is often a YAML block scalar spanning many lines, so a position inside it (a bad
    id, a word) is found in the file text itself, searching from where the value starts.
    ``accept(line, col)`` (0-based column) may pass over occurrences that do not count
    (inside a code span, part of a longer id); ``rule`` names it, since occurrences are
    counted per rule. Pass the file as a list of lines (kept across calls) to search it
    fast; a string is split on every call.
    """
    lines = file_text.splitlines() if isinstance(file_text, str) else file_text
    found = locate_in_file(lines, value_pos, token, nth, accept, rule)
    return found if found is not None else value_pos


def locate_in_file(
    lines: list[str],
    value_pos: Pos,
    token: str,
    nth: int,
    accept: Callable[[str, int], bool] | None = None,
    rule: str = "",
) -> Pos | None:
    """:func:`find_in_file`, None when the file holds no such occurrence."""
    if not lines or not value_pos.line or not token or value_pos.line > len(lines):
        return None
    index = _index(lines)
    key = (id(lines), value_pos, token + "\0" + rule)
    with _SEARCH_LOCK:
        seen, offset = _RESUME.get(key, (0, -1))
    if offset < 0 or seen > nth:
        seen, offset = 0, index.starts[value_pos.line - 1] + max(0, value_pos.col - 1)
    text, starts = index.text, index.starts
    while (found := text.find(token, offset)) >= 0:
        offset = found + 1
        line = bisect.bisect_right(starts, found) - 1
        col = found - starts[line]
        if accept is not None and not accept(lines[line], col):
            continue
        if seen == nth:
            with _SEARCH_LOCK:
                if len(_RESUME) >= _MAX_RESUME:
                    _RESUME.clear()
                _RESUME[key] = (seen + 1, offset)
            return Pos(value_pos.file, line + 1, col + 1)
        seen += 1
    return None
