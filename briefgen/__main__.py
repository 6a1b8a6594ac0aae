"""Entry point for ``python -m briefgen``."""

from briefgen.cli import run

raise SystemExit(run())
