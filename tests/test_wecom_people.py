"""People and departments on WeCom: names from user/get on every display, `/unit link`, binding
by department on a first message, `wecom departments`, and a unit file's department column."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot import cli
from storage import contacts, units
from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET
from tests.support import find_code
from tests.wecom_support import AES_KEY, TOKEN, WeComBot

PHOTO = b"\xff\xd8\xff\xe0 site meeting"
# The corp's directory: 1 the bureau, 10 the cities' group, 12 Zhengzhou, 13 Luoyang, 20 a division.
DEPARTMENTS = [
    {"id": 1, "parentid": 0, "order": 100, "name": "河南省应急管理厅"},
    {"id": 10, "parentid": 1, "order": 90, "name": "各市局"},
    {"id": 12, "parentid": 10, "order": 80, "name": "郑州市局"},
    {"id": 13, "parentid": 10, "order": 70, "name": "洛阳市局"},
    {"id": 20, "parentid": 1, "order": 50, "name": "执法总队"},
]

Main = Callable[..., Awaitable[tuple[int, str, str]]]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    wecom_bot = await WeComBot.start(tmp_path / "data")
    wecom_bot.fake.departments = list(DEPARTMENTS)
    wecom_bot.fake.add_person("lisi", "李四", 12)
    wecom_bot.fake.add_person("wangwu", "王五", 1, 12)  # main department the bureau: 12 is deeper
    wecom_bot.fake.add_person("zhaoliu", "赵六", 13)
    yield wecom_bot
    await wecom_bot.stop()


@pytest.fixture
def main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bot: WeComBot
) -> Main:
    """`python main.py ARGS` against the bot's store and the fake WeCom: (code, stdout, stderr)."""
    env = {
        "BOT_DATA_DIR": str(bot.app.settings.data_dir),
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": str(AGENT_ID),
        "WECOM_SECRET": SECRET,
        "WECOM_TOKEN": TOKEN,
        "WECOM_AES_KEY": AES_KEY,
        "WECOM_API_BASE_URL": bot.fake.base_url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(cli.main, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def links(bot: WeComBot) -> dict[int, str]:
    async with bot.app.store.read() as db:
        return {d: u.code for d, u in (await units.wecom_links(db)).items()}


async def contact(bot: WeComBot, user: str) -> contacts.Contact:
    async with bot.app.store.read() as db:
        found = await contacts.find(db, "wecom", user)
    assert found is not None
    return found


async def test_a_member_of_a_linked_department_is_bound_and_named_everywhere(
    bot: WeComBot,
) -> None:
    assert "关联企业微信部门 12" in await bot.say("admin", "/unit link zhengzhou 12")
    assert await links(bot) == {12: "zhengzhou"}

    first = await bot.say("lisi", "待办")
    told, todo = first.split("\n\n", 1)
    assert (
        told
        == "您所在的企业微信部门(12)已关联 郑州市安全生产监督管理局,已自动绑定为该单位的填报员。"
    )
    assert "待报送材料" in todo  # the message itself is answered as from a reporter
    lisi = await contact(bot, "lisi")
    assert (lisi.display_name, lisi.unit_id is not None, lisi.role) == ("李四", True, "reporter")
    assert "已自动绑定" not in await bot.say("lisi", "/todo")  # told once

    done = await bot.say("lisi", "报送 2.1 已召开现场会", images=[PHOTO])
    assert "已报送 [2.1]" in done

    log = await bot.say("admin", "/log 郑州")
    assert " · 李四 · 按企业微信部门绑定" in log and " · 李四 · 报送" in log
    assert "lisi" not in log

    await bot.say("admin", "/export")
    await bot.settle()
    (xlsx,) = [data for name, data in bot.fake.uploads.values() if name.endswith(".xlsx")]
    book = load_workbook(io.BytesIO(xlsx))
    reports = [r for r in book["报送明细"].iter_rows(values_only=True)]
    row = next(r for r in reports[1:] if r[2] == "2.1" and r[1] == "郑州市")
    assert row[5] == "李四"
    audit = [r for r in book["操作记录"].iter_rows(values_only=True)]
    bound = next(r for r in audit if r[2] == "按企业微信部门绑定")
    assert bound[1] == "郑州市" and bound[4] == "李四"


async def test_the_deepest_linked_department_wins_and_admins_stay_by_invite(bot: WeComBot) -> None:
    await bot.say("admin", "/unit link henan 1")
    await bot.say("admin", "/unit link zhengzhou 12")
    assert "郑州市安全生产监督管理局" in await bot.say("wangwu", "/help")
    wangwu = await contact(bot, "wangwu")
    async with bot.app.store.read() as db:
        unit = await units.get(db, wangwu.unit_id or 0)
    assert unit is not None and unit.code == "zhengzhou" and wangwu.role == "reporter"
    # The configured admin is in department 1 (everyone is, by default): still province admin.
    admin = await contact(bot, "admin")
    assert admin.role == "province_admin"
    # An admin of a linked unit is made by invite, as before.
    code = find_code(await bot.say("admin", "/invite 郑州 admin"))
    assert "绑定成功" in await bot.say("lisi", f"/bind {code}")
    assert (await contact(bot, "lisi")).role == "unit_admin"


async def test_without_the_department_tree_the_main_department_wins(bot: WeComBot) -> None:
    await bot.say("admin", "/unit link henan 1")
    await bot.say("admin", "/unit link zhengzhou 12")
    bot.fake.fail("/cgi-bin/department/simplelist", 60011)  # depths unknown: WeCom's main one
    assert "已关联 河南省安全生产监督管理局" in await bot.say("wangwu", "/todo")


async def test_an_unmapped_member_gets_the_invite_hint(bot: WeComBot) -> None:
    await bot.say("admin", "/unit link zhengzhou 12")
    answer = await bot.say("zhaoliu", "你好")
    assert "请先向管理员索取邀请码" in answer and "已自动绑定" not in answer
    zhaoliu = await contact(bot, "zhaoliu")
    assert not zhaoliu.registered and zhaoliu.display_name == "赵六"


async def test_names_are_refreshed_daily_and_a_failure_keeps_the_old_one(bot: WeComBot) -> None:
    await bot.say("admin", "/unit link zhengzhou 12")
    await bot.say("lisi", "/todo")
    bot.fake.people["lisi"]["name"] = "李四光"
    await bot.say("lisi", "/todo")
    assert (await contact(bot, "lisi")).display_name == "李四"  # asked once a day
    bot.clock.advance(timedelta(days=1))
    await bot.say("lisi", "/todo")
    assert (await contact(bot, "lisi")).display_name == "李四光"

    bot.fake.people["lisi"]["name"] = "李老四"
    bot.clock.advance(timedelta(days=1))
    bot.fake.fail("/cgi-bin/user/get", 60011)
    assert "待报送材料" in await bot.say("lisi", "/todo")  # never blocks the message
    assert (await contact(bot, "lisi")).display_name == "李四光"
    bot.clock.advance(timedelta(minutes=30))
    await bot.say("lisi", "/todo")  # not asked again within the hour
    assert (await contact(bot, "lisi")).display_name == "李四光"
    bot.clock.advance(timedelta(minutes=31))
    await bot.say("lisi", "/todo")
    assert (await contact(bot, "lisi")).display_name == "李老四"


async def test_a_name_that_is_only_the_userid_counts_as_none(bot: WeComBot) -> None:
    # Since 2022 a new self-built app gets the userid in place of the name.
    bot.fake.add_person("sunqi", "sunqi", 12)
    await bot.say("admin", "/unit link zhengzhou 12")
    assert "已自动绑定" in await bot.say("sunqi", "/todo")
    assert (await contact(bot, "sunqi")).display_name is None


async def test_unit_link_refusals_change_nothing(bot: WeComBot) -> None:
    await bot.say("admin", "/unit link zhengzhou 12")
    cases = [
        ("/unit link nosuch 13", "找不到单位"),
        ("/unit link luoyang 12", "企业微信部门 12 已关联 郑州市(zhengzhou)"),
        ("/unit link zhengzhou 12", "郑州市 已关联企业微信部门 12"),
        ("/unit link luoyang abc", "不是企业微信部门ID"),
        ("/unit link luoyang 0", "不是企业微信部门ID"),
        ("/unit link luoyang", "用法:/unit link"),
        ("/unit unlink luoyang", "洛阳市 未关联企业微信部门"),
    ]
    for said, expected in cases:
        assert expected in await bot.say("admin", said), said
    assert await links(bot) == {12: "zhengzhou"}

    # A Zhengzhou admin: its own unit and units outside its subtree are out of scope.
    code = find_code(await bot.say("admin", "/invite 郑州 admin"))
    await bot.say("zz", f"/bind {code}")
    assert "你只能管理本单位下属的单位,不能修改 郑州市" in await bot.say(
        "zz", "/unit link zhengzhou 13"
    )
    assert "找不到单位" in await bot.say("zz", "/unit link luoyang 13")
    # A reporter may not link at all.
    await bot.say("lisi", "/todo")
    assert "您没有使用该命令的权限" in await bot.say("lisi", "/unit link luoyang 13")
    assert await links(bot) == {12: "zhengzhou"}

    assert "已取消 郑州市 与企业微信部门 12 的关联" in await bot.say(
        "admin", "/unit unlink zhengzhou"
    )
    assert await links(bot) == {}
    # Those bound stay bound; a new member binds by invite again.
    assert (await contact(bot, "lisi")).registered
    bot.fake.add_person("qianba", "钱八", 12)
    assert "邀请码" in await bot.say("qianba", "你好")


async def test_wecom_departments_lists_the_tree_with_linked_units(
    bot: WeComBot, main: Main
) -> None:
    await bot.say("admin", "/unit link zhengzhou 12")
    code, out, err = await main("wecom", "departments")
    assert code == 0, err
    assert out.splitlines() == [
        "企业微信部门 5 个(ID · 上级ID · 名称),已关联单位 1 个:",
        "1 · 0 · 河南省应急管理厅",
        "  10 · 1 · 各市局",
        "    12 · 10 · 郑州市局 → 郑州市(zhengzhou)",
        "    13 · 10 · 洛阳市局",
        "  20 · 1 · 执法总队",
    ]
    bot.fake.hide_department_names = True
    code, out, _ = await main("wecom", "departments")
    assert code == 0 and "    12 · 10 · - → 郑州市(zhengzhou)" in out.splitlines()
    bot.fake.fail("/cgi-bin/department/simplelist", 60011)
    code, out, err = await main("wecom", "departments")
    assert code == 1 and "读取企业微信部门失败(错误码 60011)" in err


CSV_UNITS = """\
代码,名称,简称,类型,上级,企业微信部门ID
zhengzhou,郑州市安全生产监督管理局,郑州市,city,henan,12
luoyang,洛阳市安全生产监督管理局,洛阳市,city,henan,13
"""


async def test_units_import_links_departments(bot: WeComBot, main: Main, tmp_path: Path) -> None:
    csv_file = tmp_path / "单位.csv"
    csv_file.write_text(CSV_UNITS, encoding="utf-8")
    code, out, err = await main("units", "import", str(csv_file))
    assert code == 0, err
    assert "关联企业微信部门的单位:2 个" in out
    assert await links(bot) == {12: "zhengzhou", 13: "luoyang"}

    # YAML: the two departments swapped in one file (the unique link never gets in the way).
    yaml_file = tmp_path / "units.yaml"
    yaml_file.write_text(
        "units:\n"
        "  - {code: zhengzhou, name: 郑州市安全生产监督管理局, kind: city, parent: henan,"
        " wecom_department: 13}\n"
        "  - {code: luoyang, name: 洛阳市安全生产监督管理局, kind: city, parent: henan,"
        " wecom_department: 12}\n",
        encoding="utf-8",
    )
    code, _, err = await main("units", "import", str(yaml_file))
    assert code == 0, err
    assert await links(bot) == {13: "zhengzhou", 12: "luoyang"}

    # XLSX: a department already linked to a unit the file leaves alone, and one named twice.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name", "kind", "parent", "wecom_department"])
    sheet.append(["kaifeng", "开封市安全生产监督管理局", "city", "henan", 12])
    sheet.append(["anyang", "安阳市安全生产监督管理局", "city", "henan", 20])
    sheet.append(["xinxiang", "新乡市安全生产监督管理局", "city", "henan", 20])
    sheet.append(["hebi", "鹤壁市安全生产监督管理局", "city", "henan", "x1"])
    xlsx_file = tmp_path / "units.xlsx"
    book.save(xlsx_file)
    code, _, err = await main("units", "import", str(xlsx_file))
    assert code == 2
    assert "第2行:企业微信部门 12 已关联单位 luoyang" in err
    assert "第4行:企业微信部门 20 已由本文件的 anyang 关联" in err
    assert "第5行:企业微信部门ID“x1”应为正整数" in err
    assert await links(bot) == {13: "zhengzhou", 12: "luoyang"}  # nothing stored
