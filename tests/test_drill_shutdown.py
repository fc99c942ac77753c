"""Graceful shutdown: SIGTERM while a report's file is still downloading and pushes are queued.

The report in flight is finished and acknowledged, the push being sent completes and is
recorded as sent, nothing else starts, and the process exits 0 within seconds; the next start
sends the rest of the queue, none twice.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import open_app
from domain.clock import SystemClock
from storage import outbox
from tests.drill_world import Peek, acks, prepare, start_bot, stop
from tests.fake_telegram import FakeTelegram
from tests.support import settings_for

PUSHES = 20
EXIT_WITHIN = 5.0  # seconds from SIGTERM to exit; the slow download alone takes 1 s of it


class SlowNetwork(FakeTelegram):
    """Holds one file's download until released, and answers sendMessage slowly."""

    def __init__(self) -> None:
        super().__init__()
        self.slow_file = ""
        self.download_started = asyncio.Event()
        self.release_download = asyncio.Event()
        self.send_delay = 0.3
        self.sends_in_flight = 0

    async def _download(self, request: web.Request) -> web.StreamResponse:
        stored = next(
            (f for f in self.files.values() if f.path == request.match_info["path"]), None
        )
        if stored is not None and stored.file_id == self.slow_file:
            self.download_started.set()
            await self.release_download.wait()
        return await super()._download(request)

    async def _m_sendmessage(self, params: dict, uploads: dict) -> dict:
        self.sends_in_flight += 1
        self._notify()
        try:
            await asyncio.sleep(self.send_delay)  # a slow network: the send is in flight a while
            return await super()._m_sendmessage(params, uploads)
        finally:
            self.sends_in_flight -= 1


async def queue_pushes(data_dir: Path, chats: list[int]) -> None:
    app = await open_app(settings_for(data_dir), SystemClock())
    try:
        async with app.store.write() as db:
            for i in range(PUSHES):
                await outbox.enqueue(
                    db,
                    idem_key=f"shutdown-drill:{i}",
                    channel="telegram",
                    chat_ref=str(chats[i % len(chats)]),
                    contact_id=None,
                    kind="drill",
                    body={"text": f"催报 {i:02d}", "choices": []},
                    now=app.services.clock.now(),
                )
    finally:
        await app.store.close()


def pushed(fake: FakeTelegram) -> Counter[str]:
    return Counter(
        str(o.message.get("text"))
        for o in fake.outputs
        if o.kind == "send" and str(o.message.get("text", "")).startswith("催报")
    )


@pytest.mark.slow
async def test_sigterm_finishes_the_report_in_flight_and_the_send_in_flight(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = tmp_path / "bot.log"
    async with SlowNetwork() as fake:
        people = await prepare(data, fake)
        reporter = fake.user(people[0][0])
        await queue_pushes(data, [user_id for user_id, _ in people[1:]])
        bot = start_bot(data, fake, log)
        try:
            await fake.wait_for(lambda: sum(pushed(fake).values()) >= 2, within=30)
            doc = fake.document("整改方案.pdf", b"%PDF " + b"x" * 100_000)
            fake.slow_file = doc["file_id"]
            update = fake.message(reporter, document=doc, caption="/report 1 年度方案")
            await asyncio.wait_for(fake.download_started.wait(), 30)
            await fake.wait_for(lambda: fake.sends_in_flight > 0, within=10)
            began = time.monotonic()
            bot.send_signal(signal.SIGTERM)
            # The download goes on for another second after the signal.
            asyncio.get_running_loop().call_later(1.0, fake.release_download.set)
            code = await stop(bot, signal.SIGTERM, within=30)
            took = time.monotonic() - began
        finally:
            if bot.poll() is None:
                bot.kill()
        assert code == 0, log.read_text(errors="replace")[-3000:]
        assert took < EXIT_WITHIN, f"exit took {took:.1f} s"

        # The report in flight was stored and acknowledged before the process ended.
        assert [(chat, code) for chat, code, _ in acks(fake)] == [(reporter["id"], "1")]
        async with Peek(data) as peek:
            stored = await peek.reports()
            queue = await peek.outbox()
            inbox = await peek.inbox()
        assert [r.source_key for r in stored] == [f"telegram:{update['update_id']}"]
        assert len(stored[0].files) == 1 and inbox == []
        # Every push Telegram received is recorded as sent (so never sent again); none failed.
        delivered = pushed(fake)
        assert sum(delivered.values()) == queue.get("sent", 0) < PUSHES, queue
        assert set(queue) <= {"sent", "queued"}, queue

        fake.send_delay = 0
        again = start_bot(data, fake, log)
        try:
            await fake.wait_for(lambda: len(pushed(fake)) == PUSHES, within=60)
            async with Peek(data) as peek:

                async def all_sent(p: Peek) -> bool:
                    return (await p.outbox()).get("sent", 0) == PUSHES

                await peek.until(all_sent, within=30)
        finally:
            assert await stop(again, signal.SIGTERM, within=30) == 0
        assert set(pushed(fake).values()) == {1}  # the rest sent after the restart, none twice
