"""Running networked channels together in one event loop, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from bot import logs
from bot.app import App, open_app
from domain.channels import TELEGRAM, WECOM
from domain.clock import SystemClock
from domain.settings import Settings
from handlers import draft_timer
from handlers.setup import warm
from schedules.delivery import RunningChannel
from schedules.jobs import JobEnv
from schedules.runtime import Scheduler
from schedules.sender import Sender

log = logging.getLogger(__name__)

ChannelFactory = Callable[[App], Awaitable[RunningChannel]]


async def _wecom(app: App) -> RunningChannel:
    from bot.wecom.adapter import WeComChannel

    return WeComChannel.from_settings(app.services)


async def _telegram(app: App) -> RunningChannel:
    from bot.telegram.adapter import TelegramChannel

    return TelegramChannel(app.services)


# Channel name → factory; each imports its channel lazily, so a library loads only when used.
FACTORIES: dict[str, ChannelFactory] = {TELEGRAM: _telegram, WECOM: _wecom}


def configured_channels(settings: Settings) -> list[str]:
    """The networked channels whose credentials are present, for `serve`."""
    names = []
    if settings.telegram_bot_token is not None:
        names.append(TELEGRAM)
    if settings.wecom_configured:
        names.append(WECOM)
    return names


class ChannelStartFailed(Exception):
    """A channel could not start (network unreachable, token refused): said in one line."""

    def __init__(self, channel: str, detail: str) -> None:
        super().__init__(f"{channel}: {detail}")
        self.channel = channel
        self.detail = detail


async def run(settings: Settings, names: list[str], stop: asyncio.Event | None = None) -> None:
    """Start the named channels, the outbox sender and the scheduler; stop on a signal."""
    clock = SystemClock()
    app = await open_app(settings, clock, exclusive=True)  # one bot per data folder
    try:  # whatever fails, the store's connection threads must not keep the process alive
        await warm(app.services)
        await serve_app(app, clock, names, stop or _stop_on_signals())
    finally:
        await app.close()


async def serve_app(app: App, clock: SystemClock, names: list[str], stop: asyncio.Event) -> None:
    """Serve an opened app until `stop` is set."""
    # Imported here: the web server and health pages load aiohttp, and backups APScheduler,
    # which the shell and the one-shot commands (they import this module) never need.
    from bot import http_server
    from bot.health import Health
    from schedules.backups import DailyBackup

    settings = app.settings
    metrics = app.services.metrics
    channels = [await FACTORIES[name](app) for name in names]
    health = Health(app.services, names)
    # WeCom callback, upload page; health and metrics whenever the server runs.
    web = http_server.build(app.services, channels, health.routes())
    sender = Sender(
        app.store, clock, channels, tz=settings.tz, locale=settings.locale, metrics=metrics
    )
    sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
    health.sender = sender_task
    jobs = JobEnv(app.store, clock, settings.tz, settings.locale)
    scheduler = Scheduler(jobs, sender.wake, metrics)
    drafts_task: asyncio.Task[None] | None = None
    backups = DailyBackup.from_settings(app.store, clock, settings)  # None: BOT_BACKUP_DIR unset
    try:
        for channel in channels:
            try:
                await channel.start()
            except Exception as err:
                detail = logs.redact(f"{type(err).__name__}: {err}")[:160]
                raise ChannelStartFailed(channel.name, detail) from err
            log.info("channel %s started", channel.name)
        if web is not None:
            await web.start()
        await scheduler.start()
        if backups is not None:
            await backups.start()  # a backup missed while the bot was down runs now
        drafts_task = asyncio.create_task(
            draft_timer.run(app.services, sender.wake), name="report-drafts"
        )
        await stop.wait()
    finally:
        if drafts_task is not None:  # quiet report drafts: closed again after the restart
            drafts_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drafts_task
        await scheduler.stop()
        if backups is not None:
            await backups.stop()  # a backup in progress finishes before the store closes
        # The push in flight must finish while the channels' connections are still open;
        # pushes queued from here on wait in the outbox for the next start.
        sender.stop()
        await sender_task
        if web is not None:
            with contextlib.suppress(Exception):
                await web.stop()
        for channel in reversed(channels):
            with contextlib.suppress(Exception):
                await channel.stop()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
