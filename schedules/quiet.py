"""Quiet hours: a push decided at night waits for the morning of the next working day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from schedules import workdays
from schedules.policy import DEFAULT, ReminderPolicy

# Pushes an admin means to reach people at once; `urgent_on_holidays` lets them out on days off.
URGENT_KINDS = frozenset({"urge"})


def in_quiet(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def deliver_at(
    now: datetime, policy: ReminderPolicy, tz: ZoneInfo, kind: str | None = None
) -> datetime:
    """`now`, or the end of the quiet hours it falls in, moved to the next working day.

    A push held overnight is released at 08:00 (by default) of the next working day, so a
    22:00 urging on 30 September arrives on the 调休 Saturday after National Day, not on
    1 October; with the policy's `urgent_on_holidays` an urging (`kind` "urge") is released
    at 08:00 of the next day whether it is a working day or not.
    """
    local = now.astimezone(tz)
    start, end = policy.quiet_start, policy.quiet_end
    if start == end or not in_quiet(local.time(), start, end):
        return now
    day = local.date()
    if local.time() >= end:
        day += timedelta(days=1)
    if not (policy.urgent_on_holidays and kind in URGENT_KINDS):
        day = workdays.on_or_after(day)
    return datetime.combine(day, end, tzinfo=tz)


def deliver_after_all(
    now: datetime, policies: Sequence[ReminderPolicy], tz: ZoneInfo, kind: str | None = None
) -> datetime:
    """`deliver_at` under several plans' policies at once (a push over several plans, or about
    none in particular): after the quiet hours of every one; the default policy's without any."""
    return max(deliver_at(now, policy, tz, kind) for policy in policies or [DEFAULT])
