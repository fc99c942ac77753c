"""No forced sample: the networked channels start empty and tell the province admin how to
import units and a plan; BOT_SAMPLE_PLAN loads one on request; `python main.py` on an empty
store is a demo on the sample's own calendar, until `:time now`."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot import cli
from bot.app import open_app
from bot.runner import run as run_channels
from domain.clock import ManualClock
from storage import plans, units
from storage.db import Store
from tests.cli_run import clean_env, main_py
from tests.support import ROOT_PLAN, ShellBot, find_code, local, settings_for

IMPORT_UNITS = "python main.py units import"
IMPORT_PLAN = "python main.py plan import"
PUBLISH = "python main.py plan publish"
UNITS_CSV = """\
代码,名称,简称,类型,上级,所属地区,排序
henan,河南省应急管理厅,省厅,省局,,,1
zhengzhou,郑州市应急管理局,郑州市,省辖市,henan,,2
"""


async def stored(data_dir: Path) -> tuple[int, int]:
    """(plans, units) in the store of this data directory."""
    store = Store(data_dir / "bot.sqlite3")
    await store.open()
    try:
        async with store.read() as db:
            return await plans.count(db), len(await units.all_units(db))
    finally:
        await store.close()


async def start_networked(data_dir: Path, **env: object) -> None:
    """`python main.py serve` with no channel configured: start up, then stop at once."""
    stop = asyncio.Event()
    stop.set()
    await run_channels(settings_for(data_dir, **env), [], stop)


async def test_the_networked_channels_start_with_an_empty_store(tmp_path: Path) -> None:
    await start_networked(tmp_path / "data", BOT_ADMINS="telegram:42")
    assert await stored(tmp_path / "data") == (0, 0)


@pytest.mark.parametrize("value", ["1", "path"])
async def test_bot_sample_plan_loads_the_sample_into_an_empty_store(
    tmp_path: Path, value: str
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(ROOT_PLAN.read_text("utf-8").replace("2016年度全省", "样例年度全省"), "utf-8")
    await start_networked(tmp_path / "data", BOT_SAMPLE_PLAN=str(plan) if value == "path" else "1")
    assert await stored(tmp_path / "data") == (1, 29)
    store = Store(tmp_path / "data" / "bot.sqlite3")
    await store.open()
    async with store.read() as db:
        (loaded,) = await plans.every(db)
    await store.close()
    assert loaded.title.startswith("样例年度" if value == "path" else "2016年度")


async def test_the_first_admin_is_told_how_to_import_units_and_a_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    clock = ManualClock(local("2026-03-02T09:00"))
    app = await open_app(settings_for(data, BOT_ADMINS="shell:boss"), clock)  # as the runner
    bot = ShellBot(app, clock)
    try:
        for text in ["/start", "你好", "/todo", "/status"]:
            out = await bot.say(text, as_="boss")
            assert "还没有单位名单和工作计划" in out, out
            assert IMPORT_UNITS in out and IMPORT_PLAN in out and PUBLISH in out, out
        stranger = await bot.say("/start", as_="zz")
        assert "请先向管理员索取邀请码" in stranger and IMPORT_UNITS not in stranger
        assert "您尚未绑定单位" in await bot.say("/todo", as_="zz")

        # The operator imports the unit tree while the bot runs.
        tree = tmp_path / "units.csv"
        tree.write_bytes(UNITS_CSV.encode("utf-8-sig"))
        monkeypatch.setenv("BOT_DATA_DIR", str(data))
        assert await asyncio.to_thread(cli.main, ["units", "import", str(tree)]) == 0
        capsys.readouterr()

        out = await bot.say("/todo", as_="boss")
        assert "将您绑定为河南省应急管理厅的省级管理员" in out, out
        assert "还没有工作计划" in out and IMPORT_PLAN in out and PUBLISH in out
        assert IMPORT_UNITS not in out.split("\n")[1]  # the plan is what is missing now
        for text in ["/status", "/todo", "/start"]:
            out = await bot.say(text, as_="boss")
            assert "还没有工作计划" in out and IMPORT_PLAN in out and PUBLISH in out, out

        code = find_code(await bot.say("/invite 郑州 reporter", as_="boss"))
        assert "绑定成功" in await bot.say(f"/bind {code}", as_="zz")
        for text in ["/todo", "/tasks", "/report 1"]:
            out = await bot.say(text, as_="zz")
            assert "目前还没有需要办理的工作任务" in out, out
            assert IMPORT_PLAN not in out
        assert await stored(data) == (0, 2)  # nothing was loaded behind the operator's back
    finally:
        await bot.stop()


def shell(data_dir: Path, script: str, **env: str) -> list[str]:
    """`python main.py` reading `script` (in this process: tests/cli_run.py): the lines it
    printed."""
    done = main_py([], clean_env(BOT_DATA_DIR=str(data_dir), **env), script)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.stdout.splitlines()


OVERDUE_DAYS = re.compile(r"逾期(\d+)天")


def overdue_days(lines: list[str]) -> list[int]:
    return [int(m.group(1)) for line in lines for m in OVERDUE_DAYS.finditer(line)]


def test_the_shell_demo_runs_on_the_sample_calendar_until_time_now(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = shell(data, "/invite 郑州 reporter\n")
    assert first[0] == (
        "演示模式:时间为 2016-05-10 09:00(样例计划的日历),输入 :time now 回到真实时间。"
    )
    assert "有效期至2016年5月17日 09:00" in "\n".join(first)
    code = find_code("\n".join(first))

    # The next run continues the demo where it stopped: the invitation is still valid.
    script = f":as zz\n/bind {code}\n/todo\n:time now\n/todo\n"
    second = shell(data, script)
    assert second[0].startswith("演示模式:时间为 2016-05-10 09:0"), second[0]
    real = next(i for i, line in enumerate(second) if "时钟已回到真实时间" in line)
    demo, after = second[:real], second[real:]
    assert "绑定成功" in "\n".join(demo)
    assert "郑州市安全生产监督管理局待报送材料 16 项:" in demo
    assert not overdue_days(demo), demo  # on 2016-05-10 nothing is due yet
    assert min(overdue_days(after)) > 3000, after  # the real clock: years past every deadline

    third = shell(data, ":as zz\n/todo\n")
    assert not any("演示模式" in line for line in third)  # `:time now` ended the demo
    assert min(overdue_days(third)) > 3000


def test_a_shell_on_a_plan_the_operator_imported_uses_the_real_clock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    imported = main_py(
        ["plan", "import", str(ROOT_PLAN), "--publish"], clean_env(BOT_DATA_DIR=str(data))
    )
    assert imported.returncode == 0, imported.stderr
    lines = shell(data, "/todo\n")
    assert not any("演示模式" in line for line in lines)
    assert min(overdue_days(lines)) > 3000, lines
