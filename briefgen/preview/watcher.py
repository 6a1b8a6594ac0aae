"""Watching the project for the live preview: rebuild whenever a file that matters is saved."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefgen.check.archives.read import FORMATS as ARCHIVE_FORMATS
from briefgen.facts.assets import FONT_SUFFIXES
from briefgen.facts.project import ignored_reason
from briefgen.preview.rebuild import Previewer, unexpected

#: how often (ms) the watch wakes with no change; its first wake-up says it is in place
_WAKE_MS = 100

#: What a rebuild may depend on: collections, templates and styles, images, fonts, and
#: every archive format (an edited web page or PDF archive changes what its quotes verify).
_WATCHED_SUFFIXES = {
    ".yaml",
    ".yml",
    ".json",
    ".j2",
    ".css",
    ".svg",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    *ARCHIVE_FORMATS,
    *FONT_SUFFIXES,
}


def relevant_filter(roots: list[Path]) -> Callable[[Any, str], bool]:
    """The filter watchfiles calls: True for a saved file a rebuild may depend on. Hidden
    and editor files are never watched, by the rule that keeps them from being loaded
    (project.ignored_reason), judged below the watched folder the file is in."""

    def relevant(change: Any, path: str) -> bool:
        saved = Path(path)
        if saved.suffix.lower() not in _WATCHED_SUFFIXES:
            return False
        for root in roots:
            if saved.is_relative_to(root):
                return ignored_reason(saved.relative_to(root)) is None
        return ignored_reason(saved.name) is None

    return relevant


def watch(previewer: Previewer, stop: threading.Event, ready: threading.Event | None = None) -> None:
    """Rebuild whenever watched files change (inotify through watchfiles; no polling loop).

    ``ready`` is set once the watch is in place (or has ended): a build started after that
    never misses a save. The thread never dies silently: a failure of the watching itself
    (BG704) is reported and watching starts again a moment later, then rebuilds everything;
    a rebuild reports its own failures (BG703).
    """
    failed = False
    rewatch = threading.Event()
    threading.Thread(
        target=_watch_project_folder, args=(previewer, stop, rewatch), daemon=True, name="briefgen-watch-settings"
    ).start()
    try:
        while not stop.is_set():
            try:
                _watch(previewer, stop, rewatch, ready, catch_up=failed)
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
                if ready is not None:
                    ready.set()  # the first build need not wait: the catch-up rebuild follows
                stop.wait(RETRY_SECONDS)
            else:
                return  # stopped
    finally:
        if ready is not None:
            ready.set()  # never leave the caller waiting for a watch that ended


#: How long to wait before watching again after a failure (no busy loop if it keeps failing).
RETRY_SECONDS = 1.0


class _Either:
    """Set when either event is: what watchfiles' ``stop_event`` is given, so the watch of
    content/ and templates/ ends when the preview stops or has to watch other folders."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self.first, self.second = first, second

    def is_set(self) -> bool:
        return self.first.is_set() or self.second.is_set()


#: How both watches wait. step: how long a burst of saves settles; debounce: never longer.
#: rust_timeout with yield_on_timeout: the first (empty) yield says the inotify watches are
#: in place, so no save from then on is missed; later empty yields are a cheap wake-up,
#: not a poll of the file system.
_WAITING: dict[str, Any] = {
    "debounce": 400,
    "step": 30,
    "rust_timeout": _WAKE_MS,
    "yield_on_timeout": True,
    "raise_interrupt": False,
}


#: What the watch of the project's own folder looks for (not below it: output/ and .venv/
#: are there): the settings file, written in place or renamed into place as editors save,
#: and a templates/ folder made, renamed or removed while the preview runs.
_SETTINGS, _TEMPLATES = "briefgen.yaml", "templates"


def _watch_project_folder(previewer: Previewer, stop: threading.Event, rewatch: threading.Event) -> None:
    """Watch the project folder itself: a saved briefgen.yaml rebuilds every brief (its
    settings touch all); a templates/ folder come or gone also sets ``rewatch``, so the
    folder watch starts again over the template folders there are now."""
    while not stop.is_set():
        try:
            _watch_settings_once(previewer, stop, rewatch)
        except Exception as exc:  # a bug must not pass silently, nor stop the preview
            previewer.report(
                unexpected(
                    exc,
                    "watching briefgen.yaml and templates/ failed",
                    "BG704",
                    "watching starts again in a second; if saves are not picked up, restart briefgen preview",
                )
            )
            stop.wait(RETRY_SECONDS)


def _watch_settings_once(previewer: Previewer, stop: threading.Event, rewatch: threading.Event) -> None:
    """One watch of the project folder (see :func:`_watch_project_folder`), until stopped."""
    import watchfiles

    for changes in watchfiles.watch(
        previewer.project.root,
        watch_filter=lambda _change, path: Path(path).name in (_SETTINGS, _TEMPLATES),
        recursive=False,
        stop_event=stop,
        **_WAITING,
    ):
        if not changes:
            continue
        if any(Path(p).name == _TEMPLATES for _, p in changes):
            rewatch.set()  # the folder watch rebuilds once it watches the new folders
        else:
            previewer.rebuild(templates_changed=True)


def _watch(
    previewer: Previewer,
    stop: threading.Event,
    rewatch: threading.Event,
    ready: threading.Event | None,
    catch_up: bool,
) -> None:
    """Watch until stopped, starting again whenever ``rewatch`` is set; ``catch_up`` first
    rebuilds everything (saves may have been missed)."""
    while not stop.is_set():
        _watch_folders(previewer, _Either(stop, rewatch), ready, catch_up)
        if rewatch.is_set():  # a templates/ folder came or went: watch the folders there are now
            rewatch.clear()
            catch_up = True


def _watch_folders(previewer: Previewer, stop: _Either, ready: threading.Event | None, catch_up: bool) -> None:
    """Watch content/ and the template folders until ``stop``; ``catch_up`` first rebuilds
    everything."""
    import watchfiles

    project = previewer.project
    template_dirs = [d.resolve() for d in project.template_folders()]
    paths = sorted({project.content.resolve(), *template_dirs})
    while not stop.is_set():
        try:
            for changes in watchfiles.watch(*paths, watch_filter=relevant_filter(paths), stop_event=stop, **_WAITING):
                if ready is not None:
                    ready.set()
                if catch_up:
                    catch_up = False
                    previewer.rebuild(templates_changed=True)
                if not changes:
                    continue
                changed = [Path(p) for _, p in changes]
                templates_changed = any(any(p.is_relative_to(d) for d in template_dirs) for p in changed)
                previewer.rebuild(templates_changed=templates_changed)
        except RuntimeError as exc:
            # watchfiles gives up on a change to a file whose name is not UTF-8 ("Unable to
            # decode path"), ending the watch. Something did change: watch again, then
            # rebuild everything (which file is unknown), so one odd name never stops reloads
            # and no save made while the watch restarts is lost.
            if "decode path" not in str(exc):
                raise
            catch_up = True


__all__ = ["relevant_filter", "watch"]
