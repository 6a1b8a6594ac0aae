"""Problems (content mistakes with positions) and the errors that carry them."""

from __future__ import annotations

from dataclasses import field
from typing import Literal, NamedTuple

from briefgen.lazyinit import lazy_dataclass
from briefgen.words import printable

Severity = Literal["error", "warning"]


class Pos(NamedTuple):
    """A position in a file: 1-based line and column, as editors show them.

    A named tuple rather than a dataclass: the loader makes one for every key and value,
    hundreds of thousands in a large fact base, and tuples are much cheaper to make.
    """

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        # The file name as a terminal may show it: a name with a newline, an escape sequence
        # or bytes that are not UTF-8 is written with visible escapes (words.printable).
        file = printable(self.file)
        if self.line:
            return f"{file}:{self.line}:{self.col}"
        return file


@lazy_dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, templates or environment, with how to fix it."""

    pos: Pos
    code: str
    message: str
    hint: str = ""
    severity: Severity = "error"
    context: tuple[str, ...] = field(default=(), compare=False)

    def format(self) -> str:
        """``file:line:col: error[BG103]: message`` plus an indented hint, safe on a
        terminal: content quoted in the message cannot print a control character or
        start a line of its own (words.printable)."""
        text = f"{self.pos}: {self.severity}[{self.code}]: {printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

    def as_json(self) -> dict[str, object]:
        """The problem as data, text exactly as found (words.printable_json makes it safe to print)."""
        return {
            "file": self.pos.file,
            "line": self.pos.line,
            "col": self.pos.col,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class BriefgenError(Exception):
    """The one error type user mistakes end in; it knows how to show itself."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(Pos("briefgen"), "BG000", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems))

    def __reduce__(self) -> tuple[type[BriefgenError], tuple[list[Problem]]]:
        # Rebuilt from its problems, so codes and positions survive a worker process (-j N).
        return (type(self), (self.problems,))


class UsageError(BriefgenError):
    """A mistake in how the command was called (exit 2)."""

    exit_code = 2


def errors_in(problems: list[Problem]) -> list[Problem]:
    """The problems that are errors (not warnings)."""
    return [p for p in problems if p.severity == "error"]


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, so output reads top to bottom."""
    return sorted(problems, key=lambda p: (p.pos.file, p.pos.line, p.pos.col, p.code))
