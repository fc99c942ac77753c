"""Closing report drafts left quiet for `WECOM_REPORT_DRAFT_MINUTES`, on every channel.

Each is closed by `/report_close STAMP` handed to the router as the person's own message (so
it is handled once, in their language, with their unit), and what that answers goes to them
through the outbox. A draft touched since it was found is left open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from domain.messages import Incoming
from handlers import router
from handlers.context import Services
from schedules.outbox import queue_replies
from storage import contacts, drafts
from storage.db import to_db
from storage.failures import StoreUnwritable

log = logging.getLogger(__name__)

EVERY_SECONDS = 60.0


async def close_due(services: Services) -> int:
    """Close every draft quiet for the whole open time; how many were found."""
    now = services.clock.now()
    cutoff = now - timedelta(minutes=services.settings.wecom_report_draft_minutes)
    async with services.store.read() as db:
        due = await drafts.quiet_since(db, cutoff)
    for contact_id, at in due:
        async with services.store.read() as db:
            contact = await contacts.get(db, contact_id)
        if contact is None:
            continue
        stamp = to_db(at)
        key = f"draft-close:{contact_id}:{stamp}"
        msg = Incoming(
            channel=contact.channel,
            user_ref=contact.user_ref,
            chat_ref=contact.user_ref,
            text=f"/report_close {stamp}",
            message_key=key,
        )
        replies = [r for r in await router.handle(services, msg) if not r.is_error]
        async with services.store.write() as db:
            left = await drafts.get(db, contact_id)
            if left is not None and left.touched_at == at:
                await drafts.discard(db, contact_id)  # not closable (the person left): dropped
            await queue_replies(db, contact, replies, key=key, kind="draft", now=now)
    return len(due)


async def run(services: Services, wake: Callable[[], None], every: float = EVERY_SECONDS) -> None:
    """Check every `every` seconds until cancelled; the sender is woken when a draft closed."""
    while True:
        try:
            if await close_due(services):
                wake()
        except StoreUnwritable:
            pass  # the store logs it; the next round tries again
        except Exception:
            log.exception("closing quiet report drafts failed")
        await asyncio.sleep(every)
