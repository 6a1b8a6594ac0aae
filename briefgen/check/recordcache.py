"""A cache on disk of each file's checked records, keyed by the file's exact bytes.

Parsing YAML with positions and checking each record against its field rules is most of
what ``check`` costs on a large fact base, and it depends on nothing but the file itself
(and briefgen's version). So the result for each file is kept in marshal form under
``$XDG_CACHE_HOME/briefgen/<version>/records/``: an unchanged file is neither parsed nor
converted again. The cross-file checks (references, prose, quotes, standards) always run.
Anything unexpected (an entry missing, damaged or unreadable, a value this module cannot
encode, a disk that will not take the entry) falls back to parsing: the cache can make
briefgen faster, never different. Entries are read and written by cachedir, which checks
each one whole (length and SHA-256) before it is used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from briefgen import __version__
from briefgen.cachedir import cache_folder, code_stamp, libraries_stamp, prune, read_entry, touch, write_entry
from briefgen.check.fields import PendingRef
from briefgen.errors import Pos, Problem
from briefgen.facts.model import PartialDate, Record

FORMAT = 3
#: Entries kept at most; past that the least recently used quarter goes (see prune).
MAX_ENTRIES = 4000


def _record_classes() -> dict[str, type[Record]]:
    found: dict[str, type[Record]] = {}
    todo: list[type[Record]] = [Record]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def _pos(file: str, line: int, col: int) -> Pos:
    # tuple.__new__ directly: the named tuple's own __new__ is a Python function, and a
    # large fact base decodes hundreds of thousands of positions.
    return tuple.__new__(Pos, (file, line, col))  # type: ignore[type-var]


def _positions(file: str, lines: list[int], cols: list[int]) -> map[Pos]:
    """Positions in ``file``, made in one C-level pass (no Python call per position)."""
    return map(tuple.__new__, repeat(Pos), zip(repeat(file), lines, cols))


_FILE, _LINE, _COL = itemgetter(0), itemgetter(1), itemgetter(2)  # of a Pos


class Unencodable(Exception):
    """A value the cache format does not know: the file is simply not cached."""


class RecordCodec:
    """One file's checked records in marshal form and back (an entry's payload; a forked
    pass 1 sends its results in it too: check/forkload.py)."""

    def __init__(self) -> None:
        self.classes = _record_classes()
        self._defaults: dict[str, tuple[dict[str, Any], list[tuple[str, Any]]]] = {}
        self._names: dict[type, tuple[str, ...]] = {}

    def decode_payload(self, payload: bytes, display: str) -> Any:
        """(records, problems, pending references, broken); raises on a payload it cannot read."""
        records, problems, pending, broken = marshal.loads(payload)
        # Pending references are stored a column each, and made back without a Python
        # call per reference: a large base has tens of thousands.
        values, targets, lines, cols, whats = pending
        rows = zip(values, targets, _positions(display, lines, cols), whats, strict=True)
        refs = list(map(tuple.__new__, repeat(PendingRef), rows))
        return self._decode(records, display), self._decode(problems, display), refs, broken

    def encode_payload(self, found: Any, display: str) -> bytes | None:
        """``found`` (records, problems, pending references, broken) as bytes, or None
        when it holds what the format cannot keep."""
        records, problems, pending, broken = found
        try:
            if any(ref.pos.file != display for ref in pending):
                return None
            columns = (
                [ref.value for ref in pending],
                [tuple(ref.targets) for ref in pending],
                [ref.pos.line for ref in pending],
                [ref.pos.col for ref in pending],
                [ref.what for ref in pending],
            )
            return marshal.dumps((self._encode(records, display), self._encode(problems, display), columns, broken))
        except (Unencodable, ValueError):
            return None

    # -- encoding: plain values pass through; tuples are tagged objects ----------------------
    def _class_defaults(self, name: str, cls: type) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        plain: dict[str, Any] = {}
        factories: list[tuple[str, Any]] = []
        for f in dataclasses.fields(cls):
            if f.default_factory is not dataclasses.MISSING:
                factories.append((f.name, f.default_factory))
            else:
                plain[f.name] = None if f.default is dataclasses.MISSING else f.default
        self._defaults[name] = (plain, factories)
        return plain, factories

    def _encode(self, v: Any, display: str) -> Any:
        if v is None or isinstance(v, str | bool | int | float):
            return v
        if isinstance(v, Pos):  # before tuple: Pos is a named tuple
            return ("p", v.line, v.col) if v.file == display else ("P", v.file, v.line, v.col)
        if isinstance(v, list):
            return [self._encode(x, display) for x in v]
        if isinstance(v, dict):
            return {k: self._encode(x, display) for k, x in v.items()}
        if isinstance(v, PartialDate):
            return ("d", v.year, v.month, v.day)
        if isinstance(v, Record):
            return self._encode_record(v, display)
        if isinstance(v, Problem):
            return ("q", self._encode(v.pos, display), v.code, v.message, v.hint, v.severity, list(v.context))
        if isinstance(v, tuple):
            return ("t", [self._encode(x, display) for x in v])
        raise Unencodable(type(v).__name__)

    def _encode_record(self, v: Record, display: str) -> tuple[Any, ...]:
        # Only fields that differ from "unset" are kept: most of a CSL item's are empty.
        # Text, numbers and lists of text need no decoding: kept apart, they are put back
        # in one dict update. Every record of a file passes here (a cold check with the
        # cache on, a forked pass 1): the field names come from a table per class, the
        # values from the instance's dict, the positions out in C (no call per field).
        cls = type(v)
        names = self._names.get(cls)
        if names is None:
            names = self._names[cls] = tuple(
                f.name for f in dataclasses.fields(cls) if f.name not in ("pos", "field_pos")
            )
        plain_values: dict[str, Any] = {}
        values: dict[str, Any] = {}
        state = v.__dict__
        for name in names:
            value = state[name] if name in state else getattr(v, name)
            if value is None:
                continue
            kind = type(value)
            if kind is str or kind is int or kind is float or kind is bool:
                plain_values[name] = value
            elif kind is list:
                if not value:
                    continue
                if all(type(x) is str for x in value):
                    plain_values[name] = value
                else:
                    values[name] = self._encode(value, display)
            elif value == []:
                continue
            elif isinstance(value, str | int | float):
                plain_values[name] = value
            else:
                values[name] = self._encode(value, display)
        field_pos: tuple[list[str], list[int], list[int]] | None = None
        if v.field_pos is not None:
            where = list(v.field_pos.values())
            if where and set(map(_FILE, where)) != {display}:
                raise Unencodable("position in another file")
            field_pos = (list(v.field_pos), list(map(_LINE, where)), list(map(_COL, where)))
        return ("r", cls.__name__, self._encode(v.pos, display), field_pos, values, plain_values)

    def _decode(self, v: Any, display: str) -> Any:
        # The commonest shapes first, and no call where one can be saved: a large base
        # decodes a record, a position, a date and a citation for each of its claims.
        if type(v) is tuple:
            tag = v[0]
            if tag == "r":
                return self._record(v, display)
            if tag == "p":
                return _pos(display, v[1], v[2])
            if tag == "d":
                # A frozen dataclass's __init__ sets each field through object.__setattr__.
                date = object.__new__(PartialDate)
                date.__dict__.update(year=v[1], month=v[2], day=v[3])
                return date
            if tag == "P":
                return Pos(v[1], v[2], v[3])
            if tag == "q":
                return Problem(self._decode(v[1], display), v[2], v[3], v[4], v[5], tuple(v[6]))
            if tag == "t":
                return tuple(self._decode(x, display) for x in v[1])
            raise ValueError(f"unknown tag {tag!r}")
        if isinstance(v, list):
            return [self._decode(x, display) for x in v]
        if isinstance(v, dict):
            return {k: self._decode(x, display) for k, x in v.items()}
        return v

    def _record(self, v: tuple[Any, ...], display: str) -> Record:
        """A record, made without calling __init__ (these are plain dataclasses): the stored
        fields, and the defaults for the rest, fresh lists and records where a factory gives them."""
        cls = self.classes[v[1]]
        plain, factories = self._defaults.get(v[1]) or self._class_defaults(v[1], cls)
        obj = cls.__new__(cls)
        state = obj.__dict__
        state.update(plain)
        stored, stored_plain = v[4], v[5]
        for name, factory in factories:
            if name not in stored and name not in stored_plain:
                state[name] = factory()
        state.update(stored_plain)
        for name, x in stored.items():
            state[name] = self._decode(x, display)
        pos = v[2]
        obj.pos = _pos(display, pos[1], pos[2]) if pos[0] == "p" else self._decode(pos, display)
        if v[3] is not None:
            names, lines, cols = v[3]
            obj.field_pos = dict(zip(names, _positions(display, lines, cols), strict=True))
        return obj


class RecordCache(RecordCodec):
    """Checked records of files, by a key made of the file's bytes and how it is read."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder
        self.code = code_stamp() + libraries_stamp(("yaml",))  # another PyYAML may read a file otherwise

    def key(self, display: str, collection: str, raw: bytes) -> str:
        # surrogateescape: a file name that is not UTF-8 comes back as the bytes it was.
        head = f"{FORMAT}\0{__version__}\0{self.code}\0{display}\0{collection}\0".encode("utf-8", "surrogateescape")
        return hashlib.sha1(head + raw).hexdigest()

    def get(self, key: str, display: str) -> Any | None:
        """(records, problems, pending references, broken) or None."""
        path = self.folder / f"{key}.bin"
        payload = read_entry(path)
        if payload is None:
            return None
        try:
            decoded = self.decode_payload(payload, display)
        except Exception:  # a verified entry this code cannot read: parse the file instead
            return None
        touch(path)  # recently used: kept by prune()
        return decoded

    def has(self, key: str) -> bool:
        """An entry is stored under ``key`` (whether it reads is known at ``get``)."""
        return (self.folder / f"{key}.bin").is_file()

    def put(self, key: str, display: str, payload: Any) -> None:
        data = self.encode_payload(payload, display)
        if data is not None:
            self.put_encoded(key, data)

    def put_encoded(self, key: str, data: bytes) -> None:
        """Store what ``encode_payload`` made."""
        write_entry(self.folder / f"{key}.bin", data)

    def prune(self, keep: int = MAX_ENTRIES) -> None:
        """Drop the least recently used entries once there are more than ``keep``."""
        prune(self.folder, keep)


def record_cache() -> RecordCache | None:
    """The cache in the user's cache folder, or None when there is none (or BRIEFGEN_NO_CACHE)."""
    folder = cache_folder("records")
    return RecordCache(folder) if folder is not None else None
