"""The kinds of field value the content model knows: the one table of them.

Every YAML-facing field of the model names one of these kinds (see ``model.spec``). The
validator reads each kind with a reader of its own (``check.fields``), the JSON Schema
describes each (``authoring.schema``), and the skeletons ``briefgen new`` writes say in
their comments what a value looks like; each of those keeps a table keyed by these names,
and ``tests/test_fields.py`` proves every table covers exactly this one.
"""

from __future__ import annotations

from typing import NamedTuple


class FieldKind(NamedTuple):
    """One kind of field value."""

    name: str
    #: a list (a single value is read as a list of one); its default is an empty list
    listed: bool
    #: what a value (or, for a list, one item) of this kind is, for messages and comments
    expected: str
    #: the longest value (or item) in characters, unless a field sets its own (BG123)
    max_len: int | None = None


#: Ids are short words; a longer one is a mistake (or an attack on layout time).
MAX_ID_LEN = 100


FIELD_KINDS: dict[str, FieldKind] = {
    kind.name: kind
    for kind in (
        FieldKind("text", False, "text"),
        FieldKind("markdown", False, "text"),  # Markdown with briefgen's citations and mentions
        FieldKind("url", False, "text", 2000),  # an http, https or mailto URL
        FieldKind("path", False, "a path"),  # a file under content/ (grammar.path_problem: BG113)
        FieldKind("template", False, "a template name"),  # grammar.TEMPLATE_NAME
        FieldKind("bool", False, "true or false"),
        FieldKind("slug", False, "an id", MAX_ID_LEN),  # the record's own id
        FieldKind("ref", False, "an id", MAX_ID_LEN),  # the id of a record of the field's collections
        FieldKind("refs", True, "an id", MAX_ID_LEN),
        FieldKind("texts", True, "text"),
        FieldKind("enum", False, "one of the allowed values"),
        FieldKind("date", False, "a date"),  # grammar.DATE_FORMS tells its forms
        FieldKind("names", True, "a name"),  # CSL names: a string or {family, given, literal}
        FieldKind("coords", False, "[latitude, longitude]"),
        FieldKind("record", False, "a mapping"),  # one nested record
        FieldKind("records", True, "a mapping"),  # a list of nested records
    )
}
