"""The working-day calendar: imported State Council schedules first, then chinesecalendar,
then Monday–Friday for a year neither knows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from typing import NamedTuple

import chinese_calendar

HOLIDAY, WORKDAY = "holiday", "workday"  # a day off with its name | a 调休 make-up working day

# Names as notices write them → the library's keys, so a translated name is shown for both.
_ALIASES = {
    "元旦": "new_years_day",
    "春节": "spring_festival",
    "清明": "tomb_sweeping_day",
    "清明节": "tomb_sweeping_day",
    "劳动节": "labour_day",
    "五一": "labour_day",
    "端午": "dragon_boat_festival",
    "端午节": "dragon_boat_festival",
    "中秋": "mid_autumn_festival",
    "中秋节": "mid_autumn_festival",
    "国庆": "national_day",
    "国庆节": "national_day",
}


class HolidayDay(NamedTuple):
    """One day of a State Council schedule (放假安排)."""

    day: date
    kind: str  # HOLIDAY | WORKDAY
    name: str | None  # 春节…; optional for a make-up working day
    year: int  # the schedule it belongs to (元旦 may reach into the year before)


def canonical(name: str) -> str:
    """A holiday's key (`spring_festival`) when it is one of the statutory ones, else the name."""
    return _ALIASES.get(name.strip(), name.strip())


@cache
def library_covers(year: int) -> bool:
    """Whether the installed chinesecalendar has the State Council's schedule of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def library_years() -> tuple[int, int]:
    """The first and last year the installed chinesecalendar knows."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def library_schedule(year: int) -> list[HolidayDay]:
    """The library's days off (named) and make-up working days of `year`, in date order."""
    found = [
        HolidayDay(day, HOLIDAY, _library_name(value), year)
        for day, value in chinese_calendar.holidays.items()
        if day.year == year
    ]
    found += [
        HolidayDay(day, WORKDAY, _library_name(value), year)
        for day, value in chinese_calendar.workdays.items()
        if day.year == year
    ]
    return sorted(found)


def _library_name(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(chinese_calendar.Holiday(value).name)
    except ValueError:
        return value


class Calendar:
    """Working days and holiday names. A year with an imported schedule is read from it alone
    (it replaces what the library says about that year); other years from the library;
    a year neither covers counts Monday–Friday."""

    def __init__(self, days: Iterable[HolidayDay] = ()) -> None:
        listed = list(days)
        self._days = {d.day: d for d in listed}
        self._years = frozenset(d.year for d in listed)

    @property
    def imported_years(self) -> list[int]:
        return sorted(self._years)

    def with_days(self, days: Iterable[HolidayDay]) -> Calendar:
        """This calendar with other schedules in place of those of the same years."""
        added = list(days)
        years = {d.year for d in added}
        return Calendar([d for d in self._days.values() if d.year not in years] + added)

    def source(self, year: int) -> str | None:
        """Where the year's days come from: imported, library, or None (Monday–Friday)."""
        if year in self._years:
            return "imported"
        return "library" if library_covers(year) else None

    def covers(self, year: int) -> bool:
        return self.source(year) is not None

    def schedule(self, year: int) -> list[HolidayDay]:
        """The named days of `year`'s schedule (imported or the library's), in date order."""
        if year in self._years:
            return sorted(d for d in self._days.values() if d.year == year)
        return library_schedule(year) if library_covers(year) else []

    def is_workday(self, day: date) -> bool:
        listed = self._days.get(day)
        if listed is not None:
            return listed.kind == WORKDAY
        if day.year not in self._years and library_covers(day.year):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The holiday `day` is off for (`spring_festival`, or an imported name no statutory
        holiday has); None for a working day or a plain weekend."""
        listed = self._days.get(day)
        if listed is not None:
            return canonical(listed.name) if listed.kind == HOLIDAY and listed.name else None
        if day.year in self._years or not library_covers(day.year):
            return None
        off, name = chinese_calendar.get_holiday_detail(day)
        return _library_name(name) if off else None

    def next_workday(self, day: date, limit: int = 60) -> date:
        """`day` itself if worked, else the first working day after it."""
        for _ in range(limit):
            if self.is_workday(day):
                return day
            day += timedelta(days=1)
        return day
