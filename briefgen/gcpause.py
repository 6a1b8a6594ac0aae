"""No cycle collection while the fact base is built.

Loading and checking a fact base allocates hundreds of thousands of objects that all
live on (records, positions, lists), and CPython's cycle collector re-examines every one
of them each time the heap grows by a quarter: on 10k claims that was about 0.3 s of a
1 s ``check``, and 2.5 s of a cold one. None of it finds garbage, because the records
hold no reference cycles (``tests/test_gcpause.py`` keeps it so); reference counting
frees them.

So the collector is paused while the base is built. A one-shot command (``check``,
``build``, ...; the CLI says so with ``declare_one_shot``) then moves the survivors to the
permanent generation (``gc.freeze``), so that later collections skip them too, as large
Python services do after start-up. A long-lived process (the live preview, a test run)
does not freeze: cyclic garbage its earlier work left would be frozen with the rest and
never freed. The pause is process-wide: in a one-shot build WeasyPrint runs after it, with
the collector on; in the preview, a PDF laid out in a server thread while the watcher
rebuilds the fact base runs those milliseconds without cycle collection, and what cyclic
garbage it makes is collected once the pause ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_one_shot = False


def declare_one_shot() -> None:
    """This process runs one command and exits: what the fact base build leaves is kept."""
    global _one_shot
    _one_shot = True


def freeze_survivors() -> None:
    """In a one-shot process, move everything alive now to the permanent generation.

    Called before WeasyPrint lays out PDFs: briefgen's modules, templates, fact base and
    HTML (some hundred thousand objects) would otherwise be traversed by every full
    collection WeasyPrint's allocations trigger, which made layout a few percent slower
    than in a process holding WeasyPrint alone.
    """
    if _one_shot:
        gc.freeze()


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; in a one-shot process, freeze what survived."""
    if not gc.isenabled():  # nested, or the caller has its own policy
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if _one_shot:
            # Objects that die later are still freed by reference counting; frozen ones
            # are only exempt from the collector's scans.
            gc.freeze()
        gc.enable()
