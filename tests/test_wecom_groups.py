"""WeCom groups: robots registered by webhook (a secret), paced, off the hour; app group chats."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from domain.messages import Reply
from schedules.delivery import RetryLater, Undeliverable
from schedules.jobs import JobEnv
from schedules.runtime import ensure_marks, run_due
from schedules.sender import Sender
from tests.fake_wecom import ROBOT_LIMIT
from tests.support import find_code, local
from tests.wecom_support import WeComBot

CHAT_ID = "henan-anjian-2016"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    wecom_bot = await WeComBot.start(tmp_path / "data", WECOM_APPCHAT_IDS=CHAT_ID)
    yield wecom_bot
    await wecom_bot.stop()


async def register_robot(bot: WeComBot, extra: str = "全省安监工作群") -> tuple[str, str]:
    key = bot.fake.new_robot()
    answer = await bot.say(
        "admin", f"/subscribe_webhook {bot.fake.base_url}/cgi-bin/webhook/send?key={key} {extra}"
    )
    return key, answer


async def test_webhook_url_is_a_secret(bot: WeComBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key, answer = await register_robot(bot)
    assert "已登记群机器人 #1(全省安监工作群)" in answer and key not in answer
    listing = await bot.say("admin", "/webhooks")
    assert "#1 全省安监工作群" in listing and key not in listing
    await bot.channel.deliver("robot:1", Reply("测试播报"))
    # aiosqlite echoes SQL parameters at DEBUG; every other logger must keep the key out.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiosqlite")
    assert key not in logged
    async with bot.app.store.read() as db:
        async with db.execute("SELECT detail, subject FROM audit") as cur:
            audit_text = " ".join(str(tuple(r)) for r in await cur.fetchall())
    assert key not in audit_text
    (sent,) = bot.fake.to(f"robot:{key}")
    assert sent.body == {"msgtype": "text", "text": {"content": "测试播报"}}


async def test_bad_webhooks_and_strangers_are_refused(bot: WeComBot) -> None:
    wrong = await bot.say("admin", "/subscribe_webhook https://example.com/hook?key=abcdefgh-1234")
    assert "不是企业微信群机器人的地址" in wrong and "example.com" not in wrong
    code = find_code(await bot.say("admin", "/invite 郑州 reporter"))
    await bot.say("zz", f"/bind {code}")
    key = bot.fake.new_robot()
    url = f"{bot.fake.base_url}/cgi-bin/webhook/send?key={key}"
    refused = await bot.say("zz", f"/subscribe_webhook {url}")
    assert "没有使用该命令的权限" in refused and key not in refused
    assert "尚未登记群机器人" in await bot.say("admin", "/webhooks")


async def test_a_robot_gets_at_most_twenty_a_minute(bot: WeComBot) -> None:
    key, _ = await register_robot(bot, "动态 events")
    waits = []
    for n in range(ROBOT_LIMIT + 5):
        bot.clock.advance(timedelta(seconds=1))
        try:
            await bot.channel.deliver("robot:1", Reply(f"报送动态 {n}"))
        except RetryLater as err:
            waits.append(err.after)
    assert len(bot.fake.to(f"robot:{key}")) == ROBOT_LIMIT
    assert len(waits) == 5 and all(0 < w <= 61 for w in waits)
    assert not any(code == 45009 for _, code in bot.fake.rejected)
    bot.clock.advance(timedelta(seconds=max(waits)))
    await bot.channel.deliver("robot:1", Reply("一分钟后"))
    assert bot.fake.to(f"robot:{key}")[-1].text == "一分钟后"


async def test_robot_flood_control_and_removal(bot: WeComBot) -> None:
    await register_robot(bot)
    bot.fake.fail("/cgi-bin/webhook/send", 45009)
    with pytest.raises(RetryLater) as waited:
        await bot.channel.deliver("robot:1", Reply("被限频"))
    assert waited.value.after >= 60
    assert "已删除群机器人 #1" in await bot.say("admin", "/unsubscribe_webhook 1")
    with pytest.raises(Undeliverable):
        await bot.channel.deliver("robot:1", Reply("已删除"))


async def test_weekly_bulletin_reaches_robot_and_app_chat_off_the_hour(bot: WeComBot) -> None:
    await bot.channel.api.appchat_create("全省安监工作群", "admin", ["admin", "zz"], CHAT_ID)
    key, _ = await register_robot(bot)
    jobs = JobEnv(bot.app.store, bot.clock, bot.app.settings.tz, bot.app.settings.locale)
    await ensure_marks(jobs)
    monday_nine = local("2016-05-23T09:00")
    bot.clock.set(monday_nine)
    await run_due(jobs, monday_nine, simulate=True)  # the weekly bulletin is queued
    await bot.sender.drain()
    assert bot.fake.to(f"robot:{key}") == []  # 09:00 is when every robot posts: wait
    bot.clock.advance(timedelta(minutes=2))
    later = Sender(bot.app.store, bot.clock, [bot.channel], tz=bot.app.settings.tz)
    await later.drain()
    (bulletin,) = bot.fake.to(f"robot:{key}")
    (in_chat,) = bot.fake.to(f"appchat:{CHAT_ID}")
    for sent in (bulletin, in_chat):
        assert sent.text.startswith("📊 工作进度周报") and "总体完成" in sent.text
        assert sent.at.astimezone(monday_nine.tzinfo).minute not in (0, 30)
    assert not any(code == 45009 for _, code in bot.fake.rejected)
