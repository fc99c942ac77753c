"""Working days in mainland China: weekends, public holidays and 调休 make-up working days."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)

# Far enough to step over the longest run of holidays (Spring Festival plus weekends).
_MAX_STEPS = 60


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """A working day by the State Council's calendar; Monday-Friday outside the years it covers."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_uncovered(day.year)
        return day.weekday() < 5


@lru_cache(maxsize=64)
def _warn_uncovered(year: int) -> None:
    log.warning("no official holiday calendar for %d: counting Monday-Friday as working days", year)


@lru_cache(maxsize=4096)
def holiday(day: date) -> str | None:
    """The public holiday `day` is part of (`chinese_calendar.Holiday` name, e.g.
    "dragon_boat_festival"); None for a working day, a plain weekend or a year not covered."""
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if not off or name is None:
        return None
    try:
        return str(chinese_calendar.Holiday(name).name)
    except ValueError:
        return None


def covers(year: int) -> bool:
    """Whether the holiday calendar knows this year (else weekends alone are skipped)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def on_or_before(day: date) -> date:
    """The day itself if it is a working day, else the last working day before it."""
    for _ in range(_MAX_STEPS):
        if is_workday(day):
            return day
        day -= timedelta(days=1)
    return day


def on_or_after(day: date) -> date:
    """The day itself if it is a working day, else the first working day after it."""
    for _ in range(_MAX_STEPS):
        if is_workday(day):
            return day
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=16384)
def add(day: date, count: int) -> date:
    """The `count`-th working day after `day` (count >= 1)."""
    found = 0
    while found < count:
        day += timedelta(days=1)
        if is_workday(day):
            found += 1
    return day
