"""Telling admins when a contact cannot be reached: they must find another way to reach the unit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from schedules.outbound import push, translator
from schedules.policy import DEFAULT, policy_from
from storage import contacts, plans, units
from storage import reminders as store_reminders


async def unreachable(
    db: aiosqlite.Connection,
    contact_id: int,
    detail: str,
    now: datetime,
    tz: ZoneInfo,
    locale: str,
) -> int:
    """Queue a note to the admins over the contact's unit (in the caller's transaction)."""
    contact = await contacts.get(db, contact_id)
    if contact is None or contact.unit_id is None:
        return 0
    unit = await units.get(db, contact.unit_id)
    if unit is None:
        return 0
    plan = await plans.active(db)
    policy = policy_from(plan.reminders) if plan else DEFAULT
    others = [
        p
        for p in await store_reminders.unit_people(db, unit.id)
        if p.id != contact.id and not p.unreachable
    ]
    queued = 0
    for admin in await contacts.admins_over(db, unit.path):
        if admin.unreachable or admin.id == contact.id:
            continue
        people = await store_reminders.unit_people(db, admin.unit_id) if admin.unit_id else []
        person = next((p for p in people if p.id == admin.id), None)
        t = translator(person, locale, tz)
        key = "sched.unreachable_others" if others else "sched.unreachable_alone"
        text = t(key, who=contact.label, unit=unit.label, count=len(others), detail=detail[:120])
        if await push(
            db,
            key=f"unreachable:{contact.id}:{now.date().isoformat()}:{admin.id}",
            channel=admin.channel,
            chat_ref=admin.user_ref,
            contact_id=admin.id,
            kind="unreachable",
            text=text,
            now=now,
            policy=policy,
            tz=tz,
        ):
            queued += 1
    return queued
