"""PDF archives: the text of each page, located by its page label (``p. 12``).

pypdf reads them: pure Python (nothing to compile, already what the tests read PDFs
with), it reads /PageLabels (the label printed on the page, "iv" or "A-3", where the PDF
has labels; else the page's number from 1) and it decrypts or refuses encrypted files.
pdfminer.six lays text out more carefully, but per page text is all a quote needs.

Per page, a word broken by a hyphen at a line's end is joined ("capa-" + "city" is
"capacity") when the next line starts with a lowercase letter; before a capital the
hyphen stays ("India-" + "Myanmar" is "India-Myanmar"). Ligatures and other
compatibility forms are folded by the normalisation (NFKC).

A PDF is untrusted: a crafted one can make a parser loop or eat memory. So it is read in
a child process with a memory limit, killed after ``TIMEOUT`` seconds, at most
``MAX_PAGES`` pages; the passages read are kept in the cache folder by the file's bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from briefgen import __version__
from briefgen.cachedir import cache_dir
from briefgen.check.archives.model import Archive, ArchiveError, Passage
from briefgen.check.archives.normalise import normalise

#: seconds a PDF may take to read, pages read at most, memory the reader may use
TIMEOUT = 30.0
MAX_PAGES = 2000
MAX_MEMORY = 1024 * 1024 * 1024
#: bumped when what the reader returns changes (cache entries of another format are ignored)
FORMAT = 2

_HYPHEN_BREAK = re.compile(r"[-\u2010\u00ad][ \t]*\n[ \t]*(?=[a-z\u00df-\u00ff])")


def join_hyphenated(text: str) -> str:
    """Join words broken by a hyphen at a line's end before a lowercase letter."""
    return _HYPHEN_BREAK.sub("", text)


def read_pdf(raw: bytes) -> Archive:
    """The pages of a PDF as passages, from the cache or read in a child process."""
    key = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode() + raw).hexdigest()
    cached = _cache_get(key)
    if cached is None:
        cached = _read_in_child(raw)
        _cache_put(key, cached)
    if "error" in cached:
        raise ArchiveError(cached["error"], cached["hint"])
    return Archive("pdf", [Passage("page", label, text, shown) for label, text, shown in cached["pages"]])


def _read_in_child(raw: bytes) -> dict[str, Any]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[3])  # so the child imports this briefgen
    env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "briefgen.check.archives.pdf"],
            input=raw,
            capture_output=True,
            timeout=TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {
            "error": f"reading the PDF took longer than {TIMEOUT:.0f} s and was stopped",
            "hint": "the file may be damaged or crafted: archive the article's text as .txt instead",
        }
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        return {
            "error": "the PDF could not be read (the reader stopped: too large, or damaged)",
            "hint": "archive the article's text as .txt instead",
        }
    return result


def _extract(raw: bytes) -> dict[str, Any]:
    """Read the PDF's pages (in the child process): {"pages": [[label, text, shown]...]} or an
    error (``text`` normalised, ``shown`` as read, white space folded)."""
    import io

    from pypdf import PdfReader

    def fail(error: str, hint: str) -> dict[str, Any]:
        return {"error": error, "hint": hint}

    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            try:  # an owner password alone still lets anyone read
                opened = bool(reader.decrypt(""))
            except Exception:
                opened = False
            if not opened:
                return fail(
                    "the PDF is encrypted: its text cannot be read without the password",
                    "archive an unencrypted copy (print it to PDF) or the article's text as .txt",
                )
        count = len(reader.pages)
        if count > MAX_PAGES:
            return fail(
                f"the PDF has {count:,} pages; briefgen reads at most {MAX_PAGES:,}",
                "archive the pages the claims quote",
            )
        try:
            labels = list(reader.page_labels)
        except Exception:  # broken /PageLabels: number the pages instead
            labels = []
        if len(labels) != count:
            labels = [str(n) for n in range(1, count + 1)]
        pages = []
        for index, page in enumerate(reader.pages):
            joined = join_hyphenated(page.extract_text() or "")
            pages.append([labels[index], normalise(joined), " ".join(joined.split())])
    except Exception as exc:
        return fail(
            f"the file is not a readable PDF ({type(exc).__name__}: {exc})",
            "archive the source again (save or print it to PDF), or archive its text as .txt",
        )
    if not any(text for _, text, _ in pages):
        return fail(
            "the PDF has no text layer (a scan, or text drawn as shapes)",
            "run OCR on it (e.g. ocrmypdf) and archive the result, or archive the article's text as .txt",
        )
    return {"pages": pages}


def _child() -> None:
    """The child's main: a PDF on stdin, JSON on stdout; memory capped first."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MAX_MEMORY, MAX_MEMORY))
    import warnings

    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.CRITICAL)  # pypdf logs every oddity of a damaged file
    try:
        result = _extract(sys.stdin.buffer.read())
    except MemoryError:
        result = {"error": "reading the PDF needed more than 1 GiB of memory", "hint": "archive its text as .txt"}
    sys.stdout.write(json.dumps(result))


def _cache_folder() -> Path | None:
    if os.environ.get("BRIEFGEN_NO_CACHE"):
        return None
    root = cache_dir()
    if root is None:
        return None
    folder = root / "archives"
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        return None
    return folder


def _cache_get(key: str) -> dict[str, Any] | None:
    folder = _cache_folder()
    if folder is None:
        return None
    try:
        value = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    if "error" in value:
        return value if isinstance(value.get("error"), str) and isinstance(value.get("hint"), str) else None
    pages = value.get("pages")
    # A damaged or foreign entry is read again rather than trusted.
    if isinstance(pages, list) and all(
        isinstance(page, list) and len(page) == 3 and all(isinstance(part, str) for part in page) for page in pages
    ):
        return value
    return None


def _cache_put(key: str, value: dict[str, Any]) -> None:
    folder = _cache_folder()
    if folder is None or "too long" in value.get("error", ""):  # a timeout may pass on a quieter machine
        return
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh)
        os.replace(tmp, folder / f"{key}.json")


if __name__ == "__main__":
    _child()
