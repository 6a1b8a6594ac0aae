"""The ``check`` and ``build`` commands."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from briefgen.commands.common import Add, folder_argument, print_problems, project_of, say, summary
from briefgen.errors import BriefgenError, Problem, errors_in
from briefgen.facts.load import display_path
from briefgen.words import counted


def cmd_check(args: argparse.Namespace) -> int:
    from briefgen.check.resultcache import CheckResults
    from briefgen.write import finish_interrupted_switch

    project = project_of(args)
    project.require_content()
    _print_completed(finish_interrupted_switch(project.output))
    if args.fix_locators:
        from briefgen.authoring.relocate import fix_locators

        changed, refused = fix_locators(project)
        for line in changed:
            print(f"fixed {line}", file=sys.stderr)
        print_problems(refused)
        print(
            f"briefgen check --fix-locators: {counted(len(changed), 'locator')} written; checking again",
            file=sys.stderr,
        )
    # An unchanged project prints its last result without loading a record (resultcache).
    results = CheckResults(project)
    problems = results.known()
    if problems is None:
        from briefgen.build import check_project

        _base, problems = check_project(project)
        results.keep(problems)
    if args.format == "json":
        print_problems(problems, "json", sys.stdout)
    else:
        print_problems(problems, "text", sys.stdout)
        say(f"briefgen check: {summary(problems)}")
    failed = errors_in(problems) or (args.strict and problems)
    return 1 if failed else 0


def cmd_build(args: argparse.Namespace) -> int:
    from briefgen.build import build_project
    from briefgen.write import UNWRITABLE_HINT

    project = project_of(args)
    project.require_content()
    out = folder_argument("--out", args.out) if args.out else project.output
    try:
        result = build_project(
            project,
            args.briefs,
            args.format,
            out,
            strict=args.strict,
            jobs=args.jobs,
            progress=sys.stderr.isatty(),
            changes_since=args.changes_since,
            force=args.force,
        )
    except BriefgenError as exc:  # the output folder, a brief named wrong...: said, then summed up
        # The write layer cannot know how a command writes elsewhere: a build, with --out.
        problems = [
            dataclasses.replace(p, hint="choose another folder with --out, or fix the folder's permissions")
            if p.hint == UNWRITABLE_HINT
            else p
            for p in exc.problems
        ]
        print_problems(problems)
        _say_nothing_written(problems, out)
        return exc.exit_code
    _print_completed(result.completed)
    print_problems(result.problems)
    for path in result.written:
        say(f"wrote {display_path(path)}")
    if result.reused and result.written:
        laid = f"laid out {', '.join(result.laid_out)}; " if result.laid_out else "laid out nothing; "
        say(f"briefgen build: {laid}reused the unchanged layout of {', '.join(result.reused)}")
    if result.failed:
        _say_nothing_written(result.problems, out)
    return 1 if result.failed else 0


def _say_nothing_written(problems: list[Problem], out: Path) -> None:
    """The last line of a failed build, as check's is: a long list of problems scrolls
    past, and "nothing written" is the news."""
    kept = f", {display_path(out)}/ unchanged" if out.is_dir() else ""
    say(f"briefgen build: {summary(problems)}; nothing written{kept}")


def _print_completed(paths: list[Path]) -> None:
    for path in paths:
        print(f"replaced {display_path(path)}, left half switched by an interrupted build", file=sys.stderr)


def add_commands(add: Add) -> None:
    """Register ``check`` and ``build`` on the main parser."""
    p = add(
        "check",
        "Validate the fact base and briefs; report every problem with file:line:col.",
        "example: briefgen check --project . --strict",
    )
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument(
        "--fix-locators",
        action="store_true",
        help="write the locators of quotes found in their archives into the YAML (missing or wrong), then check",
    )
    p.set_defaults(func=cmd_check)

    p = add(
        "build",
        "Build briefs as HTML and PDF (or DOCX, for editing in Word) into output/.",
        "example: briefgen build myanmar-rare-earths --format pdf --out output/",
    )
    p.add_argument("briefs", nargs="*", metavar="BRIEF_ID", help="briefs to build (default: all)")
    p.add_argument(
        "--format",
        choices=("html", "pdf", "docx", "all"),
        default="all",
        help="what to write: all is HTML and PDF; docx, a Word document, is written only when asked (default all)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: PROJECT/output)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes for PDFs (default 1)")
    p.add_argument(
        "--changes-since", metavar="REV", help="add the annex 'What changed since the last edition' (a git revision)"
    )
    p.add_argument(
        "--force", action="store_true", help="lay out every PDF again, even those whose inputs are unchanged"
    )
    p.set_defaults(func=cmd_build)
