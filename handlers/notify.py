"""Pushes to people other than the asker, queued in the outbox inside the caller's transaction."""

from __future__ import annotations

from typing import Any

import aiosqlite

from domain.messages import Choice
from handlers.context import Context
from locales import DEFAULT_LOCALE, Translator
from schedules.policy import policy_from
from schedules.quiet import deliver_at
from storage import outbox
from storage.models import Contact


def body(text: str, choices: list[list[Choice]] | None = None) -> dict[str, Any]:
    return {
        "text": text,
        "choices": [[{"label": c.label, "action": c.action} for c in row] for row in choices or []],
    }


def translator_for(ctx: Context, contact: Contact) -> Translator:
    locale = contact.locale or ctx.app.settings.locale or DEFAULT_LOCALE
    return Translator(locale, ctx.app.settings.tz)


async def tell(
    ctx: Context,
    db: aiosqlite.Connection,
    recipients: list[Contact],
    kind: str,
    subject: str,
    key: str,
    **params: object,
) -> int:
    """Queue `key` rendered in each recipient's language; `kind`+`subject` make it idempotent.

    Like every push, it waits out the plan's quiet hours (a return at 22:00 arrives at 08:00).
    """
    policy = policy_from(ctx.plan.reminders if ctx.plan else None)
    not_before = deliver_at(ctx.now, policy, ctx.app.settings.tz)
    queued = 0
    for contact in recipients:
        if contact.unreachable:
            continue
        text = translator_for(ctx, contact)(key, **params)
        if await outbox.enqueue(
            db,
            idem_key=f"{kind}:{subject}:{contact.id}",
            channel=contact.channel,
            chat_ref=contact.user_ref,
            contact_id=contact.id,
            kind=kind,
            body=body(text),
            now=ctx.now,
            not_before=not_before,
        ):
            queued += 1
    if queued:
        ctx.wrote_outbox = True
    return queued
