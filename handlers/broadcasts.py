"""Short notices to subscribed groups when a unit submits or a report is accepted."""

from __future__ import annotations

import aiosqlite

from handlers.context import Context
from locales import Translator
from schedules.outbound import push
from schedules.policy import DEFAULT, policy_from
from storage import broadcasts, units


async def announce(
    ctx: Context, db: aiosqlite.Connection, kind: str, report_id: int, unit_id: int, code: str
) -> int:
    """Queue `kind` ("submitted" or "accepted") to groups that chose events and see the unit."""
    if not ctx.event_groups:
        return 0
    audiences = [a for a in await broadcasts.audiences(db) if a.events]
    unit = await units.get(db, unit_id) if audiences else None
    if unit is None:
        return 0
    policy = policy_from(ctx.plan.reminders) if ctx.plan else DEFAULT
    t = Translator(ctx.app.settings.locale, ctx.app.settings.tz)
    queued = 0
    for audience in audiences:
        if not unit.path.startswith(audience.path):
            continue
        if await push(
            db,
            key=f"event:{kind}:{report_id}:{audience.chat_id}",
            channel=audience.channel,
            chat_ref=audience.chat_ref,
            contact_id=None,
            kind=f"event_{kind}",
            text=t(f"sched.event_{kind}", unit=unit.label, code=code, id=report_id),
            now=ctx.now,
            policy=policy,
            tz=ctx.app.settings.tz,
        ):
            queued += 1
    if queued:
        ctx.wrote_outbox = True
    return queued
