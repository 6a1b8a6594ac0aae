"""Property-based tests: whatever the content, `check` and `build` end only in briefgen's own
error type (BriefgenError, problems with codes and positions), never another exception,
and every HTML they write parses and holds no markup that came from content.

Three sources of input: the MINI project mutated (values and keys deleted, duplicated,
retyped and garbled, hostile snippets inserted, lines of the YAML text dropped, doubled
or indented with tabs), random YAML documents, and random text and bytes as a YAML file.

Example counts come from a Hypothesis profile chosen by the environment variable
HYPOTHESIS_PROFILE: "briefgen-fast" (the default: few examples, derandomized, so
`make test` stays fast and stable) or "nightly" (many more, random, with a database of
failures): ``HYPOTHESIS_PROFILE=nightly .venv/bin/python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.build import build_project, check_project
from briefgen.errors import BriefgenError, Problem
from briefgen.facts.project import Project
from briefgen.facts.syntax import link_allowed
from tests import htmlread
from tests.conftest import MINI

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "briefgen-fast", max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=_QUIET
)
settings.register_profile("nightly", max_examples=3000, deadline=None, suppress_health_check=_QUIET)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "briefgen-fast")
FUZZ = settings.get_profile(PROFILE if PROFILE in ("briefgen-fast", "nightly") else "briefgen-fast")

#: Strings an attacker (or a tired analyst) puts into content. "fuzz" marks markup that
#: must never come out as an element or attribute.
HOSTILE = [
    "<script>alert(1)</script>",
    '"><fuzz-el data-fuzz="1">',
    "<img src=x onerror=alert(1) data-fuzz>",
    "' onmouseover='alert(1)",
    "[x](javascript:alert(1))",
    "![y](file:///etc/passwd)",
    "![z](http://127.0.0.1:9/pixel.png)",
    "<javascript:alert(1)>",
    "[r]: data:text/html,<fuzz-el>",
    "{{ 7*7 }}{% include 'x' %}",
    "@nobody [@nothing, p. 1] [[no-claim]] @{x}",
    "`" * 7,
    "[" * 30,
    "](" * 30,
    "</style></title><fuzz-el>",
    "\u202e\u200b\ufeff",
    "&lt;fuzz-el&gt; &#60;fuzz-el&#62;",
    "\\",
    "---\n...",
    "* * *\n# heading\n> quote",
]
MINI_YAML = {name: yaml.safe_load(text) for name, text in MINI.items() if name.endswith(".yaml")}
MINI_IDS = sorted(
    {
        item["id"]
        for data in MINI_YAML.values()
        for item in (data if isinstance(data, list) else [data])
        if isinstance(item, dict)
    }
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(HOSTILE),
    st.sampled_from(MINI_IDS),
    st.dates().map(str),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


# -- running and judging -------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder reused by every example (so the template environment is built once)."""
    return tmp_path_factory.mktemp("fuzz")


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for sub in ("content", "output"):
        shutil.rmtree(root / sub, ignore_errors=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def check_and_build(root: Path) -> list[Problem]:
    """Run check and an HTML build in process; only BriefgenError may come out. Returns
    the problems reported on the way (for generators that expect a particular one)."""
    project = Project(root)
    try:
        _base, problems = check_project(project)
    except BriefgenError as exc:
        assert_good_problems(exc.problems)
        return list(exc.problems)
    assert_good_problems(problems)
    try:
        result = build_project(project, fmt="html", out=root / "output")
    except BriefgenError as exc:
        assert_good_problems(exc.problems)
        return [*problems, *exc.problems]
    assert_good_problems(result.problems)
    if result.failed:
        assert not (root / "output").exists() or not list((root / "output").iterdir())
        return [*problems, *result.problems]
    for path in result.written:
        assert_safe_html(path.read_text(encoding="utf-8"))
    return [*problems, *result.problems]


def assert_good_problems(problems: list[Problem]) -> None:
    for p in problems:
        assert re.fullmatch(r"BG\d{3}", p.code), p
        assert p.message and p.pos.file, p
        assert p.severity in ("error", "warning"), p


_FORBIDDEN = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "form", "input", "textarea", "button"}


def assert_safe_html(html: str) -> None:
    """The HTML parses, and nothing from content became markup: no script or other active
    element, no event handler, no element or attribute of the hostile snippets, every link
    safe and every image inlined."""
    root = htmlread.parse(html)
    assert root.tag == f"{htmlread.NS}html"
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments
        tag = el.tag.rsplit("}", 1)[-1]
        assert tag not in _FORBIDDEN and "fuzz" not in tag, tag
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1]
            assert not local.startswith("on") and "fuzz" not in local, (tag, name, value)
            if local == "href":
                assert link_allowed(value), (tag, value)
            if local == "src":
                assert value.startswith("data:image/"), (tag, value)


# -- 1. the MINI project, mutated -----------------------------------------------------------


def _slots(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every value inside a parsed YAML document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from _slots(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*path, index)
            yield from _slots(inner, (*path, index))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutated_mini(draw: st.DrawFn) -> dict[str, str | bytes]:
    docs = {name: yaml.safe_load(yaml.safe_dump(data)) for name, data in MINI_YAML.items()}  # deep copy
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        name = draw(st.sampled_from(sorted(docs)))
        slots = list(_slots(docs[name]))
        if not slots:
            docs[name] = draw(_VALUES)
            continue
        path = draw(st.sampled_from(slots))
        parent, key = _parent(docs[name], path), path[-1]
        operation = draw(st.sampled_from(["delete", "duplicate", "retype", "garble", "rekey"]))
        if operation == "delete":
            del parent[key]
        elif operation == "duplicate":
            if isinstance(parent, list):
                parent.append(yaml.safe_load(yaml.safe_dump(parent[key])))
            else:
                parent[draw(st.sampled_from(sorted(parent, key=str)))] = parent[key]
        elif operation == "retype":
            parent[key] = draw(_VALUES)
        elif operation == "garble":
            old = parent[key]
            text = old if isinstance(old, str) else yaml.safe_dump(old).strip()
            at = draw(st.integers(min_value=0, max_value=len(text)))
            parent[key] = text[:at] + draw(st.sampled_from(HOSTILE) | st.text(max_size=10)) + text[at:]
        elif isinstance(parent, dict):  # rekey
            new_key = draw(st.sampled_from(HOSTILE) | st.text(max_size=12) | st.sampled_from(sorted(map(str, parent))))
            parent[new_key] = parent.pop(key)
    files: dict[str, str | bytes] = {n: t for n, t in MINI.items() if not n.endswith(".yaml")}
    for name, doc in docs.items():
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        if draw(st.integers(min_value=0, max_value=5)) == 0:  # garble the text itself now and then
            lines = text.split("\n")
            at = draw(st.integers(min_value=0, max_value=max(0, len(lines) - 1)))
            how = draw(st.sampled_from(["drop", "double", "tab", "insert"]))
            if how == "drop":
                del lines[at]
            elif how == "double":
                lines.insert(at, lines[at])
            elif how == "tab":
                lines[at] = "\t" + lines[at]
            else:
                lines.insert(at, draw(st.sampled_from(HOSTILE) | st.text(max_size=20)))
            text = "\n".join(lines)
        files[name] = text
    return files


@FUZZ
@given(files=mutated_mini())
def test_mutated_example_content_never_crashes(files: dict[str, str | bytes], workdir: Path) -> None:
    write_files(workdir, files)
    check_and_build(workdir)


# -- 2. markup in the free-text fields (content that checks clean, so HTML gets written) ----

#: Keys whose values are free text or Markdown (not ids, enums, dates or verbatim quotes).
TEXT_KEYS = {
    "title", "subtitle", "name", "short", "statement", "heading", "body", "summary", "marking",
    "container-title", "publisher", "description", "locator", "authors", "keywords", "uses", "country",
}  # fmt: skip
#: Markup that is valid content: it must come out as text, never as elements.
MARKUP = [
    "<script>alert(1)</script>",
    '"><fuzz-el data-fuzz="1">',
    "<img src=x onerror=alert(1) data-fuzz>",
    "' onmouseover='alert(1)",
    "</style></title></p><fuzz-el>",
    "{{ 7*7 }}{% raw %}",
    "&amp;&lt;fuzz-el&gt;&#60;fuzz-el&#62;",
    "*em* **strong** `<fuzz-el>` ~~s~~",
    "\u202e\u200b",
    "<!-- <fuzz-el> -->",
    "<![CDATA[<fuzz-el>]]>",
]


def _text_slots(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in TEXT_KEYS and isinstance(inner, str):
                yield (*path, key)
            elif key in TEXT_KEYS and isinstance(inner, list):
                yield from ((*path, key, i) for i, item in enumerate(inner) if isinstance(item, str))
            else:
                yield from _text_slots(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _text_slots(inner, (*path, index))


@st.composite
def markup_in_text(draw: st.DrawFn) -> dict[str, str | bytes]:
    docs = {name: yaml.safe_load(yaml.safe_dump(data)) for name, data in MINI_YAML.items()}
    slots = [(name, path) for name, doc in docs.items() for path in _text_slots(doc)]
    for name, path in draw(st.lists(st.sampled_from(slots), min_size=1, max_size=6, unique=True)):
        parent, key = _parent(docs[name], path), path[-1]
        at = draw(st.integers(min_value=0, max_value=len(parent[key])))
        parent[key] = parent[key][:at] + draw(st.sampled_from(MARKUP) | st.text(max_size=8)) + parent[key][at:]
    files: dict[str, str | bytes] = {n: t for n, t in MINI.items() if not n.endswith(".yaml")}
    files.update({n: yaml.safe_dump(d, allow_unicode=True, sort_keys=False) for n, d in docs.items()})
    return files


@FUZZ
@given(files=markup_in_text())
def test_markup_in_text_fields_never_becomes_markup(files: dict[str, str | bytes], workdir: Path) -> None:
    write_files(workdir, files)
    check_and_build(workdir)


# -- 3. random YAML documents ---------------------------------------------------------------

_COLLECTION_FILES = sorted(name for name in MINI if name.endswith(".yaml"))


@FUZZ
@given(
    name=st.sampled_from(_COLLECTION_FILES),
    document=st.one_of(
        _VALUES,
        st.lists(st.dictionaries(st.sampled_from(["id", "name", "kind", "statement", "sources", "title"]), _VALUES)),
    ),
)
def test_random_yaml_documents_never_crash(name: str, document: Any, workdir: Path) -> None:
    files: dict[str, str | bytes] = dict(MINI)
    files[name] = yaml.safe_dump(document, allow_unicode=True)
    write_files(workdir, files)
    check_and_build(workdir)


# -- 4. random text and bytes as YAML -------------------------------------------------------

_YAML_BITS = [
    "&a [*a, *a]",
    "*undefined",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGk=",
    "? [complex, key]\n: value",
    "<<: *a",
    "%YAML 1.1\n---",
    "--- a\n--- b",
    "- id: x\n\tname: tab",
    "{unclosed: [",
    "key: 'unterminated",
    "\ufeffid: bom",
    "id: a\nid: b",
    "- - - deep",
    "statement: |\n  [x](javascript:alert(1))\n  ![p](/etc/passwd)",
    "\x85\u2028\u2029",
    "2025-13-45",
    "0x1F: .inf",
]


@FUZZ
@given(
    name=st.sampled_from(_COLLECTION_FILES),
    text=st.lists(st.sampled_from(_YAML_BITS) | st.text(max_size=30), max_size=6).map("\n".join),
    raw=st.binary(max_size=64),
    use_raw=st.booleans(),
)
def test_random_text_and_bytes_as_yaml_never_crash(
    name: str, text: str, raw: bytes, use_raw: bool, workdir: Path
) -> None:
    files: dict[str, str | bytes] = dict(MINI)
    files[name] = raw if use_raw else text
    write_files(workdir, files)
    check_and_build(workdir)


# -- 5. the check's light link scan misses nothing Markdown would link ----------------------

_MD_BITS = [
    "[", "]", "(", ")", "!", "<", ">", "`", "\\", "\n", "\n\n", " ", ":", "#", "*", "|", "- ", "> ", "1. ",
    "\t", "    ", "```\n", "~~~\n", "\r\n", "\u00a0", "a", "[r]: ", "[r]", "'t'", '"t"', ' "ti")',
    "javascript:alert(1)", "JAVASCRIPT:", "http://a.example/x", "mailto:a@b", "assets/m.png", "data:x",
    "&#58;", "&#x3A;", "&amp;", "&quot;", "%20", "\\(", "\\)", "[@s]", "[[c]]", "@e", "<a@b.c>",
]  # fmt: skip


@FUZZ
@given(text=st.lists(st.sampled_from(_MD_BITS), max_size=25).map("".join))
def test_the_link_scan_misses_nothing_markdown_it_would_link(text: str) -> None:
    """Every link markdown-it would make to an unsafe place, and every image, is one the
    check's scan (syntax.scan_links, no Markdown parser) reports."""
    from markdown_it import MarkdownIt

    from briefgen.facts.syntax import scan_links

    md = MarkdownIt("commonmark", {"html": False}).enable(["table"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    hrefs: list[str] = []
    srcs: list[str] = []

    def walk(tokens: list[Any]) -> None:
        for tok in tokens:
            if tok.type == "link_open":
                hrefs.append(str(tok.attrGet("href")))
            elif tok.type == "image":
                srcs.append(str(tok.attrGet("src")))
            walk(tok.children or [])

    walk(md.parse(text))
    scanned = scan_links(text)
    reported = {md.normalizeLink(link.url) for link in scanned}
    assert {h for h in hrefs if h and not link_allowed(h)} <= reported, (text, hrefs, scanned)
    assert set(srcs) - {""} <= {md.normalizeLink(link.url) for link in scanned if link.kind == "image"} | reported


# -- the judge itself can fail ---------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><script>alert(1)</script></body></html>",
        '<html><body><p onclick="x">a</p></body></html>',
        '<html><body><a href="javascript:alert(1)">a</a></body></html>',
        '<html><body><img src="http://127.0.0.1:9/p.png"></body></html>',
        "<html><body><fuzz-el></fuzz-el></body></html>",
    ],
)
def test_the_html_judge_catches_injected_markup(html: str) -> None:
    with pytest.raises(AssertionError):
        assert_safe_html(html)


def test_the_unmutated_project_passes_the_judge(workdir: Path) -> None:
    write_files(workdir, dict(MINI))
    check_and_build(workdir)
    assert sorted(p.name for p in (workdir / "output").iterdir()) == ["harbour-summary.html", "harbour.html"]
    assert "Harbour" in (workdir / "output" / "harbour.html").read_text()


def test_profiles() -> None:
    assert settings.get_profile("nightly").max_examples >= 100 * settings.get_profile("briefgen-fast").max_examples
    assert textwrap.dedent(__doc__ or "").count("HYPOTHESIS_PROFILE=nightly") == 1


# r13t generators --------------------------------------------------------------------------

#: Bytes of odd file names: controls, a newline that would forge a problem line, bytes that
#: are not UTF-8, bidi overrides (as UTF-8), leading dots; never "/" or NUL (no file has them).
_NAME_BYTES = st.lists(
    st.one_of(
        st.sampled_from(
            [b"\x1b]0;pwned\x07", b"\x1b[31m", b"\n", b"\r", b"\t", b"\x9b", b"\xff", b"\xc3", b"\x80", b".", b"~"]
        ),
        st.sampled_from([b"\nforged.yaml:1:1: error[BG101]: x", "\u202e".encode(), "\u200b".encode(), b"#"]),
        st.binary(min_size=1, max_size=4).map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_")),
        st.text(min_size=1, max_size=8).map(
            lambda t: t.replace("/", "_").replace("\0", "_").encode("utf-8", "replace")
        ),
    ),
    min_size=1,
    max_size=6,
).map(b"".join)
_ODD_NAMES = st.one_of(
    _NAME_BYTES,
    _NAME_BYTES.map(lambda b: b"." + b),  # hidden
    _NAME_BYTES.map(lambda b: b * 60),  # long: up to the 255-byte limit of a name, and past it
)
_ODD_RECORD = b'- id: odd\n  kind: nope\n  statement: "\\e]0;pwned\\a \\u202e"\n'


@FUZZ
@given(names=st.lists(_ODD_NAMES, min_size=1, max_size=3))
def test_odd_file_names_never_crash_check_nor_reach_the_terminal_raw(workdir: Path, names: list[bytes]) -> None:
    """Whatever the names of the files under content/claims/, check ends in problems whose
    every printed line is safe on a terminal (no control, bidi override or lone surrogate,
    no line of its own started by a name), and its JSON can always be encoded."""
    from briefgen.words import is_hidden, printable_json

    files: dict[str, str | bytes] = {k: v for k, v in MINI.items() if k != "content/claims.yaml"}
    files["content/claims/main.yaml"] = MINI["content/claims.yaml"]
    write_files(workdir, files)
    folder = os.fsencode(workdir / "content" / "claims")
    for name in names:
        try:
            with open(folder + b"/" + name[:250] + b".yaml", "wb") as fh:
                fh.write(_ODD_RECORD)
        except OSError:
            continue  # a name the file system refuses (too long once the suffix is on)
    try:
        _base, problems = check_project(Project(workdir))
    except BriefgenError as exc:
        problems = exc.problems
    assert_good_problems(problems)
    for problem in problems:
        lines = problem.format().split("\n")
        assert len(lines) == (2 if problem.hint else 1), lines
        assert lines[0].startswith(("content/", str(workdir))), lines
        for line in lines:
            line.encode("utf-8")  # no lone surrogate: printable on a UTF-8 terminal
            assert not any(is_hidden(ch) for ch in line), line
    printable_json([p.as_json() for p in problems]).encode("utf-8")


# r13r generators ---------------------------------------------------------------------------
# Resource limits: aliases of big scalars (BG006 by expanded size, not only node count) and
# huge scalars (long fields, BG123; huge integers and numbers) must end in a clear problem.

from briefgen.facts.load import MAX_ALIAS_EXPANSION, MAX_EXPANDED_CHARS  # noqa: E402


@st.composite
def aliased_big_scalars(draw: st.DrawFn) -> tuple[dict[str, str | bytes], int, int]:
    """MINI with one anchored string of ``size`` characters (alone or in a list of a few)
    repeated by ``count`` aliases in the brief's keywords; returns (files, characters
    the aliases expand to, alias count)."""
    size = draw(st.sampled_from([1, 100, 10_000, 100_000, 1_000_000]) | st.integers(1, 300_000))
    count = draw(st.sampled_from([1, 2, 90, 100, 1_000, 100_000]) | st.integers(1, 3_000))
    copies = draw(st.integers(1, 4))  # anchor a list of copies: aliases of a node holding big scalars
    word = draw(st.sampled_from(["x", "tin ", "\u00e9"]))
    big = (word * size)[:size]
    anchor = f'&big "{big}"' if copies == 1 else "&big [" + ", ".join([f'"{big}"'] * copies) + "]"
    brief = MINI["content/briefs/harbour.yaml"].replace(
        "keywords: [tin, harbour]\n",
        f"keywords: [tin, harbour]\nx-big: {anchor}\nx-many: [{', '.join(['*big'] * count)}]\n",
    )
    files: dict[str, str | bytes] = dict(MINI)
    files["content/briefs/harbour.yaml"] = brief
    # Nodes the aliases reach again: a list and its items (text alone is bounded by size).
    nodes = count * (1 + copies) if copies > 1 else 0
    return files, len(big) * copies * count, nodes


@FUZZ
@given(case=aliased_big_scalars())
def test_aliases_of_big_scalars_are_refused_by_size(
    case: tuple[dict[str, str | bytes], int, int], workdir: Path
) -> None:
    """No traceback, no unbounded memory; past either bound the problem is BG006, and well
    under both it is not (the file's own text counts too, so the margin is generous)."""
    files, expanded, nodes = case
    write_files(workdir, files)
    problems = check_and_build(workdir)
    bg006 = [p for p in problems if p.code == "BG006"]
    if expanded > MAX_EXPANDED_CHARS or nodes > MAX_ALIAS_EXPANSION:
        assert bg006 and all(p.pos.file.endswith("harbour.yaml") for p in bg006), problems
    elif expanded <= MAX_EXPANDED_CHARS // 2 and nodes <= MAX_ALIAS_EXPANSION // 2:
        assert not bg006, problems


#: key: value lines of MINI's YAML files, as (file, line index, indent and key).
_KEY_LINES = [
    (name, index, match.group(1))
    for name, text in sorted(MINI.items())
    if name.endswith(".yaml")
    for index, line in enumerate(text.splitlines())
    if (match := re.fullmatch(r"(\s*(?:- )?[\w-]+): ?(?!\||>)(\S.*)", line))
]


def _huge_scalar(draw: st.DrawFn) -> tuple[str, bool]:
    """A YAML plain scalar that is very long or a very large number; and whether YAML
    reads it as text (a long float such as 0.333... is read as a short number)."""
    digits = draw(st.integers(1, 100_000))
    length = draw(st.sampled_from([301, 1_001, 100_000, 1_000_000]) | st.integers(1, 400_000))
    numbers = [
        "9" * digits,  # a decimal integer beyond Python's 4,300 digit str/int limit
        "-" + "1" * digits,
        "0x" + "f" * digits,
        "0" + "7" * digits,  # YAML 1.1 octal
        "1_" + "0" * digits,
        "1e" + "9" * min(digits, 400),
        "0." + "3" * digits,
        "9" * min(digits, 30) + "-01-01",  # a date with a huge year
    ]
    texts = ["w" * length, ("word " * length)[:length].strip() or "w"]  # one unbreakable word, or many
    value = draw(st.sampled_from(numbers + texts))
    return value, value in texts


@st.composite
def huge_scalars(draw: st.DrawFn) -> tuple[dict[str, str | bytes], str, str, bool]:
    """MINI with the value of one ``key: value`` line replaced by a huge scalar."""
    name, index, key = draw(st.sampled_from(_KEY_LINES))
    value, is_text = _huge_scalar(draw)
    lines = MINI[name].splitlines()
    lines[index] = f"{key}: {value}"
    files: dict[str, str | bytes] = dict(MINI)
    files[name] = "\n".join(lines) + "\n"
    return files, f"{name}:{key.strip(' -')}", value, is_text


@FUZZ
@given(case=huge_scalars())
def test_huge_scalars_end_in_a_clear_problem(
    case: tuple[dict[str, str | bytes], str, str, bool], workdir: Path
) -> None:
    """Long titles, names and ids, and numbers of thousands of digits: a problem, no traceback.
    A title over its limit is BG123 (it would otherwise take WeasyPrint minutes to lay out);
    a number of over 100 characters is BG104 (past 4,300 digits Python cannot even show it)."""
    files, where, value, is_text = case
    write_files(workdir, files)
    problems = check_and_build(workdir)
    codes = {p.code for p in problems}
    if is_text and where in ("content/briefs/harbour.yaml:title", "content/actors.yaml:name") and len(value) > 300:
        assert "BG123" in codes, problems
    if not is_text and value.lstrip("-").isdigit() and len(value) > 100:
        assert "BG104" in codes, problems


def test_the_huge_scalar_generators_reach_their_targets() -> None:
    """The generators hit the brief's title, and its keywords hold the aliases."""
    assert any(w == ("content/briefs/harbour.yaml", 1, "title") for w in [(n, i, k) for n, i, k in _KEY_LINES])
    assert "keywords: [tin, harbour]\n" in MINI["content/briefs/harbour.yaml"]


# r13c generators ---------------------------------------------------------------------------
# Graphs that content shapes (within, parent, supports, superseded_by): random ones over a
# dozen records, with and without circles, and chains thousands deep. Each record on a
# circle is reported once (BG119, BG124), no other is, and nothing recurses.

#: link -> (file, the records' YAML with {id} and {links}, single target or a list)
_GRAPH_KINDS: dict[str, tuple[str, str, bool]] = {
    "within": ("content/places.yaml", "- id: {id}\n  name: P\n  kind: region\n  within: {links}\n", False),
    "parent": ("content/actors.yaml", "- id: {id}\n  name: A\n  kind: government\n  parent: {links}\n", False),
    "supports": (
        "content/claims.yaml",
        "- id: {id}\n  kind: judgment\n  statement: S.\n  likelihood: likely\n  confidence: low\n  supports: {links}\n",
        True,
    ),
    "superseded_by": (
        "content/claims.yaml",
        "- id: {id}\n  kind: assumption\n  statement: S.\n  status: superseded\n  superseded_by: {links}\n",
        False,
    ),
}
_CIRCLE = re.compile(r"'([a-z0-9-]+)' (?:goes round in a circle|names itself)")


def on_circles(edges: dict[str, list[str]]) -> set[str]:
    """The nodes that can reach themselves (the reference the check is held to)."""
    found = set()
    for start in edges:
        seen, todo = set(), list(edges[start])
        while todo:
            node = todo.pop()
            if node == start:
                found.add(start)
                break
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, []))
    return found


@st.composite
def content_graphs(draw: st.DrawFn) -> tuple[str, dict[str, str | bytes], dict[str, list[str]]]:
    """MINI plus ``g0..gN`` records linked at random by one kind of link, and a chain of
    up to 3,000 more leading into them; returns (link, files, edges among the g records)."""
    link = draw(st.sampled_from(sorted(_GRAPH_KINDS)))
    file, record, listed = _GRAPH_KINDS[link]
    size = draw(st.integers(1, 12))
    ids = [f"g{i}" for i in range(size)]
    targets = st.sampled_from(ids)
    edges = {
        node: draw(st.lists(targets, min_size=1, max_size=3, unique=True) if listed else targets.map(lambda t: [t]))
        for node in ids
        if draw(st.integers(0, 4))  # now and then a record with no link (a chain's end)
    }
    depth = draw(st.sampled_from([0, 0, 1_500, 3_000]))
    chain = [f"deep{i}" for i in range(depth)]
    texts = [
        record.format(id=node, links=f"[{', '.join(edges[node])}]" if listed else edges[node][0])
        if node in edges
        else record.replace(f"  {link}: {{links}}\n", "").format(id=node)
        for node in ids
    ]
    for i, node in enumerate(chain):
        nxt = chain[i + 1] if i + 1 < depth else ids[0]
        texts.append(record.format(id=node, links=f"[{nxt}]" if listed else nxt))
    files: dict[str, str | bytes] = dict(MINI)
    files[file] = MINI[file] + "".join(texts)
    return link, files, edges


@FUZZ
@given(case=content_graphs())
def test_deep_and_cyclic_graphs_report_each_circle_once_and_never_recurse(
    case: tuple[str, dict[str, str | bytes], dict[str, list[str]]], workdir: Path
) -> None:
    link, files, edges = case
    write_files(workdir, files)
    try:
        _base, problems = check_project(Project(workdir))
    except BriefgenError as exc:
        problems = exc.problems
    assert_good_problems(problems)
    circles = [p for p in problems if p.code in ("BG119", "BG124")]
    reported = [m.group(1) for p in circles if (m := _CIRCLE.search(p.message))]
    assert len(reported) == len(circles), [p.message for p in circles]
    expected = on_circles(edges)
    assert sorted(reported) == sorted(expected), (link, edges, [p.message for p in circles])
