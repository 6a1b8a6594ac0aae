"""Watching the project for the live preview: rebuild whenever a file that matters is saved."""

from __future__ import annotations

import threading
import traceback
from pathlib import Path
from typing import Any

from briefgen.preview.rebuild import Previewer

_WATCHED_SUFFIXES = {".yaml", ".yml", ".json", ".txt", ".j2", ".css", ".svg", ".png", ".jpg", ".jpeg"}


def _relevant(change: Any, path: str) -> bool:
    """True for a saved file a rebuild may depend on (the filter watchfiles calls)."""
    name = Path(path).name
    if name.startswith((".", "#")) or name.endswith("~"):
        return False  # editor swap and backup files
    return Path(path).suffix.lower() in _WATCHED_SUFFIXES


def watch(previewer: Previewer, stop: threading.Event, ready: threading.Event | None = None) -> None:
    """Rebuild whenever watched files change (inotify through watchfiles; no polling loop)."""
    import watchfiles

    project = previewer.project
    template_dirs = [d.resolve() for d in project.template_folders()]
    # The project settings (briefgen.yaml, e.g. max_age) touch every brief, like a template.
    settings = [p.resolve() for p in (project.root / "briefgen.yaml",) if p.is_file()]
    paths = sorted({project.content.resolve(), *template_dirs, *settings})
    if ready is not None:
        ready.set()
    # step: wait this long for a burst of saves to settle; debounce: but never longer than this.
    for changes in watchfiles.watch(
        *paths,
        watch_filter=_relevant,
        debounce=400,
        step=30,
        stop_event=stop,
        yield_on_timeout=False,
        raise_interrupt=False,
    ):
        changed = [Path(p) for _, p in changes]
        templates_changed = any(any(p.is_relative_to(d) for d in template_dirs) or p in settings for p in changed)
        try:
            previewer.rebuild(templates_changed=templates_changed)
        except Exception:  # a bug, not the content's fault: say so, and keep watching
            # Left to itself the exception would end this thread silently, and every
            # later save would go unseen while the pages looked current.
            print("briefgen preview: internal error while rebuilding (please report it):", file=previewer.log)
            traceback.print_exc(file=previewer.log)
            print("briefgen preview: still watching; serving the last good drafts", file=previewer.log)
            previewer.log.flush()


__all__ = ["watch"]
