"""Short notices to subscribed groups when a unit submits or a report is accepted."""

from __future__ import annotations

import aiosqlite

from domain.text import clip
from handlers.context import Context
from schedules.outbox import Chat, queue
from storage import broadcasts, reports, units

# The title gets a line of its own: as much of it as one line of a phone screen holds.
TITLE_LINE = 18


async def announce(
    ctx: Context, db: aiosqlite.Connection, kind: str, report_id: int, unit_id: int, code: str
) -> int:
    """Queue `kind` ("submitted" or "accepted") to groups that chose events and see the unit."""
    if not ctx.event_groups:
        return 0
    audiences = [a for a in await broadcasts.audiences(db) if a.events]
    unit = await units.get(db, unit_id) if audiences else None
    report = await reports.get(db, report_id) if unit is not None else None
    if unit is None or report is None:
        return 0
    title = clip(report.title, TITLE_LINE)
    t = ctx.app.translator_for()
    queued = 0
    for audience in audiences:
        if not unit.path.startswith(audience.path):
            continue
        if await queue(
            db,
            Chat(audience.channel, audience.chat_ref, str(audience.chat_id)),
            key=f"event:{kind}:{report_id}",
            kind=f"event_{kind}",
            text=t(f"sched.event_{kind}", unit=unit.label, code=code, id=report_id, title=title),
            now=ctx.now,
            quiet=ctx.quiet,
        ):
            queued += 1
    return queued
