"""The outbox sender: drains queued pushes to their channels, retrying with backoff."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.delivery import Channel, DeliveryError, RetryLater, Undeliverable, Unreachable
from domain.clock import Clock
from handlers.messages import Choice, Reply
from storage import contacts, outbox
from storage.db import Store
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = 2.0
BATCH = 100


def reply_from_body(body: dict) -> Reply:
    return Reply(
        text=str(body.get("text", "")),
        choices=[
            [Choice(str(c["label"]), str(c["action"])) for c in row]
            for row in body.get("choices", [])
        ],
    )


class Sender:
    """One task per bot; `wake()` after queueing makes delivery immediate."""

    def __init__(self, store: Store, clock: Clock, channels: Sequence[Channel]) -> None:
        self.store = store
        self.clock = clock
        self.channels = {c.name: c for c in channels}
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Deliver everything due now; returns how many were delivered."""
        delivered = 0
        while True:
            async with self.store.read() as db:
                batch = await outbox.due(db, list(self.channels), self.clock.now(), BATCH)
            if not batch:
                return delivered
            for message in batch:
                delivered += await self._deliver(message)

    async def _deliver(self, message: OutboxMessage) -> int:
        channel = self.channels[message.channel]
        try:
            await channel.deliver(message.chat_ref, reply_from_body(message.body))
        except RetryLater as err:
            await self._retry(message, err.after, err.detail)
            return 0
        except Unreachable as err:
            async with self.store.write() as db:
                await outbox.mark_failed(db, message.id, err.detail)
                if message.contact_id is not None:
                    await contacts.set_unreachable(db, message.contact_id, True)
            return 0
        except Undeliverable as err:
            async with self.store.write() as db:
                await outbox.mark_failed(db, message.id, err.detail)
            return 0
        except DeliveryError as err:
            await self._retry(message, BASE_BACKOFF ** (message.attempts + 1), err.detail)
            return 0
        async with self.store.write() as db:
            await outbox.mark_sent(db, message.id, self.clock.now())
        return 1

    async def _retry(self, message: OutboxMessage, after: float, detail: str) -> None:
        async with self.store.write() as db:
            if message.attempts + 1 >= MAX_ATTEMPTS:
                await outbox.mark_failed(db, message.id, detail)
            else:
                later = self.clock.now() + timedelta(seconds=after)
                await outbox.mark_retry(db, message.id, later, detail)

    async def run(self, poll_seconds: float = 5.0) -> None:
        while not self._stopping:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox drain failed")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
            except TimeoutError:
                pass

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
