"""The ``briefgen`` command line: parse arguments, call a stage, report problems, set the exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen import __version__
from briefgen.errors import BriefgenError, Pos, Problem, UsageError, errors_in
from briefgen.gcpause import declare_one_shot
from briefgen.load import display_path
from briefgen.project import Project
from briefgen.words import counted

if TYPE_CHECKING:
    from briefgen.model import FactBase

EXAMPLES = {
    "check": "example: briefgen check --project . --strict",
    "build": "example: briefgen build myanmar-rare-earths --format pdf --out output/",
    "preview": "example: briefgen preview --port 8000 --open",
    "impact": "example: briefgen impact reuters-report --format json",
    "diff": "example: briefgen diff myanmar-rare-earths --since v1.0",
    "schema": "example: briefgen schema --out schemas/ --link",
    "init": "example: briefgen init my-briefs && briefgen build --project my-briefs",
    "new": "example: briefgen new claim kia-seized-mines --file content/claims/kia.yaml",
    "import-sources": "example: briefgen import-sources ~/Downloads/zotero-export.json --dry-run",
}


def _print_problems(problems: list[Problem], fmt: str = "text", stream: object = None) -> None:
    out = stream or sys.stderr
    if fmt == "json":
        print(json.dumps([p.as_json() for p in problems], indent=2, ensure_ascii=False), file=out)  # type: ignore[arg-type]
        return
    for p in problems:
        print(p.format(), file=out)  # type: ignore[arg-type]


def _summary(problems: list[Problem]) -> str:
    errors = len(errors_in(problems))
    warnings = len(problems) - errors
    return f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"


def _project(args: argparse.Namespace) -> Project:
    root = Path(args.project).resolve()
    if not root.is_dir():
        raise UsageError(f"--project {args.project}: no such folder")
    return Project(root)


def cmd_check(args: argparse.Namespace) -> int:
    from briefgen.check import check_project

    project = _project(args)
    _base, problems = check_project(project)
    if args.format == "json":
        _print_problems(problems, "json", sys.stdout)
    else:
        _print_problems(problems, "text", sys.stdout)
        print(f"briefgen check: {_summary(problems)}", file=sys.stderr)
    failed = errors_in(problems) or (args.strict and problems)
    return 1 if failed else 0


def cmd_build(args: argparse.Namespace) -> int:
    from briefgen.build import build_project

    project = _project(args)
    out = Path(args.out).resolve() if args.out else project.output
    result = build_project(
        project,
        args.briefs,
        args.format,
        out,
        strict=args.strict,
        jobs=args.jobs,
        progress=sys.stderr.isatty(),
        changes_since=args.changes_since,
    )
    _print_problems(result.problems)
    for path in result.written:
        print(f"wrote {display_path(path)}", file=sys.stderr)
    return 1 if result.failed else 0


def _loaded(project: Project) -> tuple[FactBase, list[Problem]]:
    """The fact base for impact and diff, which work on what loads (a retraction is an error)."""
    from briefgen.check import check_project

    base, problems = check_project(project)
    errors = errors_in(problems)
    if errors:
        note = f"note: the content has {_summary(problems)} (see briefgen check); records with errors are left out"
        print(note, file=sys.stderr)
    return base, problems


def cmd_impact(args: argparse.Namespace) -> int:
    from briefgen.impact import FileTexts, impact_of, kind_of, report_json, report_text
    from briefgen.validate import did_you_mean

    base, _ = _loaded(_project(args))
    if kind_of(base, args.id) is None:
        known = [*base.sources, *base.claims, *base.actors, *base.minerals, *base.places, *base.routes]
        raise UsageError(
            Problem(
                Pos("briefgen impact"),
                "BG503",
                f"no source, claim or entity '{args.id}'{did_you_mean(args.id, known)}",
                "give the id of a source, claim, actor, mineral, place or route",
            )
        )
    impact = impact_of(base, args.id, FileTexts())
    if args.format == "json":
        print(json.dumps(report_json(base, impact), indent=2, ensure_ascii=False))
    else:
        print(report_text(base, impact))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from briefgen.editions import as_json, brief_changes, format_text, load_revision
    from briefgen.validate import did_you_mean

    project = _project(args)
    base, _ = _loaded(project)
    if args.brief not in base.briefs:
        raise UsageError(
            Problem(
                Pos("briefgen diff"),
                "BG501",
                f"no brief '{args.brief}'{did_you_mean(args.brief, list(base.briefs))}",
                f"known briefs: {', '.join(base.briefs) or 'none'}",
            )
        )
    earlier = load_revision(project, args.since)
    if earlier.errors:
        print(f"note: the content at {args.since} has errors; records with errors are left out", file=sys.stderr)
    changes = brief_changes(earlier, base, args.brief)
    if args.format == "json":
        print(json.dumps(as_json(changes), indent=2, ensure_ascii=False))
    else:
        print(format_text(changes, base))
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from briefgen.preview import serve

    return serve(_project(args), args.host, args.port, args.open)


def _port_number(text: str) -> int:
    """A TCP port for --port: argparse reports anything else as a usage error (exit 2)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (a port is 0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: use 0 to 65535 (0 picks a free one)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefgen",
        description="Structured policy briefs (HTML and PDF) from sourced YAML facts.",
        epilog="example: briefgen check && briefgen build",
    )
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXAMPLES.get(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--project", default=".", metavar="DIR", help="project folder (default: the current folder)")
        p.set_defaults(command_parser=p)  # so a stray argument is reported with this command's usage
        return p

    p = add("check", "Validate the fact base and briefs; report every problem with file:line:col.")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(func=cmd_check)

    p = add("build", "Build briefs as HTML and PDF into output/.")
    p.add_argument("briefs", nargs="*", metavar="BRIEF_ID", help="briefs to build (default: all)")
    p.add_argument("--format", choices=("html", "pdf", "all"), default="all", help="what to write (default all)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: PROJECT/output)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes for PDFs (default 1)")
    p.add_argument(
        "--changes-since", metavar="REV", help="add the annex 'What changed since the last edition' (a git revision)"
    )
    p.set_defaults(func=cmd_build)

    p = add("impact", "List everything that depends on a source, claim or entity: claims, judgments, briefs, sections.")
    p.add_argument("id", metavar="ID", help="a source, claim, actor, mineral, place or route id")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(func=cmd_impact)

    p = add("diff", "Compare a brief's claims and sources at a git revision with now.")
    p.add_argument("brief", metavar="BRIEF_ID", help="the brief to compare")
    p.add_argument("--since", required=True, metavar="REV", help="git revision of the earlier edition (e.g. v1.0)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(func=cmd_diff)

    p = add("preview", "Serve HTML drafts that rebuild and reload on every save.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=_port_number, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the index in a web browser")
    p.set_defaults(func=cmd_preview)

    from briefgen.cli_authoring import add_commands

    add_commands(add)  # schema, init, new, import-sources
    return parser


def run() -> int:
    """The ``briefgen`` command: this process runs one command and exits."""
    return main(one_shot=True)


def main(argv: Sequence[str] | None = None, *, one_shot: bool = False) -> int:
    """Run one command; ``one_shot`` when the process ends with it (see gcpause)."""
    parser = build_parser()
    args, stray = parser.parse_known_args(argv)
    if stray:
        command_parser: argparse.ArgumentParser = getattr(args, "command_parser", parser)
        command_parser.error(f"unrecognized arguments: {' '.join(stray)}")  # exits 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if one_shot and args.func is not cmd_preview:
        declare_one_shot()
    try:
        return int(args.func(args))
    except BriefgenError as exc:
        _print_problems(exc.problems)
        return exc.exit_code
    except KeyboardInterrupt:
        print("briefgen: interrupted; earlier outputs are left as they were", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
