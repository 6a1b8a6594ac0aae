"""Reading an untrusted archive in a child process: the one runner for PDFs and web pages.

A crafted PDF or web page can make its parser loop, recurse or eat memory. So a reader
runs in a child process with a memory limit (``MAX_MEMORY``), killed after its time-out,
and what it returns (JSON) is kept in the cache folder by the file's bytes, so an
unchanged archive is read once per machine. A reader is a module named in ``READERS``
with a function ``extract(raw: bytes) -> dict`` that returns its result or
``{"error": ..., "hint": ...}`` (or raises ArchiveError).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefgen import __version__
from briefgen.cachedir import cache_folder, code_stamp, libraries_stamp, read_entry, write_entry
from briefgen.check.archives.model import READER_LIBRARIES, ArchiveError

#: the readers a child may run, by archive format (a fixed table: nothing else is imported)
READERS = {"pdf": "briefgen.check.archives.pdf", "html": "briefgen.check.archives.web"}
#: memory a reader may use
MAX_MEMORY = 1024 * 1024 * 1024


def read_in_child(
    kind: str, raw: bytes, *, timeout: float, what: str, version: int, valid: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """What the ``kind`` reader makes of ``raw``: from the cache, else read in a child
    process stopped after ``timeout`` seconds. ``what`` names the file in messages ("the
    PDF"); ``version`` is bumped when the reader's result changes; ``valid`` says whether
    a cached result has the reader's shape (a damaged entry is read again, not trusted).
    Raises ArchiveError for a file that cannot be read."""
    # The reader's code and libraries are part of the key: an upgraded pypdf or trafilatura
    # (or an edited reader) reads every archive again.
    stamp = f"{kind}\0{version}\0{__version__}\0{code_stamp()}\0{libraries_stamp(READER_LIBRARIES[kind])}\0"
    key = hashlib.sha256(stamp.encode() + raw).hexdigest()
    result, lasting = _cache_get(key, valid), True
    if result is None:
        result, lasting = _run(kind, raw, timeout, what)
        if lasting:  # a time-out may pass on a quieter machine: not kept
            _cache_put(key, result)
    if "error" in result:
        raise ArchiveError(result["error"], result["hint"], lasting=lasting)
    return result


def _run(kind: str, raw: bytes, timeout: float, what: str) -> tuple[dict[str, Any], bool]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[3])  # so the child imports this briefgen
    env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "briefgen.check.archives.child", kind],
            input=raw,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        error = {
            "error": f"reading {what} took longer than {timeout:g} s and was stopped",
            "hint": "the file may be damaged or crafted: archive the article's text as .txt instead",
        }
        return error, False
    try:
        result = json.loads(done.stdout)
    except ValueError:
        result = None
    if not isinstance(result, dict):
        result = {
            "error": f"{what} could not be read (the reader stopped: too large, or damaged)",
            "hint": "archive the article's text as .txt instead",
        }
    # Running out of memory depends on the machine (its limits, what else runs): not kept.
    return result, not result.pop("transient", False)


def _child(kind: str) -> None:
    """The child's main: a file on stdin, the reader's result as JSON on stdout; memory
    capped first."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MAX_MEMORY, MAX_MEMORY))
    import warnings

    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.CRITICAL)  # the readers' libraries log every oddity of a damaged file
    try:
        result = importlib.import_module(READERS[kind]).extract(sys.stdin.buffer.read())
    except ArchiveError as exc:
        result = {"error": exc.message, "hint": exc.hint}
    except MemoryError:
        result = {
            "error": "reading the file needed more memory than the reader may use (1 GiB)",
            "hint": "archive its text as .txt",
            "transient": True,
        }
    except RecursionError:
        result = {"error": "the file is nested too deeply to read", "hint": "archive its text as .txt"}
    sys.stdout.write(json.dumps(result))


def _cache_folder() -> Path | None:
    return cache_folder("archives")


def _cache_get(key: str, valid: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    folder = _cache_folder()
    payload = read_entry(folder / f"{key}.json") if folder is not None else None
    if payload is None:
        return None
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    if "error" in value:
        return value if isinstance(value.get("error"), str) and isinstance(value.get("hint"), str) else None
    return value if valid(value) else None


def _cache_put(key: str, value: dict[str, Any]) -> None:
    folder = _cache_folder()
    if folder is not None:
        write_entry(folder / f"{key}.json", json.dumps(value).encode("utf-8"))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in READERS:
        sys.exit(f"usage: python -m briefgen.check.archives.child {{{','.join(READERS)}}} < FILE")
    _child(sys.argv[1])
