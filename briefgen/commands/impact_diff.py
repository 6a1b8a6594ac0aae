"""The ``impact`` and ``diff`` commands: what depends on an id, what changed since an edition."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from briefgen.commands.common import Add, project_of, say, summary
from briefgen.errors import Pos, Problem, UsageError, errors_in
from briefgen.facts.project import Project
from briefgen.words import printable_json

if TYPE_CHECKING:
    from briefgen.facts.model import FactBase


def _loaded(project: Project) -> tuple[FactBase, list[Problem]]:
    """The fact base for impact and diff, which work on what loads (a retraction is an error)."""
    from briefgen.build import check_project

    project.require_content()
    base, problems = check_project(project)
    errors = errors_in(problems)
    if errors:
        note = f"note: the content has {summary(problems)} (see briefgen check); records with errors are left out"
        say(note)
    return base, problems


def cmd_impact(args: argparse.Namespace) -> int:
    from briefgen.editions.reports import report_json, report_text
    from briefgen.facts.graph import FileTexts, impact_of, kind_of
    from briefgen.words import did_you_mean

    base, _ = _loaded(project_of(args))
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
        print(printable_json(report_json(base, impact)))
    else:
        print(report_text(base, impact))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from briefgen.editions.changes import brief_changes
    from briefgen.editions.reports import as_json, format_text
    from briefgen.editions.revisions import load_revision
    from briefgen.words import did_you_mean

    project = project_of(args)
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
        say(f"note: the content at {args.since} has errors; records with errors are left out")
    changes = brief_changes(earlier, base, args.brief)
    if args.format == "json":
        print(printable_json(as_json(changes)))
    else:
        print(format_text(changes, base))
    return 0


def add_commands(add: Add) -> None:
    """Register ``impact`` and ``diff`` on the main parser."""
    p = add(
        "impact",
        "List everything that depends on a source, claim or entity: claims, judgments, briefs, sections.",
        "example: briefgen impact reuters-report --format json",
    )
    p.add_argument("id", metavar="ID", help="a source, claim, actor, mineral, place or route id")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(func=cmd_impact)

    p = add(
        "diff",
        "Compare a brief's claims and sources at a git revision with now.",
        "example: briefgen diff myanmar-rare-earths --since v1.0",
    )
    p.add_argument("brief", metavar="BRIEF_ID", help="the brief to compare")
    p.add_argument("--since", required=True, metavar="REV", help="git revision of the earlier edition (e.g. v1.0)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(func=cmd_diff)
