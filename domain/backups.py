"""When the daily backup is due, and when the newest one is too old: pure rules over instants."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

STALE_AFTER = timedelta(days=2)  # doctor and /pushes call a backup older than this a problem


def last_fire(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The latest instant at or before `now` when the clock in `tz` showed `at`."""
    local = now.astimezone(tz)
    today = datetime.combine(local.date(), at, tzinfo=tz)
    return (
        today
        if today <= local
        else datetime.combine(local.date() - timedelta(days=1), at, tzinfo=tz)
    )


def due(newest: datetime | None, now: datetime, at: time, tz: ZoneInfo) -> bool:
    """A backup is due when none was made since the last fire time: after a restart that
    missed the fire it runs once, however many days were missed; never twice for one fire."""
    return newest is None or newest < last_fire(now, at, tz)


def stale(newest: datetime | None, now: datetime) -> bool:
    return newest is None or now - newest > STALE_AFTER
