"""Exactly-once on Telegram: redelivery after a restart, replay after a crash, webhook mode."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
from telegram import Update

from storage import telegram as store_telegram
from storage.db import Store
from tests.fake_telegram import FakeTelegram
from tests.support import local
from tests.telegram_harness import TelegramBot, texts


async def _reports_of(tg: TelegramBot, code: str) -> int:
    async with tg.app.store.read() as db:
        async with db.execute(
            "SELECT COUNT(*) FROM reports r JOIN assignments a ON a.id = r.assignment_id"
            " JOIN materials m ON m.id = a.material_id WHERE m.code = ?",
            (code,),
        ) as cur:
            row = await cur.fetchone()
    return int(row[0])


async def test_an_update_delivered_again_after_a_restart_is_stored_once(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    first = await TelegramBot.start(tmp_path / "data", fake)
    zz = fake.user(1001)
    await first.bind("郑州", zz)
    mark = fake.mark()
    update = fake.message(zz, document=fake.document("a.pdf", b"%PDF a"), caption="/report 2.1")
    await first.handled(update)
    assert "已报送 [2.1]" in texts([o.message for o in fake.since(mark)])
    await first.stop()

    fake.redeliver(update)  # as if the confirming getUpdates never reached Telegram
    second = await TelegramBot.start(tmp_path / "data", fake)
    try:
        mark = fake.mark()
        await second.handled(update)
        assert fake.since(mark) == []
        assert await _reports_of(second, "2.1") == 1
        assert len(fake.downloads) == 1
    finally:
        await second.stop()


async def test_an_update_left_in_the_inbox_by_a_crash_is_handled_at_start(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    first = await TelegramBot.start(tmp_path / "data", fake)
    zz = fake.user(1001)
    await first.bind("郑州", zz)
    await first.stop()
    # What a crash leaves behind: an update written down (and so confirmed to Telegram,
    # which will not send it again) but never handled.
    doc = fake.document("方案.pdf", b"%PDF")
    lost = fake.message(zz, document=doc, caption="/report 6.1 已制定方案", push=False)
    lost |= {"update_id": 555_555}
    garbled = {"update_id": 555_556, "message": {"message_id": 9}}  # no chat, no date
    store = Store(tmp_path / "data" / "bot.sqlite3")
    await store.open()
    async with store.write() as db:
        await store_telegram.inbox_save(
            db,
            [(555_555, json.dumps(lost)), (555_556, json.dumps(garbled))],
            local("2016-05-20T09:00"),
        )
    await store.close()

    second = await TelegramBot.start(tmp_path / "data", fake)
    try:
        await fake.expect(1001, "已报送 [6.1]")
        await second.channel.lanes.idle()
        assert await _reports_of(second, "6.1") == 1
        async with second.app.store.read() as db:
            assert await store_telegram.inbox_pending(db) == []
    finally:
        await second.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_answers_and_ignores_a_repeated_delivery(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    tg = await TelegramBot.start(
        tmp_path / "data", fake, TELEGRAM_WEBHOOK_URL=url, TELEGRAM_WEBHOOK_PORT=port
    )
    try:
        assert fake.webhook is not None and fake.webhook["url"] == url
        secret = fake.webhook["secret_token"]
        assert secret and secret not in url
        zz = fake.user(1001)
        await tg.bind("郑州", zz)  # the fake posts every update to the webhook

        doc = fake.document("方案.pdf", b"%PDF")
        update = fake.message(zz, document=doc, caption="/report 6.1 已制定", push=False)
        update["update_id"] = 777_777
        Update.de_json(update, None)
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
        async with aiohttp.ClientSession() as session:
            for _ in range(2):  # Telegram repeats a delivery it thinks timed out
                async with session.post(url, data=json.dumps(update), headers=headers) as r:
                    assert r.status == 200
            forged = headers | {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            async with session.post(url, data=json.dumps(update), headers=forged) as r:
                assert r.status == 403
        await tg.handled(update)
        assert len([o for o in fake.outputs if "已报送 [6.1]" in o.message.get("text", "")]) == 1
        assert await _reports_of(tg, "6.1") == 1
    finally:
        await tg.stop()
