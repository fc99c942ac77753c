"""A group that follows events reads what was reported, not only its code."""

from __future__ import annotations

from pathlib import Path

from handlers.broadcasts import TITLE_LINE
from storage import pushes
from tests.support import ShellBot, report_id


async def test_group_events_name_the_material_in_one_phone_line(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.shell.handle_line(":group 全省安监工作群")
    assert "本群已订阅" in await bot.say("/subscribe events", as_="admin")
    await bot.shell.handle_line(":private")

    short = report_id(await bot.say("/report 1 年度方案", as_="zz", files=[pdf]))
    long = report_id(await bot.say("/report 2.2 照片", as_="zz", files=[pdf]))
    await bot.say(f"/accept {short}", as_="admin")
    async with bot.app.store.read() as db:
        events = [p.text for p in await pushes.log(db) if p.chat_ref == "group:全省安监工作群"]

    assert events[0] == f"📥 郑州市 已报送 [1](报送 #{short})\n  推进服务型行政执法建设年度方案"
    head, title = events[1].split("\n")
    assert head == f"📥 郑州市 已报送 [2.2](报送 #{long})"
    # 组织观摩会或现场会等活动的图片、视频资料 is longer than a line: clipped, and said so.
    assert title.strip() == "组织观摩会或现场会等活动的图片、视…"
    assert len(title.strip()) == TITLE_LINE
    assert events[2].endswith(f"已审核通过(报送 #{short})\n  推进服务型行政执法建设年度方案")
