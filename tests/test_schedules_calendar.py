"""Holidays and 调休 through the shell: held pushes, deadlines on a day off, one bulletin a week."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from storage import pushes
from tests.support import NOTICE_PDF, ROOT_PLAN, SHANGHAI, ShellBot, local, report_id

PLAN_KEY = "  code: henan-fwxzf"


async def _log(bot: ShellBot, kind: str) -> list[pushes.Delivered]:
    async with bot.app.store.read() as db:
        return await pushes.log(db, kind)


def _sent(push: pushes.Delivered) -> datetime:
    assert push.sent_at is not None, f"not delivered: {push}"
    return push.sent_at.astimezone(SHANGHAI)


def _plan_with(tmp_path: Path, reminders: str) -> Path:
    """The sample plan with a `reminders:` mapping."""
    text = ROOT_PLAN.read_text("utf-8")
    assert text.count(PLAN_KEY) == 1
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(PLAN_KEY, f"{PLAN_KEY}\n  reminders: {reminders}"), "utf-8")
    return path


async def test_a_push_held_over_quiet_hours_waits_for_the_next_working_day(
    tmp_path: Path,
) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-09-30T10:00", schedules=True)
    try:
        await bot.invite_and_bind("兰考", "lk")
        await bot.say(":time 2016-09-30T22:00")
        urged = await bot.say("/urge 兰考 请尽快报送", as_="admin")
        assert "2016年10月8日 08:00" in urged  # what the urger is told is what happens
        await bot.say(":time 2016-10-07T20:00")  # 国庆: 1-7 October are days off
        assert [p.status for p in await _log(bot, "urge")] == ["queued"]
        await bot.say(":time 2016-10-08T12:00")  # the 调休 make-up Saturday
        (urge,) = await _log(bot, "urge")
        assert urge.chat_ref == "lk" and _sent(urge) >= local("2016-10-08T08:00")
        assert _sent(urge).date() == date(2016, 10, 8)
    finally:
        await bot.stop()


async def test_the_policy_may_let_urgings_out_on_a_holiday(tmp_path: Path) -> None:
    plan = _plan_with(tmp_path, "{urgent_on_holidays: true}")
    bot = await ShellBot.start(
        tmp_path / "data", at="2016-09-30T10:00", schedules=True, BOT_SAMPLE_PLAN=plan
    )
    try:
        await bot.invite_and_bind("兰考", "lk")
        out = await bot.say("/report 1 年度方案", as_="lk", files=[NOTICE_PDF])
        assert "已报送" in out
        await bot.say(":time 2016-09-30T22:00")
        assert "2016年10月1日 08:00" in await bot.say("/urge 兰考 请尽快报送", as_="admin")
        assert "已退回" in await bot.say(f"/return {report_id(out)} 缺少印发文件", as_="admin")
        await bot.say(":time 2016-10-08T12:00")
        (urge,) = await _log(bot, "urge")
        assert _sent(urge).date() == date(2016, 10, 1)
        returned = [p for p in await _log(bot, "returned") if p.chat_ref == "lk"]
        assert returned and all(_sent(p).date() == date(2016, 10, 8) for p in returned)
    finally:
        await bot.stop()


async def test_a_deadline_on_a_day_off_is_not_called_due_today(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-06-01T08:00", schedules=True)
    try:
        await bot.invite_and_bind("开封", "kf")
        await bot.invite_and_bind("洛阳", "ly")
        await bot.say("/lang en", as_="ly")
        await bot.say(":time 2016-09-30T20:00")
        sent = {(p.chat_ref, _sent(p).date()): p.text for p in await _log(bot, "reminder")}
    finally:
        await bot.stop()
    dragon_boat = sent["kf", date(2016, 6, 8)]  # 6.1 is due 6月上旬, 10 June, during 端午
    assert "[6.1]" in dragon_boat and "今日截止" not in dragon_boat
    assert "6月10日(端午假期)截止,节前最后一个工作日" in dragon_boat
    sunday = sent["kf", date(2016, 7, 29)]  # item 3 is due 7月底, Sunday 31 July
    assert "[3.1]" in sunday and "今日截止" not in sunday
    assert "7月31日(周日)截止,今天是截止前最后一个工作日" in sunday
    assert "今日截止" in sent["kf", date(2016, 9, 30)]  # 9月底 is a Friday: due that day
    english = sent["ly", date(2016, 6, 8)]
    assert "Due today" not in english
    assert "due 10 Jun (Dragon Boat Festival holiday): today is the last working day" in english


async def test_one_bulletin_a_week_even_with_a_make_up_saturday(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-09-20T10:00", schedules=True)
    try:
        await bot.shell.handle_line(":group 全省安监工作群")
        assert "本群已订阅" in await bot.say("/subscribe", as_="admin")
        await bot.shell.handle_line(":private")
        await bot.say(":time 2016-10-20T12:00")
        days = [_sent(p).date() for p in await _log(bot, "bulletin")]
    finally:
        await bot.stop()
    # National Day week: Monday 3 October is off, and Saturday 8 October (调休) is worked for
    # the week after, whose Monday has the bulletin.
    assert days == [date(2016, 9, 26), date(2016, 10, 10), date(2016, 10, 17)]
