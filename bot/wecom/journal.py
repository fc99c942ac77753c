"""The durable inbox: each callback is written down before WeCom is answered 200.

WeCom never resends a callback it got a 200 for, and the work happens after answering (WeCom
waits only 5 s). Writing the parsed callback first and crossing it off once handled means a
crash in between replays it at the next start; the router's processed keys (and the report
window's) keep the replay from having a second effect.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from bot.wecom.mapping import Inbound
from domain.clock import Clock
from storage import wecom
from storage.db import Store

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def save(self, inbound: Inbound) -> None:
        body = json.dumps(dataclasses.asdict(inbound), ensure_ascii=False)
        async with self.store.write() as db:
            await wecom.inbox_save(db, inbound.key, body, self.clock.now())

    async def done(self, key: str) -> None:
        async with self.store.write() as db:
            await wecom.inbox_done(db, key)

    async def pending(self) -> list[Inbound]:
        """What was answered but not handled, in arrival order."""
        async with self.store.read() as db:
            bodies = await wecom.inbox_pending(db)
        found = []
        for body in bodies:
            raw = json.loads(body)
            try:
                found.append(Inbound(**raw))
            except TypeError:
                # Written by a version whose callbacks had other fields: drop it once.
                log.exception("an unreadable callback in the wecom inbox was skipped")
                await self.done(str(raw.get("key", "")))
        return found
