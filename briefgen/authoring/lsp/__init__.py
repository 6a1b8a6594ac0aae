"""``briefgen lsp``: a language server for the fact base (pygls, over stdio)."""
