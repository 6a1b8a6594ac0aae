"""The fact base: the typed records, the project's files, YAML with positions, the prose syntax."""
