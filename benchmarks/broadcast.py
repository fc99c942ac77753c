"""Benchmark: drain a 30,000-contact broadcast against a rate-limited fake Bot API, and time
the scheduler's decision for 30,000 contacts × 30 materials.

    python benchmarks/broadcast.py                 # both, full size (each drain takes ~17 min)
    python benchmarks/broadcast.py --contacts 3000 # quicker drains (3 rounds: min/median/max)
    python benchmarks/broadcast.py --skip-drain    # only the decision time
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import deque
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import open_app
from bot.telegram.adapter import TelegramChannel
from domain.clock import SystemClock
from domain.model import Role
from schedules.decide import candidate_dues, plan_day
from schedules.policy import DEFAULT
from schedules.sender import Sender
from storage import outbox
from storage.owed import OwedRow
from storage.people import Person
from tests.fake_bot_api import ApiError
from tests.fake_telegram import FakeTelegram
from tests.support import settings_for

FIRST_USER = 10_000_000
ALLOWED = 30  # Telegram's overall limit, TELEGRAM_MESSAGES_PER_SECOND's default: the floor


class LimitedTelegram(FakeTelegram):
    """The fake Bot API, refusing with 429 what Telegram would: >30 sends in any second
    overall, >1 per second to one chat."""

    def __init__(self) -> None:
        super().__init__()
        self.window: deque[float] = deque()
        self.last_in_chat: dict[int, float] = {}
        self.refused = 0
        self.accepted = 0
        self.first = 0.0
        self.last = 0.0

    async def _m_sendmessage(self, params: dict, uploads: dict) -> dict[str, Any]:
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        chat = int(params.get("chat_id", 0))
        if len(self.window) >= ALLOWED or now - self.last_in_chat.get(chat, -9.0) < 1.0:
            self.refused += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self.window.append(now)
        self.last_in_chat[chat] = now
        self.accepted += 1
        self.first = self.first or now
        self.last = now
        self.outputs.clear()  # keep memory flat over 30,000 sends
        self.calls.clear()
        return await super()._m_sendmessage(params, uploads)


async def drain(contacts: int) -> tuple[float, int]:
    """One round: queue `contacts` pushes and drain them; (messages/s, 429 answers)."""
    fake = LimitedTelegram()
    async with fake:
        with tempfile.TemporaryDirectory() as tmp:
            settings = settings_for(
                Path(tmp) / "data",
                TELEGRAM_BOT_TOKEN=fake.token,
                TELEGRAM_API_BASE_URL=fake.base_url,
                TELEGRAM_FILE_BASE_URL=fake.file_base_url,
            )
            clock = SystemClock()
            app = await open_app(settings, clock)
            now = clock.now()
            started = time.perf_counter()
            async with app.store.write() as db:
                for i in range(contacts):
                    fake.user(FIRST_USER + i)
                    await outbox.enqueue(
                        db,
                        idem_key=f"bulletin:bench:{i}",
                        channel="telegram",
                        chat_ref=str(FIRST_USER + i),
                        contact_id=None,
                        kind="broadcast",
                        body={"text": f"📊 本周进度通报 #{i}", "choices": []},
                        now=now,
                    )
            print(f"queued {contacts} pushes in {time.perf_counter() - started:.1f} s")
            channel = TelegramChannel(app.services)
            await channel.start()
            sender = Sender(app.store, clock, [channel])
            started = time.perf_counter()
            delivered = await sender.drain()
            took = time.perf_counter() - started
            await channel.stop()
            await app.store.close()
            rate = delivered / took
            print(
                f"drained {delivered} in {took:.1f} s: {rate:.2f} messages/s"
                f" ({rate / ALLOWED:.1%} of the {ALLOWED}/s allowed);"
                f" 429 answers provoked: {fake.refused}"
            )
            return rate, fake.refused


async def drains(contacts: int, rounds: int) -> None:
    results = [await drain(contacts) for _ in range(rounds)]
    rates = sorted(rate for rate, _ in results)
    low, mid, high = rates[0], statistics.median(rates), rates[-1]
    print(
        f"drain over {rounds} round(s), messages/s min/median/max:"
        f" {low:.2f}/{mid:.2f}/{high:.2f}; floor (the allowed rate): {ALLOWED}/s;"
        f" ratio {low / ALLOWED:.1%}/{mid / ALLOWED:.1%}/{high / ALLOWED:.1%};"
        f" 429 answers in all: {sum(refused for _, refused in results)}"
    )


def decision(contacts: int, materials: int) -> None:
    """plan_day over contacts × materials outstanding rows, each contact its own unit."""
    day = date(2016, 6, 1)
    dues = [day + timedelta(days=offset) for offset in range(-20, materials - 20)]
    people = [
        Person(i, "telegram", str(i), None, i, Role.REPORTER, None, False, True, None, None, None)
        for i in range(contacts)
    ]
    paths = {i: f"/0/{i}/" for i in range(contacts)}
    rows = [
        OwedRow(i * materials + m, i, m, f"{m + 1}", f"材料{m + 1}", "date", None, dues[m],
                "not_submitted", None)
        for i in range(contacts)
        for m in range(materials)
    ]  # fmt: skip
    wanted = set(candidate_dues(DEFAULT, day))
    pruned = [r for r in rows if r.due in wanted]
    for label, owed in (("every row", rows), ("rows the store returns", pruned)):
        started = time.perf_counter()
        decided = plan_day(DEFAULT, day, people, paths, owed, {})
        took = time.perf_counter() - started
        print(
            f"decision, {contacts} contacts × {materials} materials, {label} ({len(owed)}):"
            f" {took:.3f} s, {len(decided.bundles)} messages decided"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--materials", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="drains, each on a fresh store")
    parser.add_argument("--skip-drain", action="store_true")
    args = parser.parse_args()
    decision(args.contacts, args.materials)
    if not args.skip_drain:
        asyncio.run(drains(args.contacts, args.rounds))


if __name__ == "__main__":
    main()
