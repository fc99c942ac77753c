"""What the running bot counts, for `/metrics` (Prometheus) and `/readyz`.

One `Metrics` per app with its own registry, so several apps in one process (tests) never
share a counter. Each number is counted at the one place its event happens: the router
(messages, commands), the outbox sender and the channels' direct replies (sends), the
scheduler (ticks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# The scheduler's cron fires on the hour and the half hour (schedules/runtime.Scheduler).
TICK_PERIOD = timedelta(minutes=30)


class Metrics:
    """The counters, and the last moments `/readyz` compares with the clock."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "duban_updates", "Incoming messages handed to the router", ["channel"], registry=r
        )
        self.commands = Counter(
            "duban_commands", "Commands run, by command", ["channel", "command"], registry=r
        )
        self.sends = Counter(
            "duban_sends",
            "Messages sent: replies and pushes, by channel and result",
            ["channel", "kind", "result"],
            registry=r,
        )
        self.send_seconds = Histogram(
            "duban_send_seconds", "Time one outbox send took", ["channel"], registry=r
        )
        self.outbox_queued = Gauge(
            "duban_outbox_queued", "Pushes waiting in the outbox", ["channel"], registry=r
        )
        self.outbox_oldest_due = Gauge(
            "duban_outbox_oldest_due_seconds",
            "How long the oldest push that is due has waited (0: none)",
            registry=r,
        )
        self.ticks = Counter("duban_scheduler_ticks", "Scheduler runs", registry=r)
        self.scheduler_lag = Gauge(
            "duban_scheduler_lag_seconds",
            "How late the last scheduler run started after its slot",
            registry=r,
        )
        self.last_update_at = Gauge(
            "duban_last_update_timestamp_seconds",
            "When the last message came in, by channel (Unix time)",
            ["channel"],
            registry=r,
        )
        self.last_tick: datetime | None = None
        self.last_update: dict[str, datetime] = {}

    def update(self, channel: str, now: datetime) -> None:
        self.updates.labels(channel).inc()
        self.last_update[channel] = now
        self.last_update_at.labels(channel).set(now.timestamp())

    def command(self, channel: str, name: str) -> None:
        self.commands.labels(channel, name).inc()

    def sent(self, channel: str, kind: str, result: str, seconds: float | None = None) -> None:
        """One send: `kind` reply or push; `result` sent, retry, busy, unreachable, failed."""
        self.sends.labels(channel, kind, result).inc()
        if seconds is not None:
            self.send_seconds.labels(channel).observe(seconds)

    def ticked(self, now: datetime) -> None:
        self.ticks.inc()
        self.last_tick = now
        self.scheduler_lag.set(lag(now).total_seconds())


def lag(now: datetime) -> timedelta:
    """How far `now` is past the scheduler slot it belongs to (the last :00 or :30)."""
    slot = now.replace(minute=now.minute - now.minute % 30, second=0, microsecond=0)
    return now - slot
