"""Holiday schedules for years the calendar library does not know: `holidays import` (YAML or
CSV) and a plan's own `holidays:`, used by reminders and deadlines; `plan import` and `doctor`
warn about dates in a year nobody covers; a bad file is refused by line and stores nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import holidays_cli, ops, plan_cli
from domain.holiday_calendar import Calendar, HolidayDay, library_covers, library_years
from domain.plan_file import Overrides
from locales import Translator
from schedules import workdays
from storage import holidays, pushes
from storage.db import Store
from tests.support import SHANGHAI, ShellBot, settings_for

ROOT = Path(__file__).resolve().parent.parent
T = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))

SCHEDULE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知(测试用的日期)
year: 2027
holidays:
  元旦: 2027-01-01..2027-01-03
  春节: [2027-02-05..2027-02-11]
  清明节: 2027-04-03..2027-04-05
workdays:
  春节: [2027-02-14, 2027-02-20]
"""

PLAN_2027 = """\
plan:
  code: jieqian-2027
  short: jq
  year: 2027
  title: 2027年春节前安全检查情况报送
  issued: 2027-01-04
units:
  - {code: henan, name: 河南省安全生产监督管理局, short: 省局, kind: province}
  - {code: kaifeng, name: 开封市安全生产监督管理局, short: 开封市, kind: city, parent: henan}
items:
  - no: 1
    title: 节前安全检查
    materials:
      - {title: 节前安全检查情况, deadline: 2027年2月9日}
"""


@pytest.fixture(autouse=True)
def _library_calendar_after() -> Iterator[None]:
    """The process's calendar is the library's again after each test, whatever it imported."""
    yield
    workdays.use(Calendar())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def cli_import(data: Path, file: Path, *, replace: bool = False) -> int:
    settings = settings_for(data)
    return await plan_cli.run_import(settings, T, file, Overrides(), replace, not replace)


async def stored_days(data: Path) -> list[HolidayDay]:
    store = Store(data / "bot.sqlite3")
    await store.open()
    try:
        async with store.read() as db:
            return await holidays.every_day(db)
    finally:
        await store.close()


def test_2027_is_beyond_the_installed_library() -> None:
    """What this file tests rests on it: 2016 is covered, 2027 and 2028 are not."""
    assert library_covers(2016) and not library_covers(2027) and not library_covers(2028)


async def test_doctor_warns_when_this_year_or_next_has_no_holiday_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data / "bot.sqlite3")  # an empty store: no plan, no imported schedule
    await store.open()
    await store.close()
    settings = settings_for(data)
    last = library_years()[1]

    fine, said = await holidays_cli.doctor_line(settings, T, today=date(last - 1, 12, 1))
    assert fine and said == "节假日数据:已发布的计划中没有带日期的截止时限"

    # In the library's last year, next year has nothing yet: doctor says so, and what to do.
    fine, said = await holidays_cli.doctor_line(settings, T, today=date(last, 12, 7))
    assert not fine
    assert f"节假日数据:{last + 1} 年尚无放假安排" in said
    assert f"收录至 {last} 年" in said and "holidays import" in said
    fine, said = await holidays_cli.doctor_line(settings, T, today=date(last + 1, 1, 2))
    assert not fine and f"{last + 1}、{last + 2} 年尚无" in said

    # Importing next year's schedule settles it.
    schedule = write(tmp_path, "2027.yaml", SCHEDULE_2027.replace("2027", str(last + 1)))
    assert await holidays_cli.run_import(settings, T, schedule) == 0
    fine, _ = await holidays_cli.doctor_line(settings, T, today=date(last, 12, 7))
    assert fine


async def test_an_imported_2027_schedule_makes_spring_festival_days_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    plan = write(tmp_path, "plan.yaml", PLAN_2027)
    assert await cli_import(data, plan) == 0
    imported = capsys.readouterr().out
    assert "2027 年尚无节假日数据" in imported  # not silently Monday–Friday
    await ops.run_doctor(settings_for(data), T)
    assert "⚠️ 节假日数据:已发布计划的截止日期所在的 2027 年尚无放假安排" in capsys.readouterr().out

    schedule = write(tmp_path, "2027.yaml", SCHEDULE_2027)
    assert await holidays_cli.run_import(settings_for(data), T, schedule) == 0
    said = capsys.readouterr().out
    assert "已导入 2027 年放假安排:放假 13 天(元旦、春节、清明),调休上班 2 天" in said

    await ops.run_doctor(settings_for(data), T)
    doctor = capsys.readouterr().out
    assert "2027 年尚无" not in doctor and "节假日数据:" in doctor
    assert await cli_import(data, plan, replace=True) == 0
    assert "尚无节假日数据" not in capsys.readouterr().out
    assert await holidays_cli.run_list(settings_for(data), T, 2027) == 0
    listed = capsys.readouterr().out
    assert "春节:2月5日(周五)至2月11日(周四),共 7 天" in listed
    assert "调休上班:2月14日(周日)、2月20日(周六)" in listed

    bot = await ShellBot.start(data, at="2027-02-01T08:00", schedules=True)
    try:
        await bot.invite_and_bind("开封", "kf")
        todo = await bot.say("/todo", as_="kf")
        await bot.say(":time 2027-02-12T20:00")
        async with bot.app.store.read() as db:
            sent = [p for p in await pushes.log(db, "reminder") if p.chat_ref == "kf"]
    finally:
        await bot.stop()
    assert "时限 2月9日(周二·春节)" in todo
    on = {p.sent_at.astimezone(SHANGHAI).date(): p.text for p in sent if p.sent_at}
    # 5–11 February are days off: no reminder on Monday 8 February, nor on any of them.
    assert not [day for day in on if date(2027, 2, 5) <= day <= date(2027, 2, 11)]
    assert "2月9日(春节假期)截止,节前最后一个工作日" in on[date(2027, 2, 4)]
    assert "已逾期" in on[date(2027, 2, 12)]


async def test_a_csv_schedule_is_read_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    csv = "date,kind,name\n2027-02-05..2027-02-11,holiday,春节\n2027-02-14,workday,春节\n"
    file = tmp_path / "2027.csv"
    file.write_bytes(csv.encode("gb18030"))  # as Excel saves it on a Chinese Windows
    assert await holidays_cli.run_import(settings_for(data), T, file) == 0
    assert "已导入 2027 年放假安排:放假 7 天(春节),调休上班 1 天" in capsys.readouterr().out
    days = await stored_days(data)
    assert (date(2027, 2, 8), "holiday", "春节", 2027) in days
    assert (date(2027, 2, 14), "workday", "春节", 2027) in days


@pytest.mark.parametrize(
    ("name", "text", "line", "said"),
    [
        ("typo.yaml", SCHEDULE_2027.replace("2027-02-11]", "2027-02-31]"), 5, "无法识别日期"),
        ("range.yaml", SCHEDULE_2027.replace("2027-02-05..", "2027-02-12.."), 5, "结束日期早于"),
        ("weekday.yaml", SCHEDULE_2027.replace("2027-02-20", "2027-02-22"), 8, "本就是工作日"),
        ("twice.yaml", SCHEDULE_2027.replace("2027-02-14,", "2027-02-07,"), 8, "重复出现(第5行"),
        (
            "year.yaml",
            SCHEDULE_2027.replace("2027-04-03..2027-04-05", "2028-04-04"),
            6,
            "不在 2027",
        ),
        ("key.yaml", SCHEDULE_2027.replace("workdays:", "workday:"), 7, "无法识别的键“workday”"),
        ("kind.csv", "2027-02-05,holiday,春节\n2027-02-14,work,春节\n", 2, "类型应为"),
        ("unnamed.csv", "2027-02-05,holiday,春节\n2027-02-06,holiday,\n", 2, "缺少节日名称"),
    ],
)
async def test_a_bad_holiday_file_is_refused_by_line_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, line: int, said: str
) -> None:
    data = tmp_path / "data"
    good = write(tmp_path, "good.yaml", "year: 2029\nholidays: {元旦: 2029-01-01}\n")
    assert await holidays_cli.run_import(settings_for(data), T, good) == 0
    before = await stored_days(data)
    capsys.readouterr()
    assert await holidays_cli.run_import(settings_for(data), T, write(tmp_path, name, text)) == 2
    err = capsys.readouterr().err
    assert "未导入任何日期" in err and f"第{line}行:" in err and said in err, err
    assert await stored_days(data) == before


PLAN_2028 = """\
plan:
  code: guoqing-2028
  year: 2028
  title: 2028年国庆节前安全检查
  issued: 2028-09-01
  deadline_on_holiday: next_workday
holidays:
  year: 2028
  holidays: {国庆节: 2028-10-01..2028-10-07}
  workdays: [2028-10-08]
units:
  - {code: henan, name: 河南省安全生产监督管理局, short: 省局, kind: province}
  - {code: kaifeng, name: 开封市安全生产监督管理局, short: 开封市, kind: city, parent: henan}
items:
  - no: 1
    title: 国庆节前检查
    materials:
      - {title: 国庆节前安全检查情况, deadline: 10月3日}
"""


async def test_a_plans_own_holidays_move_its_deadline_and_stop_the_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert await cli_import(data, write(tmp_path, "plan.yaml", PLAN_2028)) == 0
    assert "尚无节假日数据" not in capsys.readouterr().out
    assert (date(2028, 10, 3), "holiday", "国庆节", 2028) in await stored_days(data)
    bot = await ShellBot.start(data, at="2028-09-20T09:00")
    try:
        await bot.invite_and_bind("开封", "kf")
        todo = await bot.say("/todo", as_="kf")
    finally:
        await bot.stop()
    # 3 October is 国庆 by the plan's schedule; Sunday 8 October is worked instead.
    assert "时限 10月3日→10月8日(周日·调休上班·顺延)" in todo


async def test_a_bad_holidays_key_in_a_plan_is_refused_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    bad = PLAN_2028.replace("workdays: [2028-10-08]", "workdays: [2028-10-09]")
    assert await cli_import(data, write(tmp_path, "plan.yaml", bad)) == 2
    err = capsys.readouterr().err
    assert "第10行:2028-10-09 本就是工作日" in err, err
    assert not (data / "bot.sqlite3").exists()


async def test_a_running_bot_takes_up_a_schedule_imported_by_the_command_line(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    assert await cli_import(data, write(tmp_path, "plan.yaml", PLAN_2027)) == 0
    bot = await ShellBot.start(data, at="2027-02-01T08:00", schedules=True)
    try:
        await bot.invite_and_bind("开封", "kf")
        await bot.say(":time 2027-02-02T20:00")  # reminders decided on the Monday–Friday calendar
        schedule = write(tmp_path, "2027.yaml", SCHEDULE_2027)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "main.py", "holidays", "import", str(schedule)],
            cwd=ROOT,
            env=env | {"BOT_DATA_DIR": str(data)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        await bot.say(":time 2027-02-12T20:00")
        async with bot.app.store.read() as db:
            sent = [p for p in await pushes.log(db, "reminder") if p.chat_ref == "kf"]
    finally:
        await bot.stop()
    on = {p.sent_at.astimezone(SHANGHAI).date(): p.text for p in sent if p.sent_at}
    assert not [day for day in on if date(2027, 2, 5) <= day <= date(2027, 2, 11)]
    assert "2月9日(春节假期)截止,节前最后一个工作日" in on[date(2027, 2, 4)]
