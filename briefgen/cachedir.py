"""briefgen's cache folder: compiled templates and checked records, kept between runs."""

from __future__ import annotations

import os
from pathlib import Path

from briefgen import __version__


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/briefgen/<version> (~/.cache/...), or None when it cannot be made."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "briefgen" / __version__
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return root if os.access(root, os.W_OK) else None
