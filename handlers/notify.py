"""Pushes to people other than the asker, queued in the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from handlers.context import Context
from schedules.outbox import Recipient, queue


async def tell(
    ctx: Context,
    db: aiosqlite.Connection,
    recipients: Sequence[Recipient],
    kind: str,
    subject: str,
    key: str,
    **params: object,
) -> int:
    """Queue `key` rendered in each recipient's language; `kind`+`subject` make it idempotent.

    Like every push, it waits out the plan's quiet hours (a return at 22:00 arrives at 08:00).
    """
    queued = 0
    for person in recipients:
        text = ctx.app.translator_for(person)(key, **params)
        if await queue(
            db, person, key=f"{kind}:{subject}", kind=kind, text=text, now=ctx.now, quiet=ctx.quiet
        ):
            queued += 1
    return queued
