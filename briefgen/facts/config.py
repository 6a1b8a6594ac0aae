"""The optional project file ``briefgen.yaml``: settings that hold for every brief.

Today it has one key, ``max_age`` (claims older than this are stale; a brief's own
``max_age`` overrides it). Durations are written ``90d``, ``6w``, ``18m`` or ``5y``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from briefgen.errors import Pos, Problem
from briefgen.facts.load import LoadedFile, YMap, load_yaml_file
from briefgen.facts.model import PartialDate
from briefgen.facts.project import Project
from briefgen.words import counted, did_you_mean

CONFIG_FILE = "briefgen.yaml"
CONFIG_KEYS = ("max_age",)
#: The largest number a duration may hold (9999 years is longer than any date runs).
MAX_AMOUNT = 9999
_DURATION_RE = re.compile(r"^\s*(\d{1,4})\s*([dwmy])\s*$")
_UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}


class Duration(NamedTuple):
    """A length of time in days, weeks, months or years, as written (``18m``)."""

    amount: int
    unit: str  # d, w, m or y

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def human(self) -> str:
        return counted(self.amount, _UNITS[self.unit])

    def after(self, day: dt.date) -> dt.date:
        """``day`` plus this duration (31 January + 1m is 28 or 29 February), at most the
        last day a date can hold (9999-12-31 + 5y is still 9999-12-31)."""
        if self.unit in ("d", "w"):
            days = self.amount * (7 if self.unit == "w" else 1)
            if days > (dt.date.max - day).days:
                return dt.date.max
            return day + dt.timedelta(days=days)
        months = self.amount * (12 if self.unit == "y" else 1)
        years, month0 = divmod(day.month - 1 + months, 12)
        year, month = day.year + years, month0 + 1
        if year > dt.MAXYEAR:
            return dt.date.max
        return dt.date(year, month, min(day.day, _month_days(year, month)))


def parse_duration(value: object) -> Duration | None:
    """A Duration from ``'18m'``, ``'2y'``, ``'90d'``, ``'6w'``; None when it is not one."""
    if not isinstance(value, str):
        return None
    m = _DURATION_RE.match(value)
    if not m or int(m.group(1)) == 0:
        return None
    return Duration(int(m.group(1)), m.group(2))


def first_day(date: PartialDate) -> dt.date:
    """The first day a partial date can mean (2025-06 -> 1 June 2025)."""
    return dt.date(date.year, date.month or 1, date.day or 1)


def _month_days(year: int, month: int) -> int:
    import calendar  # month-end arithmetic is rare: not paid by every command's start-up

    return calendar.monthrange(year, month)[1]


def last_day(date: PartialDate) -> dt.date:
    """The last day a partial date can mean (2025 -> 31 December 2025)."""
    month = date.month or 12
    return dt.date(date.year, month, date.day or _month_days(date.year, month))


class Config(NamedTuple):
    """Project-wide settings and where they were written."""

    max_age: Duration | None = None
    max_age_pos: Pos | None = None


def duration_problem(pos: Pos, what: str, value: object) -> Problem:
    return Problem(
        pos,
        "BG105",
        f"{what}: '{value}' is not a duration",
        f"write a number from 1 to {MAX_AMOUNT} and a unit: 90d (days), 6w (weeks), 18m (months) or 5y (years)",
    )


def load_config(project: Project, load: Callable[[Path], LoadedFile] = load_yaml_file) -> tuple[Config, list[Problem]]:
    """The project's settings (defaults when there is no briefgen.yaml) and any problems.
    ``load`` reads the file (a ParseCache's: the language server's buffer of it)."""
    path = project.root / CONFIG_FILE
    if not path.is_file():
        return Config(), []
    loaded = load(path)
    problems = list(loaded.problems)
    data = loaded.data
    if data is None:
        return Config(), problems
    if not isinstance(data, YMap):
        problems.append(
            Problem(Pos(loaded.display, 1, 1), "BG008", f"{CONFIG_FILE} should be a mapping", "write e.g. max_age: 5y")
        )
        return Config(), problems
    for key in data:
        if key not in CONFIG_KEYS:
            problems.append(
                Problem(
                    data.key_pos[key],
                    "BG101",
                    f"unknown key '{key}' in {CONFIG_FILE}{did_you_mean(key, CONFIG_KEYS)}",
                    f"allowed keys: {', '.join(CONFIG_KEYS)}",
                )
            )
    max_age = None
    if data.get("max_age") is not None:
        max_age = parse_duration(data["max_age"])
        if max_age is None:
            problems.append(duration_problem(data.where("max_age"), f"'max_age' of {CONFIG_FILE}", data["max_age"]))
    return Config(max_age, data.where("max_age") if max_age else None), problems
