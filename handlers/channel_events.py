"""What a channel reports besides messages: a blocked bot, a migrated group, its group chats,
a set-up problem. Channels call these instead of touching the shared tables themselves."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from handlers.context import Services
from schedules import alerts
from storage import chats, contacts

log = logging.getLogger(__name__)


async def set_reachable(app: Services, channel: str, user_ref: str, reachable: bool) -> None:
    """The person blocked the bot (or started it again): stop (or resume) pushing to them."""
    async with app.store.write() as db:
        found = await contacts.find(db, channel, user_ref)
        if found is not None and found.unreachable == reachable:
            await contacts.set_unreachable(db, found.id, not reachable)


async def chat_migrated(app: Services, channel: str, old_ref: str, new_ref: str) -> None:
    """A group got a new id (a Telegram group became a supergroup): keep its subscriptions."""
    async with app.store.write() as db:
        await chats.migrate(db, channel, old_ref, new_ref)
    log.info("group %s is now %s", old_ref, new_ref)


async def register_groups(app: Services, channel: str, chat_refs: Iterable[str]) -> None:
    """Group chats the operator configured: subscribed to the weekly bulletin from the start."""
    async with app.store.write() as db:
        for chat_ref in chat_refs:
            await chats.set_subscribed(db, channel, chat_ref, None, True, None, False)


async def setup_problem(app: Services, key: str, code: int) -> int:
    """Tell the province admins, in words, how to fix what the network refused (once a day)."""
    settings = app.settings
    async with app.store.write() as db:
        return await alerts.setup_problem(
            db, key, code, app.clock.now(), settings.tz, settings.locale
        )
