"""稍后提醒: a reminder's buttons to have it again later today or the next working morning,
never past its deadline; the tap queues that reminder again for that person only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import aiosqlite

from domain.messages import Choice
from locales import Translator
from schedules import workdays
from schedules.outbox import Recipient, queue, reply_from_body
from storage import outbox

LATER = time(16, 0)  # later today: still in office hours, an hour and more before they end
MORNING = time(9, 0)  # the next working day's first hour
KINDS = ("later", "tomorrow")
COMMAND = "/snooze"


def reminder_day(key: str) -> date | None:
    """The day of a reminder's key (`remind:2016-05-24` or `remind:2016-05-24:14:30`)."""
    head, _, rest = key.partition(":")
    if head != "remind":
        return None
    try:
        return date.fromisoformat(rest[:10])
    except ValueError:
        return None


def target(kind: str, day: date, tz: ZoneInfo) -> datetime:
    """When a reminder of `day` snoozed with `kind` comes again."""
    if kind == "later":
        return datetime.combine(day, LATER, tzinfo=tz)
    next_day = workdays.on_or_after(date.fromordinal(day.toordinal() + 1))
    return datetime.combine(next_day, MORNING, tzinfo=tz)


def offered(day: date, sent_at: datetime, deadline: date | None, tz: ZoneInfo) -> list[str]:
    """The snoozes a reminder sent at `sent_at` may offer: later today while it is still to
    come; the next working morning only if that is not past the earliest deadline it tells of
    (so on the due day, or once overdue, only later today)."""
    kinds = []
    if sent_at < target("later", day, tz):
        kinds.append("later")
    if deadline is None or target("tomorrow", day, tz).date() <= deadline:
        kinds.append("tomorrow")
    return kinds


def label(t: Translator, kind: str, day: date, tz: ZoneInfo) -> str:
    """A button's text: at most ten characters, as a WeCom card shows them."""
    at = target(kind, day, tz)
    clock = f"{at.hour}:{at.minute:02d}"
    if kind == "later":
        return t("snooze.later_button", time=clock)
    if (at.date() - day).days == 1:
        return t("snooze.tomorrow_button", time=clock)
    weekday = t(f"cal.weekday_{at.isoweekday()}")
    return t("snooze.weekday_button", weekday=weekday, time=clock)


def choices(
    t: Translator, key: str, day: date, sent_at: datetime, deadline: date | None, tz: ZoneInfo
) -> list[Choice]:
    """The row of snooze buttons for the reminder queued under `key`."""
    return [
        Choice(label(t, kind, day, tz), f"{COMMAND} {kind} {key}")
        for kind in offered(day, sent_at, deadline, tz)
    ]


class SnoozeRefused(Exception):
    """Why a snooze cannot be set: a locale key and its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


async def snooze(
    db: aiosqlite.Connection,
    to: Recipient,
    t: Translator,
    kind: str,
    key: str,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[datetime, bool]:
    """Queue the reminder `key` sent to `to` again at the chosen time, in the caller's
    transaction. Returns when it comes, and False if that choice was already made."""
    day = reminder_day(key)
    if kind not in KINDS or day is None:
        raise SnoozeRefused("snooze.usage")
    sent = await outbox.by_key(db, f"{key}:{to.id}")
    if sent is None or sent.contact_id != to.id:
        raise SnoozeRefused("snooze.unknown")
    action = f"{COMMAND} {kind} {key}"
    reply = reply_from_body(sent.body)
    if not any(c.action == action for row in reply.choices for c in row):
        raise SnoozeRefused("snooze.past_deadline")  # never offered: past the deadline
    at = target(kind, day, tz)
    if await outbox.by_key(db, f"snooze:{kind}:{key}:{to.id}") is not None:
        return at, False
    if at <= now:
        raise SnoozeRefused("snooze.too_late", when=t.moment(at))
    kept = _kept(reply.choices, at, day, tz)
    text = t("snooze.again", day=t.day(day)) + "\n" + reply.text
    queued = await queue(
        db,
        to,
        key=f"snooze:{kind}:{key}",
        kind="reminder",
        text=text,
        now=now,
        not_before=at,
        choices=kept,
    )
    return at, queued


def _kept(
    rows: Sequence[Sequence[Choice]], at: datetime, day: date, tz: ZoneInfo
) -> list[list[Choice]]:
    """The reminder's buttons again, but for snoozes that would not come after this one."""

    def later_than_this(choice: Choice) -> bool:
        parts = choice.action.split()
        if parts[0] != COMMAND:
            return True
        return len(parts) == 3 and parts[1] in KINDS and target(parts[1], day, tz) > at

    kept = [[c for c in row if later_than_this(c)] for row in rows]
    return [row for row in kept if row]
