"""What every command shares: the --project folder, the problem report, the counts, the parser hook."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from briefgen.errors import Problem, UsageError, errors_in
from briefgen.facts.project import Project
from briefgen.files import resolve
from briefgen.words import counted, printable, printable_json

#: ``add(name, help, example)``: registers a sub-command with the shared --project option,
#: help layout and example epilog, and returns its parser (see main.build_parser).
Add = Callable[[str, str, str], argparse.ArgumentParser]


def print_problems(problems: list[Problem], fmt: str = "text", stream: object = None) -> None:
    """Problems as ``file:line:col: error[BGnnn]: ...`` lines (stderr by default), or as JSON."""
    out = stream or sys.stderr
    if fmt == "json":
        print(printable_json([p.as_json() for p in problems]), file=out)  # type: ignore[arg-type]
        return
    for p in problems:
        print(p.format(), file=out)  # type: ignore[arg-type]


def say(text: str, stream: TextIO | None = None) -> None:
    """A status line (stderr by default), with any text from content or file names in it
    made safe for the terminal (words.printable): the one way commands print a line."""
    print(printable(text), file=stream or sys.stderr)


def summary(problems: list[Problem]) -> str:
    """'2 errors, 1 warning'."""
    errors = len(errors_in(problems))
    warnings = len(problems) - errors
    return f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"


def project_of(args: argparse.Namespace) -> Project:
    """The project named by --project (a usage error when it is not a folder)."""
    try:
        root = resolve(Path(args.project))
    except OSError as exc:
        raise UsageError(f"--project {args.project}: {exc.strerror}") from None
    if not root.is_dir():
        raise UsageError(f"--project {args.project}: no such folder")
    return Project(root)


def folder_argument(option: str, value: str) -> Path:
    """A folder given on the command line, resolved (a usage error for a link loop)."""
    try:
        return resolve(Path(value))
    except OSError as exc:
        raise UsageError(f"{option} {value}: {exc.strerror}") from None
