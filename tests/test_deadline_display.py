"""Deadlines shown with their weekday and holiday, and moved off a holiday when the plan says
so (`deadline_on_holiday: next_workday`), in /todo, /tasks, /status and reminders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.plan_file import PlanFileError, load_plan
from storage import pushes
from tests.support import ROOT_PLAN, ShellBot, local

PLAN_KEY = "\n  year: 2016\n"
ITEM_9 = "  - no: 9\n    title: 创新举措\n    deadline: 10月底\n"


def _line(text: str, code: str) -> str:
    """The line of a listing about material `code` (with its deadline)."""
    listed = re.compile(rf"\s*(?:[^\w\s]+ |\[){re.escape(code)}[ \]]")  # `🔴 9 …`, `[9] …`
    found = [line for line in text.splitlines() if listed.match(line)]
    assert found, f"no line for {code} in {text!r}"
    return found[0]


def _plan(tmp_path: Path, rule: str | None, item_9_due: str = "10月1日") -> Path:
    """The sample plan with item 9 due `item_9_due` and, if given, a `deadline_on_holiday`."""
    text = ROOT_PLAN.read_text("utf-8")
    assert text.count(PLAN_KEY) == 1 and text.count(ITEM_9) == 1
    if rule is not None:
        text = text.replace(PLAN_KEY, f"{PLAN_KEY}  deadline_on_holiday: {rule}\n")
    text = text.replace(ITEM_9, ITEM_9.replace("10月底", item_9_due))
    path = tmp_path / "plan.yaml"
    path.write_text(text, "utf-8")
    return path


async def test_a_deadline_on_a_holiday_names_its_weekday_and_holiday(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-06-01T09:00", BOT_SAMPLE_PLAN=ROOT_PLAN)
    try:
        await bot.invite_and_bind("开封", "kf")
        todo = await bot.say("/todo", as_="kf")
        tasks = await bot.say("/tasks", as_="kf")
        status = await bot.say("/status 开封", as_="admin")
        await bot.say("/lang en", as_="kf")
        english = await bot.say("/todo", as_="kf")
    finally:
        await bot.stop()
    # 6月上旬 is 10 June 2016, a Friday of the 端午 holiday (9-11 June).
    assert "时限 6月10日(周五·端午)" in _line(todo, "6.1")
    assert "时限 7月31日(周日)" in _line(todo, "3.1")  # a plain weekend: the weekday alone
    assert "时限 5月31日(周二)" in _line(todo, "1")
    assert "时限:6月10日(周五·端午·6月上旬)" in _line(tasks, "6.1")  # the plan's words too
    assert "6月10日(周五·端午)" in _line(status, "6.1")
    assert "due Fri 10 Jun (Dragon Boat Festival)" in _line(english, "6.1")


async def test_a_reminder_names_the_holiday_of_the_deadline(tmp_path: Path) -> None:
    bot = await ShellBot.start(
        tmp_path / "data", at="2016-06-01T08:00", schedules=True, BOT_SAMPLE_PLAN=ROOT_PLAN
    )
    try:
        await bot.invite_and_bind("开封", "kf")
        await bot.say(":time 2016-06-07T20:00")
        async with bot.app.store.read() as db:
            sent = [p for p in await pushes.log(db, "reminder") if p.chat_ref == "kf"]
    finally:
        await bot.stop()
    upcoming = [p.text for p in sent if "[6.1]" in p.text and "还有" in p.text]
    assert upcoming and "6月10日(周五·端午)截止" in upcoming[0]


async def test_next_workday_moves_a_deadline_off_national_day(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "next_workday")
    bot = await ShellBot.start(tmp_path / "data", at="2016-10-07T09:00", BOT_SAMPLE_PLAN=plan)
    try:
        await bot.invite_and_bind("开封", "kf")
        todo = await bot.say("/todo", as_="kf")
        tasks = await bot.say("/tasks", as_="kf")
        bot.clock.set(local("2016-10-08T20:00"))  # the 调休 Saturday
        on_the_day = await bot.say("/todo", as_="kf")
        bot.clock.set(local("2016-10-09T09:00"))
        after = await bot.say("/todo", as_="kf")
        await bot.say("/lang en", as_="kf")
        english = await bot.say("/todo", as_="kf")
    finally:
        await bot.stop()
    # 1 October is 国庆; the next working day is Saturday 8 October (a make-up working day).
    assert "时限 10月1日→10月8日(周六·调休上班·顺延)" in _line(todo, "9")
    assert "逾期" not in _line(todo, "9") and "逾期" not in _line(on_the_day, "9")
    assert "已逾期1天" in _line(after, "9")
    assert "10月1日→10月8日(周六·调休上班·顺延·10月1日)" not in tasks
    assert "10月1日→10月8日(周六·调休上班·顺延)" in _line(tasks, "9")
    assert "1 Oct → Sat 8 Oct (make-up working day, postponed)" in _line(english, "9")


async def test_keep_leaves_a_deadline_on_the_holiday(tmp_path: Path) -> None:
    plan = _plan(tmp_path, None)
    bot = await ShellBot.start(tmp_path / "data", at="2016-10-07T09:00", BOT_SAMPLE_PLAN=plan)
    try:
        await bot.invite_and_bind("开封", "kf")
        todo = await bot.say("/todo", as_="kf")
    finally:
        await bot.stop()
    assert "时限 10月1日(周六·国庆) · 已逾期6天" in _line(todo, "9")


def test_an_unknown_holiday_rule_is_refused_with_its_line() -> None:
    text = ROOT_PLAN.read_text("utf-8").replace(
        PLAN_KEY, f"{PLAN_KEY}  deadline_on_holiday: sometimes\n"
    )
    line = text.splitlines().index("  deadline_on_holiday: sometimes") + 1
    with pytest.raises(PlanFileError) as caught:
        load_plan(text)
    (issue,) = caught.value.issues
    assert (issue.line, issue.key) == (line, "plan.error.bad_holiday_rule")
    assert issue.params["value"] == "sometimes"
