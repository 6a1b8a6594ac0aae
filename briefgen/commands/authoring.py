"""Authoring commands: ``schema``, ``init``, ``new``, ``import-sources`` and ``archive``."""

from __future__ import annotations

import argparse
from pathlib import Path

from briefgen.commands.common import Add, folder_argument, print_problems, project_of, say
from briefgen.errors import Pos, Problem, UsageError, errors_in
from briefgen.facts.load import display_path
from briefgen.words import counted


def cmd_schema(args: argparse.Namespace) -> int:
    from briefgen.authoring.schema import SCHEMA_FOLDER, all_schemas, modeline
    from briefgen.facts.project import refuse_content_file
    from briefgen.write import write_atomic

    project = project_of(args)
    if args.link:
        project.require_content()  # before anything is written: --link edits content files
    out = folder_argument("--out", args.out) if args.out else project.root / SCHEMA_FOLDER
    schemas = all_schemas()
    if args.check:
        stale = [
            name for name, text in schemas.items() if not (out / name).is_file() or (out / name).read_text() != text
        ]
        for name in stale:
            print_problems(
                [
                    Problem(
                        Pos(display_path(out / name)),
                        "BG607",
                        "missing" if not (out / name).is_file() else "out of date with briefgen's content model",
                        "run: briefgen schema" + (f" --out {args.out}" if args.out else ""),
                    )
                ]
            )
        if not stale:
            say(f"briefgen schema: {len(schemas)} schemas in {display_path(out)} are up to date")
        return 1 if stale else 0
    for name, text in schemas.items():
        write_atomic(out / name, text.encode("utf-8"))
        say(f"wrote {display_path(out / name)}")
    if args.link:
        files, _ = project.collection_files()
        for collection, path in files:
            if path.suffix == ".json":
                continue  # JSON has no comments; editors map JSON files to schemas in settings
            refused = refuse_content_file(project, path)  # a FIFO, a broken link, a link out
            if refused is not None:
                say(f"skipped {display_path(path)}: {refused.message}")
                continue
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                say(f"skipped {display_path(path)}: not readable as UTF-8 text")
                continue
            if text.startswith("# yaml-language-server:"):
                continue
            write_atomic(path, (modeline(collection, path, out) + "\n" + text).encode("utf-8"))
            say(f"linked {display_path(path)}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from briefgen.authoring.scaffold import init_project

    root = folder_argument("init", args.dir if args.dir is not None else args.project)
    if root.exists() and not root.is_dir():
        raise UsageError(Problem(Pos(display_path(root)), "BG601", "not a folder", "choose a new or empty folder"))
    written = init_project(root, templates=args.templates)
    shown = display_path(root)
    say(f"created a briefgen project in {shown} ({len(written)} files)")
    say("next:")
    say(f"  briefgen check --project {shown}")
    say(f"  briefgen build --project {shown}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from briefgen.authoring.scaffold import new_record

    project = project_of(args)
    done = new_record(project, args.kind, args.id, Path(args.file) if args.file else None)
    verb = "created" if done.created else "added to"
    say(f"{verb} {display_path(done.path)}: {args.kind} '{args.id}' (fill in the TODOs)")
    return 0


def cmd_import_sources(args: argparse.Namespace) -> int:
    from briefgen.authoring.importer import import_sources

    project = project_of(args)
    export = Path(args.file)
    if not export.is_file():
        raise UsageError(Problem(Pos(args.file), "BG603", "no such file", "give the path of a CSL-JSON export"))
    result = import_sources(project, export, Path(args.to) if args.to else None, dry_run=args.dry_run)
    print_problems(result.problems)
    if not result.read:
        say("briefgen import-sources: the export was not read; nothing imported")
        return 1
    target = display_path(result.target)
    verb = "would import" if args.dry_run else "imported"
    say(
        f"briefgen import-sources: {verb} {counted(len(result.added), 'source')} into {target}; "
        f"{counted(result.duplicates, 'duplicate')} skipped, {result.failed} failed"
    )
    if result.ungraded:
        say(
            f"{counted(len(result.ungraded), 'new source')} to grade before citing "
            "(custom.reliability: A-E, or F when it cannot be judged; check reports BG125 otherwise):"
        )
        for ident in result.ungraded:
            say(f"  {ident}")
    return 1 if errors_in(result.problems) else 0


def cmd_archive(args: argparse.Namespace) -> int:
    from briefgen.authoring.archiving import archive_source

    project = project_of(args)
    done = archive_source(project, args.source, Path(args.file), force=args.force)
    archive = display_path(done.archive)
    if done.copied:
        say(f"copied {display_path(Path(args.file))} to {archive}")
    else:
        say(f"{archive} holds these bytes already: nothing copied")
    if done.previous:
        say(f"'{done.source}' was archived as content/{done.previous}; that file is left as it is")
    say(f"recorded in {display_path(done.sources_file)}: archive and archive_sha256 {done.sha256} of '{done.source}'")
    print_problems(done.failed)
    verified = done.quotes - len(done.failed)
    say(
        f"briefgen archive: {verified} of {counted(done.quotes, 'quote')} citing '{done.source}' "
        f"{'is' if done.quotes == 1 else 'are'} in the archived text"
        + (f"; {len(done.failed)} not found (listed above): fix them before building" if done.failed else "")
    )
    return 1 if done.failed else 0


def add_commands(add: Add) -> None:
    """Register the authoring commands on the main parser."""
    # The record kinds as scaffold names them, without importing scaffold at every start-up.
    from briefgen.facts.model import COLLECTIONS

    kinds = [cls.collection[:-1] for cls in COLLECTIONS.values()]
    p = add(
        "schema",
        "Write JSON Schemas of every collection, for editors that complete and check YAML as you type.",
        "example: briefgen schema --out schemas/ --link",
    )
    p.add_argument("--out", metavar="DIR", help="folder to write to (default: PROJECT/schemas)")
    p.add_argument("--check", action="store_true", help="write nothing; fail when the schemas there are out of date")
    p.add_argument(
        "--link", action="store_true", help="also add the '# yaml-language-server: $schema=...' line to content files"
    )
    p.set_defaults(func=cmd_schema)

    p = add(
        "init",
        "Create a new project that checks and builds at once, one commented example of each record.",
        "example: briefgen init my-briefs && briefgen build --project my-briefs",
    )
    p.add_argument("dir", nargs="?", metavar="DIR", help="folder to create (default: --project, the current folder)")
    p.add_argument("--templates", action="store_true", help="also copy the default templates to DIR/templates/")
    p.set_defaults(func=cmd_init)

    p = add(
        "new",
        "Append a commented skeleton of a record to the right content file.",
        "example: briefgen new claim kia-seized-mines --file content/claims/kia.yaml",
    )
    p.add_argument("kind", choices=tuple(kinds), metavar="KIND", help="one of: " + ", ".join(kinds))
    p.add_argument("id", metavar="ID", help="the new record's id (lowercase, digits, hyphens)")
    p.add_argument("--file", metavar="PATH", help="the file to add it to (default: the collection's file)")
    p.set_defaults(func=cmd_new)

    p = add(
        "import-sources",
        "Add sources from a CSL-JSON export (Zotero, Better BibTeX), skipping duplicates.",
        "example: briefgen import-sources ~/Downloads/zotero-export.json --dry-run",
    )
    p.add_argument("file", metavar="FILE.json", help="the CSL-JSON export")
    p.add_argument("--to", metavar="PATH", help="sources file to write (default: content/sources.yaml or .json)")
    p.add_argument("--dry-run", action="store_true", help="report what would be imported; write nothing")
    p.set_defaults(func=cmd_import_sources)

    p = add(
        "archive",
        "Copy a source's text into content/archive/, record its path and SHA-256 in the source, "
        "and verify the quotes citing it.",
        "example: briefgen archive reuters-report ~/Downloads/reuters-report.txt",
    )
    p.add_argument("source", metavar="SOURCE_ID", help="the id of the source the text belongs to")
    p.add_argument("file", metavar="FILE", help="the archived text (copied into content/archive/)")
    p.add_argument("--force", action="store_true", help="replace a different file of the same name in content/archive/")
    p.set_defaults(func=cmd_archive)
