"""The admins' digest says something new or says nothing: sent only when what it states
changed since the last one (a new report to review, a unit newly 签收), with the change first;
on the weekly day (Monday) it is sent even without change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from schedules.policy import check, policy_from
from storage import pushes
from tests.support import NOTICE_PDF, SHANGHAI, ShellBot
from tests.test_schedules_plans import import_draft


async def digests(bot: ShellBot) -> dict[date, str]:
    async with bot.app.store.read() as db:
        sent = [p for p in await pushes.log(db, "digest") if p.chat_ref == "admin"]
    found: dict[date, str] = {}
    for push in sent:
        assert push.sent_at is not None
        day = push.sent_at.astimezone(SHANGHAI).date()
        assert day not in found, f"two digests on {day}"
        found[day] = push.text
    return found


async def test_a_digest_only_when_something_changed_and_weekly(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-05-23T09:00", schedules=True)
    try:
        await bot.invite_and_bind("郑州", "zz")
        assert "已报送" in await bot.say("/report 1 方案", as_="zz", files=[NOTICE_PDF])

        # Tuesday: the first digest, a report to review; nothing to compare with yet.
        await bot.say(":time 2016-05-24T09:00")
        first = (await digests(bot))[date(2016, 5, 24)]
        assert first.splitlines()[0].startswith("☀️") and "变化" not in first
        assert "待您审核:报送 1 件" in first

        # Wednesday: the same facts, so no digest (it used to repeat itself every day).
        await bot.say(":time 2016-05-25T09:00")
        assert date(2016, 5, 25) not in await digests(bot)

        # 郑州 acknowledges the plan: Thursday's digest says so first.
        assert "签收" in await bot.say("/ack", as_="zz")
        await bot.say(":time 2016-05-26T09:00")
        changed = (await digests(bot))[date(2016, 5, 26)].splitlines()
        assert changed[0] == "🔔 变化:新签收 1 个单位", changed
        assert changed[1].startswith("☀️") and "待您审核:报送 1 件" in changed[2]

        # Friday: nothing new again; Monday: the weekly summary without a change line.
        await bot.say(":time 2016-05-27T09:00")
        assert date(2016, 5, 27) not in await digests(bot)
        await bot.say(":time 2016-05-30T09:00")
        weekly = (await digests(bot))[date(2016, 5, 30)].splitlines()
        assert weekly[0].startswith("📋") and "每周汇总" in weekly[0], weekly
        assert "待您审核:报送 1 件" in weekly[1]
    finally:
        await bot.stop()

    # Reopened on the same data and time: nothing is sent twice.
    again = await ShellBot.start(tmp_path / "data", at="2016-05-30T09:00", schedules=True)
    try:
        await again.say(":time 2016-05-30T10:00")
        assert sorted(await digests(again)) == [
            date(2016, 5, 24),
            date(2016, 5, 26),
            date(2016, 5, 30),
        ]
    finally:
        await again.stop()


def test_the_weekly_day_is_a_plan_key() -> None:
    assert policy_from({"digest_weekday": "周三"}).digest_weekday == 3
    assert policy_from({"digest_weekday": 0}).digest_weekday == 0  # only on change
    assert check({"digest_weekday": "someday"}) != []


async def test_closing_a_plan_is_no_news_of_签收(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-05-23T09:30", schedules=True)
    try:
        await bot.invite_and_bind("郑州", "zz")
        await import_draft(bot, tmp_path)
        assert "已发布" in await bot.say("/plan publish zx", as_="admin")
        assert "已报送" in await bot.say("/report fw-1 方案", as_="zz", files=[NOTICE_PDF])
        await bot.say(":time 2016-05-24T09:00")
        assert date(2016, 5, 24) in await digests(bot)

        # 郑州 never acknowledged the campaign; closing it is not 郑州 acknowledging it.
        assert "已结束" in await bot.say("/plan close zx confirm", as_="admin")
        await bot.say(":time 2016-05-25T09:00")
        assert date(2016, 5, 25) not in await digests(bot)
    finally:
        await bot.stop()
