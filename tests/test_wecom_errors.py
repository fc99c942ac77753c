"""WeCom errors as the outbox sees them: retry, back off, give up for a user, tell the admins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from schedules.outbox import body
from schedules.sender import Sender
from storage import contacts, outbox
from storage.db import from_db
from tests.support import find_code
from tests.wecom_support import WeComBot

SEND = "/cgi-bin/message/send"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    wecom_bot = await WeComBot.start(tmp_path / "data")
    code = find_code(await wecom_bot.say("admin", "/invite 郑州 reporter"))
    await wecom_bot.say("zz", f"/bind {code}")
    yield wecom_bot
    await wecom_bot.stop()


async def push(bot: WeComBot, key: str, text: str, to: str = "zz") -> None:
    async with bot.app.store.write() as db:
        contact = await contacts.find(db, "wecom", to)
        assert contact is not None
        await outbox.enqueue(
            db,
            idem_key=key,
            channel="wecom",
            chat_ref=to,
            contact_id=contact.id,
            kind="test",
            body=body(text),
            now=bot.clock.now(),
        )


async def row(bot: WeComBot, key: str) -> tuple[str, int, float]:
    """(status, attempts, seconds from now until it may be tried again)."""
    async with bot.app.store.read() as db:
        async with db.execute(
            "SELECT status, attempts, not_before FROM outbox WHERE idem_key = ?", (key,)
        ) as cur:
            found = await cur.fetchone()
    assert found is not None
    later = from_db(found[2])
    assert later is not None
    return str(found[0]), int(found[1]), (later - bot.clock.now()).total_seconds()


def later_sender(bot: WeComBot) -> Sender:
    """The sender as it is once its pauses are over (its pacing runs on the real clock)."""
    return Sender(bot.app.store, bot.clock, [bot.channel], tz=bot.app.settings.tz)


async def test_busy_is_retried_with_backoff(bot: WeComBot) -> None:
    bot.fake.fail(SEND, -1)
    await push(bot, "p1", "第一条推送")
    await bot.sender.drain()
    status, attempts, wait = await row(bot, "p1")
    assert (status, attempts) == ("queued", 1) and 0 < wait <= 5
    bot.clock.advance(timedelta(seconds=5))
    assert await later_sender(bot).drain() == 1
    assert "第一条推送" in bot.news("zz")


async def test_frequency_limit_backs_off_a_minute(bot: WeComBot) -> None:
    bot.fake.fail(SEND, 45009)
    await push(bot, "p2", "限频后的推送")
    await bot.sender.drain()
    status, attempts, wait = await row(bot, "p2")
    assert (status, attempts) == ("queued", 1) and wait >= 60
    bot.clock.advance(timedelta(seconds=61))
    assert await later_sender(bot).drain() == 1
    assert "限频后的推送" in bot.news("zz")


async def test_invalid_user_is_a_failure_for_that_user(bot: WeComBot) -> None:
    bot.fake.invalid_users.add("zz")
    await push(bot, "p3", "发给已离职的人")
    await bot.sender.drain()
    status, _, _ = await row(bot, "p3")
    assert status == "failed"
    async with bot.app.store.read() as db:
        zz = await contacts.find(db, "wecom", "zz")
    assert zz is not None and zz.unreachable
    assert "发给已离职的人" not in bot.news("zz")


async def test_untrusted_ip_is_explained_to_the_admins(bot: WeComBot) -> None:
    bot.fake.fail(SEND, 60020)
    await push(bot, "p4", "被拦下的推送")
    await bot.sender.drain()
    status, _, wait = await row(bot, "p4")
    assert status == "queued" and wait >= 60  # kept, retried after the fix
    bot.clock.advance(timedelta(minutes=11))
    await later_sender(bot).drain()
    told = bot.news("admin")
    assert "错误码 60020" in told and "企业可信IP" in told and "添加服务器的公网出口 IP" in told
    assert "被拦下的推送" in bot.news("zz")
    # The same problem again the same day is not repeated to the admins.
    bot.fake.fail(SEND, 60020)
    await push(bot, "p5", "又一条")
    await later_sender(bot).drain()
    bot.clock.advance(timedelta(minutes=11))
    await later_sender(bot).drain()
    assert "60020" not in bot.news("admin")


async def test_member_outside_visible_range_is_explained(bot: WeComBot) -> None:
    bot.fake.fail(SEND, 60011)
    await push(bot, "p6", "可见范围之外")
    await bot.sender.drain()
    await later_sender(bot).drain()
    assert "可见范围" in bot.news("admin")


async def test_a_reply_that_cannot_go_now_is_kept_in_the_outbox(bot: WeComBot) -> None:
    bot.fake.fail(SEND, -1)
    assert await bot.say("zz", "/todo") == ""
    bot.clock.advance(timedelta(seconds=10))
    assert await later_sender(bot).drain() == 1
    assert "待报送材料 16 项" in bot.news("zz")
