"""The ``briefgen`` command line: parse arguments, run one command, report problems, set the exit code.

Each command group registers its sub-commands (``add_commands``) in the order ``--help``
lists them; this module only builds the parser and turns errors into exit codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import cast

from briefgen import __version__
from briefgen.commands import authoring, check_build, editing, impact_diff, preview
from briefgen.commands.common import print_problems
from briefgen.errors import BriefgenError, Pos, Problem
from briefgen.gcpause import declare_one_shot
from briefgen.words import printable


class _NotRun:
    """Stands in for the parser of a command this run does not use: its arguments are not
    made. Whatever a command group calls on it (``add_argument``, ``set_defaults``, a
    group and its arguments) does nothing and gives this stand-in back."""

    def __getattr__(self, name: str) -> Callable[..., _NotRun]:
        return lambda *args, **kwargs: self


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``command``, only that command's sub-parser is made
    (None when there is no such command). argparse's set-up of every command, with a
    gettext look-up for each of its texts, was about a tenth of an HTML build's time."""
    made: list[str] = []
    parser = argparse.ArgumentParser(
        prog="briefgen",
        description="Structured policy briefs (HTML and PDF) from sourced YAML facts.",
        epilog="example: briefgen check && briefgen build",
    )
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        if command is not None and name != command:
            return cast(argparse.ArgumentParser, _NotRun())  # add_commands only adds arguments
        made.append(name)
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=example,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--project", default=".", metavar="DIR", help="project folder (default: the current folder)")
        p.set_defaults(command_parser=p)  # so a stray argument is reported with this command's usage
        return p

    for group in (check_build, impact_diff, preview, authoring, editing):
        group.add_commands(add)
    if command is not None and not made:  # not a command: the whole parser says so
        return build_parser()
    return parser


def run() -> int:
    """The ``briefgen`` command: this process runs one command and exits."""
    return main(one_shot=True)


def main(argv: Sequence[str] | None = None, *, one_shot: bool = False) -> int:
    """Run one command; ``one_shot`` when the process ends with it (see gcpause)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # The first word names the command (an option first, or none: the whole parser).
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args, stray = parser.parse_known_args(argv)
    if stray:
        command_parser: argparse.ArgumentParser = getattr(args, "command_parser", parser)
        command_parser.error(printable(f"unrecognized arguments: {' '.join(stray)}"))  # exits 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if one_shot and args.func is not preview.cmd_preview:
        declare_one_shot()
    try:
        return int(args.func(args))
    except BriefgenError as exc:
        print_problems(exc.problems)
        return exc.exit_code
    except KeyboardInterrupt:
        print("briefgen: interrupted; earlier outputs are left as they were", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:
        # A path the stages did not foresee (a link loop, a folder where a file goes, a
        # vanished file) is a problem with that path: named, never a traceback.
        name = str(exc.filename) if exc.filename else "briefgen"
        print_problems(
            [
                Problem(
                    Pos(name),
                    "BG000",
                    f"cannot use {name}: {exc.strerror or exc}",
                    "check the path (a link loop, a folder where a file should be, permissions); "
                    "if it is right, please report this as a briefgen bug",
                )
            ]
        )
        return 2
