"""`/unit add|rename|move|retire` in chat: a province admin anywhere, a city admin only under its
own unit; retiring a unit that still owes work asks first; history stays."""

from __future__ import annotations

from tests.support import ShellBot, find_code


def lines_of(listing: str) -> list[str]:
    return [line for line in listing.splitlines() if line.startswith(" ")]


def line_with(listing: str, name: str) -> str:
    found = [line for line in listing.splitlines() if name in line]
    assert len(found) == 1, listing
    return found[0]


async def test_unit_without_arguments_shows_how_to_use_it(bot: ShellBot) -> None:
    for said in ("/unit", "/unit hello", "/单位管理"):
        out = await bot.say(said, as_="admin")
        assert "/unit add 代码 名称 [类型] [上级]" in out and "/unit retire 代码" in out
    assert "/unit add" in await bot.say("/unit add zhongmu", as_="admin")  # its own usage
    assert "您尚未绑定单位" in await bot.say("/unit", as_="nobody")
    await bot.invite_and_bind("郑州", "zz")
    assert "您没有使用该命令的权限" in await bot.say("/unit add x 某局", as_="zz")  # a reporter


async def test_a_province_admin_adds_renames_moves_and_retires(bot: ShellBot) -> None:
    added = await bot.say("/unit add zhongmu 中牟县安全生产监督管理局 县 郑州", as_="admin")
    assert "已新增 中牟县安全生产监督管理局(代码 zhongmu,县级),上级:郑州市。" in added
    listing = await bot.say("/units", as_="admin")
    rows = lines_of(listing)
    city = rows.index(line_with(listing, "郑州市安全生产监督管理局"))
    assert rows[city + 1] == "    中牟县安全生产监督管理局(县级,代码 zhongmu)"  # right under it

    # A kind and parent can be left out: a city under the root; the Chinese words work too.
    out = await bot.say("单位 新增 Hangkonggang 航空港区安全生产监督管理局", as_="admin")
    assert "代码 hangkonggang,省辖市),上级:省局" in out

    renamed = await bot.say("/unit rename zhongmu 中牟县应急管理局 中牟县", as_="admin")
    assert (
        "已将 zhongmu 由“中牟县安全生产监督管理局”改名为“中牟县应急管理局”(简称:中牟县)" in renamed
    )
    assert "中牟县应急管理局(县级,代码 zhongmu)" in await bot.say("/units", as_="admin")

    moved = await bot.say("/unit move gongyi zhengzhou", as_="admin")
    assert "已将 巩义市(gongyi)及其下属单位调整到 郑州市 之下。" in moved
    listing = await bot.say("/units", as_="admin")
    rows = lines_of(listing)
    city = rows.index(line_with(listing, "郑州市安全生产监督管理局"))
    assert rows[city + 1].strip().startswith("中牟县应急管理局")
    assert rows[city + 2] == "    巩义市安全生产监督管理局(县级,代码 gongyi)"
    assert "不能把 郑州市 移到 巩义市 之下" in await bot.say(
        "/unit move zhengzhou gongyi", as_="admin"
    )
    assert "是单位库的根" in await bot.say("/unit move henan zhengzhou", as_="admin")

    # 中牟县 is new: it owes nothing, so it is retired at once.
    retired = await bot.say("/unit retire zhongmu", as_="admin")
    assert "已撤销 中牟县(zhongmu)" in retired
    assert "中牟县" not in await bot.say("/units", as_="admin")
    assert "已撤销,不能再邀请联系人" in await bot.say("/invite zhongmu reporter", as_="admin")
    assert "已撤销" in await bot.say("/unit retire zhongmu", as_="admin")
    assert "已撤销,不能再在其下新增" in await bot.say(
        "/unit add x 某局 county zhongmu", as_="admin"
    )

    history = await bot.say("/log 中牟县", as_="admin")
    for action in ("撤销单位", "单位改名", "新增单位"):
        assert action in history, history
    assert "调整隶属" in await bot.say("/log 巩义", as_="admin")


async def test_bad_input_changes_nothing(bot: ShellBot) -> None:
    before = await bot.say("/units", as_="admin")
    for said, reply in [
        ("/unit add 中牟 中牟县局", "单位代码“中牟”不合格式"),
        ("/unit add zhengzhou 郑州局", "代码 zhengzhou 已被 郑州市 使用"),
        ("/unit add zhongmu 中牟县局 county 不存在的地方", "找不到单位“不存在的地方”"),
        ("/unit add zhongmu 中牟县局 county zhengzhou extra", "用法:/unit add"),
        ("/unit rename nowhere 某局", "找不到单位“nowhere”"),
        ("/unit rename kaifeng 开封市安全生产监督管理局", "名称没有变化"),
        ("/unit move kaifeng kaifeng", "不能把 开封市 移到 开封市 之下"),
        ("/unit move gongyi henan", "巩义市 已在 省局 之下"),
        ("/unit retire henan", "是单位库的根"),
        ("/unit retire kaifeng maybe", "用法:/unit retire"),
    ]:
        out = await bot.say(said, as_="admin")
        assert reply in out, (said, out)
    assert await bot.say("/units", as_="admin") == before


async def test_a_city_admin_manages_only_under_its_own_unit(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz_admin", role="admin")
    added = await bot.say("/unit add xinzheng 新郑市安全生产监督管理局", as_="zz_admin")
    assert "(代码 xinzheng,县级),上级:郑州市" in added  # under its own unit by default
    assert "已将 xinzheng" in await bot.say(
        "/unit rename xinzheng 新郑市应急管理局 新郑市", as_="zz_admin"
    )
    before = await bot.say("/units", as_="admin")
    for said, reply in [
        ("/unit add weishi 尉氏县局 county kaifeng", "找不到单位“kaifeng”"),
        ("/unit rename kaifeng 开封局", "找不到单位“kaifeng”"),
        ("/unit retire kaifeng", "找不到单位“kaifeng”"),
        ("/unit move gongyi zhengzhou", "找不到单位“gongyi”"),
        ("/unit move xinzheng kaifeng", "找不到单位“kaifeng”"),  # out of its subtree
        ("/unit move xinzheng henan", "找不到单位“henan”"),
        ("/unit rename zhengzhou 郑州局", "你只能管理本单位下属的单位,不能修改 郑州市"),
        ("/unit retire zhengzhou", "你只能管理本单位下属的单位"),
    ]:
        out = await bot.say(said, as_="zz_admin")
        assert reply in out, (said, out)
    assert await bot.say("/units", as_="admin") == before
    assert "已撤销 新郑市(xinzheng)" in await bot.say("/unit retire xinzheng", as_="zz_admin")
    assert "新郑" not in await bot.say("/units", as_="zz_admin")


async def test_retiring_a_unit_with_open_work_asks_first(bot: ShellBot) -> None:
    code = find_code(await bot.say("/invite 开封 reporter", as_="admin"))
    asked = await bot.say("/unit retire kaifeng", as_="admin")
    assert "开封市(kaifeng)还有 16 项未完成的任务(未报送、已退回或待审核)" in asked
    assert "[1] 保留任务后撤销" in asked and "[2] 任务标为不适用后撤销" in asked
    assert "[3] 取消" in asked
    assert "开封市安全生产监督管理局" in await bot.say("/units", as_="admin")  # nothing yet

    assert "已取消,单位未作改动" in await bot.say("3", as_="admin")
    asked = await bot.say("/unit retire kaifeng", as_="admin")
    dropped = await bot.say("2", as_="admin")
    assert "已撤销 开封市(kaifeng)" in dropped
    assert "其 16 项未完成任务已标为不适用(单位撤销)" in dropped
    assert "开封市安全生产监督管理局" not in await bot.say("/units", as_="admin")
    # Its history is still there, and it owes nothing now.
    history = await bot.say("/status 开封", as_="admin")
    assert "开封市安全生产监督管理局" in history and history.count("单位撤销") == 16
    assert "已过期" in await bot.say(f"/bind {code}", as_="kf")  # its open invite ended

    kept = await bot.say("/unit retire luoyang keep", as_="admin")
    assert "已撤销 洛阳市(luoyang)" in kept and "其 16 项未完成任务保留,仍可报送" in kept
    assert "单位撤销" not in await bot.say("/status 洛阳", as_="admin")


async def test_a_city_admins_status_counts_a_county_added_after_it_looked(bot: ShellBot) -> None:
    """A city's part of the unit tree is kept between messages: a unit added under it is seen
    at once, and a unit elsewhere is not."""
    await bot.invite_and_bind("郑州", "zzadmin", role="admin")
    assert "1个单位" in await bot.say("/status", as_="zzadmin")

    await bot.say("/unit add zhongmu 中牟县安全生产监督管理局 县 郑州", as_="admin")
    await bot.say("/unit add qixian 杞县安全生产监督管理局 县 开封", as_="admin")
    status = await bot.say("/status", as_="zzadmin")
    assert "2个单位" in status  # 郑州 and 中牟 (not 杞县, under 开封)
