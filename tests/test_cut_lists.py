"""A list shown in part says how much is left out: "等 N 个" / "and N more"."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from domain.plan_file import load_plan_file
from locales import Translator
from storage import pushes
from tests.support import ROOT_PLAN, ShellBot

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_whole_list_has_no_marker_and_a_cut_one_counts_the_rest() -> None:
    zh, en = Translator("zh_CN", SHANGHAI), Translator("en", SHANGHAI)
    assert zh.listed(["甲", "乙"], 2) == "甲、乙" and zh.rest(2, 2) == []
    assert zh.listed(["甲", "乙", "丙"], 2) == "甲、乙 等 3 个(另 1 个未列出)"
    assert en.listed(["a", "b", "c"], 2) == "a, b and 1 more (3 in all)"
    assert zh.rest(58, 20) == ["  …… 等 58 个(另 38 个未列出)"]


async def test_cut_lists_say_how_many_are_not_shown(tmp_path: Path) -> None:
    cities = [u for u in load_plan_file(ROOT_PLAN).units if "市" in u.name]
    assert len(cities) > 10
    bot = await ShellBot.start(tmp_path / "data", schedules=True)
    try:
        ambiguous = await bot.say("/status 市", as_="admin")
        assert f"许昌市 等 {len(cities)} 个(另 {len(cities) - 10} 个未列出)" in ambiguous
        await bot.say("/lang en", as_="admin")
        english = await bot.say("/status 市", as_="admin")
        assert f"许昌市 and {len(cities) - 10} more ({len(cities)} in all)" in english
        await bot.say("/lang zh", as_="admin")

        # Material 1 fell due for the 28 cities and counties on 31 May: 20 are listed.
        await bot.say(":time 2016-06-01T09:00")
        async with bot.app.store.read() as db:
            digest = [p.text for p in await pushes.log(db, "digest") if p.chat_ref == "admin"]
        lines = digest[-1].splitlines()
        assert "昨日起新逾期 28 项:" in lines
        listed = [line for line in lines if line.startswith("  · ") and "[1]" in line]
        assert len(listed) == 20
        assert lines[lines.index(listed[-1]) + 1] == "  …… 等 28 个(另 8 个未列出)"

        urged = await bot.say("/urge all-overdue", as_="admin")
        assert "请电话督办:郑州市、开封市" in urged and "兰考县 等 28 个(另 8 个未列出)" in urged
    finally:
        await bot.stop()
