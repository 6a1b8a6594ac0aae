"""Editions: a brief's fact base at a git revision, and what changed since."""
