"""What a handler gets: the services, the message, who sent it and in which locale."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiosqlite

from domain.clock import Clock
from domain.messages import ChatKind, Incoming
from domain.metrics import Metrics
from domain.model import Role
from locales import Speaker, Translator, locale_for
from schedules.policy import DEFAULT, ReminderPolicy, policy_from
from storage import audit, processed, prompts
from storage.db import Store
from storage.files import FileStore
from storage.models import Contact, Material, Plan, Unit

if TYPE_CHECKING:
    from domain.settings import Settings


class AlreadyHandled(Exception):
    """The same delivery was applied before: do nothing, say nothing."""


@dataclass
class Services:
    """Built once at start-up and shared by every message."""

    settings: Settings
    store: Store
    files: FileStore
    clock: Clock
    # A plan's materials change only when it is imported or replaced (which raises its
    # revision), so every message can share one copy per (plan id, revision).
    materials: dict[tuple[int, int], list[Material]] = field(default_factory=dict)
    # The unit tree, keyed by the store's unit revision (`storage.units.revision`).
    units: dict[int, list[Unit]] = field(default_factory=dict)
    # A unit admin's part of the unit tree by the unit's path, with the tree it was cut from.
    units_under: dict[str, tuple[list[Unit], list[Unit]]] = field(default_factory=dict)
    # Every plan, keyed by the store's plan stamp (`storage.plans.STAMP`).
    plans: dict[str, list[Plan]] = field(default_factory=dict)
    # What this app counts, for /metrics and /readyz (a registry of its own).
    metrics: Metrics = field(default_factory=Metrics)
    # Links that open a chat with the bot and send `/start CODE` (channel → the link before
    # the code), filled in by a channel once it knows its own name (Telegram: getMe).
    join_links: dict[str, str] = field(default_factory=dict)

    def translator_for(
        self, person: Speaker | None = None, platform: str | None = None, chosen: str | None = None
    ) -> Translator:
        """The person's language by the one rule (`locales.locale_for`), in the bureau's zone;
        `chosen` stands for a choice made just now (a page's ?lang=), before the stored one."""
        stored = person.locale if person is not None else None
        return Translator(
            locale_for(chosen or stored, platform, self.settings.locale), self.settings.tz
        )


@dataclass
class Context:
    app: Services
    msg: Incoming
    contact: Contact
    unit: Unit | None
    plan: Plan | None  # the plan this command is about (default, named, or of a code typed)
    t: Translator
    now: datetime
    plans: list[Plan] = field(default_factory=list)  # every plan, newest first
    plan_named: bool = False  # the sender named the plan in this command (`/pending fw`)
    # False when, as the message arrived, no group had asked for report events (saves a query).
    event_groups: bool = True
    # False when, as the message arrived, the sender had no report draft (saves a query).
    draft_open: bool = True
    focus: int | None = None  # the plan the sender named last, as the message arrived
    _marked: bool = field(default=False, repr=False)
    # Whether a question awaited the sender as this message's last write committed.
    _asking: bool = field(default=False, repr=False)

    @property
    def role(self) -> Role | None:
        return self.contact.role

    @property
    def in_group(self) -> bool:
        return self.msg.chat_kind is ChatKind.GROUP

    @property
    def policy(self) -> ReminderPolicy:
        """The command's plan's reminder policy (the default one without a plan)."""
        return policy_from(self.plan.reminders) if self.plan else DEFAULT

    @property
    def quiet(self) -> tuple[ReminderPolicy, ZoneInfo]:
        """What a push needs to wait out quiet hours (see `schedules.outbox.queue`)."""
        return self.policy, self.app.settings.tz

    @property
    def today(self) -> date:
        """The bureau's calendar day now."""
        return self.now.astimezone(self.app.settings.tz).date()

    async def audit(
        self,
        db: aiosqlite.Connection,
        action: str,
        unit_id: int | None,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record what this sender did, now, in the caller's transaction."""
        await audit.record(
            db,
            at=self.now,
            actor_id=self.contact.id,
            action=action,
            unit_id=unit_id,
            subject=subject,
            detail=detail,
        )

    @property
    def marked(self) -> bool:
        """Whether this delivery is recorded as handled (a write of this message committed)."""
        return self._marked

    @property
    def asking(self) -> bool:
        """Whether a question awaits the sender's answer after this message's writes (read in
        the same transaction as the last one: no trip of its own)."""
        return self._asking

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A transaction that also records this delivery as handled, atomically with its effect."""
        async with self.app.store.write() as db:
            if not self._marked and self.msg.message_key:
                if not await processed.mark(db, self.msg.channel, self.msg.message_key, self.now):
                    raise AlreadyHandled()
            yield db
            asking = self.contact.registered and await prompts.waiting(db, self.contact.id)
        self._marked, self._asking = True, asking

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self.app.store.read() as db:
            yield db

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """Reads that must agree with each other (see `Store.snapshot`)."""
        async with self.app.store.snapshot() as db:
            yield db
