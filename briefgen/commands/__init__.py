"""The ``briefgen`` command line: a module per command group and one shared module."""
