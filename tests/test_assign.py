"""`/assign` (交办): an ad-hoc assignment from chat becomes a one-item plan published at once,
its notice (with the notice file and a 签收 button) goes to the units' contacts; scope, bad
input, and the guided flow with buttons."""

from __future__ import annotations

import re

from tests.support import NOTICE_PDF, ShellBot

CITY_CONTACTS = {"郑州": "zz", "开封": "kf", "洛阳": "ly"}


async def bind_cities_and_a_county(bot: ShellBot) -> None:
    for unit, user in CITY_CONTACTS.items():
        await bot.invite_and_bind(unit, user)
    await bot.invite_and_bind("巩义", "gy")


def pushes_to(output: str, user: str) -> list[str]:
    """The pushes the shell printed for one person (each block starts with its header)."""
    blocks = output.split("\n\n")
    return [b for b in blocks if b.startswith(f"📨 推送给 {user}:")]


async def query(bot: ShellBot, sql: str) -> list[tuple[object, ...]]:
    async with bot.app.store.read() as db:
        return [tuple(r) for r in await db.execute_fetchall(sql)]


async def stored_plan(bot: ShellBot) -> tuple[str, str, str, int, int]:
    rows = await query(
        bot,
        "SELECT p.code, p.short, p.kind, p.issuer_unit_id, COUNT(a.id) FROM plans p"
        " JOIN assignments a ON a.plan_id = p.id WHERE p.kind = 'assignment' GROUP BY p.id",
    )
    assert len(rows) == 1, rows
    code, short, kind, issuer, owed = rows[0]
    return str(code), str(short), str(kind), int(str(issuer)), int(str(owed))


async def assignment_count(bot: ShellBot) -> int:
    rows = await query(bot, "SELECT COUNT(*) FROM plans WHERE kind = 'assignment'")
    return int(str(rows[0][0]))


async def test_an_assignment_to_every_city_reaches_their_contacts_with_the_notice_file(
    bot: ShellBot,
) -> None:
    await bind_cities_and_a_county(bot)
    start = len(bot.out.getvalue())
    done = await bot.say(
        "/assign 报送冬季安全检查情况 12月10日前 全部省辖市 需附件", as_="admin", files=[NOTICE_PDF]
    )
    assert "已交办:报送冬季安全检查情况" in done, done
    assert "简称 jb1" in done and "12月10日(周六)前报送" in done and "需附件" in done
    assert "共 18 个单位,已通知 3 位联系人" in done
    assert "其中 15 个单位尚无联系人" in done and "通知文件:notice.pdf" in done
    assert "查看进度" in done

    code, short, kind, issuer, owed = await stored_plan(bot)
    assert re.fullmatch(r"jb-20160520-1", code) and short == "jb1" and kind == "assignment"
    assert owed == 18
    assert [(issuer,)] == await query(bot, "SELECT id FROM units WHERE parent_id IS NULL")

    output = bot.out.getvalue()[start:]
    for user in CITY_CONTACTS.values():
        notices = [p for p in pushes_to(output, user) if "交办任务:报送冬季安全检查情况" in p]
        assert len(notices) == 1, (user, output)
        notice = notices[0]
        assert "12月10日(周六)前报送" in notice and "/report jb1-1" in notice
        assert "签收" in notice and "📎 文件 notice.pdf" in notice
        path = re.search(r"📎 文件 notice\.pdf\((.+)\)", notice)
        assert path is not None
        with open(path.group(1), "rb") as sent:
            assert sent.read() == NOTICE_PDF.read_bytes()
    assert not [p for p in pushes_to(output, "gy") if "交办任务" in p]

    # 签收 by two units; /status names the one that has not.
    assert "签收" in await bot.say("/ack jb1", as_="zz")
    assert "签收" in await bot.say("/ack jb1", as_="kf")
    acked = await query(
        bot,
        "SELECT COUNT(*) FROM assignments a JOIN plans p ON p.id = a.plan_id"
        " WHERE p.short = 'jb1' AND a.acked = 1",
    )
    assert acked == [(2,)]
    status = await bot.say("/status jb1", as_="admin")
    assert "尚未签收" in status and "洛阳" in status

    # The field user's one /todo shows it beside the sample plan, with a code typed back.
    todo = await bot.say("/todo", as_="ly")
    assert "【jb1】报送冬季安全检查情况" in todo and "jb1-1" in todo
    reported = await bot.say("/report jb1-1", as_="ly", files=[NOTICE_PDF])
    assert "jb1-1" in reported or "报送冬季安全检查情况" in reported


async def test_the_same_assignment_sent_twice_is_kept_once(bot: ShellBot) -> None:
    command = "/assign 报送冬季安全检查情况 12月10日前 郑州、开封 无需附件"
    first = await bot.say(command, as_="admin")
    assert "共 2 个单位" in first and "无需附件" in first
    again = await bot.say(command, as_="admin")
    assert "没有重复发送" in again and "jb1" in again
    assert await assignment_count(bot) == 1


async def test_a_city_admin_assigns_only_within_its_own_subtree(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zzadmin", "unit_admin")
    outside = await bot.say("/assign 报送汛期值守情况 下周五 巩义", as_="zzadmin")
    assert "巩义市安全生产监督管理局 不在你的管辖范围内" in outside, outside
    own = await bot.say("/assign 报送汛期值守情况 下周五 郑州", as_="zzadmin")
    assert "不能向本单位" in own
    none = await bot.say("/assign 报送汛期值守情况 下周五 全部省辖市", as_="zzadmin")
    assert "在你的管辖范围内没有单位" in none
    assert await assignment_count(bot) == 0


async def test_a_city_admin_assigns_to_a_county_under_it(bot: ShellBot) -> None:
    # A county bureau under 郑州 (the sample's counties are all under the province).
    assert "中牟县" in await bot.say(
        "/unit add zhongmu 中牟县安全生产监督管理局 县 郑州", as_="admin"
    )
    await bot.invite_and_bind("郑州", "zzadmin", "unit_admin")
    await bot.invite_and_bind("中牟", "zm")
    asked = await bot.say("/assign 报送汛期值守情况 下周五 无需附件", as_="zzadmin")
    assert "[1] 全部(1个)" in asked and "全部省辖市" not in asked  # only its own subtree
    done = await bot.say("1", as_="zzadmin")
    assert "共 1 个单位,已通知 1 位联系人" in done
    notice = [p for p in pushes_to(done, "zm") if "交办任务:报送汛期值守情况" in p]
    assert len(notice) == 1 and "郑州市安全生产监督管理局 交办" in notice[0]
    assert await query(
        bot,
        "SELECT u.code FROM plans p JOIN units u ON u.id = p.issuer_unit_id"
        " WHERE p.kind = 'assignment'",
    ) == [("zhengzhou",)]


async def test_bad_input_is_refused_and_nothing_is_stored(bot: ShellBot) -> None:
    past = await bot.say("/assign 报送汛期值守情况 5月10日前 全部省辖市", as_="admin")
    assert "5月10日(周二)已经过去" in past, past
    unknown = await bot.say("/assign 报送汛期值守情况 下周五 单位: 郑州、洛杨", as_="admin")
    assert "没有找到单位“洛杨”" in unknown
    empty = await bot.say("/assign 「」 下周五 全部省辖市", as_="admin")
    assert "标题不能为空" in empty
    twice = await bot.say("/assign 报送汛期值守情况 明天 下周五 全部省辖市", as_="admin")
    assert "两个时限" in twice
    denied = await bot.say("/assign 报送汛期值守情况 下周五 全部省辖市", as_="zz")
    assert "交办任务" not in denied
    assert await assignment_count(bot) == 0


async def test_the_guided_flow_with_buttons_reaches_the_same_result(bot: ShellBot) -> None:
    await bind_cities_and_a_county(bot)
    asked = await bot.say("/交办", as_="admin", files=[NOTICE_PDF])
    assert "请输入任务标题" in asked and "通知文件已收到:notice.pdf" in asked
    deadline = await bot.say("报送冬季安全检查情况", as_="admin")
    assert "完成时限" in deadline and "[1] 3个工作日内" in deadline and "[2] 下周五" in deadline
    typed = await bot.say("12月10日前", as_="admin")  # typed instead of a button
    assert "是否需要附件" in typed and "12月10日(周六)" in typed
    assert "[1] 需附件" in typed and "[2] 无需附件" in typed
    units = await bot.say("1", as_="admin")
    assert "交办给哪些单位" in units and "[1] 全部省辖市(18个)" in units
    assert "[2] 全部直管县(10个)" in units
    start = len(bot.out.getvalue())
    done = await bot.say("1", as_="admin")
    assert "已交办:报送冬季安全检查情况" in done and "简称 jb1" in done
    assert "共 18 个单位,已通知 3 位联系人" in done and "通知文件:notice.pdf" in done
    output = bot.out.getvalue()[start:]
    for user in CITY_CONTACTS.values():
        notice = [p for p in pushes_to(output, user) if "交办任务" in p]
        assert len(notice) == 1 and "📎 文件 notice.pdf" in notice[0] and "签收" in notice[0]
    _code, short, _, _, owed = await stored_plan(bot)
    assert short == "jb1" and owed == 18
    progress = await bot.say("1", as_="admin")  # the summary's button: its /status
    assert "《报送冬季安全检查情况》进度" in progress and "已完成 0/18" in progress


async def test_units_can_be_typed_as_the_answer(bot: ShellBot) -> None:
    await bot.say("/assign 报送汛期值守情况 下周五 无需附件", as_="admin")
    done = await bot.say("郑州、巩义", as_="admin")
    assert "共 2 个单位" in done and "无需附件" in done
    assert "5月27日(周五)前报送" in done
    rows = await query(
        bot,
        "SELECT u.code, m.text_only FROM assignments a JOIN units u ON u.id = a.unit_id"
        " JOIN materials m ON m.id = a.material_id JOIN plans p ON p.id = a.plan_id"
        " WHERE p.kind = 'assignment' ORDER BY u.sort",
    )
    assert rows == [("zhengzhou", 1), ("gongyi", 1)]
