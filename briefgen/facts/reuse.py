"""What a check may take from the previous check over the same ParseCache (the language
server's, the live preview's): results that depend on one record alone, kept by the
record object.

The validator hands back the very record objects of a file whose text is unchanged (see
check/validate.py), and nothing changes a record once it is made; so a result worked out
from a record (and the lines of its own file, which come with it) holds for as long as
the same object comes back. A result that also depends on the rest of the base says so
with ``depends``: it is kept only while that part of the base compares equal. A check
after a one-file edit then works out again only the edited file's records and the joins
across files; ``computed`` counts the work done, for tests.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from briefgen.facts.model import FactBase

T = TypeVar("T")
R = TypeVar("R")

#: A job's memo: id(record) -> (the record, kept alive so its id is not reused; the result).
_Memo = dict[int, tuple[object, Any]]


class Job:
    """One kind of per-record result, memoised by record object for one check run."""

    def __init__(self, reuse: Reuse, name: str, old: _Memo, fresh: _Memo):
        self.reuse, self.name, self.old, self.fresh = reuse, name, old, fresh

    def __call__(self, record: R, compute: Callable[[R], T]) -> T:
        key = id(record)
        hit = self.old.get(key)
        if hit is not None and hit[0] is record:
            value: T = hit[1]
        else:
            value = compute(record)
            self.reuse.computed[self.name] += 1
        self.fresh[key] = (record, value)
        return value


def no_reuse(record: R, compute: Callable[[R], T]) -> T:
    """A Job's stand-in for a check that keeps nothing (``briefgen check``)."""
    return compute(record)


def each(
    reuse: Reuse | None,
    base: FactBase,
    name: str,
    collections: Iterable[str],
    compute: Callable[[Any], T],
    depends: object = None,
) -> Iterable[T]:
    """``compute(record)`` for every record of ``collections`` in the base's order; kept
    file by file with ``reuse`` (:meth:`Reuse.results`)."""
    if reuse is None:
        return (compute(record) for collection in collections for record in base.collection(collection).values())
    return reuse.results(name, collections, compute, depends)


class Reuse:
    """Per-record results of the last check, for the next one over the same files."""

    def __init__(self) -> None:
        self._old: dict[str, _Memo] = {}
        self._fresh: dict[str, _Memo] = {}
        #: what each job's results read beyond their record: the kept ones', this check's
        self._old_depends: dict[str, object] = {}
        self._fresh_depends: dict[str, object] = {}
        self._old_values: dict[str, dict[Hashable, Any]] = {}
        self._fresh_values: dict[str, dict[Hashable, Any]] = {}
        #: results worked out (not reused) per job since the last ``start``: for tests
        self.computed: Counter[str] = Counter()
        #: this check's files: (collection, the list of its records in the base)
        self.files: list[tuple[str, list[Any]]] = []

    def start(self) -> None:
        """A new check begins: what the last one kept is what may be reused."""
        self._fresh, self._fresh_values, self._fresh_depends = {}, {}, {}
        self.computed = Counter()

    def finish(self) -> None:
        """The check ended: what it used is kept, the rest (records gone) dropped."""
        self._old, self._fresh = self._fresh, {}
        self._old_values, self._fresh_values = self._fresh_values, {}
        self._old_depends, self._fresh_depends = self._fresh_depends, {}

    def job(self, name: str, depends: object = None) -> Job:
        """The memo of ``name``: results computed while ``depends`` (what else they read,
        compared with ``==``) was equal to this run's are reused."""
        old = self._old.get(name, {})
        if self._old_depends.get(name) != depends:
            old = {}  # (a check that ended half way kept nothing: its depends are not these)
        self._fresh_depends[name] = depends
        fresh = self._fresh.setdefault(name, {})
        return Job(self, name, old, fresh)

    def results(
        self, name: str, collections: Iterable[str], compute: Callable[[Any], T], depends: object = None
    ) -> Iterator[T]:
        """``compute(record)`` for every record of ``collections``, in the base's order,
        kept file by file: an unchanged file's records come back as the same list (see
        ``files``), so a check after a one-file edit looks up each other file once."""
        job = self.job(name + " (files)", depends)

        def per_file(records: list[Any]) -> list[T]:
            self.computed[name] += len(records)
            return [compute(record) for record in records]

        # Chained at C speed: a large base has tens of thousands of records.
        return itertools.chain.from_iterable(
            job(records, per_file) for collection in collections for held, records in self.files if held == collection
        )

    def per_file(self, name: str, collection: str, compute: Callable[[list[Any]], T]) -> Iterator[T]:
        """``compute(records)`` for each file of ``collection`` (its records in the base),
        in the base's order, kept by the file's list of records."""
        job = self.job(name + " (files)")

        def counted(records: list[Any]) -> T:
            self.computed[name] += len(records)
            return compute(records)

        for held, records in self.files:
            if held == collection:
                yield job(records, counted)

    def same(self, name: str, given: Any, compute: Callable[[Any], T]) -> T:
        """``compute(given)``, or the last check's result when its ``given`` compared
        equal (a pure function of a whole graph, say, that seldom changes)."""
        last = self._old_values.get(name, {}).get("same")
        # In order: dicts compare equal whatever their order, and a result may depend on it
        # (which member of a circle is met first decides how the circle is told).
        if last is not None and last[0] == given and _in_order(last[0]) == _in_order(given):
            result: T = last[1]
        else:
            result = compute(given)
            self.computed[name] += 1
        self._fresh_values.setdefault(name, {})["same"] = (given, result)
        return result

    def values(self, name: str) -> tuple[dict[Hashable, Any], dict[Hashable, Any]]:
        """The last check's and this check's results keyed by value, for a loop that looks
        up many (see :meth:`value`): read ``fresh``, then ``old``; write ``fresh``."""
        return self._old_values.get(name, {}), self._fresh_values.setdefault(name, {})

    def value(self, name: str, key: Hashable, compute: Callable[[], T]) -> T:
        """A result keyed by value rather than by record (a quote in an archive's text,
        by the archive's identity): reused while some check keeps asking for it."""
        fresh = self._fresh_values.setdefault(name, {})
        if key in fresh:
            found: T = fresh[key]
            return found
        old = self._old_values.get(name, {})
        if key in old:
            fresh[key] = old[key]
        else:
            fresh[key] = compute()
            self.computed[name] += 1
        return fresh[key]  # type: ignore[no-any-return]


_BY_CACHE: weakref.WeakKeyDictionary[object, Reuse] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def reuse_for(owner: object) -> Reuse:
    """The Reuse kept with ``owner`` (a ParseCache), made on first use, gone with it."""
    with _LOCK:
        found = _BY_CACHE.get(owner)
        if found is None:
            found = _BY_CACHE[owner] = Reuse()
        return found


def _in_order(value: Any) -> Any:
    """``value`` with every dict as its list of items, so that comparing tells order too."""
    if isinstance(value, dict):
        return [(key, _in_order(item)) for key, item in value.items()]
    if isinstance(value, (list, tuple)):
        return [_in_order(item) for item in value]
    return value
