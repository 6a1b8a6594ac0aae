"""briefgen: structured policy briefs from sourced YAML facts."""

__version__ = "0.1.0"
