"""The render stage: a brief's citation plan, then its HTML (Jinja, Markdown) and PDF (WeasyPrint)."""
