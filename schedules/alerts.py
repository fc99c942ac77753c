"""Telling admins what they must act on outside the chat: an unreachable contact, a broken set-up."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from locales import Translator
from schedules.outbox import queue
from schedules.policy import policy_from
from schedules.quiet import deliver_after_all
from storage import contacts, people, plans, units


async def unreachable(
    db: aiosqlite.Connection,
    contact_id: int,
    detail: str,
    now: datetime,
    tz: ZoneInfo,
    locale: str | None,
) -> int:
    """Queue a note to the admins over the contact's unit (in the caller's transaction)."""
    contact = await contacts.get(db, contact_id)
    if contact is None or contact.unit_id is None:
        return 0
    unit = await units.get(db, contact.unit_id)
    if unit is None:
        return 0
    # Told outside the quiet hours of every published plan (the default ones without a plan).
    policies = [policy_from(plan.reminders) for plan in await plans.published(db)]
    held = deliver_after_all(now, policies, tz, "unreachable")
    others = [
        p for p in await people.unit_people(db, unit.id) if p.id != contact.id and not p.unreachable
    ]
    key = "sched.unreachable_others" if others else "sched.unreachable_alone"
    queued = 0
    for admin in await contacts.admins_over(db, unit.path):
        if admin.id == contact.id:
            continue
        t = Translator.for_person(admin, locale, tz)
        text = t(key, who=contact.label, unit=unit.label, count=len(others), detail=detail[:120])
        if await queue(
            db,
            admin,
            key=f"unreachable:{contact.id}:{now.date().isoformat()}",
            kind="unreachable",
            text=text,
            now=now,
            not_before=held,
        ):
            queued += 1
    return queued


async def setup_problem(
    db: aiosqlite.Connection, key: str, code: int, now: datetime, tz: ZoneInfo, locale: str | None
) -> int:
    """Queue the fix for a set-up problem a network reported (message `key`, the network's
    error `code`) to every province admin, once a day per problem; returns how many."""
    day = now.astimezone(tz).date().isoformat()
    queued = 0
    for admin in await contacts.province_admins(db):
        text = Translator.for_person(admin, locale, tz)(key, code=code)
        if await queue(
            db, admin, key=f"wecom-config:{code}:{day}", kind="wecom_config", text=text, now=now
        ):
            queued += 1
    return queued
