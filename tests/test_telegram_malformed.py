"""A malformed update from Telegram is skipped once, confirmed, and logged without its text."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.logs import redact
from storage import telegram as store_telegram
from storage.db import Store
from tests.fake_telegram import FakeTelegram
from tests.support import local
from tests.telegram_harness import TelegramBot, texts

SECRET_TEXT = "机密:明天检查名单"
LOWER_CODE = "abcd-efgh-jkmn-pqrs"  # an invite code as someone might type it, lower-case


def no_date(message: dict[str, Any]) -> None:
    del message["date"]


def text_user_id(message: dict[str, Any]) -> None:
    message["from"] = message["from"] | {"id": "1001x"}


def string_date(message: dict[str, Any]) -> None:
    message["date"] = "yesterday"


MALFORMED: dict[str, Callable[[dict[str, Any]], None]] = {
    "no date": no_date,
    "a non-integer from.id": text_user_id,
    "a date that is not a number": string_date,
}


def malformed_message(fake: FakeTelegram, user: dict, damage: Callable[[dict], None]) -> dict:
    update = fake.message(user, f"/bind {LOWER_CODE} {SECRET_TEXT}", push=False)
    damage(update["message"])
    return fake.push_malformed(update)


def leaks(record: logging.LogRecord) -> bool:
    seen = record.getMessage() + (record.exc_text or "")
    if record.exc_info:
        seen += logging.Formatter().formatException(record.exc_info)
    return SECRET_TEXT in seen or LOWER_CODE in seen.lower()


async def inbox(tg: TelegramBot) -> list[str]:
    async with tg.app.store.read() as db:
        return await store_telegram.inbox_pending(db)


@pytest.mark.parametrize("damage", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("last", [False, True], ids=["between two good ones", "last of a batch"])
async def test_a_malformed_update_is_skipped_confirmed_and_logged_once(
    tg: TelegramBot,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[dict], None],
    last: bool,
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    await tg.channel.lanes.idle()
    caplog.clear()
    caplog.set_level(logging.INFO)  # DEBUG logs every API call in full, by design
    mark = fake.mark()

    # One batch: the bad update between two good ones (or after them).
    first = fake.message(zz, "/todo")
    if not last:
        bad = malformed_message(fake, zz, damage)
    second = fake.message(zz, "/help")
    if last:
        bad = malformed_message(fake, zz, damage)

    await tg.handled(first)
    await tg.handled(second)
    answered = texts([o.message for o in fake.since(mark)])
    assert "待报送材料" in answered and "/report" in answered

    # Confirmed: the next getUpdates' offset passes it, so Telegram stops sending it.
    await fake.wait_for(lambda: fake.confirmed > bad["update_id"])
    assert not [u for u in fake.pending if u["update_id"] == bad["update_id"]]
    # Later updates are still handled.
    later = await tg.say(zz, "/todo")
    assert "待报送材料" in texts(later)

    about_bad = [r for r in caplog.records if str(bad["update_id"]) in r.getMessage()]
    assert len(about_bad) == 1, [r.getMessage() for r in about_bad]
    assert about_bad[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if leaks(r)]
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    await tg.channel.journal.flush()
    assert all(str(bad["update_id"]) not in body for body in await inbox(tg))
    fetched = len(fake.calls_to("getUpdates"))
    assert fetched < 20, f"{fetched} getUpdates calls: the bad update was fetched again and again"


async def test_a_malformed_update_left_in_the_inbox_is_dropped_quietly_at_start(
    tmp_path: Path, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    first = await TelegramBot.start(tmp_path / "data", fake)
    zz = fake.user(1001)
    await first.bind("郑州", zz)
    await first.stop()
    # Written down by an earlier version, before updates were checked on arrival.
    bad = fake.message(zz, f"/bind {LOWER_CODE} {SECRET_TEXT}", push=False)
    bad["update_id"] = 666_001
    text_user_id(bad["message"])
    good = fake.message(zz, "/todo", push=False) | {"update_id": 666_002}
    store = Store(tmp_path / "data" / "bot.sqlite3")
    await store.open()
    async with store.write() as db:
        rows = [(666_001, json.dumps(bad)), (666_002, json.dumps(good))]
        await store_telegram.inbox_save(db, rows, local("2016-05-20T09:00"))
    await store.close()

    caplog.set_level(logging.INFO)  # DEBUG logs every API call in full, by design
    second = await TelegramBot.start(tmp_path / "data", fake)
    try:
        await fake.expect(1001, "待报送材料")
        await second.channel.lanes.idle()
        await second.channel.journal.flush()
        assert await inbox(second) == []
        about_bad = [r for r in caplog.records if "666001" in r.getMessage()]
        assert len(about_bad) == 1 and about_bad[0].levelno == logging.WARNING
        assert not [r for r in caplog.records if leaks(r)]
    finally:
        await second.stop()


def test_a_lower_case_invite_code_is_masked_in_logs() -> None:
    assert redact(f"/bind {LOWER_CODE}") == "/bind <invite-code>"
    assert redact("/bind ABCD-efgh-JKMN-pqrs now") == "/bind <invite-code> now"


async def test_by_webhook_an_update_with_a_wrong_id_type_is_answered_and_skipped(
    tmp_path: Path, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/telegram-hook"
    tg = await TelegramBot.start(
        tmp_path / "data", fake, TELEGRAM_WEBHOOK_URL=url, TELEGRAM_WEBHOOK_PORT=port
    )
    try:
        assert fake.webhook is not None
        zz = fake.user(1001)
        await tg.bind("郑州", zz)
        caplog.set_level(logging.INFO)
        bad = fake.message(zz, f"/bind {LOWER_CODE} {SECRET_TEXT}", push=False)
        bad["update_id"] = 888_001
        text_user_id(bad["message"])
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": fake.webhook["secret_token"],
        }
        mark = fake.mark()
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=json.dumps(bad), headers=headers) as answered:
                assert answered.status == 200  # Telegram will not send it again
        later = await tg.say(zz, "/todo")
        assert "待报送材料" in texts(later)
        assert [o.message for o in fake.since(mark)] == later  # the bad one got no answer
        about_bad = [r for r in caplog.records if "888001" in r.getMessage()]
        assert len(about_bad) == 1 and about_bad[0].levelno == logging.WARNING
        assert not [r for r in caplog.records if leaks(r)]
    finally:
        await tg.stop()
