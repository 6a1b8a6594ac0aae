"""New projects and new records: ``briefgen init`` and ``briefgen new``.

``init`` writes a small project that checks clean and builds at once, one commented
example of each kind of record, so the files themselves teach the format. ``new``
appends a commented skeleton of one record to the right file (see ``yamledit``).
Allowed values in the comments come from the model, so they cannot drift from it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from briefgen.authoring.schema import SCHEMA_FOLDER, all_schemas, modeline, schema_filename
from briefgen.authoring.yamledit import append_records
from briefgen.errors import Pos, Problem, UsageError
from briefgen.facts.grammar import SLUG_RE
from briefgen.facts.load import display_path
from briefgen.facts.model import (
    COLLECTIONS,
    CREDIBILITY,
    CSL_TYPES,
    Actor,
    Claim,
    Place,
    Route,
    Section,
    SourceCustom,
    yaml_fields,
)
from briefgen.facts.project import Project, collection_suffixes, packaged_templates
from briefgen.write import write_atomic

#: ``briefgen new KIND``: the record kinds and their collections.
KINDS = {cls.collection[:-1]: cls.collection for cls in COLLECTIONS.values()}


def _choices(cls: type, key: str) -> str:
    """The allowed values of a field, from the model, for a comment."""
    for k, f in yaml_fields(cls):
        if k == key:
            return ", ".join(str(c) for c in f.metadata["choices"])
    raise KeyError(key)


def _fill(text: str, ident: str = "") -> str:
    """Put the id, today's date and the model's allowed values into a skeleton."""
    common = [t for t in CSL_TYPES if t in ("article-newspaper", "article-journal", "report", "book", "webpage")]
    values = {
        "<ID>": ident,
        "<TODAY>": dt.date.today().isoformat(),
        "<CLAIM-KINDS>": _choices(Claim, "kind"),
        "<LIKELIHOODS>": _choices(Claim, "likelihood"),
        "<CONFIDENCES>": _choices(Claim, "confidence"),
        "<ACTOR-KINDS>": _choices(Actor, "kind"),
        "<PLACE-KINDS>": _choices(Place, "kind"),
        "<MODES>": _choices(Route, "mode"),
        "<STATUSES>": _choices(Route, "status"),
        "<TEMPLATES>": "brief, summary",
        "<TABLES>": _choices(Section, "table"),
        "<FIGURES>": _choices(Section, "figure"),
        "<RELIABILITY>": _choices(SourceCustom, "reliability"),
        "<CREDIBILITY>": f"{min(CREDIBILITY)} ({CREDIBILITY[min(CREDIBILITY)]}) to "
        f"{max(CREDIBILITY)} ({CREDIBILITY[max(CREDIBILITY)]})",
        "<CSL-TYPES>": ", ".join(common) + ", ...",
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


# -- skeletons for ``briefgen new`` (YAML list items; every key commented or to fill in) --

SKELETONS = {
    "claim": """\
- id: <ID>
  kind: fact              # <CLAIM-KINDS>
  statement: >-
    TODO: what the source says, in a sentence or two (an @ before an id names an entity).
  about: []               # ids of the actors, minerals, places and routes it is about
  # as_of: 2025-06        # the date the claim describes, when the source gives one
  sources:                # a fact needs at least one; briefgen check says what is missing
    # - ref: source-id    # the source's id
    #   locator: para. 1  # where in the source
    #   quote: "the source's exact words"   # checked against its archived text
    #   credibility: 2    # Admiralty <CREDIBILITY>
  # Judgments only:
  # likelihood: likely    # <LIKELIHOODS>
  # confidence: moderate  # <CONFIDENCES>
  # supports: []          # ids of the claims the judgment rests on
""",
    "source": """\
- id: <ID>
  type: webpage           # a CSL type: <CSL-TYPES>
  title: TODO
  # author:
  #   - {family: Doe, given: Jane}   # or {literal: An Organisation}
  # container-title: TODO # the newspaper, journal or website
  # publisher: TODO
  # issued: 2025-06       # YYYY, YYYY-MM or YYYY-MM-DD; leave out when unknown
  # URL: https://example.org/page
  custom:
    reliability: F        # Admiralty <RELIABILITY> (A completely reliable ... F cannot be judged)
    # archive: archive/<ID>.txt   # its plain text, under content/; quotes are checked against it
    # via: other-source-id        # known only as reported by that source
""",
    "actor": """\
- id: <ID>
  name: TODO
  # short: TODO           # an abbreviation, used after the first mention
  # kind: organization    # <ACTOR-KINDS>
  # country: TODO
  # parent: actor-id      # the actor it is part of
  # description: TODO
""",
    "mineral": """\
- id: <ID>
  name: TODO
  # symbol: TODO
  # uses: []              # only the uses your sources name
  # description: TODO
""",
    "place": """\
- id: <ID>
  name: TODO
  # kind: region          # <PLACE-KINDS>
  # within: place-id      # the place it lies in
  # aliases: []
  # coords: [0.0, 0.0]    # [latitude, longitude], only when a source gives them
  # description: TODO
""",
    "route": """\
- id: <ID>
  name: TODO
  # mode: road            # <MODES>
  # from: place-id        # the place it starts from
  # to: place-id          # the place it ends at
  # via: []               # places it passes through, in order
  # commodities: []       # ids of the minerals it carries
  # status: operational   # <STATUSES>
  # description: TODO
""",
    "brief": """\
- id: <ID>
  title: TODO
  # subtitle: TODO
  date: <TODAY>
  authors: []
  marking: Draft
  template: brief         # <TEMPLATES>
  # In prose: [[claim-id]] places a claim (footnoted), [@claim-id] cites one,
  # [@source-id, para. 4] cites a source, @entity-id names an actor, place...
  summary: |
    TODO: the bottom line up front.
  key_judgments: []       # ids of judgment claims
  sections:
    - heading: TODO
      body: |
        TODO
      # table: routes     # <TABLES>
      # figure: routes    # <FIGURES>
""",
}


def skeleton(kind: str, ident: str) -> str:
    """The commented skeleton of one record, as a YAML list item."""
    return _fill(SKELETONS[kind], ident)


def _as_document(item: str) -> str:
    """A list item ``- key: ...`` as a one-record document ``key: ...``."""
    lines = item.splitlines()
    return "\n".join(line[2:] if line.startswith(("- ", "  ")) else line for line in lines) + "\n"


def _header(project: Project, collection: str, path: Path) -> str:
    """The first lines of a new content file: the editor's schema line when schemas exist."""
    schemas = project.root / SCHEMA_FOLDER
    if (schemas / schema_filename(collection)).is_file():
        return modeline(collection, path, schemas) + "\n"
    return ""


@dataclass
class NewRecord:
    path: Path
    created: bool


def existing_ids(project: Project) -> dict[str, str]:
    """id -> collection for every record the project holds (files that fail to load add none)."""
    from briefgen.check.validate import validate_project

    base, _ = validate_project(project)
    return {ident: name for name in COLLECTIONS for ident in base.collection(name)}


def new_record(project: Project, kind: str, ident: str, file: Path | None = None) -> NewRecord:
    """Append a skeleton ``kind`` record with id ``ident`` to its collection's file."""
    collection = KINDS[kind]
    if not SLUG_RE.match(ident):
        raise UsageError(
            Problem(
                Pos("briefgen new"),
                "BG602",
                f"'{ident}' is not a valid id",
                "use lowercase letters, digits and single hyphens, e.g. kia-seized-mines",
            )
        )
    project.require_content()
    taken = existing_ids(project).get(ident)
    if taken:
        raise UsageError(
            Problem(
                Pos("briefgen new"),
                "BG602",
                f"id '{ident}' is already used by {'an' if taken[0] in 'aeiou' else 'a'} {taken[:-1]}",
                "ids are unique across the whole fact base: choose another",
            )
        )
    path = (file if file else _target(project, collection, ident)).resolve()
    _check_target(project, collection, path)
    item = skeleton(kind, ident)
    created = not path.exists()
    header = _header(project, collection, path)
    if created and path.parent.name == collection and path.parent.parent == project.content:
        # A new file in a collection folder holds just this record.
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (header + _as_document(item)).encode("utf-8"))
        return NewRecord(path, True)
    path.parent.mkdir(parents=True, exist_ok=True)
    append_records(path, item, 1, header)
    return NewRecord(path, created)


def _target(project: Project, collection: str, ident: str) -> Path:
    """Where a new record goes: the collection's file, else a new file in its folder."""
    for ext in (".yaml", ".yml"):
        single = project.content / f"{collection}{ext}"
        if single.is_file():
            return single
    folder = project.content / collection
    if folder.is_dir() or collection == "briefs":
        return folder / f"{ident}.yaml"
    return project.content / f"{collection}.yaml"


def _check_target(project: Project, collection: str, path: Path) -> None:
    content = project.content.resolve()
    places = {content / f"{collection}{ext}" for ext in (".yaml", ".yml")}
    in_folder = path.parent == content / collection and path.suffix in (".yaml", ".yml")
    if path not in places and not in_folder:
        where = f"content/{collection}.yaml or content/{collection}/*.yaml"
        if ".json" in collection_suffixes(collection) and path.suffix == ".json":
            hint = "JSON holds no comments: add the source in your reference manager and use import-sources"
        else:
            hint = f"briefgen reads {collection} from {where}"
        raise UsageError(
            Problem(Pos(display_path(path)), "BG602", f"briefgen does not read {collection} from this file", hint)
        )
    # Here, not at the top: the CLI imports this module to build its parser (KINDS).
    from briefgen.facts.project import refuse_content_file

    refused = refuse_content_file(project, path)  # a FIFO would block the read forever
    if refused is not None:
        raise UsageError(refused)


# -- ``briefgen init`` ------------------------------------------------------------------

ARCHIVE = """\
Example Report: Tin on the Coast Road

(This file stands in for the plain text of a real source. Replace it with the text of
your own source, word for word, and quote from it in content/claims.yaml: briefgen check
verifies every quote against it.)

Tin ore from the Northern Hills is carried by truck to Port Sela every week.

A railway from the hills to the port has been proposed. The harbour master said it
"would take years to build."
"""

EXAMPLE: dict[str, tuple[str, str]] = {
    # path under the project: (collection for the schema line, text)
    "content/sources.yaml": (
        "sources",
        """\
# Sources are CSL-JSON items, so a reference manager's export fits:
#   briefgen import-sources export.json
# Project fields go under `custom`: reliability (Admiralty <RELIABILITY>), archive
# (plain text that quotes are checked against), via (known only as reported by another).
# Add one with: briefgen new source my-source-id

- id: example-report
  type: report            # a CSL type: <CSL-TYPES>
  title: "Example Report: Tin on the Coast Road"
  publisher: Example Institute
  issued: 2025-06         # YYYY, YYYY-MM or YYYY-MM-DD; leave out when unknown
  # author:
  #   - {family: Doe, given: Jane}
  # URL: https://example.org/report
  custom:
    reliability: B        # A (completely reliable) ... F (cannot be judged)
    archive: archive/example-report.txt
""",
    ),
    "content/actors.yaml": (
        "actors",
        """\
# Actors: states, armed groups, companies, people... Name one in prose with @id.
# Add one with: briefgen new actor my-actor-id

- id: harbour-master
  name: Harbour Master of Port Sela
  kind: government        # <ACTOR-KINDS>
  # short: HM             # an abbreviation, used after the first mention
  # country: Coastland
  # parent: actor-id      # the actor it is part of
""",
    ),
    "content/minerals.yaml": (
        "minerals",
        """\
# Minerals and elements. `uses` holds only the uses your sources name.
# Add one with: briefgen new mineral my-mineral-id

- id: tin
  name: tin               # lower case reads well mid-sentence: "carries @tin"
  # symbol: Sn
  # uses: [solder]
""",
    ),
    "content/places.yaml": (
        "places",
        """\
# Places. No `coords` unless a source gives them: the route diagram needs none.
# Add one with: briefgen new place my-place-id

- id: northern-hills
  name: Northern Hills
  kind: region            # <PLACE-KINDS>

- id: port-sela
  name: Port Sela
  kind: port
  # within: coastland     # the place it lies in
""",
    ),
    "content/routes.yaml": (
        "routes",
        """\
# Routes: how minerals move, from one place to another. A brief section with
# `figure: routes` draws them; `status` sets the line (<STATUSES>).
# Add one with: briefgen new route my-route-id

- id: coast-road
  name: Coast road
  mode: road              # <MODES>
  from: northern-hills
  to: port-sela
  commodities: [tin]
  status: operational

- id: hills-railway
  name: Hills railway
  mode: rail
  from: northern-hills
  to: port-sela
  # via: []               # places it passes through, in order
  commodities: [tin]
  status: proposed
""",
    ),
    "content/claims.yaml": (
        "claims",
        """\
# Claims: the only place assertions live. Each fact rests on sources with a locator
# and a verbatim quote, checked against the source's archived text.
# Add one with: briefgen new claim my-claim-id

- id: ore-trucked
  kind: fact              # <CLAIM-KINDS>
  statement: Tin ore from the @northern-hills is carried by truck to @port-sela every week.
  about: [northern-hills, port-sela, coast-road, tin]
  sources:
    - ref: example-report
      locator: para. 1
      quote: Tin ore from the Northern Hills is carried by truck to Port Sela every week.
      credibility: 2      # Admiralty <CREDIBILITY>

- id: railway-slow
  kind: fact
  statement: >-
    A railway from the hills to the port has been proposed; the @harbour-master
    said it would take years to build.
  about: [hills-railway, harbour-master]
  sources:
    - ref: example-report
      locator: para. 2
      quote: The harbour master said it "would take years to build."
      credibility: 3

- id: j-railway-late
  kind: judgment
  statement: The railway is unlikely to carry ore in the next few years.
  likelihood: unlikely    # <LIKELIHOODS>
  confidence: low         # <CONFIDENCES>
  supports: [railway-slow]   # a judgment cites the claims it rests on

- id: g-volumes
  kind: gap
  statement: The report gives no tonnages, so volumes on either route are unknown.
""",
    ),
    "content/briefs/example-brief.yaml": (
        "briefs",
        """\
# A brief: what to say, in which order. In prose, [[claim-id]] writes a claim in
# place (footnoted), [@claim-id] or [@source-id, para. 4] cites, @id names an entity.
# Build it with: briefgen build

id: example-brief
title: Tin on the Coast Road
subtitle: An example brief made by briefgen init
date: <TODAY>
authors: [Your Name]
marking: Draft
template: brief           # <TEMPLATES>
keywords: [tin]
summary: |
  [[ore-trucked]] A railway is proposed, but the @harbour-master expects it to
  take years [@railway-slow].
key_judgments: [j-railway-late]
sections:
  - heading: The routes
    body: |
      Ore moves by road today; the railway is still a proposal [@ore-trucked; @railway-slow].
    figure: routes        # <FIGURES>
    table: routes         # <TABLES>
  - heading: Who is who
    body: The @harbour-master runs the port.
    table: actors
annexes:
  - heading: Gaps
    body: |
      - [[g-volumes]]
""",
    ),
}


def init_project(root: Path, templates: bool = False) -> list[Path]:
    """Write a new project into ``root``; the files written."""
    if (root / "content").exists():
        raise UsageError(
            Problem(
                Pos(display_path(root / "content")),
                "BG601",
                "this folder already holds a project (a content/ folder)",
                "choose a new or empty folder",
            )
        )
    written: list[Path] = []
    schemas = root / SCHEMA_FOLDER
    for name, text in all_schemas().items():
        write_atomic(schemas / name, text.encode("utf-8"))
        written.append(schemas / name)
    for rel, (collection, text) in EXAMPLE.items():
        path = root / rel
        body = modeline(collection, path, schemas) + "\n" + _fill(text)
        write_atomic(path, body.encode("utf-8"))
        written.append(path)
    archive = root / "content" / "archive" / "example-report.txt"
    write_atomic(archive, ARCHIVE.encode("utf-8"))
    written.append(archive)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        write_atomic(gitignore, b"/output/\n")
        written.append(gitignore)
    if templates:
        source = packaged_templates()
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix in (".j2", ".css"):
                dest = root / "templates" / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
                written.append(dest)
    return written
