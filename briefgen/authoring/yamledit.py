"""Add records to a hand-edited YAML file without disturbing a byte of what is there.

Round-tripping YAML through a parser loses comments, quoting and layout, which are the
analyst's; so records are appended as text at the end of the file, indented like the
file's own list, and the result is parsed again before anything is written.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

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
