"""The daily backup: once a day at the configured time, caught up once after downtime, keeping
the newest N. What was made is read back from the backup folder's listing, so a restart
(or a restored database) never runs one fire twice and needs no state of its own."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from domain import backups as rules
from domain.clock import Clock
from domain.settings import Settings
from storage import backup as store_backup
from storage.backup import BackupResult
from storage.db import Store

log = logging.getLogger(__name__)


@dataclass
class DailyBackup:
    store: Store
    clock: Clock
    tz: ZoneInfo
    files_root: Path
    root: Path
    keep: int
    at: time

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()
        self._aps: AsyncIOScheduler | None = None

    @classmethod
    def from_settings(cls, store: Store, clock: Clock, settings: Settings) -> DailyBackup | None:
        """The daily backup BOT_BACKUP_DIR asks for; None when it is not set."""
        if settings.backup_dir is None:
            return None
        return cls(
            store,
            clock,
            settings.tz,
            settings.files_dir,
            settings.backup_dir,
            settings.backup_keep,
            settings.backup_time,
        )

    def triggers(self) -> dict[str, CronTrigger]:
        """At the set time; and every half hour, which finds nothing due unless the fire was
        missed (the machine slept, the backup failed): then it runs once, late."""
        return {
            "backup": CronTrigger(hour=self.at.hour, minute=self.at.minute, timezone=self.tz),
            "backup-check": CronTrigger(minute="0,30", timezone=self.tz),
        }

    async def start(self) -> None:
        """Check at once (a catch-up after downtime runs in the background), then on the
        triggers."""
        self._aps = AsyncIOScheduler(timezone=self.tz)
        for job_id, trigger in self.triggers().items():
            self._aps.add_job(
                self.run_if_due,
                trigger,
                id=job_id,
                name=f"schedules.{job_id}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        self._aps.start()
        self._aps.add_job(self.run_if_due, id="backup-start", name="schedules.backup-start")

    async def stop(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        async with self._lock:  # a backup in progress finishes before the store closes
            pass

    async def run_if_due(self) -> BackupResult | None:
        """Make today's backup unless it exists; a failure is logged and tried at the next
        tick (the folder holds no complete backup for this fire, so it is still due)."""
        async with self._lock:
            now = self.clock.now()
            listed = await asyncio.to_thread(store_backup.made, self.root, self.tz)
            if not rules.due(listed[0].at if listed else None, now, self.at, self.tz):
                return None
            try:
                result = await store_backup.scheduled(
                    self.store, self.files_root, self.root, now.astimezone(self.tz)
                )
                removed = await asyncio.to_thread(store_backup.prune, self.root, self.tz, self.keep)
            except Exception as err:  # disk full, folder gone: logged, tried again next tick
                log.error("scheduled backup into %s failed: %s", self.root, err)
                return None
            log.info(
                "scheduled backup %s: %d attachments, %d bytes; %d older removed",
                result.path,
                result.files,
                result.bytes,
                len(removed),
            )
            return result
