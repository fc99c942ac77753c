"""Whole conversations through the shell channel: invite → bind → todo → report → review."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import ShellBot, find_code, local, report_id


async def test_invite_bind_report_accept_return(bot: ShellBot, pdf: Path, photo: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")

    todo = await bot.say("/todo", as_="zz")
    assert "郑州市安全生产监督管理局待报送材料 16 项" in todo
    # Soonest first: 1 (5月底) before 6.1 (6月上旬); on-request 8 last.
    assert todo.index("⚪ 1 推进") < todo.index("6.1 年度方案") < todo.index("3.1 评查")
    assert todo.rindex("8 推荐") > todo.index("9 具体")

    done = await bot.say("/report 2.1 已召开现场会", as_="zz", files=[pdf, photo])
    assert "已报送 [2.1]" in done and "附件 2 个" in done
    first = report_id(done)

    todo = await bot.say("/todo", as_="zz")
    assert "待报送材料 15 项" in todo and "2.1 开展观摩会" not in todo

    pending = await bot.say("/pending", as_="admin")
    assert f"报送 #{first} · 郑州市 · [2.1]" in pending and "附件2个" in pending

    returned = await bot.say(f"/return {first} 缺少签到表", as_="admin")
    assert "已退回报送" in returned
    assert "推送给 zz" in returned and "缺少签到表" in returned

    todo = await bot.say("/todo", as_="zz")
    assert "16 项" in todo and "已退回" in todo

    again = await bot.say("/report 2.1 补充签到表", as_="zz", files=[pdf])
    second = report_id(again)
    accepted = await bot.say(f"/accept {second}", as_="admin")
    assert "已通过报送" in accepted and "推送给 zz" in accepted

    status = await bot.say("/status 郑州", as_="admin")
    assert "2.1 开展观摩会或现场会等活动的通知" in status and "已通过" in status
    history = await bot.say("/history", as_="zz")
    assert f"#{second}" in history and f"#{first}" in history and "缺少签到表" in history


async def test_button_flow_keeps_files_until_confirmed(bot: ShellBot, photo: Path) -> None:
    await bot.invite_and_bind("洛阳", "ly")
    picked = await bot.say("/report", as_="ly")
    assert "请选择要报送的材料" in picked and "[1] 1 推进服务型" in picked
    # Choices are numbered in the shell; typing the number chooses.
    step = await bot.say("2", as_="ly")  # the second outstanding: 6.1 (6月上旬)
    assert "报送 [6.1]" in step and "[1] 完成" in step
    added = await bot.say("", as_="ly", files=[photo])
    assert "已添加 1 个附件(共 1 个)" in added
    done = await bot.say("1", as_="ly")  # 完成 files it at once, offering 撤回
    assert "已报送 [6.1]" in done and "附件 1 个" in done and "[1] 撤回" in done
    assert "6.1 年度方案" not in await bot.say("/todo", as_="ly")


async def test_restart_keeps_everything(tmp_path: Path, pdf: Path) -> None:
    first = await ShellBot.start(tmp_path / "data")
    await first.invite_and_bind("开封", "kf")
    done = await first.say("/report 1", as_="kf", files=[pdf])
    number = report_id(done)
    await first.stop()

    second = await ShellBot.start(tmp_path / "data")
    try:
        history = await second.say("/history", as_="kf")
        assert f"#{number} [1]" in history and "附件1个" in history
        pending = await second.say("/pending", as_="admin")
        assert f"#{number}" in pending
    finally:
        await second.stop()


async def test_reporter_cannot_see_or_report_for_another_unit(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("开封", "kf")
    kf_report = report_id(await bot.say("/report 1", as_="kf", files=[pdf]))
    assert "没有使用该命令的权限" in await bot.say("/status 开封", as_="zz")
    assert "找不到报送" in await bot.say(f"/withdraw {kf_report}", as_="zz")
    assert "没有使用该命令的权限" in await bot.say(f"/accept {kf_report}", as_="zz")
    # Nothing changed for kf.
    assert "待审" in await bot.say("/history", as_="kf")


async def test_city_admin_sees_only_its_subtree(tmp_path: Path, pdf: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        """
plan: {code: t, year: 2016, title: 测试方案}
units:
  - {code: henan, name: 河南省安全生产监督管理局, short: 省局, kind: province}
  - {code: zhengzhou, name: 郑州市安全生产监督管理局, short: 郑州市, kind: city, parent: henan}
  - {code: guancheng, name: 郑州市管城区安全生产监督管理局, short: 管城区, kind: county, parent: zhengzhou}
  - {code: kaifeng, name: 开封市安全生产监督管理局, short: 开封市, kind: city, parent: henan}
items:
  - no: 1
    title: 年度方案制定情况
    materials: [{title: 年度方案, deadline: 5月底}]
""",
        encoding="utf-8",
    )
    bot = await ShellBot.start(tmp_path / "data", BOT_SAMPLE_PLAN=plan)
    try:
        await bot.invite_and_bind("郑州市", "zzadmin", "admin")
        await bot.invite_and_bind("管城区", "gc")
        await bot.invite_and_bind("开封", "kf")
        gc_report = report_id(await bot.say("/report 1", as_="gc", files=[pdf]))
        kf_report = report_id(await bot.say("/report 1", as_="kf", files=[pdf]))

        status = await bot.say("/status", as_="zzadmin")
        assert "郑州市 0/1" in status and "管城区 0/1" in status and "开封" not in status
        assert "找不到单位" in await bot.say("/status 开封", as_="zzadmin")
        pending = await bot.say("/pending", as_="zzadmin")
        assert f"#{gc_report}" in pending and f"#{kf_report}" not in pending
        assert "找不到报送" in await bot.say(f"/accept {kf_report}", as_="zzadmin")
        assert "已通过" in await bot.say(f"/accept {gc_report}", as_="zzadmin")
        # A city admin cannot mint province admins.
        assert "没有使用该命令的权限" in await bot.say(
            "/invite 管城区 province_admin", as_="zzadmin"
        )
    finally:
        await bot.stop()


async def test_invite_is_single_use_and_expires(bot: ShellBot) -> None:
    code = find_code(await bot.say("/invite 郑州 reporter", as_="admin"))
    assert "绑定成功" in await bot.say(f"/bind {code}", as_="a")
    assert "已被使用" in await bot.say(f"/bind {code}", as_="b")
    assert "尚未绑定" in await bot.say("/todo", as_="b")

    late = find_code(await bot.say("/invite 郑州 reporter", as_="admin"))
    bot.clock.advance(__import__("datetime").timedelta(days=8))
    assert "已过期" in await bot.say(f"/bind {late}", as_="c")


async def test_wrong_codes_are_rate_limited(bot: ShellBot) -> None:
    for _ in range(5):
        assert "无效" in await bot.say("/bind AAAA-AAAA-AAAA-AAAA", as_="guess")
    good = find_code(await bot.say("/invite 郑州 reporter", as_="admin"))
    assert "尝试次数过多" in await bot.say(f"/bind {good}", as_="guess")
    assert "绑定成功" in await bot.say(f"/bind {good}", as_="someone_else")


async def test_not_applicable_and_extension_requests(bot: ShellBot) -> None:
    await bot.invite_and_bind("南阳", "ny")
    na = await bot.say("/na 4.2 本地未开展行政调解试点", as_="ny")
    assert "不适用申请" in na
    asked = report_id(na)
    approved = await bot.say(f"/approve {asked}", as_="admin")
    assert "已批准" in approved and "推送给 ny" in approved
    todo = await bot.say("/todo", as_="ny")
    assert "4.2 行政调解试点" not in todo

    ext = await bot.say("/extend 2.1 9月15日 现场会改期", as_="ny")
    ext_id = report_id(ext)
    assert "延至2016年9月15日" in ext
    ask = await bot.say(f"/refuse {ext_id}", as_="admin")
    assert "请回复驳回申请" in ask
    refused = await bot.say("时间充足,不予延期", as_="admin")
    assert "已驳回" in refused and "不予延期" in refused


async def test_group_subscribe_and_private_details(bot: ShellBot) -> None:
    await bot.shell.handle_line(":group 全省安监工作群")
    out = await bot.say("/subscribe", as_="admin")
    assert "本群已订阅" in out
    status = await bot.say("/status 郑州", as_="admin")
    assert "私信给 admin" in status and "已私信发送" in status


async def test_a_return_late_at_night_reaches_the_unit_the_next_working_morning(
    bot: ShellBot, pdf: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    number = report_id(await bot.say("/report 1", as_="zz", files=[pdf]))
    bot.clock.set(local("2016-05-20T22:30"))  # a Friday night
    out = await bot.say(f"/return {number} 缺少签到表", as_="admin")
    assert "已退回报送" in out and "推送给 zz" not in out
    bot.clock.set(local("2016-05-21T08:00"))  # Saturday: not a working day
    await bot.sender.drain()
    assert "缺少签到表" not in bot.out.getvalue().split("已退回报送")[-1]
    bot.clock.set(local("2016-05-23T08:00"))  # Monday
    await bot.sender.drain()
    assert "缺少签到表" in bot.out.getvalue().split("已退回报送")[-1]


async def test_small_and_large_attachments_both_come_back_intact(
    bot: ShellBot, pdf: Path, tmp_path: Path
) -> None:
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 1024)  # 256 KB
    await bot.invite_and_bind("郑州", "zz")
    number = report_id(await bot.say("/report 1", as_="zz", files=[pdf, scan]))
    on_disk = [p.read_bytes() for p in bot.app.settings.files_dir.rglob("*") if p.is_file()]
    assert on_disk == [scan.read_bytes()]  # the small one is kept in the database, with its report
    detail = await bot.say(f"/report_detail {number}", as_="admin")
    sent = re.findall(r"^📎 文件 (.+?)\((.+)\)$", detail, re.MULTILINE)
    assert [name for name, _ in sent] == [pdf.name, scan.name]
    assert [Path(path).read_bytes() for _, path in sent] == [pdf.read_bytes(), scan.read_bytes()]
