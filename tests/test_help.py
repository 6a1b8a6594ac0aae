"""Help that teaches: every command's --help ends with an example, and the README documents
every command and every option the parser knows."""

from __future__ import annotations

import argparse
import re

import pytest

from briefgen.commands.main import build_parser
from tests.conftest import REPO, run_cli

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _section(command: str) -> str:
    """The README's section for ``command``: from its ``### `briefgen NAME`` heading to the next heading."""
    m = re.search(rf"^### `briefgen {re.escape(command)}(?=[ `]).*?(?=^##)", README, re.M | re.S)
    assert m, f"README.md has no '### `briefgen {command} ...`' section"
    return m.group(0)


#: Options the README documents once for all commands, in the Commands introduction.
_INTRO = README[README.index("## Commands") : README.index("### `briefgen")]


def test_there_are_commands_to_document() -> None:
    assert {"check", "build", "schema", "init", "new", "import-sources"} <= set(_commands())


@pytest.mark.parametrize("command", list(_commands()))
def test_help_ends_with_an_example(command: str) -> None:
    proc = run_cli(command, "--help")
    assert proc.returncode == 0
    last = proc.stdout.strip().splitlines()[-1]
    assert re.match(rf"example: briefgen {re.escape(command)}\b", last), last


@pytest.mark.parametrize("command", list(_commands()))
def test_readme_documents_the_command_and_each_of_its_options(command: str) -> None:
    section = _section(command)
    missing = []
    for action in _commands()[command]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            if not any(f"{opt}" in section or f"`{opt}" in _INTRO for opt in action.option_strings):
                missing.append("/".join(action.option_strings))
        else:
            name = action.metavar or action.dest
            if str(name) not in section:
                missing.append(str(name))
    assert missing == [], f"README section of 'briefgen {command}' does not mention: {', '.join(missing)}"


def test_main_help_lists_every_command_and_an_example() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in _commands():
        assert re.search(rf"^\s+{re.escape(command)}\b", proc.stdout, re.M), command
    assert proc.stdout.strip().splitlines()[-1].startswith("example: briefgen")


@pytest.mark.parametrize("command", ["check", "build", "new"])
def test_a_stray_argument_is_reported_with_the_command_usage(command: str) -> None:
    proc = run_cli(command, "--bogus")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"usage: briefgen {command} ")
    assert f"briefgen {command}: error: " in proc.stderr


def test_a_command_run_makes_only_its_own_parser_and_it_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every run makes the parser of the command it runs, not all thirteen (argparse's set-up
    # of each, a gettext look-up per text, cost a tenth of an HTML build): same usage, help
    # and defaults as in the whole parser.
    made: list[str] = []
    init = argparse.ArgumentParser.__init__

    def counted(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        made.append(str(kwargs.get("prog", "briefgen")))
        init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(argparse.ArgumentParser, "__init__", counted)
    for command in _commands():
        made.clear()
        parser = build_parser(command)
        assert made == ["briefgen", f"briefgen {command}"]
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        assert list(sub.choices) == [command]
        assert sub.choices[command].format_help() == _commands()[command].format_help()
        assert sub.choices[command].get_default("func") is _commands()[command].get_default("func")


def test_an_unknown_command_is_reported_with_every_command() -> None:
    proc = run_cli("bild")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "invalid choice: 'bild'" in proc.stderr
    assert all(f"'{command}'" in proc.stderr for command in _commands())
