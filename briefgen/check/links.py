"""Links and images in prose: links only to http(s), mailto or #anchors, images only to
files in content/assets/."""

from __future__ import annotations

from briefgen.check.fields import Checker
from briefgen.errors import Pos
from briefgen.facts.assets import ASSETS, ImageProblem, assets_folder_problem, resolve_image
from briefgen.facts.graph import Prose, prose_of, prose_texts
from briefgen.facts.load import display_path, find_in_file
from briefgen.facts.model import Brief, Claim, FactBase
from briefgen.facts.reuse import Reuse, each
from briefgen.facts.syntax import link_allowed, occurrences_before, scan_links


def check_links(checker: Checker, base: FactBase, reuse: Reuse | None = None) -> None:
    """Links in prose go only to http(s), mailto or #anchors; images only to files in
    content/assets/. Reported at the destination's line inside the YAML block; an assets
    folder that links out of the project is reported once even when no image names it (the
    preview would otherwise serve from it). With ``reuse``, which prose fields hold any
    link at all is taken from the last check for a record object seen there (the links
    themselves are checked every time: images are files, which may come and go)."""
    content = checker.project.content
    folder = assets_folder_problem(content)
    through_folder: list[str] = []  # images refused because of the folder

    def scan(text: str | None, pos: Pos, owner: str) -> None:
        if not text or not _may_link(text):
            return
        loaded = checker.files.get(pos.file)
        for link in scan_links(text):
            if link.kind == "image":
                found = resolve_image(content, link.url)
                if not isinstance(found, ImageProblem):
                    continue
                code, message, hint = found.code, f"{owner}: {found.message}", found.hint
                if folder is not None and found.message.endswith(folder.message):
                    through_folder.append(link.url)
            elif link_allowed(link.url):
                continue
            else:
                shown = link.url if len(link.url) <= 80 else link.url[:77] + "..."
                code, message = "BG120", f"{owner}: link to '{shown}' is not allowed"
                hint = "links go to http:// or https:// addresses, mailto: or #anchors in the brief"
            nth = occurrences_before(text, link.raw, link.offset)
            where = find_in_file(loaded.lines if loaded else [], pos, link.raw, nth)
            checker.problem(where, code, message, hint)

    for linking in each(reuse, base, "links.prose", ("claims", "briefs"), _linking_prose):
        for prose in linking:
            scan(prose.text, prose.pos, prose.owner)
    if folder is not None and not through_folder:
        checker.problem(Pos(display_path(content / ASSETS)), folder.code, folder.message, folder.hint)


def _may_link(text: str | None) -> bool:
    return bool(text) and ("](" in (text or "") or "<" in (text or "") or "]:" in (text or ""))


def _linking_prose(record: Claim | Brief) -> list[Prose]:
    """A record's prose fields that may hold a link or an image (most hold none)."""
    if not any(_may_link(text) for text in prose_texts(record)):
        return []  # most records: no Prose is made to find that out
    return [prose for prose in prose_of(record) if _may_link(prose.text)]
