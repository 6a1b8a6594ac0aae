"""An equivalent of the example brief for `pandoc --citeproc`, to compare build times.

The brief's prose is flattened to plain pandoc Markdown: placed claims are written out,
claim citations become citations of the claims' sources, entity mentions become names;
the sources become a CSL-JSON bibliography.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def pandoc_args(work: Path, brief_id: str = "myanmar-rare-earths") -> tuple[list[str], Path]:
    """Write the Markdown brief and bibliography into ``work``; the pandoc command to time."""
    from briefgen.build import check_project
    from briefgen.facts.project import Project

    base, _ = check_project(Project(REPO))
    brief = base.briefs[brief_id]

    def names(text: str) -> str:
        def name(m: re.Match[str]) -> str:
            entity = base.entity(m.group(1) or m.group(2))
            return entity.name if entity else m.group(0)

        return re.sub(r"@(?:\{([a-z0-9-]+)\}|([a-z0-9]+(?:-[a-z0-9]+)*))", name, text)

    def cites(claim_id: str) -> str:
        claim = base.claims[claim_id]
        items = [f"@{c.ref}, {c.locator}" if c.locator else f"@{c.ref}" for c in claim.sources]
        return f"[{'; '.join(items)}]" if items else ""

    def flatten(text: str) -> str:
        text = re.sub(
            r"\[\[([a-z0-9-]+)\]\]", lambda m: names(base.claims[m.group(1)].statement) + cites(m.group(1)), text
        )

        def cite(m: re.Match[str]) -> str:
            parts = []
            for item in m.group(1).split(";"):
                ref = item.strip().lstrip("@").split(",")[0].strip()
                parts.append(cites(ref)[1:-1] if ref in base.claims else item.strip())
            return "[" + "; ".join(p for p in parts if p) + "]"

        text = re.sub(r"\[(@[^\]]+)\]", cite, text)
        # entity mentions, but not the @ of citations
        return re.sub(r"(?<![\[;\w])@(?!\w+,)", "@", names_outside_citations(text, names))

    body = [f"% {brief.title}", "", "## Bottom line up front", "", flatten(brief.summary or ""), ""]
    for section in brief.sections + brief.annexes:
        body += [f"## {section.heading}", "", flatten(section.body or ""), ""]
    (work / "brief.md").write_text("\n".join(body), encoding="utf-8")
    items = []
    for source in base.sources.values():
        item: dict[str, object] = {"id": source.id, "type": source.type}
        if source.title:
            item["title"] = source.title
        if source.author:
            item["author"] = [{"literal": str(a)} for a in source.author]
        if source.container_title:
            item["container-title"] = source.container_title
        items.append(item)
    (work / "refs.json").write_text(json.dumps(items), encoding="utf-8")
    args = ["pandoc", "brief.md", "--citeproc", "--bibliography", "refs.json", "--standalone", "-o", "brief.html"]
    return args, work


def names_outside_citations(text: str, names: object) -> str:
    """Apply ``names`` to the text outside [...] citations."""
    out, last = [], 0
    for m in re.finditer(r"\[@[^\]]*\]", text):
        out.append(names(text[last : m.start()]))  # type: ignore[operator]
        out.append(m.group(0))
        last = m.end()
    out.append(names(text[last:]))  # type: ignore[operator]
    return "".join(out)
