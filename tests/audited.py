"""Run the briefgen command line under a Python audit hook, for tests that must show what a
build did NOT do: read a file outside the project, open a socket, start a program.

    python tests/audited.py LOG.json -- build --project DIR ...

Every ``open`` (path and mode), socket, urllib, subprocess and exec event is written to
LOG.json when the command ends, whatever its exit code. Reads done in C by libraries
(fontconfig reading fonts) are not seen; every file WeasyPrint or briefgen fetches goes
through Python and is.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

WATCHED = (
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "urllib.Request",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
)


def main() -> int:
    log_path = Path(sys.argv[1])
    if sys.argv[2] != "--":
        raise SystemExit("usage: audited.py LOG.json -- ARGS")
    args = sys.argv[3:]
    events: list[list[str]] = []

    def hook(event: str, details: tuple[Any, ...]) -> None:
        if event == "open":
            target = details[0]
            if isinstance(target, (str, bytes, os.PathLike)):
                events.append(["open", os.fsdecode(target)])
        elif event in WATCHED:
            events.append([event, repr(details)[:500]])

    sys.addaudithook(hook)
    from briefgen.commands.main import main as cli_main

    code = 1
    try:
        code = cli_main(args)
    finally:
        log_path.write_text(json.dumps(events))
    return code


if __name__ == "__main__":
    sys.exit(main())
