"""`plan import --replace` on a real store: reports survive, changes are said, refusals change nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.plan_file import load_plan
from handlers.plan_replace import Changes, ReplaceRefused, replace_plan
from storage import plans
from tests.inspect_store import all_reports
from tests.support import SHANGHAI, ShellBot, report_id

PLAN = """\
plan:
  code: demo
  year: 2016
  title: 2016年度示例计划
  applies_to: [province, city, county]  # the bureau owes its own plan too, as before
units:
  - {code: root, name: 省局, kind: province}
  - {code: zhengzhou, name: 郑州市局, short: 郑州市, kind: city, parent: root}
  - {code: kaifeng, name: 开封市局, short: 开封市, kind: city, parent: root}
  - {code: lankao, name: 兰考县局, short: 兰考县, kind: county, parent: root}
items:
  - no: 1
    title: 年度方案
    deadline: 5月底
    materials:
      - title: 年度方案文件
  - no: 2
    title: 观摩活动
    deadline: 8月底
    materials:
      - title: 观摩通知
      - title: 观摩图片
  - no: 3
    title: 宣传工作
    deadline: 按要求报送
    materials:
      - title: 微视频
  - no: 4
    title: 创新举措
    deadline: 10月底
    materials:
      - title: 创新举措材料
"""

# The corrected file: 1 due later, 2.2 renamed, 3 given a date, 4 dropped, 5 new,
# 兰考县 out of the plan, 洛阳市 in.
CORRECTED = (
    PLAN.replace("    deadline: 5月底", "    deadline: 6月底")
    .replace("观摩图片", "观摩图片、视频")
    .replace("    deadline: 按要求报送", "    deadline: 11月底")
    .replace("  - {code: lankao, name: 兰考县局, short: 兰考县, kind: county, parent: root}\n", "")
    .replace(
        "kind: city, parent: root}\n  - {code: kaifeng",
        "kind: city, parent: root}\n"
        "  - {code: luoyang, name: 洛阳市局, short: 洛阳市, kind: city, parent: root}\n"
        "  - {code: kaifeng",
    )
    .replace(
        "  - no: 4\n    title: 创新举措\n    deadline: 10月底\n    materials:\n"
        "      - title: 创新举措材料\n",
        "  - no: 5\n    title: 总结\n    deadline: 11月底\n    materials:\n"
        "      - title: 年度总结\n",
    )
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ShellBot]:
    sample = tmp_path / "demo.yaml"
    sample.write_text(PLAN, encoding="utf-8")
    shell_bot = await ShellBot.start(tmp_path / "data", BOT_SAMPLE_PLAN=sample)
    yield shell_bot
    await shell_bot.stop()


async def replace(bot: ShellBot, text: str) -> Changes:
    plan = load_plan(text, source="corrected.yaml")
    return await replace_plan(bot.app.store, plan, SHANGHAI, bot.clock.now())


async def test_replace_keeps_reports_and_says_what_changed(bot: ShellBot, pdf: Path) -> None:
    assert CORRECTED.count("6月底") == 1 and "兰考" not in CORRECTED and "洛阳" in CORRECTED
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("开封", "kf")
    first = report_id(await bot.say("/report 1 方案已印发", as_="zz", files=[pdf]))
    second = report_id(await bot.say("/report 2.1 通知", as_="kf", files=[pdf]))
    assert "已通过" in await bot.say(f"/accept {second}", as_="admin")
    assert "4 个单位" in await bot.say("/deadline 3 2016-07-15", as_="admin")

    changes = await replace(bot, CORRECTED)

    assert [m.code for m in changes.added] == ["5"]
    assert [m.code for m in changes.removed] == ["4"]
    assert [(old.code, old.deadline_expr, new.deadline.expr) for old, new in changes.deadlines] == [
        ("1", "5月底", "6月底"),
        ("3", "按要求报送", "11月底"),
    ]
    assert [m.code for m in changes.retitled] == ["2.2"]
    assert (changes.units_added, changes.units_removed) == (["洛阳市"], ["兰考县"])
    # 兰考县 loses 1, 2.1, 2.2, 3, 4 and everyone else loses 4; 洛阳市 gains 5 and all get 5.
    assert (changes.assignments_removed, changes.assignments_added) == (5 + 3, 4 + 4)
    assert changes.own_dates_kept == 3  # /deadline 3 gave them 2016-07-15: kept
    assert changes.reports_kept == 2

    async with bot.app.store.read() as db:
        reports = await all_reports(db)
    assert [(r.id, r.code, len(r.files)) for r in reports] == [(first, "1", 1), (second, "2.1", 1)]
    tasks = await bot.say("/tasks", as_="admin")
    assert "[1] 年度方案文件 · 时限:6月30日(周四·6月底)" in tasks
    assert "[2.2] 观摩图片、视频" in tasks and "[5] 年度总结" in tasks and "[4]" not in tasks
    assert f"#{first}" in await bot.say("/pending", as_="admin")
    todo = await bot.say("/todo", as_="zz")
    assert "1 年度方案文件" not in todo and "5 年度总结" in todo and "7月15日" in todo
    history = await bot.say("/history", as_="kf")
    assert f"#{second} [2.1]" in history and "已通过" in history


async def test_replace_refuses_to_drop_a_material_with_reports(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("兰考", "lk")
    await bot.say("/report 4 创新", as_="lk", files=[pdf])
    tasks_before = await bot.say("/tasks", as_="admin")

    with pytest.raises(ReplaceRefused) as refused:
        await replace(bot, CORRECTED)
    assert [(b.code, b.title, b.units) for b in refused.value.blocked] == [
        ("4", "创新举措材料", ["兰考县"])
    ]
    # 兰考县 reported only on 4: its other materials could go, but nothing at all changed.
    assert await bot.say("/tasks", as_="admin") == tasks_before
    async with bot.app.store.read() as db:
        plan = await plans.find(db, "demo", 2016)
        assert plan is not None
        assert [m.code for m in await plans.materials(db, plan.id)] == ["1", "2.1", "2.2", "3", "4"]


async def test_replace_refuses_to_drop_a_unit_with_a_request(bot: ShellBot) -> None:
    await bot.invite_and_bind("兰考", "lk")
    asked = await bot.say("/na 2.2 本县无观摩活动", as_="lk")
    assert "#" in asked, asked
    keep_4 = CORRECTED.replace("  - no: 5", PLAN[PLAN.index("  - no: 4") :] + "  - no: 5")
    with pytest.raises(ReplaceRefused) as refused:
        await replace(bot, keep_4)
    assert [(b.code, b.units) for b in refused.value.blocked] == [("2.2", ["兰考县"])]


async def test_replace_without_a_plan_before_imports_it(bot: ShellBot) -> None:
    changes = await replace(bot, PLAN.replace("code: demo", "code: other"))
    assert changes.new is not None and changes.new.materials == 5


async def test_the_same_file_again_changes_nothing(bot: ShellBot) -> None:
    changes = await replace(bot, PLAN)
    assert changes.nothing and changes.reports_kept == 0


async def test_an_unsent_draft_about_a_removed_material_is_dropped_and_counted(
    bot: ShellBot, photo: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    picked = await bot.say("/report", as_="zz")
    chosen = re.search(r"\[(\d+)\] 4 创新举措材料", picked)
    assert chosen, picked
    await bot.say(chosen[1], as_="zz")
    assert "共 1 个" in await bot.say("", as_="zz", files=[photo])

    changes = await replace(bot, CORRECTED)

    assert changes.drafts_dropped == 1
    assert "没有正在进行的报送" in await bot.say("1", as_="zz")  # its 完成 button
