"""The outbox sender against a recording channel: pacing, flood control, retries, giving up, blocked users."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from domain.clock import SystemClock
from domain.messages import Reply
from schedules.delivery import DeliveryError, RateLimits, RetryLater, Unreachable
from schedules.sender import Sender
from storage import outbox, pushes
from tests.support import ShellBot


class Recording:
    """A channel that records sends (with their loop time) and fails as scripted."""

    name = "rec"

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()
        self.sent: list[tuple[float, str, str]] = []
        self.script: dict[str, list[Exception]] = {}  # text → errors to raise first, in order
        self.in_flight = asyncio.Event()
        self.release = asyncio.Event()
        self.hold: str | None = None
        self.changed = asyncio.Event()

    def is_group(self, chat_ref: str) -> bool:
        return chat_ref.startswith("g")

    async def deliver(self, chat_ref: str, reply: Reply) -> None:
        errors = self.script.get(reply.text)
        if errors:
            raise errors.pop(0)
        if reply.text == self.hold:
            self.in_flight.set()
            await self.release.wait()
        self.sent.append((asyncio.get_running_loop().time(), chat_ref, reply.text))
        self.changed.set()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ShellBot]:
    shell_bot = await ShellBot.start(tmp_path / "data")
    yield shell_bot
    await shell_bot.stop()


async def queue(bot: ShellBot, *items: tuple[str, str], contact_id: int | None = None) -> None:
    async with bot.app.store.write() as db:
        for chat_ref, text in items:
            await outbox.enqueue(
                db,
                idem_key=f"t:{chat_ref}:{text}",
                channel="rec",
                chat_ref=chat_ref,
                contact_id=contact_id,
                kind="test",
                body={"text": text, "choices": []},
                now=bot.clock.now(),
            )


async def states(bot: ShellBot) -> dict[str, tuple[str, str | None]]:
    async with bot.app.store.read() as db:
        async with db.execute("SELECT body, status, last_error FROM outbox") as cur:
            rows = await cur.fetchall()
    return {json.loads(r[0])["text"]: (r[1], r[2]) for r in rows}


async def test_pacing_keeps_the_global_and_per_chat_limits(bot: ShellBot) -> None:
    channel = Recording(RateLimits(per_second=50, per_chat_per_second=5, per_group_per_minute=300))
    sender = Sender(bot.app.store, bot.clock, [channel])
    await queue(bot, *[(f"u{i % 10}", f"m{i}") for i in range(30)], ("g1", "a"), ("g1", "b"))
    assert await sender.drain() == 32
    times = [at for at, _, _ in channel.sent]
    # Never faster than the channel allows overall: the k-th send no sooner than k/50 s after
    # the first (one gap may be shorter when the send before it started late: no drift).
    assert all(at - times[0] >= k / 50 - 0.002 for k, at in enumerate(times))
    for chat in {c for _, c, _ in channel.sent}:
        mine = [at for at, c, _ in channel.sent if c == chat]
        limit = 60 / 300 if chat.startswith("g") else 1 / 5
        assert all(b - a >= limit - 0.002 for a, b in pairwise(mine)), chat
    # Each chat still gets its messages in the order they were queued.
    assert [t for _, c, t in channel.sent if c == "u3"] == ["m3", "m13", "m23"]


async def test_flood_control_pauses_the_channel_and_nothing_is_lost(bot: ShellBot) -> None:
    channel = Recording()
    channel.script["b"] = [RetryLater("Too Many Requests: retry after 1", 0.3)]
    sender = Sender(bot.app.store, SystemClock(), [channel])
    await queue(bot, ("u1", "a"), ("u2", "b"), ("u3", "c"))
    task = asyncio.create_task(sender.run(poll_seconds=0.05))
    try:
        async with asyncio.timeout(5):
            while len(channel.sent) < 3:
                channel.changed.clear()
                await channel.changed.wait()
    finally:
        sender.stop()
        await task
    order = [t for _, _, t in channel.sent]
    assert sorted(order) == ["a", "b", "c"] and order[0] == "a"
    first, later = channel.sent[0][0], min(at for at, _, t in channel.sent if t != "a")
    assert later - first >= 0.29  # nothing was sent during the pause
    assert sender.stats["retry_later"] == 1


async def test_transient_errors_back_off_then_give_up_keeping_the_reason(bot: ShellBot) -> None:
    channel = Recording()
    channel.script["flaky"] = [DeliveryError("502 Bad Gateway")] * 2
    channel.script["doomed"] = [DeliveryError("500 Internal Server Error")] * 10
    sender = Sender(bot.app.store, bot.clock, [channel], max_attempts=4)
    await queue(bot, ("u1", "flaky"), ("u2", "doomed"))
    for _ in range(6):
        await sender.drain()
        bot.clock.advance(timedelta(minutes=1))
    found = await states(bot)
    assert found["flaky"][0] == "sent"
    assert found["doomed"] == ("failed", "500 Internal Server Error")
    assert [t for _, _, t in channel.sent] == ["flaky"]


async def test_the_backoff_doubles(bot: ShellBot) -> None:
    channel = Recording()
    channel.script["x"] = [DeliveryError("timeout")] * 3
    sender = Sender(bot.app.store, bot.clock, [channel])
    await queue(bot, ("u1", "x"))
    waits = []
    for _ in range(3):
        await sender.drain()
        async with bot.app.store.read() as db:
            due = await pushes.next_due(db, ["rec"])
        assert due is not None
        waits.append(round((due - bot.clock.now()).total_seconds()))
        bot.clock.advance(timedelta(hours=1))
    assert waits == [2, 4, 8]


async def test_a_blocked_user_is_marked_and_the_admins_are_told(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    async with bot.app.store.read() as db:
        async with db.execute("SELECT id FROM contacts WHERE user_ref = 'zz'") as cur:
            row = await cur.fetchone()
    assert row is not None
    channel = Recording()
    channel.script["reminder"] = [Unreachable("Forbidden: bot was blocked by the user")]
    sender = Sender(bot.app.store, bot.clock, [channel, bot.shell])
    await queue(bot, ("zz", "reminder"), contact_id=int(row[0]))
    await sender.drain()
    printed = bot.out.getvalue()
    assert "推送给 admin" in printed and "zz" in printed and "已无法接收消息" in printed
    assert (await states(bot))["reminder"][0] == "failed"
    pushes_page = await bot.say("/pushes", as_="admin")
    assert "无法送达的联系人(1 位):zz(郑州市)" in pushes_page
    assert "blocked" in pushes_page


async def test_stop_lets_the_send_in_flight_finish_and_starts_no_other(bot: ShellBot) -> None:
    channel = Recording()
    channel.hold = "first"
    sender = Sender(bot.app.store, bot.clock, [channel])
    await queue(bot, ("u1", "first"), ("u2", "second"))
    task = asyncio.create_task(sender.run(poll_seconds=0.05))
    await asyncio.wait_for(channel.in_flight.wait(), 5)
    sender.stop()
    channel.release.set()
    await asyncio.wait_for(task, 5)
    found = await states(bot)
    assert found["first"][0] == "sent" and found["second"][0] == "queued"
