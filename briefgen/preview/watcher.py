"""Watching the project for the live preview: rebuild whenever a file that matters is saved."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from briefgen.preview.rebuild import Previewer, unexpected

_WATCHED_SUFFIXES = {".yaml", ".yml", ".json", ".txt", ".j2", ".css", ".svg", ".png", ".jpg", ".jpeg", ".gif"}


def _relevant(change: Any, path: str) -> bool:
    """True for a saved file a rebuild may depend on (the filter watchfiles calls)."""
    name = Path(path).name
    if name.startswith((".", "#")) or name.endswith("~"):
        return False  # editor swap and backup files
    return Path(path).suffix.lower() in _WATCHED_SUFFIXES


def watch(previewer: Previewer, stop: threading.Event, ready: threading.Event | None = None) -> None:
    """Rebuild whenever watched files change (inotify through watchfiles; no polling loop).

    The thread never dies silently: a failure of the watching itself (BG704) is reported
    and watching starts again a moment later; a rebuild reports its own failures (BG703).
    """
    failed = False
    while not stop.is_set():
        try:
            _watch(previewer, stop, ready, catch_up=failed)
        except Exception as exc:
            previewer.report(
                unexpected(
                    exc,
                    "watching the project for saves failed",
                    "BG704",
                    "watching starts again in a second; if saves are not picked up, restart briefgen preview",
                )
            )
            failed = True
            stop.wait(RETRY_SECONDS)
        else:
            return  # stopped


#: How long to wait before watching again after a failure (no busy loop if it keeps failing).
RETRY_SECONDS = 1.0


def _watch(previewer: Previewer, stop: threading.Event, ready: threading.Event | None, catch_up: bool) -> None:
    """Watch until stopped; ``catch_up`` first rebuilds everything (saves may have been missed)."""
    import watchfiles

    project = previewer.project
    template_dirs = [d.resolve() for d in project.template_folders()]
    # The project settings (briefgen.yaml, e.g. max_age) touch every brief, like a template.
    settings = [p.resolve() for p in (project.root / "briefgen.yaml",) if p.is_file()]
    paths = sorted({project.content.resolve(), *template_dirs, *settings})
    if catch_up:
        previewer.rebuild(templates_changed=True)
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
        previewer.rebuild(templates_changed=templates_changed)  # never raises (BG703)


__all__ = ["watch"]
