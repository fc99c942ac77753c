"""The durable inbox: each update is written down before Telegram is told it arrived.

Telegram forgets an update once the next getUpdates confirms it (or once the webhook
answered 200), and PTB confirms before handling. Writing the update first and crossing it
off after handling means a crash in between replays it at the next start; the core's
processed-message keys keep the replay from having a second effect.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update

from bot.telegram import screen
from domain.clock import Clock
from storage import telegram as store_telegram
from storage.db import Store
from storage.failures import StoreUnwritable

log = logging.getLogger(__name__)

FLUSH_EVERY = 50
SQL_BATCH = 500  # SQLite bounds the parameters of one statement


class Journal:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._written: set[int] = set()  # saved and not yet handled
        self._done: list[int] = []

    async def save(self, updates: Sequence[Update]) -> None:
        """Write down updates not written yet, in one transaction."""
        await self.save_json([u.to_dict() for u in updates if u.update_id not in self._written])

    async def save_json(self, updates: Sequence[dict[str, Any]]) -> None:
        """Write down updates as Telegram sent them (cheaper than re-serialising parsed ones)."""
        rows = [
            (int(u["update_id"]), json.dumps(u, ensure_ascii=False))
            for u in updates
            if u.get("update_id") not in self._written
        ]
        if not rows:
            return
        try:
            async with self.store.write() as db:
                await store_telegram.inbox_save(db, rows, self.clock.now())
        except StoreUnwritable:
            # Handled at once all the same: a read is answered, a change is refused with
            # "temporarily unavailable". Raising here would make PTB fetch the batch again and
            # fail again, in a loop, with nobody answered.
            return
        self._written.update(update_id for update_id, _ in rows)

    def done(self, update_ids: tuple[int, ...]) -> None:
        self._done.extend(update_ids)
        self._written.difference_update(update_ids)

    @property
    def due(self) -> bool:
        return len(self._done) >= FLUSH_EVERY

    async def flush(self) -> None:
        done, self._done = self._done, []
        try:
            for start in range(0, len(done), SQL_BATCH):
                async with self.store.write() as db:
                    await store_telegram.inbox_done(db, done[start : start + SQL_BATCH])
        except StoreUnwritable:
            self._done[:0] = done  # crossed off once the store can be written again

    async def pending(self, bot: Bot) -> list[Update]:
        async with self.store.read() as db:
            bodies = await store_telegram.inbox_pending(db)
        updates = []
        for body in bodies:
            try:
                raw = json.loads(body)
            except ValueError:
                raw = None
            parsed = screen.parse(raw, bot)
            if isinstance(parsed, Update):
                updates.append(parsed)
                continue
            # Written by an earlier run (or this run's PTB cannot read it): dropped once.
            update_id = screen.update_id_of(raw)
            screen.report_skipped(update_id, parsed, "in the inbox")
            if update_id is not None:
                self._done.append(update_id)
        self._written.update(u.update_id for u in updates)
        return updates


class JournalQueue(asyncio.Queue[object]):
    """PTB's update queue; updates that did not come by getUpdates (webhook) are written here."""

    def __init__(self, journal: Journal) -> None:
        super().__init__()
        self.journal = journal

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            # By webhook PTB parsed it as a whole and takes any type where an id belongs.
            wrong = screen.fault(item)
            if wrong is not None:
                update_id = screen.update_id_of({"update_id": item.update_id})
                screen.report_skipped(update_id, f"{wrong} has the wrong type", "on arrival")
                return  # answered all the same, so Telegram does not send it again
            await self.journal.save([item])
        await super().put(item)
