"""Authoring tools: JSON Schemas, skeletons for init and new, CSL-JSON import, YAML edits."""
