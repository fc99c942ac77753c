"""An admin's summary says what follows it, and an action that touched nothing in scope says
so instead of reporting success."""

from __future__ import annotations

from tests.support import ShellBot, local


async def test_the_status_header_does_not_introduce_the_unit_list_as_overdue(
    bot: ShellBot,
) -> None:
    out = await bot.say("/status", as_="admin")
    _header, _, rest = out.partition("\n")
    summary, _, listing = rest.partition("\n")
    assert "有逾期的单位 0 个" in summary and not summary.endswith(":")
    assert listing.startswith("各单位完成情况"), out[:300]
    assert "郑州市" in out.split("各单位完成情况", 1)[1]


async def test_a_unit_admin_setting_a_deadline_for_no_unit_is_told_so(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zzadmin", "admin")
    out = await bot.say("/deadline 8 2016-11-15", as_="zzadmin")
    assert "涉及 0 个单位" not in out and "已将" not in out
    assert "管辖范围内没有" in out and "本单位" in out and "未做任何改动" in out
    assert "按要求报送" in await bot.say("/status 郑州", as_="zzadmin")  # still on request


async def test_a_unit_admin_urging_with_only_its_own_unit_late_is_told_why(
    bot: ShellBot,
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("郑州", "zzadmin", "admin")
    bot.clock.set(local("2016-06-20T10:00"))
    assert "郑州" in await bot.say("/overdue 1", as_="zzadmin")  # its own unit is overdue
    out = await bot.say("/urge all-overdue", as_="zzadmin")
    assert "没有需要催办的材料" not in out
    assert "管辖范围内没有" in out and "本单位的材料由省局催办" in out
    assert "由省局催办" in await bot.say("/urge 6.1", as_="zzadmin")
