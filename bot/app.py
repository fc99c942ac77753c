"""Application wiring: open the store and the file store, then the start-up steps."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain.clock import Clock
from domain.settings import Settings
from handlers.context import Services
from handlers.setup import bootstrap_admins, seed_sample_plan
from schedules import workdays
from storage.db import Store
from storage.files import FilePolicy, FileStore

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    services: Services

    @property
    def store(self) -> Store:
        return self.services.store


async def open_app(settings: Settings, clock: Clock, *, seed_sample: bool = True) -> App:
    store = Store(settings.db_path)
    await store.open()
    try:
        return await _start(settings, clock, store, seed_sample)
    except BaseException:
        await store.close()  # its connection threads would keep the process from exiting
        raise


async def _start(settings: Settings, clock: Clock, store: Store, seed_sample: bool) -> App:
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
    if seed_sample:
        await seed_sample_plan(services)
    await bootstrap_admins(services, settings.admins)
    return App(settings=settings, services=services)
