"""Images in prose: only files under ``content/assets/``, inlined as ``data:`` URIs.

Content is untrusted, so an image may not name a web address (the HTML would fetch it
when opened, a tracking pixel; the PDF would need the network) or any file outside the
project's asset folder (``file:///etc/passwd``, ``../../``, a symlink out). Inlining keeps
the HTML one self-contained file, identical to what WeasyPrint lays out, and the PDF
build fetches nothing. Only PNG, JPEG and GIF are accepted, checked by their first bytes:
SVG can hold scripts and references to other files.

Shared by ``validate`` (which reports problems), ``html`` (which inlines) and the live
preview (which serves ``content/assets/``), so all apply one rule; no Markdown or Jinja here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefgen.facts.project import ignored_reason

ASSETS = "assets"
#: An image larger than this is refused (it is copied into every HTML that shows it).
MAX_IMAGE_BYTES = 4 * 1024 * 1024
IMAGE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
}


@dataclass(frozen=True)
class ImageProblem:
    """Why an image cannot be used: the code (BG121 where, BG122 what), message and hint."""

    code: str
    message: str
    hint: str


def _where_hint() -> str:
    return f"put the image under content/{ASSETS}/ and write its path from content/, e.g. ![Map]({ASSETS}/map.png)"


def resolve_image(content: Path, url: str) -> tuple[Path, str] | ImageProblem:
    """The file and media type an image URL names, or why it is refused."""
    shown = url if len(url) <= 80 else url[:77] + "..."
    try:
        parts = urlsplit(url.strip())
        relative = unquote(parts.path)
        if parts.scheme or parts.netloc or parts.query or relative.startswith(("/", "\\")) or not relative:
            raise ValueError
    except ValueError:
        return _not_an_asset(shown)
    return resolve_asset(content, relative, shown)


def _not_an_asset(shown: str) -> ImageProblem:
    return ImageProblem(
        "BG121",
        f"image '{shown}' is not a file in content/{ASSETS}/",
        _where_hint() + "; nothing is fetched from the network or elsewhere on disk",
    )


def assets_folder_problem(content: Path) -> ImageProblem | None:
    """Why ``content/assets`` itself may not be used (a link out of ``content/``), or None."""
    try:
        assets = (content / ASSETS).resolve()
        inside = assets.is_relative_to(content.resolve())
    except (OSError, RuntimeError):  # a loop of links
        assets, inside = content / ASSETS, False
    if inside:
        return None
    return ImageProblem(
        "BG121",
        f"content/{ASSETS}/ is a link to {assets}, outside content/: its files are neither shown nor served",
        f"make content/{ASSETS}/ a real folder inside the project and copy the images into it",
    )


def resolve_asset(content: Path, relative: str, shown: str | None = None) -> tuple[Path, str] | ImageProblem:
    """The file and media type of the image at ``relative`` (a path from ``content/``, not a
    URL), or why it is refused. The one rule for images, shared by the check, the HTML
    build and the live preview's server."""
    shown = shown if shown is not None else (relative if len(relative) <= 80 else relative[:77] + "...")
    if "\x00" in relative or not relative or relative.startswith(("/", "\\")):
        return _not_an_asset(shown)
    try:
        assets = (content / ASSETS).resolve()
        path = (content / relative).resolve()  # follows symlinks: a link out of assets/ is out
    except (ValueError, OSError, RuntimeError):
        return _not_an_asset(shown)
    if not path.is_relative_to(assets):
        return ImageProblem("BG121", f"image '{shown}' is outside content/{ASSETS}/", _where_hint())
    hidden = ignored_reason(relative) or ignored_reason(path.relative_to(assets))
    if hidden:
        return ImageProblem(
            "BG121",
            f"image '{shown}' is not used: {hidden}",
            "hidden and editor files under content/ are never used: give the image a plain name",
        )
    folder = assets_folder_problem(content)
    if folder is not None:
        return ImageProblem("BG121", f"image '{shown}': {folder.message}", folder.hint)
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None:
        return ImageProblem(
            "BG122",
            f"image '{shown}' is not a PNG, JPEG or GIF file",
            "convert it to .png or .jpg (SVG may hold scripts)",
        )
    try:
        if not path.is_file():
            raise FileNotFoundError
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return ImageProblem("BG122", f"image '{shown}' not found", f"add the file to content/{ASSETS}/ or fix the path")
    if size > MAX_IMAGE_BYTES:
        return ImageProblem(
            "BG122",
            f"image '{shown}' is {size:,} bytes; the limit is {MAX_IMAGE_BYTES:,}",
            "make it smaller (it is copied into the HTML)",
        )
    problem = _magic_problem(path, head, shown)
    return problem if problem is not None else (path, kind[0])


def _magic_problem(path: Path, head: bytes, shown: str) -> ImageProblem | None:
    """Why the file's first bytes do not match its extension, or None."""
    if head.startswith(IMAGE_TYPES[path.suffix.lower()][1]):
        return None
    return ImageProblem(
        "BG122",
        f"image '{shown}' is not really a {path.suffix.lower()[1:].upper()} file",
        "export it again as that type",
    )


def read_asset(content: Path, relative: str) -> tuple[bytes, str] | ImageProblem:
    """The bytes and media type of the image at ``relative`` (a path from ``content/``), or why not."""
    found = resolve_asset(content, relative)
    return found if isinstance(found, ImageProblem) else _read_checked(*found, relative)


def _read_checked(path: Path, media: str, shown: str) -> tuple[bytes, str] | ImageProblem:
    """The file's bytes, with the size and first bytes checked again on what was read: a file
    swapped after it was resolved is not handed out."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError:
        return ImageProblem("BG122", f"image '{shown}' not found", f"add the file to content/{ASSETS}/ or fix the path")
    if len(data) > MAX_IMAGE_BYTES:
        return ImageProblem("BG122", f"image '{shown}' is over {MAX_IMAGE_BYTES:,} bytes", "make it smaller")
    problem = _magic_problem(path, data[:8], shown)
    return problem if problem is not None else (data, media)


def image_data_uri(content: Path, url: str) -> str | None:
    """The image as a ``data:`` URI, or None when it is refused (see :func:`resolve_image`)."""
    found = resolve_image(content, url)
    if isinstance(found, ImageProblem):
        return None
    read = _read_checked(*found, url)
    if isinstance(read, ImageProblem):
        return None
    data, media = read
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
