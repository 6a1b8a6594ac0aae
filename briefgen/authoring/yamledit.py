"""Add records to, or set a value in, a hand-edited YAML file without disturbing a byte
of what is there.

Round-tripping YAML through a parser loses comments, quoting and layout, which are the
analyst's; so records are appended as text at the end of the file, indented like the
file's own list, a value is replaced (or a key added) on its own line, and the result is
parsed again before anything is written.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.errors import BriefgenError, Pos, Problem, UsageError
from briefgen.facts.load import YList, YMap, display_path, parse_yaml_text
from briefgen.write import write_atomic


def _refuse(path: Path, message: str, hint: str) -> UsageError:
    return UsageError(Problem(Pos(display_path(path)), "BG602", message, hint))


def appended_text(path: Path, block: str, header: str = "") -> str:
    """The file's text with ``block`` (YAML list items at column 0) added at its end.

    ``header`` starts a file that does not exist yet. Raises when the file cannot take
    more list items (one record, a flow list, a YAML error) rather than guess.
    """
    shown = display_path(path)
    if not path.exists():
        return (header.rstrip("\n") + "\n\n" if header else "") + block
    text = path.read_text(encoding="utf-8-sig")
    data, problems = parse_yaml_text(text, shown)
    if problems:
        raise BriefgenError(problems)
    if isinstance(data, YMap):
        raise _refuse(
            path,
            "this file holds one record, not a list, so nothing can be added to it",
            "choose another file with --file (a collection folder may hold one file per record)",
        )
    indent = 0
    if isinstance(data, YList):
        line = text.splitlines()[data.pos.line - 1] if data.pos.line else ""
        if line[data.pos.col - 1 : data.pos.col] == "[":
            raise _refuse(
                path,
                "this file's records are a [flow, list], so items cannot be added below it",
                "write the list one '- ' item per record, or choose another file",
            )
        indent = data.pos.col - 1
    elif data is not None:
        raise _refuse(path, "this file holds neither a list of records nor one record", "fix it with briefgen check")
    if text and not text.endswith("\n"):
        text += "\n"
    return text + "\n" + textwrap.indent(block, " " * indent)


def count_records(text: str, display: str) -> int:
    """How many records a collection file's text holds (a list's length, or 1 for one record)."""
    data, problems = parse_yaml_text(text, display)
    if problems:
        raise BriefgenError(problems)
    if isinstance(data, YList):
        return len(data)
    return 0 if data is None else 1


def append_records(path: Path, block: str, added: int, header: str = "") -> None:
    """Append ``block`` (``added`` records) to ``path``, checking the result first."""
    before = count_records(path.read_text(encoding="utf-8-sig"), str(path)) if path.exists() else 0
    new_text = appended_text(path, block, header)
    after = count_records(new_text, display_path(path))
    if after != before + added:  # a bug here must never reach the analyst's file
        raise BriefgenError(
            Problem(Pos(display_path(path)), "BG602", f"adding records would leave {after}, not {before + added}")
        )
    write_atomic(path, new_text.encode("utf-8"))


# -- setting one scalar value in place (check --fix-locators) ---------------------------------

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,()\u2013-]*")


@dataclass(frozen=True)
class ValueEdit:
    """Set ``key`` of the ``index``-th item of ``list_key`` of the record ``record_id`` to
    ``new``. ``pos`` is the value's position when the key is there (it is replaced), else
    the item's (a ``key: new`` line is added after the item's first line)."""

    pos: Pos
    record_id: str
    list_key: str
    index: int
    key: str
    new: str
    replaces: bool


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back as the same string, else quoted."""
    if _PLAIN_SAFE.fullmatch(value) and not value.endswith(" ") and ": " not in value:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _scalar_end(line: str, start: int) -> int | None:
    """Where the one-line scalar starting at ``start`` ends (None: it goes on to the next
    line, or is a block scalar: not edited in place)."""
    quote = line[start : start + 1]
    if quote in ("|", ">"):
        return None
    if quote == "'":
        i = start + 1
        while i < len(line):
            if line[i] == "'":
                if line[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return None
    if quote == '"':
        i = start + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1
            i += 1
        return None
    comment = line.find(" #", start)
    return len((line if comment < 0 else line[:comment]).rstrip())


def _plain(value: Any) -> Any:
    """A parsed YAML value as plain dicts and lists (positions dropped), for comparing."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _records(data: Any) -> list[Any]:
    return list(data) if isinstance(data, list) else [data] if isinstance(data, dict) else []


def set_values(path: Path, edits: list[ValueEdit]) -> None:
    """Apply ``edits`` to the YAML file at ``path``, keeping every other byte (comments,
    quoting, layout). The result is parsed again and must equal the old data with exactly
    these values changed; otherwise nothing is written and a BriefgenError says why."""
    shown = display_path(path)
    text = path.read_text(encoding="utf-8-sig")
    bom = path.read_bytes().startswith(b"\xef\xbb\xbf")
    old_data, problems = parse_yaml_text(text, shown)
    if problems:
        raise BriefgenError(problems)
    lines = text.splitlines(keepends=True)
    # From the bottom up, so earlier positions stay where they are.
    for edit in sorted(edits, key=lambda e: (e.pos.line, e.pos.col), reverse=True):
        row = lines[edit.pos.line - 1]
        start = edit.pos.col - 1
        if edit.replaces:
            end = _scalar_end(row, start)
            if end is None:
                raise _cannot(edit, "its value runs over several lines")
            style = row[start : start + 1]  # the analyst's quoting is kept
            if style == '"':
                new = '"' + edit.new.replace("\\", "\\\\").replace('"', '\\"') + '"'
            elif style == "'":
                new = "'" + edit.new.replace("'", "''") + "'"
            else:
                new = _scalar(edit.new)
            lines[edit.pos.line - 1] = row[:start] + new + row[end:]
        else:
            newline = "\r\n" if row.endswith("\r\n") else "\n"
            if not row.endswith("\n"):
                lines[edit.pos.line - 1] = row + newline
            lines.insert(edit.pos.line, " " * start + f"{edit.key}: {_scalar(edit.new)}{newline}")
    new_text = "".join(lines)
    new_data, problems = parse_yaml_text(new_text, shown)
    expected = _plain(old_data)
    for edit in edits:
        for record in _records(expected):
            if isinstance(record, dict) and record.get("id") == edit.record_id:
                record[edit.list_key][edit.index][edit.key] = edit.new
    if problems or _plain(new_data) != expected:  # a bug here must never reach the analyst's file
        raise BriefgenError(
            Problem(
                Pos(shown),
                "BG129",
                "the locators could not be written without changing something else; nothing was written",
                "set them by hand, as the check's messages say",
            )
        )
    write_atomic(path, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))


def _cannot(edit: ValueEdit, why: str) -> BriefgenError:
    return BriefgenError(
        Problem(edit.pos, "BG129", f"cannot write '{edit.key}: {edit.new}' here: {why}", "set it by hand")
    )
