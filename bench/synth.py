"""Deterministic synthetic fact bases for benchmarks and layout tests.

``generate(root, claims=1000, briefs=10, seed=1)`` writes a valid project that uses every
feature of the content model: archived sources with verbatim quotes, sources known ``via``
others, judgments with supports, assumptions and gaps, Markdown prose with citations,
placed claims and entity mentions, tables.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from pathlib import Path

WORDS = [
    "ore",
    "convoy",
    "ministry",
    "border",
    "refinery",
    "magnet",
    "export",
    "quota",
    "permit",
    "license",
    "tariff",
    "harbour",
    "valley",
    "ridge",
    "district",
    "council",
    "militia",
    "trader",
    "broker",
    "smelter",
    "shipment",
    "warehouse",
    "customs",
    "market",
    "price",
    "ledger",
    "contract",
    "audit",
    "survey",
    "deposit",
    "concession",
    "corridor",
    "checkpoint",
    "river",
    "bridge",
    "depot",
    "railway",
    "truck",
    "barge",
    "yard",
    "committee",
    "envoy",
    "talks",
    "ceasefire",
    "offensive",
    "supply",
    "demand",
    "output",
    "capacity",
    "storage",
    "logistics",
    "insurance",
    "finance",
    "investor",
    "buyer",
    "seller",
]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(root: Path, claims: int = 1000, briefs: int = 10, seed: int = 1, paras_per_brief: int = 12) -> Path:
    """Write a synthetic project under ``root``; returns root."""
    rng = random.Random(seed)
    content = root / "content"
    (content / "archive").mkdir(parents=True, exist_ok=True)
    (content / "claims").mkdir(exist_ok=True)
    (content / "briefs").mkdir(exist_ok=True)
    n_archived = max(1, claims // 50)
    n_via = max(1, claims // 100)
    n_entities = max(4, claims // 20)

    # Archived sources: paragraphs of sentences that claims will quote.
    archive_sentences: dict[str, list[list[str]]] = {}
    src_lines = []
    for s in range(n_archived):
        sid = f"src-{s}"
        paras = [[_sentence(rng, rng.randint(8, 16)) for _ in range(4)] for _ in range(30)]
        archive_sentences[sid] = paras
        archived = ("\n\n".join(" ".join(p) for p in paras) + "\n").encode()
        (content / "archive" / f"{sid}.txt").write_bytes(archived)
        src_lines.append(
            f"- id: {sid}\n  type: article-newspaper\n  title: {_yaml_str('Report number ' + str(s))}\n"
            f"  container-title: Synthetic Gazette\n  issued: {2000 + s % 25}-{1 + s % 12:02d}\n"
            f"  author:\n    - family: Writer{s}\n      given: Ann\n"
            f"  custom:\n    reliability: {'ABCDEF'[s % 6]}\n    archive: archive/{sid}.txt\n"
            f"    archive_sha256: {hashlib.sha256(archived).hexdigest()}\n"  # fingerprinted, as BG214 asks
        )
    for v in range(n_via):
        src_lines.append(
            f"- id: via-{v}\n  type: document\n  author:\n    - literal: Agency {v}\n"
            f"  custom:\n    reliability: C\n    via: src-{v % n_archived}\n"
        )
    (content / "sources.yaml").write_text("".join(src_lines))

    # Entities.
    actors = [f"actor-{i}" for i in range(n_entities)]
    places = [f"place-{i}" for i in range(n_entities)]
    minerals = [f"mineral-{i}" for i in range(max(2, n_entities // 4))]
    routes = [f"route-{i}" for i in range(max(1, n_entities // 4))]
    (content / "actors.yaml").write_text(
        "".join(
            f"- id: {a}\n  name: Actor Number {i}\n  short: AN{i}\n"
            f"  kind: {['state', 'armed-group', 'company', 'person'][i % 4]}\n"
            + (f"  parent: actor-{i - 1}\n" if i % 5 == 4 else "")
            for i, a in enumerate(actors)
        )
    )
    (content / "places.yaml").write_text(
        "".join(
            f"- id: {p}\n  name: Place {i}\n  kind: town\n" + (f"  within: place-{i - 1}\n" if i % 3 == 2 else "")
            for i, p in enumerate(places)
        )
    )
    (content / "minerals.yaml").write_text(
        "".join(f"- id: {m}\n  name: mineral {i}\n  uses: [magnets]\n" for i, m in enumerate(minerals))
    )
    (content / "routes.yaml").write_text(
        "".join(
            f"- id: {r}\n  name: Route {i}\n  mode: road\n  from: {places[i % len(places)]}\n"
            f"  to: {places[(i + 1) % len(places)]}\n  via: [{places[(i + 2) % len(places)]}]\n"
            f"  commodities: [{minerals[i % len(minerals)]}]\n"
            f"  status: {['operational', 'proposed', 'disrupted'][i % 3]}\n"
            for i, r in enumerate(routes)
        )
    )

    # Claims, in files of 200.
    claim_ids: list[str] = []
    facts: list[str] = []
    judgment_ids: list[str] = []
    chunk: list[str] = []
    file_no = 0
    for c in range(claims):
        cid = f"claim-{c}"
        claim_ids.append(cid)
        kind = "fact" if c % 10 < 7 else ("judgment" if c % 10 < 9 and facts else ("assumption" if c % 2 else "gap"))
        sid = f"src-{c % n_archived}"
        para = rng.randrange(30)
        sentence = rng.choice(archive_sentences[sid][para])
        words = sentence.split(" ")
        quote = " ".join(words[: max(4, len(words) // 2)])
        ref = f"via-{c % n_via}" if c % 13 == 0 and (c % n_via) % n_archived == c % n_archived else sid
        ent = rng.choice(actors)
        statement = f"The @{ent} reported that {sentence[0].lower()}{sentence[1:-1]}"
        body = [f"- id: {cid}\n  kind: {kind}\n"]
        if kind == "judgment":
            likelihood = rng.choice(["likely", "unlikely", "very likely", "roughly even chance"])
            statement = f"It is {likelihood} that the @{ent} will act on {rng.choice(WORDS)}"
            body.append(
                f"  likelihood: {likelihood}\n  confidence: {rng.choice(['low', 'moderate'])}\n"
                f"  supports: [{', '.join(rng.sample(facts[-50:], min(2, len(facts))))}]\n"
            )
        body.append(
            f"  statement: {_yaml_str(statement + '.')}\n"
            f"  about: [{ent}, {rng.choice(places)}, {routes[c % len(routes)]}]\n"
            f"  as_of: {2000 + c % 26}-{1 + c % 12:02d}\n"
            f"  sources:\n    - ref: {ref}\n      locator: para. {para + 1}\n"
            f"      quote: {_yaml_str(quote)}\n      credibility: {1 + c % 6}\n"
        )
        if kind == "fact":
            facts.append(cid)
        elif kind == "judgment":
            judgment_ids.append(cid)
        chunk.append("".join(body))
        if len(chunk) == 200 or c == claims - 1:
            (content / "claims" / f"claims-{file_no:03d}.yaml").write_text("\n".join(chunk))
            chunk, file_no = [], file_no + 1

    # Briefs: prose that places claims, cites sources and names entities.
    for b in range(briefs):
        picked = rng.sample(claim_ids, min(len(claim_ids), paras_per_brief * 4))
        sections = []
        for s in range(max(1, paras_per_brief // 4)):
            paras = []
            for _ in range(4):
                if not picked:
                    break
                cids = [picked.pop() for _ in range(min(3, len(picked)))]
                filler = _sentence(rng, rng.randint(20, 70))
                src = f"src-{rng.randrange(n_archived)}"
                paras.append(
                    f"{' '.join(f'[[{c}]]' for c in cids[:2])} {filler} The @{rng.choice(actors)} and "
                    f"@{rng.choice(minerals)} matter here [@{src}, para. {rng.randint(1, 30)}]."
                    + (f" See also [@{cids[2]}]." if len(cids) > 2 else "")
                )
            body = "\n\n".join(paras)
            table = ["actors", "routes", "minerals", ""][s % 4]
            sections.append(
                f"  - heading: Section {s + 1}\n    body: |\n"
                + "".join(f"      {line}\n" if line else "\n" for line in body.split("\n"))
                + (f"    table: {table}\n" if table else "")
            )
        judgments = rng.sample(judgment_ids, min(3, len(judgment_ids)))
        (content / "briefs" / f"brief-{b:03d}.yaml").write_text(
            f"id: brief-{b:03d}\ntitle: Synthetic brief {b}\ndate: 2026-01-{1 + b % 28:02d}\n"
            f"authors: [Bench Bot]\nmarking: Public\nsummary: |\n  [[{claim_ids[b % len(claim_ids)]}]] "
            f"@{actors[0]} matters [@{claim_ids[(b + 1) % len(claim_ids)]}].\n"
            + (f"key_judgments: [{', '.join(judgments)}]\n" if judgments else "")
            + "sections:\n"
            + "".join(sections)
        )
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--briefs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.root, args.claims, args.briefs, args.seed)


if __name__ == "__main__":
    main()


def dense_brief(root: Path, seed: int = 0, paragraphs: int = 90) -> Path:
    """A project whose one brief is long and dense with notes: short paragraphs of one to
    four citations each, the layout that makes WeasyPrint move notes off their page."""
    generate(root, claims=300, briefs=1, seed=seed, paras_per_brief=8)
    rng = random.Random(seed)
    paras = []
    for _ in range(paragraphs):
        cites = " ".join(
            f"{_sentence(rng, rng.randint(4, 10))}[@src-{rng.randrange(6)}, para. {rng.randint(1, 30)}]"
            for _ in range(rng.randint(1, 4))
        )
        paras.append(_sentence(rng, rng.randint(10, 60)) + " " + cites)
    path = root / "content" / "briefs" / "brief-000.yaml"
    head = path.read_text().split("sections:")[0]
    sections = "".join(
        f"  - heading: Part {k + 1}\n    body: |\n" + "".join(f"      {p}\n\n" for p in paras[k * 10 : (k + 1) * 10])
        for k in range((paragraphs + 9) // 10)
    )
    path.write_text(head + "sections:\n" + sections)
    return root
