"""lazy_dataclass: a dataclass whose __init__ is written on first call behaves exactly as
the one @dataclass writes at once (defaults, factories, errors, frozen, __post_init__)."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import pytest

from briefgen.facts import model
from briefgen.lazyinit import lazy_dataclass
from tests.conftest import REPO


def _fresh_pair(frozen: bool = False) -> tuple[type, type]:
    """The same class body, made once by @dataclass and once by @lazy_dataclass."""

    def body(decorate):  # type: ignore[no-untyped-def]
        @decorate
        class Thing:
            """A thing."""

            name: str
            count: int = 0
            tags: list[str] = dataclasses.field(default_factory=list)
            hidden: str = dataclasses.field(default="x", init=False)

            def __post_init__(self) -> None:
                if self.count < 0:
                    raise ValueError("negative")

        return Thing

    return body(dataclasses.dataclass(frozen=frozen)), body(lazy_dataclass(frozen=frozen))


@pytest.mark.parametrize("frozen", [False, True])
def test_a_lazy_init_does_what_the_dataclass_init_does(frozen: bool) -> None:
    eager, lazy = _fresh_pair(frozen)
    for args, kwargs in [(("a",), {}), (("a", 2), {}), ((), {"name": "b", "tags": ["t"]}), (("c",), {"count": 3})]:
        one, two = eager(*args, **kwargs), lazy(*args, **kwargs)
        assert dataclasses.asdict(one) == dataclasses.asdict(two)
    first, second = lazy("a"), lazy("b")
    assert first.tags is not second.tags, "each instance gets its own list from the factory"
    for args, kwargs in [((), {}), (("a",), {"nope": 1}), (("a", 1, [], "z"), {})]:
        with pytest.raises(TypeError) as eager_error:
            eager(*args, **kwargs)
        with pytest.raises(TypeError) as lazy_error:
            lazy(*args, **kwargs)
        assert str(lazy_error.value) == str(eager_error.value)
    with pytest.raises(ValueError, match="negative"):
        lazy("a", -1)  # __post_init__ runs
    if frozen:
        with pytest.raises(dataclasses.FrozenInstanceError):
            lazy("a").count = 2  # type: ignore[misc]


def test_the_init_is_written_once_with_the_classs_own_signature() -> None:
    _, lazy = _fresh_pair()
    placeholder = lazy.__init__
    lazy("a")
    written = lazy.__init__
    assert written is not placeholder
    assert list(inspect.signature(written).parameters) == ["self", "name", "count", "tags"]
    lazy("b")
    assert lazy.__init__ is written
    assert written.__qualname__.endswith("Thing.__init__")


def test_every_record_class_builds_as_dataclass_would() -> None:
    """Each class of the fact model made with no arguments but its required ones holds the
    defaults dataclasses.fields says, and replace() works (it calls __init__)."""
    for cls in [*model.COLLECTIONS.values(), model.FactBase, model.Citation, model.Name]:
        required = {
            f.name: "x"
            for f in dataclasses.fields(cls)
            if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        made = cls(**required)
        for f in dataclasses.fields(cls):
            if f.name in required:
                continue
            expected = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            assert getattr(made, f.name) == expected, (cls.__name__, f.name)
        again = dataclasses.replace(made)
        assert again == made and again is not made


def test_version_writes_no_record_init() -> None:
    """A command that makes no record (here --version) compiles none of their __init__s."""
    probe = (
        "import sys, dataclasses\n"
        "from briefgen.commands.main import run\n"
        "from briefgen.facts import model\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "print(sum('__create_fn__' in c.__init__.__code__.co_qualname or c.__init__.__code__.co_filename == '<string>'"
        " for c in model.COLLECTIONS.values()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, "--version"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout.split()
    assert out[-1] == "0"


def test_every_dataclass_of_briefgen_has_a_docstring() -> None:
    """Without one, dataclass writes a docstring from inspect.signature when the class is
    defined (milliseconds at every start); a lazy_dataclass refuses to be defined."""
    import ast

    missing = []
    for path in sorted((REPO / "briefgen").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ClassDef)
                and ast.get_docstring(node) is None
                and any("dataclass" in ast.unparse(d) for d in node.decorator_list)
            ):
                missing.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert not missing


def test_a_lazy_dataclass_without_a_docstring_is_refused() -> None:
    with pytest.raises(TypeError, match="docstring"):

        @lazy_dataclass()
        class Bare:
            x: int


def test_what_it_cannot_write_as_dataclass_does_is_refused_at_definition() -> None:
    """An __init__ of the class's own (dataclass keeps it: this would replace it), an
    InitVar (left out of fields()), and a field without a default after one with a
    default (dataclass says so at definition, not at the first call)."""
    with pytest.raises(TypeError, match="its own __init__"):

        @lazy_dataclass()
        class OwnInit:
            """Has its own __init__."""

            x: int = 0

            def __init__(self, v: int) -> None:
                self.x = v

    with pytest.raises(TypeError, match="InitVar"):

        @lazy_dataclass()
        class WithInitVar:
            """Has an InitVar."""

            x: int
            y: dataclasses.InitVar[int] = 0

    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):

        @lazy_dataclass()
        class BadOrder:
            """Fields in an order dataclass refuses."""

            x: int = 1
            y: int


def test_post_init_is_decided_at_definition_as_dataclass_does() -> None:
    @lazy_dataclass()
    class Late:
        """__post_init__ added after definition."""

        x: int = 0

    @dataclasses.dataclass
    class LatePlain:
        """The same, made by dataclass."""

        x: int = 0

    def late(self):  # type: ignore[no-untyped-def]
        self.x = 42

    Late.__post_init__ = late  # type: ignore[attr-defined]
    LatePlain.__post_init__ = late  # type: ignore[attr-defined]
    assert Late().x == LatePlain().x == 0
