"""Edit a hand-edited YAML file without disturbing a byte of what is there.

Round-tripping YAML through a parser loses comments, quoting and layout, which are the
analyst's; so records are appended as text at the end of the file, indented like the
file's own list, values are set by rewriting only their own lines, and the result is
parsed again before anything is written.
"""

from __future__ import annotations

import copy
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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


# -- setting values in place -------------------------------------------------------------

_PLAIN_SAFE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,()_/\u2013-]*")
_QUOTED_RE = {'"': re.compile(r'"(?:[^"\\]|\\.)*"'), "'": re.compile(r"'(?:[^']|'')*'")}


def _scalar_text(value: str) -> str:
    """``value`` as a one-line YAML scalar: plain when that reads back as the same string
    (``para. 3``; not ``no`` or ``1.5``, which YAML reads as other types), else quoted."""
    plain = (
        _PLAIN_SAFE_RE.fullmatch(value)
        and not value.endswith(" ")
        and " #" not in value
        and yaml.safe_load(value) == value
    )
    if plain:
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def scalar_extent(body: str, start: int) -> int | None:
    """Where the one-line scalar starting at ``start`` of ``body`` ends; None when it is
    not one (a block scalar, a flow collection, a quote not closed on this line)."""
    rest = body[start:]
    if not rest or rest[0] in "|>[{&*!":
        return None
    if rest[0] in _QUOTED_RE:
        m = _QUOTED_RE[rest[0]].match(rest)
        return start + m.end() if m else None
    comment = re.search(r"\s#", rest)
    return start + len((rest[: comment.start()] if comment else rest).rstrip())


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


def set_record_values(text: str, display: str, record_id: str, under: str, values: dict[str, str]) -> str:
    """``text`` with ``values`` set in the mapping ``under`` of the record ``record_id``
    (``custom`` of a source, say): each one-line value replaced where it stands, each new
    key added beside the others (or a new mapping after the record's ``id`` line). Every
    other byte stays, comments and layout included; the result is parsed again and must
    hold exactly the old data plus these values, or nothing is returned.
    """
    data, problems = parse_yaml_text(text, display)
    if problems:
        raise BriefgenError(problems)
    records = [data] if isinstance(data, YMap) else list(data) if isinstance(data, YList) else []
    record = next((r for r in records if isinstance(r, YMap) and r.get("id") == record_id), None)
    if record is None:
        raise _refuse(Path(display), f"no record '{record_id}' in this file", "run briefgen check")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    inner = record.get(under)
    #: (line index, replacement line or None, lines to insert before it)
    replaced: dict[int, str] = {}
    inserted: dict[int, list[str]] = {}
    cannot = _refuse(
        Path(display),
        f"'{under}' of '{record_id}' is not written one 'key: value' per line, so it cannot be edited in place",
        f"write '{under}:' as a block mapping (one key per line), then run the command again",
    )
    if isinstance(inner, YMap) and inner:
        if inner.pos.line == record.key_pos[under].line:
            raise cannot  # a {flow: mapping}
        indent = " " * (inner.pos.col - 1)
        after: int | None = None  # insert new keys after this line (else before the first key)
        for key, value in values.items():
            if key in inner:
                pos = inner.value_pos[key]
                index = pos.line - 1
                body = replaced.get(index, lines[index]).rstrip("\r\n")
                end = scalar_extent(body, pos.col - 1)
                if end is None:
                    raise cannot
                replaced[index] = body[: pos.col - 1] + _scalar_text(value) + body[end:] + newline
                after = index
            else:
                where = after + 1 if after is not None else inner.pos.line - 1
                inserted.setdefault(where, []).append(f"{indent}{key}: {_scalar_text(value)}{newline}")
    elif under not in record:
        key_pos = record.key_pos["id"]
        indent = " " * (key_pos.col - 1)
        block = [f"{indent}{under}:{newline}"]
        block += [f"{indent}  {key}: {_scalar_text(value)}{newline}" for key, value in values.items()]
        inserted[record.value_pos["id"].line] = block  # after the id line
    else:
        raise cannot
    out: list[str] = []
    for index, line in enumerate(lines):
        out.extend(inserted.get(index, []))
        out.append(replaced.get(index, line))
    out.extend(inserted.get(len(lines), []))
    new_text = "".join(out)
    # The edit must change exactly these values: anything else is a bug, never written.
    new_data, new_problems = parse_yaml_text(new_text, display)
    expected = copy.deepcopy(plain_data(data))
    target = next(r for r in ([expected] if isinstance(expected, dict) else expected) if r.get("id") == record_id)
    target.setdefault(under, {})
    target[under] = {**(target[under] or {}), **values}
    if new_problems or plain_data(new_data) != expected:
        raise BriefgenError(
            Problem(
                Pos(display), "BG608", f"setting {', '.join(values)} of '{record_id}' in place failed; nothing written"
            )
        )
    return new_text


def plain_data(value: Any) -> Any:
    """YAML data with positions (YMap, YList) as plain dicts and lists, to compare."""
    if isinstance(value, dict):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v) for v in value]
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
    new_text = values_set_text(text, shown, edits)
    write_atomic(path, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))


def values_set_text(text: str, shown: str, edits: list[ValueEdit]) -> str:
    """``text`` with ``edits`` made (see set_values), checked the same way; the editor's
    quick fix for a locator uses it on the unsaved buffer."""
    old_data, problems = parse_yaml_text(text, shown)
    if problems:
        raise BriefgenError(problems)
    lines = text.splitlines(keepends=True)
    # From the bottom up, so earlier positions stay where they are.
    for edit in sorted(edits, key=lambda e: (e.pos.line, e.pos.col), reverse=True):
        row = lines[edit.pos.line - 1]
        start = edit.pos.col - 1
        if edit.replaces:
            end = scalar_extent(row.rstrip("\r\n"), start)
            if end is None:
                raise _cannot(edit, "its value runs over several lines")
            style = row[start : start + 1]  # the analyst's quoting is kept
            if style == '"':
                new = '"' + edit.new.replace("\\", "\\\\").replace('"', '\\"') + '"'
            elif style == "'":
                new = "'" + edit.new.replace("'", "''") + "'"
            else:
                new = _scalar_text(edit.new)
            lines[edit.pos.line - 1] = row[:start] + new + row[end:]
        else:
            newline = "\r\n" if row.endswith("\r\n") else "\n"
            if not row.endswith("\n"):
                lines[edit.pos.line - 1] = row + newline
            lines.insert(edit.pos.line, " " * start + f"{edit.key}: {_scalar_text(edit.new)}{newline}")
    new_text = "".join(lines)
    new_data, problems = parse_yaml_text(new_text, shown)
    expected = plain_data(old_data)
    for edit in edits:
        for record in _records(expected):
            if isinstance(record, dict) and record.get("id") == edit.record_id:
                record[edit.list_key][edit.index][edit.key] = edit.new
    if problems or plain_data(new_data) != expected:  # a bug here must never reach the analyst's file
        raise BriefgenError(
            Problem(
                Pos(shown),
                "BG129",
                "the locators could not be written without changing something else; nothing was written",
                "set them by hand, as the check's messages say",
            )
        )
    return new_text


def _cannot(edit: ValueEdit, why: str) -> BriefgenError:
    return BriefgenError(
        Problem(edit.pos, "BG129", f"cannot write '{edit.key}: {edit.new}' here: {why}", "set it by hand")
    )
