"""`/healthz`, `/readyz` and `/metrics` on the bot's HTTP server, for monitoring and probes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from domain.metrics import TICK_PERIOD
from handlers.context import Services
from storage import health
from storage.failures import StoreError

PROBE_SECONDS = 5.0  # a write waiting longer than this behind others counts as failing
TICK_GRACE = timedelta(minutes=5)


class Health:
    """The running bot's parts that readiness looks at: its store, sender and scheduler."""

    def __init__(self, services: Services, channels: Sequence[str]) -> None:
        self.services = services
        self.metrics = services.metrics
        self.channels = list(channels)
        self.sender: asyncio.Task[None] | None = None  # the outbox sender's task, once started
        self._probe: asyncio.Task[None] | None = None

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/healthz", self.healthz),
            web.get("/readyz", self.readyz),
            web.get("/metrics", self.metrics_page),
        ]

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")  # the event loop answered

    async def readyz(self, request: web.Request) -> web.Response:
        checks = await self.checks()
        ready = all(check["ok"] for check in checks)
        return web.json_response({"ok": ready, "checks": checks}, status=200 if ready else 503)

    async def metrics_page(self, request: web.Request) -> web.Response:
        await self._outbox_gauges()
        return web.Response(
            body=generate_latest(self.metrics.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )

    async def checks(self) -> list[dict[str, Any]]:
        return [
            await self._database(),
            self._scheduler(),
            self._sender(),
            await self._outbox(),
            self._updates(),
        ]

    async def _database(self) -> dict[str, Any]:
        store = self.services.store
        # Waited for, never cancelled: a write cut off inside the database thread could leave
        # its transaction open. One still running from an earlier request is waited for again.
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._write_probe(), name="readyz-probe")
        done, _ = await asyncio.wait({self._probe}, timeout=PROBE_SECONDS)
        if not done:
            return _check("database", False, f"no write within {PROBE_SECONDS:g} s")
        try:
            self._probe.result()
        except StoreError as err:
            return _check("database", False, f"{err.path}: {err.detail}")
        except sqlite3.Error as err:
            return _check("database", False, str(err))
        return _check("database", True, f"{store.path} writable")

    async def _write_probe(self) -> None:
        async with self.services.store.write() as db:
            await health.write_probe(db)

    def _scheduler(self) -> dict[str, Any]:
        last = self.metrics.last_tick
        if last is None:
            return _check("scheduler", False, "has not run yet")
        age = self.services.clock.now() - last
        ok = age <= TICK_PERIOD + TICK_GRACE
        return _check("scheduler", ok, f"last run {_ago(age)} ago", last_run=last.isoformat())

    def _sender(self) -> dict[str, Any]:
        if self.sender is None:
            return _check("sender", False, "not started")
        if not self.sender.done():
            return _check("sender", True, "running")
        failed = None if self.sender.cancelled() else self.sender.exception()
        return _check("sender", False, f"stopped: {failed!r}" if failed else "stopped")

    async def _outbox(self) -> dict[str, Any]:
        now = self.services.clock.now()
        try:
            async with self.services.store.read() as db:
                found = await health.backlog(db, now, self.channels)
        except (sqlite3.Error, StoreError) as err:
            return _check("outbox", False, f"cannot be read: {err}")
        limit = timedelta(minutes=self.services.settings.ready_push_age_minutes)
        age = now - found.oldest_due if found.oldest_due is not None else timedelta(0)
        return _check(
            "outbox",
            age <= limit,
            f"{found.due} due, the oldest waiting {_ago(age)} (limit {_ago(limit)})",
            due=found.due,
            oldest_due_seconds=round(age.total_seconds()),
            queued=found.queued,
        )

    def _updates(self) -> dict[str, Any]:
        """When each channel last brought a message: shown, never failing (nights are quiet)."""
        last = {name: self.metrics.last_update.get(name) for name in self.channels}
        said = ", ".join(f"{name} {at.isoformat() if at else '-'}" for name, at in last.items())
        return _check(
            "updates",
            True,
            said or "no channels",
            last={name: at.isoformat() if at else None for name, at in last.items()},
        )

    async def _outbox_gauges(self) -> None:
        now = self.services.clock.now()
        try:
            async with self.services.store.read() as db:
                found = await health.backlog(db, now, self.channels)
        except (sqlite3.Error, StoreError):
            return  # the counters are still worth serving; /readyz says what is wrong
        for name in {*self.channels, *found.queued}:
            self.metrics.outbox_queued.labels(name).set(found.queued.get(name, 0))
        waited = (now - found.oldest_due).total_seconds() if found.oldest_due else 0.0
        self.metrics.outbox_oldest_due.set(max(waited, 0.0))


def _check(name: str, ok: bool, message: str, **more: object) -> dict[str, Any]:
    return {"name": name, "ok": ok, "message": message, **more}


def _ago(age: timedelta) -> str:
    seconds = max(int(age.total_seconds()), 0)
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"
