"""Deadlines as people read them: the date with its weekday and holiday, `6月10日(周五·端午)`,
and a date moved off a holiday, `10月1日→10月8日(周六·调休上班·顺延)`."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.holiday_calendar import canonical
from locales import Translator
from schedules import workdays


def holiday_text(t: Translator, name: str) -> str:
    """A holiday's name in the reader's language; an imported name no statutory holiday has
    is shown as the schedule wrote it."""
    key = f"cal.holiday_{canonical(name)}"
    return t(key) if t.has(key) else name


def dated(t: Translator, day: date) -> str:
    """`2月5日(周五)`: a day with its weekday alone."""
    return t("cal.due", day=t.day(day), weekday=t(f"cal.weekday_{day.isoweekday()}"))


def due_day(
    t: Translator, day: date, *, moved_from: date | None = None, written: str | None = None
) -> str:
    """`day` with its weekday and what the calendar says of it; `written` (the plan's words,
    e.g. 5月底) goes in the same brackets unless it is a date already shown."""
    # Remembered: a listing shows the same few deadlines on every line, for every reader
    # (eight catalogue lookups and a calendar query each); forgotten when the calendar changes.
    return _due_day(t.locale, t.tz, day, moved_from, written)


@lru_cache(maxsize=4096)
def _due_day(
    locale: str, tz: ZoneInfo, day: date, moved_from: date | None, written: str | None
) -> str:
    t = Translator(locale, tz)
    notes = []
    name = workdays.holiday(day)
    if name is not None:
        notes.append(holiday_text(t, name))
    elif day.isoweekday() > 5 and workdays.is_workday(day):
        notes.append(t("cal.makeup_workday"))
    if moved_from is not None:
        notes.append(t("cal.moved"))
    shown = t.day(day)
    if written and written not in (shown, t.day(moved_from) if moved_from else None):
        notes.append(written)
    weekday = t(f"cal.weekday_{day.isoweekday()}")
    if notes:
        text = t("cal.due_noted", day=shown, weekday=weekday, notes=t("cal.notes").join(notes))
    else:
        text = t("cal.due", day=shown, weekday=weekday)
    if moved_from is None:
        return text
    return t("cal.due_moved", before=t.day(moved_from), after=text)


workdays.on_change(_due_day.cache_clear)
