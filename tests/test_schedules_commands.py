"""Reminder commands, urging, dates on request, catch-up and idempotency, through the shell."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from schedules.runtime import run_due
from storage import audit, pushes, units
from tests.support import ShellBot, local


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ShellBot]:
    shell_bot = await ShellBot.start(tmp_path / "data", at="2016-05-20T10:00", schedules=True)
    yield shell_bot
    await shell_bot.stop()


async def sent_to(bot: ShellBot, user: str) -> list[pushes.Delivered]:
    async with bot.app.store.read() as db:
        return [p for p in await pushes.log(db) if p.chat_ref == user]


async def test_remind_shows_turns_off_and_moves_the_time(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("郑州", "zz2")
    shown = await bot.say("/remind", as_="zz")
    assert "已开启,每个工作日 09:00" in shown and "截止前 7、3、1 天" in shown
    assert "提醒时间须为整点或半点" in await bot.say("/remind 09:15", as_="zz")
    assert "提醒时间须为整点或半点" in await bot.say("/remind 23:00", as_="zz")
    assert "用法:/remind" in await bot.say("/remind later", as_="zz")
    assert "每个工作日 14:30" in await bot.say("/remind 14:30", as_="zz")
    assert "已关闭您的提醒" in await bot.say("/remind off", as_="zz2")

    await bot.say(":time 2016-05-24T10:00")  # 7 days before 5月底
    await bot.say(":time 2016-05-24T14:45")
    about_1 = [p.sent_at for p in await sent_to(bot, "zz") if "[1] 推进服务型" in p.text]
    assert about_1 == [local("2016-05-24T14:30")]
    assert await sent_to(bot, "zz2") == []  # off: not even the 签收 notice


async def test_away_needs_valid_dates_and_names_who_covers(bot: ShellBot) -> None:
    await bot.invite_and_bind("洛阳", "ly")
    assert "用法:/away" in await bot.say("/away 6月1日", as_="ly")
    assert "无法识别日期" in await bot.say("/away 明年 后年", as_="ly")
    assert "结束日期已过" in await bot.say("/away 5月1日 5月2日", as_="ly")
    alone = await bot.say("/away 5月23日 6月3日", as_="ly")
    assert "已记录您的休假" in alone and "转告上级管理员" in alone
    await bot.invite_and_bind("洛阳", "ly2")
    covered = await bot.say("/away 5月23日 6月3日", as_="ly")
    assert "期间由本单位 ly2 接收提醒" in covered
    assert "恢复向您推送" in await bot.say("/away off", as_="ly")


async def test_urging_a_unit_twice_within_the_hour_asks_first(bot: ShellBot) -> None:
    await bot.invite_and_bind("开封", "kf")
    await bot.say(":time 2016-06-02T10:00")
    first = await bot.say("/urge 开封 请今天报送", as_="admin")
    assert "已向 1 个单位的 1 位联系人发出催办" in first
    assert "推送给 kf" in first and "[1] 推进服务型" in first and "附言:请今天报送" in first
    await bot.say(":time 2016-06-02T10:30")
    again = await bot.say("/urge 开封", as_="admin")
    assert "已于 2016年6月2日 10:00 由 admin 催办过" in again and "推送给 kf" not in again
    confirmed = await bot.say("1", as_="admin")  # the 再次催办 button
    assert "发出催办" in confirmed and "推送给 kf" in confirmed
    assert "没有待确认的催办" in await bot.say("/urge_confirm", as_="admin")
    async with bot.app.store.read() as db:
        kaifeng = await units.by_code(db, "kaifeng")
        assert kaifeng is not None
        history = await audit.of_unit(db, kaifeng.id, 10)
    assert [e.action for e in history if e.action == "urge"] == ["urge", "urge"]
    assert all(e.actor_label == "admin" for e in history if e.action == "urge")


async def test_urging_by_code_and_all_overdue_reaches_only_owing_units(
    bot: ShellBot, pdf: Path
) -> None:
    await bot.invite_and_bind("开封", "kf")
    await bot.invite_and_bind("郑州", "zz")
    assert "已报送" in await bot.say("/report 1 已印发", as_="zz", files=[pdf])
    await bot.say(":time 2016-06-02T10:00")
    by_code = await bot.say("/urge 1", as_="admin")
    assert "推送给 kf" in by_code and "推送给 zz" not in by_code
    await bot.say(":time 2016-06-02T11:30")
    everyone_late = await bot.say("/urge all-overdue", as_="admin")
    assert "推送给 kf" in everyone_late and "推送给 zz" not in everyone_late
    assert "用法:/urge" in await bot.say("/urge", as_="admin")
    assert "找不到单位" in await bot.say("/urge 火星", as_="admin")
    assert "没有使用该命令的权限" in await bot.say("/urge 开封", as_="kf")


async def test_a_date_on_request_starts_reminders(bot: ShellBot) -> None:
    await bot.invite_and_bind("开封", "kf")
    assert "时限已在方案中规定" in await bot.say("/deadline 1 6月30日", as_="admin")
    assert "已过" in await bot.say("/deadline 8 5月1日", as_="admin")
    assert "无法识别日期" in await bot.say("/deadline 8 下辈子", as_="admin")
    done = await bot.say("/deadline 8 6月15日", as_="admin")
    # 28: the cities and counties the plan is addressed to; the province does not owe 8.
    assert "已将 [8] 的报送时限定为 2016年6月15日,涉及 28 个单位" in done
    assert "推送给 kf" in done and "报送时限已定为 2016年6月15日" in done
    await bot.say(":time 2016-06-08T10:00")
    assert "[8] 推荐服务型" in " ".join(
        p.text for p in await sent_to(bot, "kf") if p.kind == "reminder"
    )


async def test_running_a_day_twice_sends_nothing_twice(bot: ShellBot) -> None:
    await bot.invite_and_bind("开封", "kf")
    await bot.say(":time 2016-05-24T10:00")
    before = len(await sent_to(bot, "kf"))
    await bot.say(":time 2016-05-23T08:00")  # the clock goes back: the days replay…
    await bot.say(":time 2016-05-24T10:00")
    assert len(await sent_to(bot, "kf")) == before  # …but every push was already queued


async def test_after_downtime_recent_runs_are_sent_and_older_ones_listed(bot: ShellBot) -> None:
    await bot.invite_and_bind("开封", "kf")
    assert "已签收" in await bot.say("/ack", as_="kf")
    # The bot is down from 20 May until 1 June 10:00; it starts and catches up.
    bot.clock.set(local("2016-06-01T10:00"))
    await run_due(bot.jobs, bot.clock.now(), deliver=bot.sender.drain)
    kf = [p for p in await sent_to(bot, "kf") if p.kind == "reminder"]
    assert len(kf) == 1 and "第 1 次催报" in kf[0].text  # today's 09:00 run, sent once
    missed = [p for p in await sent_to(bot, "admin") if p.kind == "missed"]
    assert len(missed) == 1
    text = missed[0].text
    assert "超过 24 小时未能发出" in text and "2016年5月31日 09:00 截止提醒:" in text
    assert "开封市" in text and "2016年5月24日 09:00 截止提醒" in text
    again = await run_due(bot.jobs, bot.clock.now() + timedelta(minutes=5))
    assert again == 0


async def test_groups_get_a_weekly_bulletin_and_chosen_events(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("开封", "kf")
    await bot.shell.handle_line(":group 进度群")
    await bot.say("/subscribe events", as_="admin")
    await bot.shell.handle_line(":group 安静群")
    await bot.say("/subscribe", as_="admin")
    await bot.shell.handle_line(":private")
    for code in ("1", "2.1"):
        assert "推送给 group:进度群" in await bot.say(f"/report {code} 好", as_="kf", files=[pdf])
    accepted = await bot.say("/accept 1", as_="admin")
    assert "开封市 的 [1] 已审核通过" in accepted and "group:安静群" not in accepted
    monday = await bot.say(":time 2016-05-30T09:30")
    assert "推送给 group:安静群" in monday and "工作进度周报" in monday
    assert "近 7 天到期" in monday and "[1] 推进服务型" in monday
    assert "总体完成:1/449(0%)" in monday  # 28 units × 16 materials + the province's 3.2


async def test_pushes_shows_delivery_by_day(bot: ShellBot) -> None:
    await bot.invite_and_bind("开封", "kf")
    await bot.say(":time 2016-05-24T10:00")
    page = await bot.say("/pushes", as_="admin")
    # 开封's 签收 nag; the province admin's unit issued the plan and is never asked to 签收 it.
    assert "近 14 天推送投递情况" in page and "5月24日:已发送 1 · 排队 0 · 失败 0" in page
    assert "没有使用该命令的权限" in await bot.say("/pushes", as_="kf")


async def test_a_database_reopened_years_later_starts_quickly_and_says_so(bot: ShellBot) -> None:
    await bot.invite_and_bind("开封", "kf")
    await bot.say("/ack", as_="kf")
    bot.clock.set(local("2019-03-01T10:00"))
    await run_due(bot.jobs, bot.clock.now(), deliver=bot.sender.drain)
    assert [p for p in await sent_to(bot, "kf") if p.kind == "reminder"] == []
    missed = [p for p in await sent_to(bot, "admin") if p.kind == "missed"]
    assert len(missed) == 1 and "另有" in missed[0].text
