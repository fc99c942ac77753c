"""Recurring materials (每月5日前, 每季度末, 每周五 …): one material per period, reported, listed
and counted on its own; and the relative deadlines of ad-hoc assignments (下周五, 3个工作日内)."""

from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.deadlines import DeadlineError, DeadlineKind, parse_deadline, parse_relative
from domain.periods import same_period, series_of
from domain.plan_file import PlanFileError, load_plan
from domain.recurrence import PeriodUnit
from handlers.insight_data import pick_materials
from storage import plans
from tests.insight_world import sent_file
from tests.support import NOTICE_PDF, ShellBot, local, report_id

D = date


def periods(expr: str, year: int = 2016, since: date | None = None) -> list:
    every = parse_deadline(expr, year).every
    assert every is not None, expr
    return every.periods(year, since)


def dues(expr: str, year: int = 2016) -> dict[str, tuple[date, date]]:
    """Each period's key → (the day its report opens, the day it is due)."""
    return {p.key: (p.opens, p.due) for p in periods(expr, year)}


def test_monthly_by_the_5th_reports_on_the_month_before() -> None:
    """每月5日前报送上月情况: the June report is due 5 July and opens on 1 July."""
    found = periods("每月5日前")
    assert [p.key for p in found] == [f"{m:02d}" for m in range(1, 13)]
    june = found[5]
    assert (june.label, june.start, june.end) == ("2016年6月", D(2016, 6, 1), D(2016, 6, 30))
    assert (june.opens, june.due) == (D(2016, 7, 1), D(2016, 7, 5))
    assert (found[-1].opens, found[-1].due) == (D(2017, 1, 1), D(2017, 1, 5))  # December's


@pytest.mark.parametrize(
    ("expr", "key", "opens", "due"),
    [
        ("每月10日前", "05", D(2016, 6, 1), D(2016, 6, 10)),
        ("每月15日", "05", D(2016, 6, 1), D(2016, 6, 15)),
        ("每月五号前", "05", D(2016, 6, 1), D(2016, 6, 5)),
        ("每月底", "02", D(2016, 2, 1), D(2016, 2, 29)),  # a leap year's February
        ("每月末", "06", D(2016, 6, 1), D(2016, 6, 30)),
        ("每月30日前", "01", D(2016, 2, 1), D(2016, 2, 29)),  # no 30 February: its last day
        ("每月结束后5日内", "06", D(2016, 7, 1), D(2016, 7, 5)),
        ("每季度末", "q2", D(2016, 4, 1), D(2016, 6, 30)),
        ("每季末", "q4", D(2016, 10, 1), D(2016, 12, 31)),
        ("每季度首月10日前", "q2", D(2016, 7, 1), D(2016, 7, 10)),
        ("每季度首月十日前", "q4", D(2017, 1, 1), D(2017, 1, 10)),
        ("每季度第一个月10日前", "q1", D(2016, 4, 1), D(2016, 4, 10)),
        ("每季度末月25日前", "q3", D(2016, 7, 1), D(2016, 9, 25)),
        ("每季度结束后10日内", "q1", D(2016, 4, 1), D(2016, 4, 10)),
        ("每半年", "h1", D(2016, 1, 1), D(2016, 6, 30)),
        ("每半年末", "h2", D(2016, 7, 1), D(2016, 12, 31)),
        ("每周五", "w23", D(2016, 6, 6), D(2016, 6, 10)),
        ("每周星期五前", "w01", D(2016, 1, 4), D(2016, 1, 8)),
        ("每周日", "w52", D(2016, 12, 26), D(2017, 1, 1)),
        ("每年12月20日前", "2016", D(2016, 1, 1), D(2016, 12, 20)),
        ("每年十二月二十日前", "2016", D(2016, 1, 1), D(2016, 12, 20)),
        ("每年6月底", "2016", D(2016, 1, 1), D(2016, 6, 30)),
        ("每年", "2016", D(2016, 1, 1), D(2016, 12, 31)),
    ],
)
def test_each_expression_gives_its_periods(expr: str, key: str, opens: date, due: date) -> None:
    deadline = parse_deadline(expr, 2016)
    assert deadline.kind is DeadlineKind.RECURRING and deadline.due is None
    assert dues(expr)[key] == (opens, due)


def test_leap_year_february() -> None:
    assert dues("每月底", 2015)["02"] == (D(2015, 2, 1), D(2015, 2, 28))
    assert dues("每月30日前", 2015)["01"] == (D(2015, 2, 1), D(2015, 2, 28))
    assert dues("每年2月29日前", 2016)["2016"][1] == D(2016, 2, 29)
    assert dues("每年2月29日前", 2017)["2017"][1] == D(2017, 2, 28)


def test_labels_and_counts() -> None:
    labels = {
        "每季度末": ["2016年第一季度", "2016年第二季度", "2016年第三季度", "2016年第四季度"],
        "每半年": ["2016年上半年", "2016年下半年"],
        "每年12月20日前": ["2016年度"],
    }
    for expr, expected in labels.items():
        assert [p.label for p in periods(expr)] == expected
    weeks = periods("每周五")
    assert len(weeks) == 52 and weeks[22].label == "2016年第23周"
    assert len(periods("每周五", 2015)) == 53  # 2015 has an ISO week 53
    assert [p.key for p in periods("每季度首月10日前")] == ["q1", "q2", "q3", "q4"]
    assert parse_deadline("每周五", 2016).every.unit is PeriodUnit.WEEK  # type: ignore[union-attr]


def test_no_period_that_ended_or_fell_due_before_the_issue_date() -> None:
    issued = D(2016, 5, 9)
    assert [p.key for p in periods("每月5日前", since=issued)][:2] == ["05", "06"]
    assert [p.key for p in periods("每季度首月10日前", since=issued)] == ["q2", "q3", "q4"]
    # Issued on a Saturday: that week's Friday report was due the day before.
    assert periods("每周五", since=D(2016, 5, 14))[0].key == "w20"
    assert periods("每年1月10日前", since=issued) == []


@pytest.mark.parametrize(
    "expr",
    ["每月", "每季度", "每周", "每月32日前", "每月0日", "每年13月1日", "每年2月30日", "每季度10日前",
     "每周八", "每月结束后0日内", "每天"],
)  # fmt: skip
def test_unreadable_recurring_expressions_are_refused(expr: str) -> None:
    with pytest.raises(DeadlineError) as info:
        parse_deadline(expr, 2016)
    assert info.value.expr == expr


def test_series_codes() -> None:
    assert series_of("3.1/06") == ("3.1", "06")
    assert series_of("3.1") == ("3.1", None)
    assert same_period("3.1/06", "6") and same_period("3.1/q2", "Q2")
    assert same_period("3.1/w05", "w5") and not same_period("3.1/06", "q2")
    assert not same_period("3.1", "6")


PLAN = """\
plan:
  code: jd-yuebao
  short: yb
  year: 2016
  title: 2016年基层执法统计报送方案
  issued: 2016-05-09
  applies_to: [city]
units:
  - {code: henan, name: 河南省安全生产监督管理局, short: 省局, kind: province}
  - {code: zhengzhou, name: 郑州市安全生产监督管理局, short: 郑州市, kind: city, parent: henan}
  - {code: kaifeng, name: 开封市安全生产监督管理局, short: 开封市, kind: city, parent: henan}
items:
  - no: 1
    title: 制定年度执法计划
    deadline: 5月底
    materials:
      - title: 年度执法计划
  - no: 3
    title: 基层执法统计
    materials:
      - title: 基层执法月报
        deadline: 每月5日前
        text_only: true
      - title: 年度执法工作总结
        deadline: 年底
"""


def test_a_plan_file_expands_a_monthly_material_from_its_issue_date() -> None:
    plan = load_plan(PLAN)
    codes = [m.code for m in plan.materials()]
    assert codes == ["1", *(f"3.1/{m:02d}" for m in range(5, 13)), "3.2"]
    june = next(m for m in plan.materials() if m.code == "3.1/06")
    assert june.title == "基层执法月报（2016年6月）" and june.seq == 1 and june.text_only
    assert (june.deadline.kind, june.deadline.start, june.deadline.due) == (
        DeadlineKind.WINDOW,
        D(2016, 7, 1),
        D(2016, 7, 5),
    )
    assert june.deadline.expr == "每月5日前"
    # Without an issue date the whole year is asked for; re-based, the next year's.
    whole = load_plan(PLAN.replace("  issued: 2016-05-09\n", ""))
    assert sum(m.code.startswith("3.1/") for m in whole.materials()) == 12
    rebased = load_plan(PLAN, year=2017)
    last = [m for m in rebased.materials() if m.code.startswith("3.1/")][-1]
    assert last.title == "基层执法月报（2017年12月）" and last.deadline.due == D(2018, 1, 5)


def test_a_recurring_deadline_with_no_period_left_or_unreadable_names_its_line() -> None:
    with pytest.raises(PlanFileError) as info:
        load_plan(PLAN.replace("每月5日前", "每年1月10日前"))
    line = PLAN.splitlines().index("        deadline: 每月5日前") + 1
    assert [(i.line, i.key) for i in info.value.issues] == [(line, "plan.error.no_periods")]
    with pytest.raises(PlanFileError) as info:
        load_plan(PLAN.replace("每月5日前", "每月"))
    assert [(i.line, i.key) for i in info.value.issues] == [(line, "plan.error.bad_recurring")]


def _line(text: str, code: str) -> str:
    found = [line for line in text.splitlines() if f" {code} " in line]
    assert found, f"{code} not in {text!r}"
    return found[0]


async def test_three_months_of_a_monthly_report(tmp_path: Path) -> None:
    """A field user over May–September: May on time, June late, /todo shows the current and
    overdue periods only, `/report 3.1` takes the one period open and asks when several are."""
    plan_file = tmp_path / "yuebao.yaml"
    plan_file.write_text(PLAN, encoding="utf-8")
    bot = await ShellBot.start(tmp_path / "data", at="2016-05-20T09:00", BOT_SAMPLE_PLAN=plan_file)
    try:
        async with bot.app.store.read() as db:
            plan = await plans.active(db)
            assert plan is not None
            codes = [m.code for m in await plans.materials(db, plan.id)]
        assert codes == ["1", *(f"3.1/{m:02d}" for m in range(5, 13)), "3.2"]
        await bot.invite_and_bind("郑州", "zz")

        todo = await bot.say("/todo", as_="zz")
        assert "待报送材料 2 项" in todo and "3.1/" not in todo  # May's report opens on 1 June
        tasks = await bot.say("/tasks", as_="zz")
        # The series is one line, not eight.
        assert "[3.1] 基层执法月报 · 时限:每月5日前 · 共8期" in tasks and "[3.1/12]" not in tasks

        early = await bot.say("/report 3.1/09", as_="zz", files=[NOTICE_PDF])
        assert "3.1/09 的报送期 10月1日 开始" in early  # a period is reported once it is over

        bot.clock.set(local("2016-06-02T09:00"))
        todo = await bot.say("/todo", as_="zz")
        assert "3.1/05" in todo and "3.1/06" not in todo
        assert "6月1日至6月5日" in _line(todo, "3.1/05")
        done = await bot.say("/report 3.1 12 检查企业12家", as_="zz")
        assert "已报送 [3.1/05] 基层执法月报（2016年5月）" in done and "逾期" not in done

        bot.clock.set(local("2016-07-08T09:00"))  # June's report was due on 5 July
        todo = await bot.say("/todo", as_="zz")
        assert "已逾期" in _line(todo, "3.1/06")
        assert "3.1/05" not in todo and "3.1/07" not in todo
        overdue = await bot.say("/overdue", as_="admin")
        assert "3.1/06" in overdue and "3.1/07" not in overdue
        late = await bot.say("/report 3.1 8", as_="zz")
        assert "已报送 [3.1/06]" in late and "已超过时限" in late

        bot.clock.set(local("2016-08-03T09:00"))
        todo = await bot.say("/todo", as_="zz")
        assert "3.1/07" in todo and "已逾期" not in _line(todo, "3.1/07")
        assert not re.search(r"3\.1/(0[5689]|1\d)", todo)

        # September: July overdue and August open; a bare 3.1 is asked back, never guessed.
        bot.clock.set(local("2016-09-02T09:00"))
        asked = await bot.say("/report 3.1 5", as_="zz")
        assert "3.1/07, 3.1/08" in asked and "已报送" not in asked
        july = await bot.say("/report 3.1/7 5", as_="zz", files=[NOTICE_PDF])
        assert "已报送 [3.1/07]" in july
        assert "已通过" in await bot.say(f"/accept {report_id(july)}", as_="admin")
        archive = await bot.say("/archive 3.1", as_="admin")
        with zipfile.ZipFile(sent_file(archive)) as zf:
            names = zf.namelist()
        # The period's code stays in the file name instead of becoming a folder.
        assert "3 基层执法统计/郑州市/3.1-07 notice.pdf" in names, names

        # Each period counts on its own: 开封 owes item 1 and the May, June and July reports.
        status = await bot.say("/status", as_="admin")
        assert "郑州市 1/10 · 待审2 · 逾期1" in status and "开封市 0/10 · 逾期4" in status
        board = await bot.say("/board 3.1", as_="admin")
        assert "进度看板" in board and "编号" not in board
        async with bot.app.store.read() as db:
            stored = await plans.materials(db, plan.id)
        assert [m.code for m in pick_materials(stored, "3.1")] == codes[1:-1]  # every period
        assert [m.code for m in pick_materials(stored, "3.1/6")] == ["3.1/06"]
    finally:
        await bot.stop()


def workday(day: date) -> bool:
    """Monday to Friday, less the 2016 National Day week (1–7 October)."""
    return day.weekday() < 5 and not D(2016, 10, 1) <= day <= D(2016, 10, 7)


TUESDAY = D(2016, 12, 20)


@pytest.mark.parametrize(
    ("expr", "today", "expected"),
    [
        ("12月28日前", TUESDAY, D(2016, 12, 28)),
        ("12月28日", TUESDAY, D(2016, 12, 28)),
        ("12月10日前", TUESDAY, D(2016, 12, 10)),  # past: returned, the caller refuses it
        ("1月10日前", TUESDAY, D(2017, 1, 10)),  # typed in December: next January
        ("2026-12-10", TUESDAY, D(2026, 12, 10)),
        ("2016年12月30日", TUESDAY, D(2016, 12, 30)),
        ("12/30", TUESDAY, D(2016, 12, 30)),
        ("下周五", TUESDAY, D(2016, 12, 30)),
        ("下星期一", TUESDAY, D(2016, 12, 26)),
        ("本周五", TUESDAY, D(2016, 12, 23)),
        ("这周一", TUESDAY, D(2016, 12, 19)),  # past
        ("周五前", TUESDAY, D(2016, 12, 23)),
        ("周五前", D(2016, 12, 23), D(2016, 12, 23)),  # on a Friday: today
        ("周二", D(2016, 12, 21), D(2016, 12, 27)),
        ("3个工作日内", TUESDAY, D(2016, 12, 23)),
        ("三个工作日内", D(2016, 12, 22), D(2016, 12, 27)),  # over a weekend
        ("5个工作日内", D(2016, 9, 29), D(2016, 10, 13)),  # over National Day
        ("5天内", TUESDAY, D(2016, 12, 25)),
        ("十日内", TUESDAY, D(2016, 12, 30)),
        ("明天", TUESDAY, D(2016, 12, 21)),
        ("今天", TUESDAY, TUESDAY),
        ("月底前", TUESDAY, D(2016, 12, 31)),
        ("本月底", D(2016, 2, 3), D(2016, 2, 29)),
        ("下月底", D(2016, 1, 31), D(2016, 2, 29)),
        ("下月10日", TUESDAY, D(2017, 1, 10)),
        ("年底前", D(2016, 5, 20), D(2016, 12, 31)),
        ("6月上旬", D(2016, 5, 20), D(2016, 6, 10)),
    ],
)
def test_relative_deadlines(expr: str, today: date, expected: date) -> None:
    assert parse_relative(expr, today, workday) == expected


@pytest.mark.parametrize(
    "expr",
    ["", "尽快", "下下周", "每月5日前", "6-8月", "按要求报送", "0个工作日内", "999天内", "2月30日",
     "下月32日", "周八"],
)  # fmt: skip
def test_relative_deadline_unreadable(expr: str) -> None:
    with pytest.raises(DeadlineError) as info:
        parse_relative(expr, TUESDAY, workday)
    assert info.value.expr == expr


def test_working_days_with_no_working_day_at_all_is_refused() -> None:
    with pytest.raises(DeadlineError):
        parse_relative("3个工作日内", TUESDAY, lambda day: False)
    assert parse_relative("1个工作日内", TUESDAY, lambda day: day > TUESDAY + timedelta(days=9))
