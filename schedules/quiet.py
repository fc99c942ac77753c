"""Quiet hours: a push decided at night waits for the morning."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from schedules.policy import ReminderPolicy


def in_quiet(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def deliver_at(now: datetime, policy: ReminderPolicy, tz: ZoneInfo) -> datetime:
    """`now`, or the end of the quiet hours it falls in (08:00 the next morning by default)."""
    local = now.astimezone(tz)
    start, end = policy.quiet_start, policy.quiet_end
    if start == end or not in_quiet(local.time(), start, end):
        return now
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return wake
