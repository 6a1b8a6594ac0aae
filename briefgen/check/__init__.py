"""The check stage: every record against its field rules, references, sources and quotes, standards."""
