"""What the running bot counts, for `/metrics` (Prometheus) and `/readyz`.

One `Metrics` per app with its own registry, so several apps in one process (tests) never
share a counter. Each number is counted at the one place its event happens: the router
(messages, commands), the outbox sender and the channels' direct replies (sends), the
scheduler (ticks).

The numbers are kept here in plain Python and handed to prometheus_client only when
`/metrics` asks for the `registry`, as the client's own Counter, Gauge and Histogram show
them: the shell and the one-shot commands count too but never load the client (its import
is a tenth of the shell's start-up, benchmarks/startup.py)."""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric

# The scheduler's cron fires on the hour and the half hour (schedules/runtime.Scheduler).
TICK_PERIOD = timedelta(minutes=30)

# prometheus_client's Histogram.DEFAULT_BUCKETS, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
INF = float("inf")

Kind = Literal["counter", "gauge", "histogram"]


class Series:
    """One set of label values: a counter's or gauge's value, or a histogram's sum and counts
    per bucket (the last one past every bound)."""

    def __init__(self, kind: Kind) -> None:
        self.value = 0.0
        self.created = time.time()
        self.counts = [0] * (len(BUCKETS) + 1) if kind == "histogram" else []

    def inc(self, amount: float = 1.0) -> None:
        if amount < 0:
            raise ValueError("Counters can only be incremented by non-negative amounts.")
        self.value += amount

    def set(self, value: float) -> None:
        self.value = float(value)

    def observe(self, amount: float) -> None:
        self.value += amount
        self.counts[bisect_left(BUCKETS, amount)] += 1  # the first bound ≥ amount


class Family:
    """A counter, gauge or histogram and its series, by label values."""

    def __init__(self, kind: Kind, name: str, documentation: str, labels: Iterable[str] = ()):
        self.kind = kind
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labels)
        self.series: dict[tuple[str, ...], Series] = {}
        if not self.labelnames:
            self.series[()] = Series(kind)

    def labels(self, *values: object) -> Series:
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name}: label values {values!r} for {self.labelnames!r}")
        key = tuple(str(value) for value in values)
        found = self.series.get(key)
        if found is None:
            found = self.series[key] = Series(self.kind)
        return found

    def inc(self, amount: float = 1.0) -> None:
        self.labels().inc(amount)

    def set(self, value: float) -> None:
        self.labels().set(value)

    def metric(self, created: bool) -> Metric:
        """As prometheus_client's own metric of this kind collects it."""
        from prometheus_client.metrics_core import Metric
        from prometheus_client.utils import floatToGoString

        metric = Metric(self.name, self.documentation, self.kind)
        for values, series in list(self.series.items()):
            labels = dict(zip(self.labelnames, values, strict=True))
            if self.kind == "gauge":
                metric.add_sample(self.name, labels, series.value)
                continue
            if self.kind == "counter":
                metric.add_sample(f"{self.name}_total", labels, series.value)
            else:
                seen = 0.0
                for bound, count in zip((*BUCKETS, INF), series.counts, strict=True):
                    seen += count
                    le = {**labels, "le": floatToGoString(bound)}
                    metric.add_sample(f"{self.name}_bucket", le, seen)
                metric.add_sample(f"{self.name}_count", labels, seen)
                metric.add_sample(f"{self.name}_sum", labels, series.value)
            if created:
                metric.add_sample(f"{self.name}_created", labels, series.created)
        return metric


class Metrics:
    """The counters, and the last moments `/readyz` compares with the clock."""

    def __init__(self) -> None:
        self.updates = Family(
            "counter", "duban_updates", "Incoming messages handed to the router", ["channel"]
        )
        self.commands = Family(
            "counter", "duban_commands", "Commands run, by command", ["channel", "command"]
        )
        self.sends = Family(
            "counter",
            "duban_sends",
            "Messages sent: replies and pushes, by channel and result",
            ["channel", "kind", "result"],
        )
        self.send_seconds = Family(
            "histogram", "duban_send_seconds", "Time one outbox send took", ["channel"]
        )
        self.outbox_queued = Family(
            "gauge", "duban_outbox_queued", "Pushes waiting in the outbox", ["channel"]
        )
        self.outbox_oldest_due = Family(
            "gauge",
            "duban_outbox_oldest_due_seconds",
            "How long the oldest push that is due has waited (0: none)",
        )
        self.ticks = Family("counter", "duban_scheduler_ticks", "Scheduler runs")
        self.scheduler_lag = Family(
            "gauge",
            "duban_scheduler_lag_seconds",
            "How late the last scheduler run started after its slot",
        )
        self.last_update_at = Family(
            "gauge",
            "duban_last_update_timestamp_seconds",
            "When the last message came in, by channel (Unix time)",
            ["channel"],
        )
        self.families = [
            self.updates,
            self.commands,
            self.sends,
            self.send_seconds,
            self.outbox_queued,
            self.outbox_oldest_due,
            self.ticks,
            self.scheduler_lag,
            self.last_update_at,
        ]
        self.last_tick: datetime | None = None
        self.last_update: dict[str, datetime] = {}
        self._registry: CollectorRegistry | None = None

    @property
    def registry(self) -> CollectorRegistry:
        """A prometheus_client registry that reads these numbers when collected."""
        if self._registry is None:
            from prometheus_client import CollectorRegistry
            from prometheus_client.registry import Collector

            families = self.families

            class Numbers(Collector):
                def collect(self) -> Iterable[Metric]:
                    created = os.environ.get(
                        "PROMETHEUS_DISABLE_CREATED_SERIES", "False"
                    ).lower() not in ("true", "1", "t")  # as prometheus_client decides
                    return [family.metric(created) for family in families]

            self._registry = CollectorRegistry()
            self._registry.register(Numbers())
        return self._registry

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
