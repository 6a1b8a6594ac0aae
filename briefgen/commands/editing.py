"""Editing commands: ``rename`` (an id, everywhere) and ``lsp`` (the language server)."""

from __future__ import annotations

import argparse

from briefgen.commands.common import Add, print_problems, project_of, say, summary
from briefgen.errors import errors_in
from briefgen.words import counted


def cmd_rename(args: argparse.Namespace) -> int:
    from briefgen.authoring.rename import rename_id
    from briefgen.build import check_project

    project = project_of(args)
    renamed = rename_id(project, args.old, args.new, dry_run=args.dry_run)
    verb = "would change" if args.dry_run else "changed"
    for file, _, edits in renamed.changed:
        say(f"{file.display}: {verb} {counted(len(edits), 'place')}")
    say(
        f"briefgen rename: '{args.old}' -> '{args.new}': {verb} {counted(renamed.places, 'place')} "
        f"in {counted(len(renamed.changed), 'file')}"
    )
    if args.dry_run:
        return 0
    _base, problems = check_project(project)  # the project checked after, as `check` would
    print_problems(problems)
    say(f"briefgen check: {summary(problems)}")
    return 1 if errors_in(problems) else 0


def cmd_lsp(args: argparse.Namespace) -> int:
    from briefgen.authoring.lsp.server import serve

    serve(project_of(args) if args.project != "." else None)
    return 0


def add_commands(add: Add) -> None:
    """Register the editing commands on the main parser."""
    p = add(
        "rename",
        "Rename an id everywhere it is written (its record, every field and every prose reference), "
        "keeping comments and layout; the project is checked after.",
        "example: briefgen rename kia-seized-chipwe-pangwa kia-took-chipwe-pangwa --dry-run",
    )
    p.add_argument("old", metavar="OLD", help="the id to rename")
    p.add_argument("new", metavar="NEW", help="the new id (one no record has)")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.set_defaults(func=cmd_rename)

    p = add(
        "lsp",
        "A language server for the fact base over stdio, for editors: problems as you type, completion "
        "of ids, hover, go to definition, references, rename, quick fixes.",
        "example: briefgen lsp   (started by your editor; see README 'Editing with a language server')",
    )
    p.set_defaults(func=cmd_lsp)
