"""Application wiring: open the store and the file store, then the start-up steps."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import aiosqlite

from bot.instance import InstanceLock
from domain.clock import Clock, SettableClock, SystemClock
from domain.settings import Settings
from handlers.context import Services
from handlers.setup import bootstrap_admins, sample_calendar, seed_sample_plan
from schedules import workdays
from storage.db import Store
from storage.files import FilePolicy, FileStore

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    services: Services
    # Set when this start loaded the sample plan onto its own calendar (the shell demo).
    demo_at: datetime | None = None
    # The data folder's lock, held by a long-running process (`open_app(exclusive=True)`).
    lock: InstanceLock | None = None

    @property
    def store(self) -> Store:
        return self.services.store

    async def close(self) -> None:
        try:
            await self.store.close()
        finally:
            if self.lock is not None:
                self.lock.release()


async def open_app(
    settings: Settings,
    clock: Clock,
    *,
    seed_sample: bool | None = None,
    demo_clock: SettableClock | None = None,
    exclusive: bool = False,
) -> App:
    """Open the store and run the start-up steps. An empty store gets the sample plan when
    `seed_sample` is true, or (None) when BOT_SAMPLE_PLAN is set; with `demo_clock` (the shell
    demo, the same clock as `clock`) it is set to the sample's own calendar first.

    `exclusive`: the long-running processes (channels, shell) first take the data folder's
    lock (`bot/instance.py`), raising AlreadyRunning while another one holds it."""
    lock = InstanceLock.take(settings.data_dir) if exclusive else None
    store = Store(settings.db_path)
    try:
        await store.open()
        if seed_sample is None:
            seed_sample = settings.sample_plan is not None
        try:
            app = await _start(settings, clock, store, seed_sample, demo_clock)
        except BaseException:
            await store.close()  # its connection threads would keep the process from exiting
            raise
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    app.lock = lock
    return app


async def _start(
    settings: Settings,
    clock: Clock,
    store: Store,
    seed_sample: bool,
    demo_clock: SettableClock | None,
) -> App:
    files = FileStore(
        settings.files_dir,
        FilePolicy(
            settings.max_attachment_bytes, frozenset(t.lower() for t in settings.allowed_types)
        ),
        store,
    )
    removed = await files.clean_partial()
    if removed:
        log.warning("removed %d half-written attachment(s) left by a crash", removed)
    services = Services(settings=settings, store=store, files=files, clock=clock)
    await workdays.reload(store)  # the holiday schedules imported into this store
    seeded = await seed_sample_plan(services, demo_clock) if seed_sample else None
    await bootstrap_admins(services, settings.admins)
    demo_at = None
    if seeded is not None and demo_clock is not None:
        demo_at = sample_calendar(seeded, settings.tz)
    return App(settings=settings, services=services, demo_at=demo_at)


T = TypeVar("T")


async def read_store(
    settings: Settings, query: Callable[[aiosqlite.Connection], Awaitable[T]]
) -> T:
    """One read of the store by an operator command, the store closed after."""
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        async with app.store.read() as db:
            return await query(db)
    finally:
        await app.store.close()
