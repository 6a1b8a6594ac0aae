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

import binascii
import hashlib
import struct
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from briefgen.facts.project import ignored_reason
from briefgen.files import RefusedFile, read_regular, resolve

ASSETS = "assets"
#: The font files a project's templates may hold in templates/fonts/ (served to the PDF
#: stage only, by briefgen:fonts/NAME).
FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")
#: An image larger than this is refused (it is copied into every HTML that shows it).
MAX_IMAGE_BYTES = 4 * 1024 * 1024
#: An image declaring more pixels than this is refused: a few KiB of PNG, GIF or JPEG can
#: declare 100,000 x 100,000 pixels (a decompression bomb), and laying it out would decode
#: it whole. 40 megapixels is a 7,700 x 5,200 photograph, more than any page needs.
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
}


class ImageProblem(NamedTuple):
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
        assets = resolve(content / ASSETS)
        inside = assets.is_relative_to(resolve(content))
    except OSError as exc:  # a loop of links
        return ImageProblem(
            "BG121",
            f"content/{ASSETS}/ cannot be followed ({exc.strerror}): its files are neither shown nor served",
            f"make content/{ASSETS}/ a real folder inside the project and copy the images into it",
        )
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
        assets = resolve(content / ASSETS)
        path = resolve(content / relative)  # follows symlinks: a link out of assets/ is out
    except (ValueError, OSError):
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
    found = _read_image(path, kind, shown)
    return found if isinstance(found, ImageProblem) else (path, kind[0])


def _read_image(path: Path, kind: tuple[str, tuple[bytes, ...]], shown: str) -> bytes | ImageProblem:
    """The image file's bytes, once checked: a regular file (never a FIFO or a device, which
    would block or never end) within the size limit, whose first bytes match its extension
    and whose headers declare a sane size; or why not. The bytes handed out are the bytes
    checked, so a file swapped after it was resolved is never used unchecked."""
    try:
        data = read_regular(path, MAX_IMAGE_BYTES)
    except RefusedFile as refused:
        if refused.size is not None:
            return ImageProblem(
                "BG122",
                f"image '{shown}' is {refused.size:,} bytes; the limit is {MAX_IMAGE_BYTES:,}",
                "make it smaller (it is copied into the HTML)",
            )
        return ImageProblem(
            "BG122", f"image '{shown}' {refused.reason}, not an image file; not read", "put the image file itself there"
        )
    except OSError:
        return ImageProblem("BG122", f"image '{shown}' not found", f"add the file to content/{ASSETS}/ or fix the path")
    type_name = path.suffix.lower()[1:].upper().replace("JPG", "JPEG")
    if not data.startswith(kind[1]):
        return ImageProblem(
            "BG122",
            f"image '{shown}' is not really a {path.suffix.lower()[1:].upper()} file",
            "export it again as that type",
        )
    try:
        width, height = image_size(data)
    except ValueError as exc:
        return ImageProblem(
            "BG122", f"image '{shown}' is a broken {type_name} file: {exc}", "export it again from the original"
        )
    if width * height > MAX_IMAGE_PIXELS:
        return ImageProblem(
            "BG122",
            f"image '{shown}' declares {width:,} x {height:,} pixels ({width * height / 1e6:,.0f} megapixels); "
            f"the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels",
            "scale it down (3,000 pixels across is plenty for a page); a small file declaring a huge "
            "image is a decompression bomb",
        )
    return data


def read_asset(content: Path, relative: str) -> tuple[bytes, str] | ImageProblem:
    """The bytes and media type of the image at ``relative`` (a path from ``content/``), or why not."""
    found = resolve_asset(content, relative)
    if isinstance(found, ImageProblem):
        return found
    path, media = found
    data = _read_image(path, IMAGE_TYPES[path.suffix.lower()], relative)
    return data if isinstance(data, ImageProblem) else (data, media)


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) as a PNG, GIF or JPEG file declares them, read from its headers
    without decoding a pixel; ``ValueError`` says what is broken (a truncated header, a
    zero size, no frame header before the image data)."""
    if data.startswith(b"\x89PNG"):
        return _png_size(data)
    if data.startswith(b"GIF"):
        return _gif_size(data)
    return _jpeg_size(data)


def _positive(width: int, height: int) -> tuple[int, int]:
    if width <= 0 or height <= 0:
        raise ValueError(f"it declares a size of {width} x {height} pixels")
    return width, height


def _png_size(data: bytes) -> tuple[int, int]:
    # The signature (8 bytes), then the IHDR chunk, first by rule: length 13, "IHDR",
    # width and height as 4-byte big-endian numbers.
    if len(data) < 8 + 8 + 13 + 4 or data[12:16] != b"IHDR":
        raise ValueError("its header (IHDR) is missing or cut short")
    length, width, height = struct.unpack(">I4xII", data[8:24])
    if length != 13:
        raise ValueError("its header (IHDR) has the wrong length")
    return _positive(width, height)


def _gif_size(data: bytes) -> tuple[int, int]:
    # The logical screen (bytes 6-9), then blocks up to the first image's descriptor, whose
    # own size counts too: a frame may declare more than the screen.
    if len(data) < 13:
        raise ValueError("its header (logical screen) is cut short")
    width, height = struct.unpack("<HH", data[6:10])
    _positive(width, height)
    pos = 13
    if data[10] & 0x80:  # a global colour table of 2^(n+1) colours follows
        pos += 3 * (2 ** ((data[10] & 0x07) + 1))
    while pos < len(data):
        block = data[pos]
        if block == 0x2C:  # image descriptor: left, top, width, height
            if pos + 10 > len(data):
                break
            frame_w, frame_h = struct.unpack("<HH", data[pos + 5 : pos + 9])
            _positive(frame_w, frame_h)
            return max(width, frame_w), max(height, frame_h)
        if block == 0x21 and pos + 2 <= len(data):  # an extension: label, then sub-blocks
            pos += 2
            while pos < len(data) and data[pos]:
                pos += data[pos] + 1
            pos += 1
            continue
        if block == 0x3B:  # the trailer: the file ends before any image
            break
        raise ValueError(f"an unknown block (0x{block:02x}) at byte {pos:,}")
    raise ValueError("it holds no image (cut short before the first frame)")


#: JPEG start-of-frame markers (baseline, progressive, lossless...): C0-CF but DHT (C4),
#: JPG (C8) and DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int]:
    # Segments after SOI: 0xFF, a marker, a 2-byte length (counting itself), its data.
    # The frame header (SOFn) holds precision, height and width; it comes before the scan.
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"a broken segment at byte {pos:,}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            raise ValueError(f"a segment of impossible length at byte {pos:,}")
        if marker in _SOF:
            if pos + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            if height == 0:
                raise ValueError("its height is left to a later marker (DNL), which is not supported")
            return _positive(width, height)
        if marker in (0xDA, 0xD9):  # start of scan, or end of image, before any frame header
            raise ValueError("it has no frame header before its image data")
        pos += 2 + length
    raise ValueError("its header is cut short before the frame header")


def image_key(data_uri: str) -> str:
    """A short name for an inlined image (the PDF stage reports broken images by it, and
    the build finds the prose that wrote it)."""
    return hashlib.sha256(data_uri.encode("ascii", errors="replace")).hexdigest()[:24]


def image_data_uri(content: Path, url: str) -> str | None:
    """The image as a ``data:`` URI, or None when it is refused (see :func:`resolve_image`)."""
    found = resolve_image(content, url)
    if isinstance(found, ImageProblem):
        return None
    path, media = found
    data = _read_image(path, IMAGE_TYPES[path.suffix.lower()], url)
    if isinstance(data, ImageProblem):
        return None
    return f"data:{media};base64,{binascii.b2a_base64(data, newline=False).decode('ascii')}"
