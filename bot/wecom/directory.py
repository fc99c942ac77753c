"""WeCom's directory for the app: a member's name and departments from `user/get`, asked on
their first message of a (Shanghai) day and kept in the store, then handed to the handlers
(`handlers.directory.seen`: the contact's name, a binding by department).

A failed or slow ask never holds a message up for long and never loses what was known: the
old name stays, and the ask is not repeated within the hour. Since 2022 WeCom gives a new
self-built app the userid in place of `name`: that counts as no name.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from typing import Any

from bot.wecom.api import WeComApi, WeComError
from bot.wecom.departments import depths, tree
from domain.channels import WECOM
from domain.messages import Reply
from handlers import directory
from handlers.context import Services
from storage import wecom_people
from storage.wecom_people import Known

log = logging.getLogger(__name__)

ASK_TIMEOUT = 5.0  # seconds a message waits for user/get at most
RETRY_AFTER = timedelta(hours=1)  # after a failed ask
MAX_NAME = 64


class Directory:
    """A member's directory entry, refreshed daily; the department tree, read once a day."""

    def __init__(self, services: Services, api: WeComApi) -> None:
        self.services = services
        self.api = api
        self._depths: dict[int, int] = {}
        self._depths_day: date | None = None

    async def seen(self, user: str) -> list[Reply]:
        """What the handlers make of the sender's entry (a binding's notice, or nothing)."""
        known = await self.entry(user)
        if known is None:
            return []
        return await directory.seen(self.services, WECOM, user, known.name, known.departments)

    async def entry(self, user: str) -> Known | None:
        """The member's entry, asked of WeCom when not asked yet today."""
        now = self.services.clock.now()
        async with self.services.store.read() as db:
            known = await wecom_people.get(db, user)
        if not self._stale(known, now):
            return known
        try:
            data, departments = await asyncio.wait_for(self._ask(user), ASK_TIMEOUT)
        except (WeComError, TimeoutError, ValueError, TypeError) as err:
            log.warning("wecom user/get failed, the known name kept: %s", err)
            async with self.services.store.write() as db:
                await wecom_people.tried(db, user, now)
            return known
        name = _name(data, user)
        async with self.services.store.write() as db:
            await wecom_people.fetched(db, user, name, departments, now)
        return Known(name, departments, now, now)

    async def _ask(self, user: str) -> tuple[dict[str, Any], tuple[int, ...]]:
        data = await self.api.call("GET", "/cgi-bin/user/get", params={"userid": user})
        return data, await self._ordered(data)

    def _stale(self, known: Known | None, now: datetime) -> bool:
        if known is None:
            return True
        tz = self.services.settings.tz
        if known.fetched_at is not None and (
            known.fetched_at.astimezone(tz).date() == now.astimezone(tz).date()
        ):
            return False
        return now - known.tried_at >= RETRY_AFTER

    async def _ordered(self, data: dict[str, Any]) -> tuple[int, ...]:
        """The member's departments, the deepest first (then the main one, then WeCom's order)."""
        given = [int(d) for d in data.get("department") or []]
        if len(given) < 2:
            return tuple(given)
        main = data.get("main_department")
        depth = await self._tree_depths()
        return tuple(sorted(given, key=lambda d: (-depth.get(d, 0), d != main, given.index(d))))

    async def _tree_depths(self) -> dict[int, int]:
        """Each department's depth, read once a day (the last known on failure)."""
        today = self.services.clock.now().astimezone(self.services.settings.tz).date()
        if self._depths_day != today:
            try:
                self._depths = depths(await tree(self.api))
                self._depths_day = today
            except (WeComError, ValueError, TypeError, KeyError) as err:
                log.warning("wecom department/simplelist failed: %s", err)
        return self._depths


def _name(data: dict[str, Any], user: str) -> str | None:
    """The member's name, or None when WeCom gave none (or only the userid again)."""
    name = str(data.get("name") or "").strip()
    return name[:MAX_NAME] if name and name != user else None
