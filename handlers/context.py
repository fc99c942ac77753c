"""What a handler gets: the services, the message, who sent it and in which locale."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import aiosqlite

from domain.clock import Clock
from domain.messages import ChatKind, Incoming
from domain.model import Role
from locales import Translator
from storage import processed
from storage.db import Store
from storage.files import FileStore
from storage.models import Contact, Material, Plan, Unit

if TYPE_CHECKING:
    from bot.config import Settings


class AlreadyHandled(Exception):
    """The same delivery was applied before: do nothing, say nothing."""


@dataclass
class Services:
    """Built once at start-up and shared by every message."""

    settings: Settings
    store: Store
    files: FileStore
    clock: Clock
    outbox_changed: Callable[[], None] = lambda: None
    # A plan's materials never change after import (a re-import is a new plan), so every
    # message can share one copy instead of reading them again.
    materials: dict[int, list[Material]] = field(default_factory=dict)
    # Units, likewise, are written only by a plan import, which makes a new active plan.
    units: dict[int, list[Unit]] = field(default_factory=dict)


@dataclass
class Context:
    app: Services
    msg: Incoming
    contact: Contact
    unit: Unit | None
    plan: Plan | None
    t: Translator
    now: datetime
    # False when, as the message arrived, no group had asked for report events (saves a query).
    event_groups: bool = True
    wrote_outbox: bool = False
    _marked: bool = field(default=False, repr=False)

    @property
    def role(self) -> Role | None:
        return self.contact.role

    @property
    def is_admin(self) -> bool:
        return self.contact.role in (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN)

    @property
    def in_group(self) -> bool:
        return self.msg.chat_kind is ChatKind.GROUP

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A transaction that also records this delivery as handled, atomically with its effect."""
        async with self.app.store.write() as db:
            if not self._marked and self.msg.message_key:
                if not await processed.mark(db, self.msg.channel, self.msg.message_key, self.now):
                    raise AlreadyHandled()
            yield db
        self._marked = True

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self.app.store.read() as db:
            yield db
