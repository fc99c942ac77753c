"""The audit trail (`/log UNIT`) and one report in full with its files (`/report_detail ID`)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.insight_world import World

FILES = re.compile(r"📎 \S+ (.+?)\((/[^)]+)\)")


async def test_log_shows_who_did_what_newest_first(world: World) -> None:
    out = await world.bot.say("/log 郑州", as_="admin")
    lines = out.strip().splitlines()
    assert lines[0] == "郑州市安全生产监督管理局操作记录(最近12条,新的在前):"
    assert lines[1] == "2016年7月28日 17:00 · 张伟 · 报送 · 3.1 · #7 · 附件1个"
    assert "2016年7月21日 09:05 · admin · 退回 · 2.2 · #4 · 原因:照片不清晰" in lines
    assert lines[-1] == "2016年5月27日 10:00 · 张伟 · 报送 · 1 · #1 · 附件1个"
    assert "admin · 批准不适用 · 4.2 · 原因:本地未开展行政调解试点" in await world.bot.say(
        "/log 洛阳", as_="admin"
    )
    assert "张伟 · 撤回" not in out
    assert "孙丽 · 撤回 · 1 · #16" in await world.bot.say("/log 兰考", as_="admin")


async def test_new_actions_are_logged_as_they_happen(world: World, tmp_path: Path) -> None:
    pdf = tmp_path / "补充材料.pdf"
    pdf.write_bytes(b"%PDF-1.4 more")
    done = await world.bot.say("/report 4.1 补报", as_="ay", files=[pdf])
    assert "已报送 [4.1]" in done
    history = await world.bot.say("/log 安阳", as_="admin")
    # The shell names people by their handle once they speak.
    assert history.splitlines()[1].startswith("2016年7月29日 09:00 · ay · 报送 · 4.1 · #")


async def test_log_respects_scope_and_asks_for_a_unit(world: World) -> None:
    await world.bot.invite_and_bind("郑州市", "zzadmin", "admin")
    assert "张伟 · 报送" in await world.bot.say("/log 郑州", as_="zzadmin")
    assert "找不到单位“开封”" in await world.bot.say("/log 开封", as_="zzadmin")
    assert "用法:/log 单位" in await world.bot.say("/log", as_="admin")
    assert "没有使用该命令的权限" in await world.bot.say("/log 郑州", as_="zz")
    assert "南阳市安全生产监督管理局操作记录" in await world.bot.say("/log 南阳", as_="admin")
    assert "暂无操作记录" in await world.bot.say("/log 鹤壁", as_="admin")


async def test_report_detail_sends_the_files_back(world: World) -> None:
    report = world.report_ids[2]  # 郑州 2.1, accepted, three files
    out = await world.bot.say(f"/report_detail {report}", as_="admin")
    assert f"报送 #{report} · 郑州市 · [2.1] 开展观摩会或现场会等活动的通知" in out
    assert "报送时间:2016年7月20日 11:00 · 报送人:张伟" in out
    assert "状态:已通过" in out and "说明:7月18日召开全市观摩会" in out
    assert "审核:2016年7月21日 09:00 · admin" in out
    sent = FILES.findall(out)
    assert [name for name, _ in sent] == ["现场会通知.pdf", "现场照片.jpg", "现场照片.jpg"]
    originals = sorted(p.read_bytes() for p in world.source_dir.glob("2-*/*"))
    assert sorted(Path(path).read_bytes() for _, path in sent) == originals

    returned = await world.bot.say(f"/report_detail {world.report_ids[3]}", as_="admin")
    assert "状态:已退回" in returned and "退回原因:照片不清晰" in returned
    assert "数量:35" in await world.bot.say(f"/report_detail {world.report_ids[5]}", as_="admin")


async def test_report_detail_scope_and_missing_files(world: World) -> None:
    kaifeng = world.report_ids[7]
    assert "找不到报送" in await world.bot.say(f"/report_detail {kaifeng}", as_="zz")
    own = await world.bot.say(f"/report_detail {world.report_ids[0]}", as_="zz")
    assert "年度方案.pdf" in own and "📎" in own
    assert "找不到报送 #9999" in await world.bot.say("/report_detail 9999", as_="admin")
    assert "用法:/report_detail" in await world.bot.say("/report_detail abc", as_="admin")
    # A file gone from disk is named, not sent, and nothing breaks.
    files = world.bot.app.services.files
    for stored in world.bot.app.settings.files_dir.rglob("*"):
        if stored.is_file() and stored.read_bytes().startswith(b"kaifeng 1 "):
            stored.unlink()
    out = await world.bot.say(f"/report_detail {world.report_ids[7]}", as_="admin")
    assert "开封方案.pdf (" not in out and "服务器上已找不到该文件" in out and "📎" not in out
    assert files.root.exists()
