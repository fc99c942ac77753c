"""Working days in mainland China: weekends, public holidays and 调休 make-up working days.

The calendar in use (domain.holiday_calendar) is one per process: the library's years plus
the schedules imported into the store (`main.py holidays import`, a plan's `holidays:`),
read at start-up, after an import, and again by the scheduler when the stored ones change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

from domain.holiday_calendar import Calendar
from storage import holidays
from storage.db import Store

log = logging.getLogger(__name__)

# Far enough to step over the longest run of holidays (Spring Festival plus weekends).
_MAX_STEPS = 60

_calendar = Calendar()
_stamp: str | None = None  # the stored schedules `_calendar` was built from
_listeners: list[Callable[[], None]] = []  # caches of answers derived from the calendar


def current() -> Calendar:
    return _calendar


def on_change(forget: Callable[[], None]) -> None:
    """Have `forget` called whenever another calendar is put in use (a cache's `cache_clear`)."""
    _listeners.append(forget)


def use(calendar: Calendar, stamp: str | None = None) -> None:
    """Put a calendar in use (and forget every answer the old one gave)."""
    global _calendar, _stamp
    _calendar, _stamp = calendar, stamp
    for cached in (is_workday, holiday, add, _warn_uncovered):
        cached.cache_clear()
    for forget in _listeners:
        forget()


async def reload(store: Store) -> Calendar:
    """The calendar of the library and the store's imported schedules, put in use."""
    async with store.read() as db:
        stamp = await holidays.stamp(db)
        days = await holidays.every_day(db)
    use(Calendar(days), stamp)
    return _calendar


async def refresh(store: Store) -> None:
    """Reload when another process (the `holidays import` command) changed the schedules."""
    async with store.read() as db:
        stamp = await holidays.stamp(db)
    if stamp != _stamp:
        await reload(store)


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """A working day by the State Council's calendar; Monday-Friday outside the years known."""
    if not _calendar.covers(day.year):
        _warn_uncovered(day.year)
    return _calendar.is_workday(day)


@lru_cache(maxsize=64)
def _warn_uncovered(year: int) -> None:
    log.warning("no official holiday calendar for %d: counting Monday-Friday as working days", year)


@lru_cache(maxsize=4096)
def holiday(day: date) -> str | None:
    """The public holiday `day` is part of: a `chinese_calendar.Holiday` name (e.g.
    "dragon_boat_festival") or an imported name no statutory holiday has; None for a working
    day, a plain weekend or a year not covered."""
    return _calendar.holiday_name(day)


def covers(year: int) -> bool:
    """Whether the holiday calendar knows this year (else weekends alone are skipped)."""
    return _calendar.covers(year)


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
