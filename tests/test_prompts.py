"""A question the bot asked (a reason for /refuse or /return) never acts on a stale answer."""

from __future__ import annotations

from pathlib import Path

from tests.support import ShellBot, local, report_id


async def _extension_request(bot: ShellBot) -> int:
    await bot.invite_and_bind("南阳", "ny")
    return report_id(await bot.say("/extend 2.1 9月15日 现场会改期", as_="ny"))


async def test_the_prompt_says_what_the_answer_will_do_and_until_when(bot: ShellBot) -> None:
    asked = await bot.say(f"/refuse {await _extension_request(bot)}", as_="admin")
    assert "请回复驳回申请" in asked
    assert "驳回并通知申请人" in asked and "10 分钟内有效" in asked and "其他命令" in asked


async def test_a_reason_typed_after_other_commands_refuses_nothing(bot: ShellBot) -> None:
    asked = await _extension_request(bot)
    assert "请回复驳回申请" in await bot.say(f"/refuse {asked}", as_="admin")
    await bot.say("/status", as_="admin")
    bot.clock.set(local("2016-06-03T15:00"))
    out = await bot.say("好的,我再看看", as_="admin")
    assert "已驳回" not in out and "推送给 ny" not in out
    pending = await bot.say("/pending", as_="admin")
    assert f"#{asked}" in pending  # still waiting for a decision


async def test_an_answer_after_expiry_does_nothing_and_says_so(bot: ShellBot) -> None:
    asked = await _extension_request(bot)
    await bot.say(f"/refuse {asked}", as_="admin")
    bot.clock.set(local("2016-05-20T09:11"))
    out = await bot.say("好的,我再看看", as_="admin")
    assert "已过期" in out and "未做任何操作" in out and f"/refuse {asked}" in out
    assert "已驳回" not in out and f"#{asked}" in await bot.say("/pending", as_="admin")
    # The expired question is gone: the next plain text is just text.
    assert "已过期" not in await bot.say("好的", as_="admin")


async def test_an_answer_within_the_time_acts(bot: ShellBot) -> None:
    asked = await _extension_request(bot)
    await bot.say(f"/refuse {asked}", as_="admin")
    bot.clock.set(local("2016-05-20T09:09"))
    out = await bot.say("时间充足,不予延期", as_="admin")
    assert "已驳回" in out and "推送给 ny" in out


async def test_a_stale_return_reason_returns_nothing(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    number = report_id(await bot.say("/report 1", as_="zz", files=[pdf]))
    asked = await bot.say(f"/return {number}", as_="admin")
    assert "退回报送" in asked and "10 分钟内有效" in asked
    await bot.say("/todo", as_="admin")
    bot.clock.set(local("2016-06-03T15:00"))
    out = await bot.say("好的,我再看看", as_="admin")
    assert "已退回" not in out
    assert f"#{number}" in await bot.say("/pending", as_="admin")


async def test_the_lifetime_is_a_setting(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", BOT_PROMPT_MINUTES=2)
    try:
        asked = await _extension_request(bot)
        assert "2 分钟内有效" in await bot.say(f"/refuse {asked}", as_="admin")
        bot.clock.set(local("2016-05-20T09:03"))
        assert "已过期" in await bot.say("不予延期", as_="admin")
    finally:
        await bot.stop()
