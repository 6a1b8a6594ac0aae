"""Dataclasses whose ``__init__`` is written the first time it is called.

``dataclasses.dataclass`` writes each class's ``__init__`` as Python source and compiles
it when the class is defined: about a third of a millisecond for a record of a dozen
fields, paid by every command at start-up for every class it imports. Most commands
never call most of them: a build whose records come from the records cache makes them
without ``__init__`` (check/recordcache.py), and ``--version`` makes none. A class
decorated with :func:`lazy_dataclass` is a dataclass in every other respect (fields,
``dataclasses.fields``, ``replace``, frozen-ness, ``__post_init__``, the field-order
error at definition), and its ``__init__`` is the very one ``dataclass`` would have
written, made on first use. Until then ``inspect.signature`` of the class reads
``(*args, **kwargs)``. What it cannot write the same way is refused when the class is
defined: an ``__init__`` of the class's own, ``InitVar`` fields, a class without a
docstring (``dataclass`` would write one from the signature).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T", bound=type)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def lazy_dataclass(*, repr: bool = True, eq: bool = True, frozen: bool = False) -> Callable[[T], T]:
    """``@dataclass(repr=..., eq=..., frozen=...)`` with the ``__init__`` made on first call."""

    def wrap(cls: T) -> T:
        if not cls.__doc__:  # dataclass would write one from a signature the placeholder hides
            raise TypeError(f"{cls.__qualname__}: a lazy_dataclass needs a docstring")
        if "__init__" in cls.__dict__:
            raise TypeError(f"{cls.__qualname__}: a lazy_dataclass writes its own __init__")
        cls = dataclasses.dataclass(cls, init=False, repr=repr, eq=eq, frozen=frozen)  # type: ignore[assignment]
        _refuse_what_differs(cls)
        type.__setattr__(cls, "__init__", _first_init(cls, frozen, hasattr(cls, "__post_init__")))
        return cls

    return wrap


def _refuse_what_differs(cls: type) -> None:
    """At definition, what ``dataclass`` would say there: an ``InitVar`` (left out of
    ``fields``, so the written ``__init__`` would lack it) or a field without a default
    after one with a default."""
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    for name, f in cls.__dataclass_fields__.items():  # type: ignore[attr-defined]
        if name not in names and _is_init_var(f.type):
            raise TypeError(f"{cls.__qualname__}: a lazy_dataclass takes no InitVar ({name})")
    defaulted = False
    for f in fields:
        if not f.init or f.kw_only:
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if defaulted and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        defaulted = defaulted or has_default


def _is_init_var(annotation: object) -> bool:
    """``InitVar[...]``, as an object or as the text a postponed annotation is."""
    if isinstance(annotation, str):
        return annotation.split("[", 1)[0].strip().rsplit(".", 1)[-1] == "InitVar"
    return isinstance(annotation, dataclasses.InitVar) or annotation is dataclasses.InitVar


def _first_init(cls: type, frozen: bool, post_init: bool) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _written_init(cls, frozen, post_init)
        type.__setattr__(cls, "__init__", real)
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    return __init__


def _written_init(cls: type, frozen: bool, post_init: bool) -> Callable[..., None]:
    """The ``__init__`` dataclass writes for ``cls``'s fields: written for a stand-in class
    with the same fields in the same order (defaults, factories, ``init=False`` fields),
    the same frozen-ness and a ``__post_init__`` when the class had one at definition, so
    it is dataclass's own code."""
    # A docstring, or dataclass would write one from inspect.signature (slow at start-up).
    namespace: dict[str, Any] = {"__module__": cls.__module__, "__doc__": cls.__doc__, "__annotations__": {}}
    for f in dataclasses.fields(cls):
        namespace["__annotations__"][f.name] = f.type
        namespace[f.name] = dataclasses.field(
            default=f.default,
            default_factory=f.default_factory,
            init=f.init,
            repr=False,
            compare=False,
            kw_only=f.kw_only,
        )
    if post_init:  # as the class was defined (dataclass decides it then)
        namespace["__post_init__"] = _post_init_called_by_name
    stand_in: type = dataclasses.dataclass(type(cls.__name__, (), namespace), repr=False, eq=False, frozen=frozen)
    init: Callable[..., None] = stand_in.__init__  # type: ignore[misc]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _post_init_called_by_name(self: Any) -> None:
    """Marks the stand-in as having a ``__post_init__``: the ``__init__`` written calls
    ``self.__post_init__()``, the instance's own."""
