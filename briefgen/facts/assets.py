"""Images in prose: only files under ``content/assets/``, inlined as ``data:`` URIs.

Content is untrusted, so an image may not name a web address (the HTML would fetch it
when opened, a tracking pixel; the PDF would need the network) or any file outside the
project's asset folder (``file:///etc/passwd``, ``../../``, a symlink out). Inlining keeps
the HTML one self-contained file, identical to what WeasyPrint lays out, and the PDF
build fetches nothing. Only PNG, JPEG and GIF are accepted, checked by their first bytes:
SVG can hold scripts and references to other files.

Shared by ``validate`` (which reports problems) and ``html`` (which inlines), so both
apply one rule; no Markdown or Jinja here.
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
        assets = (content / ASSETS).resolve()
        path = (content / relative).resolve()  # follows symlinks: a link out of assets/ is out
    except (ValueError, OSError):
        return ImageProblem(
            "BG121",
            f"image '{shown}' is not a file in content/{ASSETS}/",
            _where_hint() + "; nothing is fetched from the network or elsewhere on disk",
        )
    if not path.is_relative_to(assets):
        return ImageProblem("BG121", f"image '{shown}' is outside content/{ASSETS}/", _where_hint())
    hidden = ignored_reason(relative) or ignored_reason(path.relative_to(assets))
    if hidden:
        return ImageProblem(
            "BG121",
            f"image '{shown}' is not used: {hidden}",
            "hidden and editor files under content/ are never used: give the image a plain name",
        )
    if not assets.is_relative_to(content.resolve()):
        return ImageProblem(
            "BG121",
            f"image '{shown}': content/{ASSETS}/ is a link to {assets}, outside content/",
            f"make content/{ASSETS}/ a real folder inside the project",
        )
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
    media, magics = kind
    if not head.startswith(magics):
        return ImageProblem(
            "BG122",
            f"image '{shown}' is not really a {path.suffix.lower()[1:].upper()} file",
            "export it again as that type",
        )
    return path, media


def image_data_uri(content: Path, url: str) -> str | None:
    """The image as a ``data:`` URI, or None when it is refused (see :func:`resolve_image`)."""
    found = resolve_image(content, url)
    if isinstance(found, ImageProblem):
        return None
    path, media = found
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) > MAX_IMAGE_BYTES:
        return None
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
