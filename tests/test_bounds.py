"""Dates and numbers people type stay within sense: an extension within the plan year, a leave
of at most BOT_MAX_AWAY_DAYS, a positive count."""

from __future__ import annotations

from pathlib import Path

from tests.support import ShellBot


async def test_an_extension_ends_within_the_plan_year(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    out = await bot.say("/extend 2.2 2099-01-01 现场会改期", as_="zz")
    assert "不能晚于" in out and "2016年12月31日" in out and "已提交" not in out
    assert "没有待审核" in await bot.say("/pending", as_="admin")
    assert "延至2016年12月31日" in await bot.say("/extend 2.2 2016-12-31 现场会改期", as_="zz")


async def test_a_leave_lasts_at_most_the_configured_days(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    out = await bot.say("/away 2016-06-02 2016-12-31", as_="zz")
    assert "最长 30 天" in out
    assert "休假:" not in await bot.say("/remind", as_="zz")
    assert "最长" not in await bot.say("/away 2016-06-02 2016-07-01", as_="zz")  # 30 days
    assert "最长 30 天" in await bot.say("/away 2016-06-02 2016-07-02", as_="zz")  # 31


async def test_the_leave_limit_is_a_setting(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", BOT_MAX_AWAY_DAYS=7)
    try:
        await bot.invite_and_bind("郑州", "zz")
        assert "最长 7 天" in await bot.say("/away 2016-06-02 2016-06-09", as_="zz")
        assert "最长" not in await bot.say("/away 2016-06-02 2016-06-08", as_="zz")
    finally:
        await bot.stop()


async def test_a_count_must_be_a_positive_whole_number(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    for typed in ("-5", "0", "−3", "2.5"):
        out = await bot.say(f"/report 3.2 {typed} 案例", as_="zz", files=[pdf])
        assert "正整数" in out and "已报送" not in out, (typed, out)
    assert "3.2" in await bot.say("/todo", as_="zz")
    done = await bot.say("/report 3.2 5 案例", as_="zz", files=[pdf])
    assert "已报送 [3.2]" in done
    assert "数量 5" in await bot.say("/pending", as_="admin")


async def test_an_on_request_deadline_ends_within_the_plan_year(bot: ShellBot) -> None:
    out = await bot.say("/deadline 8 2099-01-01", as_="admin")
    assert "不能晚于" in out and "2016年12月31日" in out and "已将" not in out
    assert "已将 [8]" in await bot.say("/deadline 8 2016-12-31", as_="admin")
