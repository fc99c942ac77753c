"""`/snooze later|tomorrow KEY`: the 稍后提醒 buttons under a reminder (schedules/snooze.py)."""

from __future__ import annotations

from domain.messages import Reply
from handlers.context import Context
from handlers.errors import UserError
from schedules.snooze import SnoozeRefused
from schedules.snooze import snooze as queue_again


async def snooze(ctx: Context, args: str) -> Reply:
    """Have the tapped reminder again at the chosen time, for the one who tapped it."""
    parts = args.split()
    if len(parts) != 2:
        raise UserError("snooze.usage")
    kind, key = parts
    try:
        async with ctx.write() as db:
            at, queued = await queue_again(
                db, ctx.contact, ctx.t, kind, key, ctx.now, ctx.app.settings.tz
            )
    except SnoozeRefused as refused:
        raise UserError(refused.key, **refused.params) from None
    return Reply(ctx.t("snooze.set" if queued else "snooze.already", when=ctx.t.moment(at)))
