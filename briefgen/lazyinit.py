"""Dataclasses whose ``__init__`` is written the first time it is called.

``dataclasses.dataclass`` writes each class's ``__init__`` as Python source and compiles
it when the class is defined: about a third of a millisecond for a record of a dozen
fields, paid by every command at start-up for every class it imports. Most commands
never call most of them: a build whose records come from the records cache makes them
without ``__init__`` (check/recordcache.py), and ``--version`` makes none. A class
decorated with :func:`lazy_dataclass` is a dataclass in every other respect (fields,
``dataclasses.fields``, ``replace``, frozen-ness, ``__post_init__``), and its
``__init__`` is the very one ``dataclass`` would have written, made on first use.
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
        cls = dataclasses.dataclass(cls, init=False, repr=repr, eq=eq, frozen=frozen)  # type: ignore[assignment]
        type.__setattr__(cls, "__init__", _first_init(cls, frozen))
        return cls

    return wrap


def _first_init(cls: type, frozen: bool) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _written_init(cls, frozen)
        type.__setattr__(cls, "__init__", real)
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _written_init(cls: type, frozen: bool) -> Callable[..., None]:
    """The ``__init__`` dataclass writes for ``cls``'s fields: written for a stand-in class
    with the same fields in the same order (defaults, factories, ``init=False`` fields),
    the same frozen-ness and the same ``__post_init__``, so it is dataclass's own code."""
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
    if hasattr(cls, "__post_init__"):
        namespace["__post_init__"] = cls.__post_init__
    stand_in: type = dataclasses.dataclass(type(cls.__name__, (), namespace), repr=False, eq=False, frozen=frozen)
    init: Callable[..., None] = stand_in.__init__  # type: ignore[misc]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init
