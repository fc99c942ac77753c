"""The real bot process on the fake Bot API: killed while draining, and meeting 429s and 500s."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.app import open_app
from domain.clock import SystemClock
from storage import outbox
from storage.db import Store
from tests.fake_telegram import FakeTelegram
from tests.support import settings_for

ROOT = Path(__file__).resolve().parent.parent
FIRST_USER = 3001
# The drills are about losing and repeating, not about Telegram's 30 sends/s: at that pace the
# 500 pushes alone take 17 s. A bot with paid broadcasts may send this fast (up to 1000/s).
SENDS_PER_SECOND = "300"


async def queue_pushes(data_dir: Path, fake: FakeTelegram, count: int, chats: int) -> list[str]:
    """Queue `count` pushes to `chats` Telegram users, as a scheduled broadcast would."""
    app = await open_app(settings_for(data_dir), SystemClock())
    texts = []
    try:
        now = app.services.clock.now()
        async with app.store.write() as db:
            for i in range(count):
                user = FIRST_USER + i % chats
                fake.user(user, f"联系人{user}")
                text = f"催报 {i:03d}"
                await outbox.enqueue(
                    db,
                    idem_key=f"drill:{i}",
                    channel="telegram",
                    chat_ref=str(user),
                    contact_id=None,
                    kind="drill",
                    body={"text": text, "choices": []},
                    now=now,
                )
                texts.append(text)
    finally:
        await app.store.close()
    return texts


def start_bot(data_dir: Path, fake: FakeTelegram, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BOT_DATA_DIR": str(data_dir),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_FILE_BASE_URL": fake.file_base_url,
        "TELEGRAM_MESSAGES_PER_SECOND": SENDS_PER_SECOND,
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "main.py", "telegram"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def delivered(fake: FakeTelegram) -> Counter[str]:
    return Counter(str(o.message.get("text", "")) for o in fake.outputs if o.kind == "send")


async def queued_left(data_dir: Path) -> int:
    store = Store(settings_for(data_dir).db_path)
    await store.open()
    try:
        async with store.read() as db:
            async with db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'") as cur:
                row = await cur.fetchone()
    finally:
        await store.close()
    return int(row[0]) if row else -1


async def settled(data_dir: Path, within: float = 10.0) -> int:
    """Wait (polling, with a deadline) until the bot has recorded every push as sent."""
    async with asyncio.timeout(within):
        while (left := await queued_left(data_dir)) != 0:  # noqa: ASYNC110 — another process
            await asyncio.sleep(0.05)
    return left


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


@pytest.mark.slow
async def test_sigkill_while_draining_500_pushes_loses_none(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    data = tmp_path / "data"
    texts = await queue_pushes(data, fake, 500, chats=250)
    first = start_bot(data, fake, tmp_path / "bot.log")
    try:
        await fake.wait_for(lambda: sum(delivered(fake).values()) >= 150, within=60)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait, 10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = sum(delivered(fake).values())
    assert at_kill < 500, "the drill must kill the bot mid-drain"

    second = start_bot(data, fake, tmp_path / "bot.log")
    try:
        await fake.wait_for(lambda: set(delivered(fake)) >= set(texts), within=90)
        assert await settled(data) == 0
    finally:
        kill(second)
    counts = delivered(fake)
    assert set(counts) >= set(texts)  # none lost
    twice = [text for text, n in counts.items() if n > 1]
    assert len(twice) <= 1, twice  # at most the one in flight at the kill
    assert all(n <= 2 for n in counts.values())


@pytest.mark.slow
async def test_429_and_500_answers_delay_but_never_lose_or_repeat(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    data = tmp_path / "data"
    texts = await queue_pushes(data, fake, 100, chats=100)
    fake.fail(500, methods={"sendMessage"}, share=0.1)  # one send in ten, throughout
    fake.fail(methods={"sendMessage"}, retry_after=1, times=2)
    bot = start_bot(data, fake, tmp_path / "bot.log")
    try:
        await fake.wait_for(lambda: set(delivered(fake)) >= set(texts), within=90)
        assert await settled(data) == 0
    finally:
        kill(bot)
    counts = delivered(fake)
    assert set(counts) == set(texts) and all(n == 1 for n in counts.values())
    sends = fake.calls_to("sendMessage")
    refused = [c for c in sends if c.status == 429]
    failed = [c for c in sends if c.status == 500]
    assert len(refused) == 2 and len(failed) >= 3
    for pause in refused:  # nothing was sent while Telegram asked the bot to wait
        assert not [c for c in sends if pause.at < c.at < pause.at + 0.99]
