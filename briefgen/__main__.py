"""Entry point for ``python -m briefgen``."""

from briefgen.commands.main import run

raise SystemExit(run())
