"""The ``preview`` command: serve drafts that rebuild on every save."""

from __future__ import annotations

import argparse

from briefgen.commands.common import Add, project_of


def cmd_preview(args: argparse.Namespace) -> int:
    from briefgen.preview.server import serve

    return serve(project_of(args), args.host, args.port, args.open)


def _port_number(text: str) -> int:
    """A TCP port for --port: argparse reports anything else as a usage error (exit 2)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (a port is 0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: use 0 to 65535 (0 picks a free one)")
    return port


def add_commands(add: Add) -> None:
    """Register ``preview`` on the main parser."""
    p = add(
        "preview",
        "Serve HTML drafts that rebuild and reload on every save.",
        "example: briefgen preview --port 8000 --open",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=_port_number, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the index in a web browser")
    p.set_defaults(func=cmd_preview)
