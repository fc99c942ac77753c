"""Pure parts of the schedule: the plan's reminder policy, working days, quiet hours, stage days."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from schedules import workdays
from schedules.decide import Stage, steps
from schedules.jobs import is_bulletin_day
from schedules.policy import DEFAULT, check, policy_from
from schedules.quiet import deliver_at
from tests.support import SHANGHAI, local


def test_defaults_are_the_bureaus() -> None:
    assert DEFAULT.before_days == (7, 3, 1) and DEFAULT.time == time(9, 0)
    assert (DEFAULT.overdue_every, DEFAULT.overdue_max, DEFAULT.escalate_after) == (2, 5, 3)
    assert (DEFAULT.quiet_start, DEFAULT.quiet_end) == (time(21, 0), time(8, 0))


def test_a_plans_mapping_is_read_as_plan_writers_write_it() -> None:
    # PyYAML reads an unquoted 21:00 as the number 1260: it still means 21:00.
    policy = policy_from(
        {"before_days": [5, 1], "time": "08:30", "quiet_hours": "22:00-07:30",
         "overdue": {"every": 3, "max": 2}, "bulletin": {"day": "周五", "time": 1020}}
    )  # fmt: skip
    assert policy.before_days == (5, 1) and policy.time == time(8, 30)
    assert (policy.quiet_start, policy.quiet_end) == (time(22, 0), time(7, 30))
    assert (policy.overdue_every, policy.overdue_max) == (3, 2)
    assert (policy.bulletin_weekday, policy.bulletin_time) == (5, time(17, 0))


@pytest.mark.parametrize(
    ("mapping", "problem"),
    [
        ({"befor_days": [7]}, "reminders.befor_days"),
        ({"time": "9点"}, "reminders.time"),
        ({"time": "09:15"}, "half hour"),
        ({"before_days": [0]}, "between 1 and 60"),
        ({"overdue_every": 0}, "reminders.overdue_every"),
        ({"bulletin_weekday": "funday"}, "unknown weekday"),
    ],
)
def test_a_bad_mapping_is_named_and_the_defaults_are_used(mapping: dict, problem: str) -> None:
    assert any(problem in line for line in check(mapping))
    assert policy_from(mapping) == DEFAULT


def test_the_holiday_calendar_covers_the_sample_year() -> None:
    assert workdays.covers(2016)
    assert not workdays.is_workday(date(2016, 6, 9))  # 端午
    assert workdays.is_workday(date(2016, 6, 12))  # Sunday, 调休 working day
    assert workdays.is_workday(date(2016, 10, 8))  # Saturday, 调休 working day
    assert workdays.add(date(2016, 9, 30), 1) == date(2016, 10, 8)
    assert workdays.on_or_before(date(2016, 6, 10)) == date(2016, 6, 8)


def test_a_due_day_on_a_holiday_is_announced_on_the_last_working_day_before() -> None:
    table = steps(DEFAULT, date(2016, 6, 10), date(2016, 6, 10), None)  # 6月上旬, a holiday
    assert table[date(2016, 6, 8)].stage is Stage.DUE
    assert table[date(2016, 6, 7)].stage is Stage.UPCOMING  # 3 days before
    assert table[date(2016, 6, 12)].stage is Stage.OVERDUE and table[date(2016, 6, 12)].nag == 1
    assert all(workdays.is_workday(day) for day in table)


def test_a_window_opens_with_a_notice_then_counts_to_its_end() -> None:
    table = steps(DEFAULT, date(2016, 8, 31), date(2016, 8, 31), date(2016, 6, 1))
    assert table[date(2016, 6, 1)].stage is Stage.WINDOW_OPEN
    assert [d for d, s in table.items() if s.stage is Stage.UPCOMING] == [
        date(2016, 8, 24),
        date(2016, 8, 26),  # 28 Aug is a Sunday
        date(2016, 8, 30),
    ]


def test_escalation_comes_with_the_nag_after_the_third() -> None:
    table = steps(DEFAULT, date(2016, 5, 31), date(2016, 5, 31), None)
    nags = sorted((d, s.nag, s.escalate) for d, s in table.items() if s.stage is Stage.OVERDUE)
    assert nags == [
        (date(2016, 6, 1), 1, False),
        (date(2016, 6, 3), 2, False),
        (date(2016, 6, 7), 3, False),
        (date(2016, 6, 12), 4, True),
        (date(2016, 6, 14), 5, False),
    ]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2016-06-20T22:30", "2016-06-21T08:00"),
        ("2016-06-21T07:59", "2016-06-21T08:00"),
        ("2016-06-21T08:00", "2016-06-21T08:00"),
        ("2016-06-21T20:59", "2016-06-21T20:59"),
        ("2016-09-30T22:00", "2016-10-08T08:00"),  # 国庆, then the 调休 Saturday
        ("2016-06-24T21:00", "2016-06-27T08:00"),  # Friday night: Monday morning
        ("2016-10-02T03:00", "2016-10-08T08:00"),  # held on a holiday night, too
        ("2016-10-02T10:00", "2016-10-02T10:00"),  # not quiet: not held
    ],
)
def test_quiet_hours_hold_a_push_until_a_working_morning(at: str, expected: str) -> None:
    assert deliver_at(local(at), DEFAULT, SHANGHAI) == local(expected)
    assert deliver_at(local(at), DEFAULT, SHANGHAI, kind="urge") == local(expected)


def test_urgings_may_be_let_out_on_a_holiday_morning() -> None:
    policy = policy_from({"urgent_on_holidays": True})
    at = local("2016-09-30T22:00")
    assert deliver_at(at, policy, SHANGHAI, kind="urge") == local("2016-10-01T08:00")
    assert deliver_at(at, policy, SHANGHAI, kind="returned") == local("2016-10-08T08:00")


def test_the_bulletin_day_skips_a_holiday_monday() -> None:
    assert is_bulletin_day(date(2016, 6, 6), 1)
    assert not is_bulletin_day(date(2016, 4, 4), 1) and is_bulletin_day(date(2016, 4, 5), 1)
    assert not any(is_bulletin_day(date(2016, 10, d), 1) for d in range(3, 8))
    # 调休 make-up weekend days are worked for the week next to them: never a second bulletin.
    assert not is_bulletin_day(date(2016, 10, 8), 1) and is_bulletin_day(date(2016, 10, 10), 1)
    assert not is_bulletin_day(date(2016, 2, 14), 1) and is_bulletin_day(date(2016, 2, 15), 1)
    assert not is_bulletin_day(date(2016, 9, 18), 5)  # Friday 16 Sep was 中秋
    assert not is_bulletin_day(date(2016, 6, 7), 1)
    assert isinstance(local("2016-06-06T09:00"), datetime)
