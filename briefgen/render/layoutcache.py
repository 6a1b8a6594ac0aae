"""Laid-out PDFs kept on disk: a brief whose layout inputs are unchanged is not laid out again.

A PDF is a function of the final HTML, the files the layout loads through the project's
fetcher (stylesheets, images, fonts of the templates), the fonts fontconfig offers, and
the code that lays it out (briefgen, WeasyPrint and its libraries). An entry is found by
a key over the HTML, the roots the fetcher may serve, and stamps of the code and the
fonts; it holds the outcome of the layout and every file: URL the layout asked for: the
SHA-256 of each file it was served, and the ones it was refused. It is used only when
each served file still has those bytes and each refused one would still be refused, so
editing a stylesheet, an image or a font (wherever the fetcher served it from) lays the
brief out again, while editing an unrelated file does not.

Entries go through cachedir (length and SHA-256 checked on every read; a damaged, foreign
or unwritable entry means a layout, never a failure), so a cached build writes exactly
the bytes a full one would. ``BRIEFGEN_NO_CACHE=1`` turns it off, like the records cache.
WeasyPrint is imported only to lay out, never to look an entry up: a build with nothing
to lay out starts no WeasyPrint at all.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import marshal
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefgen import __version__
from briefgen.cachedir import cache_folder, code_stamp, libraries_stamp, prune, read_entry, touch, write_entry
from briefgen.files import RefusedFile, read_regular, resolve

FORMAT = 3
#: Entries kept at most (a PDF each, some hundreds of KB); the least recently used go first.
MAX_ENTRIES = 200
ABSENT = "absent"
#: The largest file a layout loads that is hashed (a font, an image, a stylesheet).
MAX_LOADED_BYTES = 256 * 1024 * 1024

#: (pdf, final html, corrections, misplaced notes, refused URLs, broken images, pages):
#: what build.py needs of a layout (render.pdf.PdfResult, as plain values a worker can return).
Laid = tuple[bytes, str, int, list[tuple[int, int, int]], list[str], list[tuple[str, str]], int]


def lay_out(html: str, base_url: str, roots: list[str]) -> tuple[Laid, list[str]]:
    """Lay the HTML out (WeasyPrint, imported here); the outcome and the files it loaded."""
    from briefgen.render.pdf import render_pdf

    result = render_pdf(html, Path(base_url), [Path(r) for r in roots])
    laid: Laid = (
        result.pdf,
        result.html,
        result.corrections,
        result.misplaced,
        result.refused,
        result.broken_images,
        result.pages,
    )
    return laid, result.loaded


def file_state(url: str, roots: list[str] | None = None) -> str | None:
    """The state of a file: URL now: the SHA-256 of its bytes, ABSENT when there is no
    such file (or, given ``roots``, when the fetcher would refuse it: outside them), None
    for any other scheme (data: URIs are part of the HTML)."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    try:
        path = resolve(Path(unquote(parts.path)))
        if roots is not None and not any(path.is_relative_to(resolve(Path(root))) for root in roots):
            return ABSENT
        return hashlib.sha256(read_regular(path, MAX_LOADED_BYTES)).hexdigest()
    except (OSError, ValueError, RefusedFile):  # gone, a loop, a FIFO or device, too large
        return ABSENT


#: WeasyPrint and the libraries it lays out with (top-level modules).
ENGINE_LIBRARIES = (
    "weasyprint",
    "pydyf",
    "fontTools",
    "PIL",
    "tinycss2",
    "cssselect2",
    "tinyhtml5",
    "pyphen",
    "cffi",
)


def engine_stamp() -> str:
    """WeasyPrint's and its libraries' versions and builds (cachedir.libraries_stamp), found
    without importing them: upgrading WeasyPrint, pydyf, fontTools or Pillow lays briefs out again."""
    return libraries_stamp(ENGINE_LIBRARIES)


class _FontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.POINTER(ctypes.c_void_p))]


@functools.cache
def font_stamp() -> str | None:
    """A cheap fingerprint of the fonts fontconfig offers (each font file's path, size and
    time; a few ms), read through libfontconfig as WeasyPrint will. None when fontconfig
    cannot be asked: then nothing is cached, since a font change could go unseen."""
    try:
        lib = ctypes.CDLL("libfontconfig.so.1")
        lib.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
        lib.FcInitLoadConfigAndFonts.argtypes = []
        lib.FcConfigGetFonts.restype = ctypes.c_void_p
        lib.FcConfigGetFonts.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.FcPatternGetString.restype = ctypes.c_int
        lib.FcPatternGetString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
        lib.FcConfigDestroy.argtypes = [ctypes.c_void_p]
        lib.FcGetVersion.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    config = lib.FcInitLoadConfigAndFonts()
    if not config:
        return None
    digest = hashlib.sha256(f"fontconfig {lib.FcGetVersion()}\n".encode())
    try:
        fonts = lib.FcConfigGetFonts(config, 0)  # FcSetSystem
        if fonts:
            found = _FontSet.from_address(fonts)
            names: list[bytes] = []
            for n in range(found.nfont):
                name = ctypes.c_char_p()
                if lib.FcPatternGetString(found.fonts[n], b"file", 0, ctypes.byref(name)) == 0 and name.value:
                    names.append(name.value)
            for file in sorted(set(names)):
                try:
                    st = os.stat(file)
                    digest.update(file + f" {st.st_size} {st.st_mtime_ns}\n".encode())
                except OSError:
                    digest.update(file + b" gone\n")
    finally:
        lib.FcConfigDestroy(config)
    return digest.hexdigest()


class LayoutCache:
    """Layouts by a key over the HTML and what it is laid out with; see the module doc."""

    def __init__(self, folder: Path, fonts: str):
        self.folder = folder
        # render.pdf sets SOURCE_DATE_EPOCH to "0" when unset (font subsets' time stamp):
        # unset and "0" lay out the same.
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
        self.stamp = "\0".join((str(FORMAT), __version__, code_stamp(), engine_stamp(), fonts, epoch))

    def key(self, html: str, base_url: str, roots: list[str]) -> str:
        head = "\0".join((self.stamp, base_url, *roots, "")).encode("utf-8", "surrogateescape")
        return hashlib.sha256(head + html.encode("utf-8", "surrogateescape")).hexdigest()

    def get(self, key: str, roots: list[str]) -> Laid | None:
        """The stored layout, if every file it loaded still holds the bytes it held then."""
        path = self.folder / f"{key}.bin"
        payload = read_entry(path)
        if payload is None:
            return None
        try:
            files, laid = marshal.loads(payload)
            # A file the layout was served must hold the same bytes and still be one the
            # fetcher would serve (inside the roots: not since replaced by a link out); one
            # it was refused, or looked for in vain, must still be so.
            if any(file_state(url, roots) != state for url, _served, state in files):
                return None
            pdf, html, corrections, misplaced, refused, broken, pages = laid
            result: Laid = (
                pdf,
                html,
                corrections,
                [tuple(m) for m in misplaced],
                list(refused),
                list(broken),
                int(pages),
            )
        except Exception:  # a verified entry this code cannot read: lay out instead
            return None
        touch(path)
        return result

    def put(self, key: str, roots: list[str], laid: Laid, loaded: list[str], started: float) -> None:
        """Keep a layout that began at ``started`` (time.time()), with the state of each file
        it asked for; not when a file changed since it began (which bytes did it read?)."""
        if laid[5]:  # broken images fail the build: nothing to keep
            return
        files: list[tuple[str, bool, str]] = []
        for url in dict.fromkeys(loaded):
            state = file_state(url, roots)
            if state is None:
                continue
            if state != ABSENT and _changed_since(url, started):
                return
            files.append((url, True, state))
        files += [(url, False, ABSENT) for url in dict.fromkeys(laid[4]) if urlsplit(url).scheme == "file"]
        try:
            data = marshal.dumps((files, laid))
        except ValueError:
            return
        write_entry(self.folder / f"{key}.bin", data)
        prune(self.folder, MAX_ENTRIES)


def _changed_since(url: str, started: float) -> bool:
    try:
        return resolve(Path(unquote(urlsplit(url).path))).stat().st_mtime >= started - 0.001
    except OSError:
        return True


def layout_cache() -> LayoutCache | None:
    """The cache in the user's cache folder, or None (BRIEFGEN_NO_CACHE, no cache folder,
    or fonts that cannot be fingerprinted)."""
    folder = cache_folder("layout")
    if folder is None:
        return None
    fonts = font_stamp()
    return LayoutCache(folder, fonts) if fonts is not None else None


__all__ = ["Laid", "LayoutCache", "file_state", "font_stamp", "lay_out", "layout_cache"]
