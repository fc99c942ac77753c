"""Queueing a scheduled push: localized, idempotent, held back during quiet hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from locales import DEFAULT_LOCALE, Translator
from schedules.policy import ReminderPolicy
from schedules.quiet import deliver_at
from storage import outbox
from storage.reminders import PersonRow

Buttons = list[list[tuple[str, str]]]  # rows of (label, command sent back when tapped)


def body(text: str, buttons: Buttons | None = None) -> dict[str, Any]:
    """The outbox body the sender turns back into a Reply."""
    return {
        "text": text,
        "choices": [
            [{"label": label, "action": action} for label, action in row] for row in buttons or []
        ],
    }


def translator(person: PersonRow | None, default_locale: str, tz: ZoneInfo) -> Translator:
    locale = (person.locale if person else None) or default_locale or DEFAULT_LOCALE
    return Translator(locale, tz)


async def push(
    db: aiosqlite.Connection,
    *,
    key: str,
    channel: str,
    chat_ref: str,
    contact_id: int | None,
    kind: str,
    text: str,
    now: datetime,
    policy: ReminderPolicy,
    tz: ZoneInfo,
    buttons: Buttons | None = None,
) -> bool:
    """Queue one push; False when the same key was queued before (a re-run adds nothing)."""
    return await outbox.enqueue(
        db,
        idem_key=key,
        channel=channel,
        chat_ref=chat_ref,
        contact_id=contact_id,
        kind=kind,
        body=body(text, buttons),
        now=now,
        not_before=deliver_at(now, policy, tz),
    )


async def push_to(
    db: aiosqlite.Connection,
    person: PersonRow,
    *,
    key: str,
    kind: str,
    text: str,
    now: datetime,
    policy: ReminderPolicy,
    tz: ZoneInfo,
    buttons: Buttons | None = None,
) -> bool:
    if person.unreachable:
        return False
    return await push(
        db,
        key=key,
        channel=person.channel,
        chat_ref=person.user_ref,
        contact_id=person.id,
        kind=kind,
        text=text,
        now=now,
        policy=policy,
        tz=tz,
        buttons=buttons,
    )
