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
a child process (``child.py``, shared with the web page reader) with a memory limit,
killed after ``TIMEOUT`` seconds, at most ``MAX_PAGES`` pages; the passages read are kept
in the cache folder by the file's bytes.
"""

from __future__ import annotations

import re
from typing import Any

from briefgen.check.archives.child import read_in_child
from briefgen.check.archives.model import Archive, Passage
from briefgen.check.archives.normalise import normalise

#: seconds a PDF may take to read, pages read at most
TIMEOUT = 30.0
MAX_PAGES = 2000
#: bumped when what the reader returns changes (cache entries of another format are ignored)
FORMAT = 3

_HYPHEN_BREAK = re.compile(r"[-\u2010\u00ad][ \t]*\n[ \t]*(?=[a-z\u00df-\u00ff])")


def join_hyphenated(text: str) -> str:
    """Join words broken by a hyphen at a line's end before a lowercase letter."""
    return _HYPHEN_BREAK.sub("", text)


def read_pdf(raw: bytes) -> Archive:
    """The pages of a PDF as passages, from the cache or read in a child process."""
    read = read_in_child("pdf", raw, timeout=TIMEOUT, what="the PDF", version=FORMAT, valid=_valid)
    return Archive("pdf", [Passage("page", label, text, shown) for label, text, shown in read["pages"]])


def _valid(value: dict[str, Any]) -> bool:
    pages = value.get("pages")
    return isinstance(pages, list) and all(
        isinstance(page, list) and len(page) == 3 and all(isinstance(part, str) for part in page) for page in pages
    )


def extract(raw: bytes) -> dict[str, Any]:
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
            except MemoryError:  # the machine's limit, not the file's: not kept (see child.py)
                raise
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
        except MemoryError:  # the machine's limit, not the file's: not kept (see child.py)
            raise
        except Exception:  # broken /PageLabels: number the pages instead
            labels = []
        if len(labels) != count:
            labels = [str(n) for n in range(1, count + 1)]
        pages = []
        for index, page in enumerate(reader.pages):
            joined = join_hyphenated(page.extract_text() or "")
            pages.append([labels[index], normalise(joined), " ".join(joined.split())])
    except MemoryError:  # the machine's limit, not the file's: not kept (see child.py)
        raise
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
