"""The outbox sender: drains queued pushes to their channels, paced, retrying with backoff."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.metrics import Metrics
from schedules import alerts, store_alarm
from schedules.delivery import (
    Channel,
    ChatBusy,
    DeliveryError,
    RateLimits,
    RetryLater,
    Undeliverable,
    Unreachable,
)
from schedules.outbox import reply_from_body
from storage import contacts, outbox, pushes
from storage.db import Store
from storage.failures import StoreUnwritable
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = 2.0  # seconds before the first retry; doubles each attempt
MAX_BACKOFF = 15 * 60.0
BATCH = 100
# Pace a little under the published limits: a network that counts by arrival time sees
# requests bunched by jitter, and one 429 costs far more than 2 % of throughput.
HEADROOM = 0.98
CATCH_UP = 0.25  # of an interval: a send this late keeps its place on the timeline
WINDOW = 1.005  # seconds: see Pace.answered
ALARM_EVERY = 3600.0  # seconds: a store that keeps failing and recovering alarms once an hour


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed try (1-based): 2, 4, 8 … capped."""
    return min(BASE_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


class Pace:
    """One channel's limits in real (monotonic) time: overall, per chat, and 429 pauses.

    The overall rate is a fixed-rate schedule on an absolute timeline: each send takes the slot
    one interval after the previous slot, not after the previous send started, so time lost
    oversleeping or sending is made up rather than accumulated. After a stall the timeline
    restarts from now, so it never bursts to make up lost slots. Per-chat limits stay
    relative: one chat is rarely sent to twice in a row."""

    def __init__(self, limits: RateLimits, is_group) -> None:
        self.limits = limits
        self.is_group = is_group
        per_second = limits.per_second
        self.gap = 1.0 / (per_second * HEADROOM) if per_second else 0.0
        self.next_any = 0.0  # the next free slot on the timeline
        self.recent: deque[float] = deque(maxlen=int(per_second) if per_second else 0)  # answers
        self.next_chat: dict[str, float] = {}
        self.paused_until = 0.0

    def chat_gap(self, chat_ref: str) -> float:
        if self.is_group(chat_ref):
            per_minute = self.limits.per_group_per_minute
            return 60.0 / (per_minute * HEADROOM) if per_minute else 0.0
        per_second = self.limits.per_chat_per_second
        return 1.0 / (per_second * HEADROOM) if per_second else 0.0

    def chat_ready(self, chat_ref: str) -> float:
        return self.next_chat.get(chat_ref, 0.0)

    def reserve(self, now: float) -> float:
        """Take the next slot: when the next send may start (not before `now`)."""
        if not self.gap:
            return now
        # A send late by more than CATCH_UP (a stall, an idle channel) restarts the timeline.
        slot = self.next_any if now - self.next_any <= CATCH_UP * self.gap else now
        self.next_any = slot + self.gap
        if self.recent.maxlen and len(self.recent) == self.recent.maxlen:  # see answered()
            slot = max(slot, self.recent[0] + WINDOW)
        return max(slot, now)

    def started(self, chat_ref: str, at: float) -> None:
        gap = self.chat_gap(chat_ref)
        if gap:
            self.next_chat[chat_ref] = at + gap

    def answered(self, at: float) -> None:
        """A send was answered (whatever the answer). The network counts sends per second as
        they reach it, late by however long the way there took (a busy loop, a slow link):
        a send reached it before its answer came back, so none starts within WINDOW of the
        answer to the send `per_second` sends before it, and the network never counts more."""
        if self.recent.maxlen:
            self.recent.append(at)


class Sender:
    """One task per bot; `wake()` after queueing makes delivery immediate.

    Each channel is drained by one loop, one send at a time, so a crash can repeat at most
    the single message in flight (chat networks offer no idempotency key to prevent that).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        channels: Sequence[Channel],
        *,
        tz: ZoneInfo | None = None,
        locale: str | None = None,  # the bureau's BOT_LOCALE; people's own choice comes first
        max_attempts: int = MAX_ATTEMPTS,
        metrics: Metrics | None = None,  # the app's (Services.metrics); else counted apart
    ) -> None:
        self.store = store
        self.clock = clock
        self.channels = {c.name: c for c in channels}
        self.tz = tz or ZoneInfo("Asia/Shanghai")
        self.locale = locale
        self.max_attempts = max_attempts
        self.stats: Counter[str] = Counter()
        self.metrics = metrics or Metrics()
        self._pace = {
            c.name: Pace(getattr(c, "limits", RateLimits()), getattr(c, "is_group", _never))
            for c in channels
        }
        self._wake = asyncio.Event()
        self._stopping = False
        self._queued_more = False  # something was queued while draining (admins told …)
        store.signals.subscribe(outbox.TOPIC, self.wake)
        # While the store cannot be written: pushes whose outcome could not be recorded (sent
        # ones with their time) are held, so none goes out twice, and recorded once it can.
        self._held: dict[int, datetime | None] = {}
        self._alarm: tuple[StoreUnwritable, datetime] | None = None
        self._alarmed_at: float | None = None
        store.health.subscribe(self._store_failing)

    def wake(self) -> None:
        """Something was queued (called once its transaction commits): deliver it now."""
        self._queued_more = True
        self._wake.set()

    def _store_failing(self, failure: StoreUnwritable) -> None:
        self._alarm = (failure, self.clock.now())
        self._wake.set()

    async def drain(self) -> int:
        """Deliver everything due now (pacing as the channels require); how many were delivered.

        A channel paused by flood control is left for later: `run()` comes back to it."""
        await self._sound_alarm()
        if not await self._record_held():
            return 0  # the store still cannot be written: what is due waits for it
        delivered = 0
        while True:
            self._queued_more = False
            counts = await asyncio.gather(*(self._drain(name) for name in self.channels))
            delivered += sum(counts)
            if not self._queued_more or self._stopping:
                return delivered

    async def _drain(self, name: str) -> int:
        loop = asyncio.get_running_loop()
        pace = self._pace[name]
        delivered = 0
        position: tuple[datetime, int] | None = None
        held_until: float | None = None  # a chat waits for its own limit: come back then
        while not self._stopping:
            if pace.paused_until > loop.time():
                return delivered
            async with self.store.read() as db:
                batch = await pushes.due_page(db, name, self.clock.now(), position, BATCH)
            if not batch:
                if held_until is None:
                    return delivered
                await asyncio.sleep(max(0.0, held_until - loop.time()))
                position, held_until = None, None
                continue
            for message in batch:
                position = (message.not_before, message.id)
                if self._stopping or pace.paused_until > loop.time():
                    break
                if message.id in self._held:
                    continue
                ready = pace.chat_ready(message.chat_ref)
                if ready > loop.time():
                    held_until = ready if held_until is None else min(held_until, ready)
                    continue
                wait = pace.reserve(loop.time()) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                pace.started(message.chat_ref, loop.time())
                delivered += await self._deliver(message, pace)
                pace.answered(loop.time())
        return delivered

    async def _deliver(self, message: OutboxMessage, pace: Pace) -> int:
        try:
            return await self._deliver_and_record(message, pace)
        except StoreUnwritable:  # the store logs it once a minute; the alarm is on its way
            if message.id not in self._held:
                self._held[message.id] = None  # not sent: tried again once writes work
            return 0

    async def _deliver_and_record(self, message: OutboxMessage, pace: Pace) -> int:
        channel = self.channels[message.channel]
        kind = "reply" if message.kind == "reply" else "push"
        started = time.monotonic()

        def counted(result: str) -> None:
            self.metrics.sent(message.channel, kind, result, time.monotonic() - started)

        try:
            await channel.deliver(message.chat_ref, reply_from_body(message.body))
        except ChatBusy as err:
            counted("busy")
            self.stats["chat_busy"] += 1
            later = self.clock.now() + timedelta(seconds=err.after)
            async with self.store.write() as db:
                await outbox.postpone(db, message.id, later, err.detail)
            return 0
        except RetryLater as err:
            counted("retry")
            self.stats["retry_later"] += 1
            until = asyncio.get_running_loop().time() + err.after
            pace.paused_until = max(pace.paused_until, until)
            await self._retry(message, err.after, err.detail)
            return 0
        except Unreachable as err:
            counted("unreachable")
            self.stats["unreachable"] += 1
            await self._unreachable(message, err.detail)
            return 0
        except Undeliverable as err:
            counted("failed")
            self.stats["failed"] += 1
            async with self.store.write() as db:
                await outbox.mark_failed(db, message.id, err.detail)
            log.warning("push %d undeliverable: %s", message.id, err.detail)
            return 0
        except DeliveryError as err:
            counted("retry")
            await self._retry(message, backoff(message.attempts + 1), err.detail)
            return 0
        except Exception as err:  # a bug in a channel must not stop every other push
            counted("retry")
            log.exception("channel %s failed on push %d", message.channel, message.id)
            await self._retry(message, backoff(message.attempts + 1), type(err).__name__)
            return 0
        counted("sent")
        self.stats["sent"] += 1
        sent_at = self.clock.now()
        try:
            async with self.store.write() as db:
                await outbox.mark_sent(db, message.id, sent_at)
        except StoreUnwritable:
            self._held[message.id] = sent_at
        return 1

    async def _record_held(self) -> bool:
        """Record what was sent while the store could not be written; False if it still cannot."""
        if not self._held:
            return True
        try:
            async with self.store.write() as db:
                for message_id, sent_at in self._held.items():
                    if sent_at is not None:
                        await outbox.mark_sent(db, message_id, sent_at)
        except StoreUnwritable:
            return False
        self._held.clear()
        return True

    async def _sound_alarm(self) -> None:
        if self._alarm is None:
            return
        (failure, since), self._alarm = self._alarm, None
        now = asyncio.get_running_loop().time()
        if self._alarmed_at is not None and now - self._alarmed_at < ALARM_EVERY:
            return
        self._alarmed_at = now
        try:
            told = await store_alarm.tell_admins(
                self.store, self.channels, failure, since, self.tz, self.locale
            )
        except Exception:
            log.exception("could not tell the admins that %s cannot be written", failure.path)
            return
        log.warning("told %d admin(s) that %s cannot be written", told, failure.path)

    async def _retry(self, message: OutboxMessage, after: float, detail: str) -> None:
        async with self.store.write() as db:
            if message.attempts + 1 >= self.max_attempts:
                self.stats["failed"] += 1
                await outbox.mark_failed(db, message.id, detail)
                log.warning(
                    "push %d given up after %d attempts: %s",
                    message.id,
                    message.attempts + 1,
                    detail,
                )
            else:
                self.stats["retried"] += 1
                later = self.clock.now() + timedelta(seconds=after)
                await outbox.mark_retry(db, message.id, later, detail)

    async def _unreachable(self, message: OutboxMessage, detail: str) -> None:
        async with self.store.write() as db:
            await outbox.mark_failed(db, message.id, detail)
            if message.contact_id is not None:
                await contacts.set_unreachable(db, message.contact_id, True)
                await alerts.unreachable(
                    db, message.contact_id, detail, self.clock.now(), self.tz, self.locale
                )

    async def _idle(self, poll_seconds: float) -> float:
        """How long to sleep: until the next queued push is due, a pause ends, or the poll."""
        loop = asyncio.get_running_loop()
        delay = poll_seconds
        async with self.store.read() as db:
            nearest = await pushes.next_due(db, list(self.channels))
        if nearest is not None and not self._held:  # held ones stay due: poll, do not spin
            delay = min(delay, (nearest - self.clock.now()).total_seconds())
        paused = [p.paused_until - loop.time() for p in self._pace.values()]
        if any(left > 0 for left in paused):  # flood control: come back when it ends
            delay = max(delay, min(left for left in paused if left > 0))
        return max(delay, 0.01)

    async def run(self, poll_seconds: float = 5.0) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.drain()
                delay = await self._idle(poll_seconds)
            except Exception:
                log.exception("outbox drain failed")
                delay = poll_seconds
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass

    def stop(self) -> None:
        """Stop after the send in flight: it completes and is recorded, nothing else starts."""
        self._stopping = True
        self._wake.set()


def _never(chat_ref: str) -> bool:
    return False
