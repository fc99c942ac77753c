import pickle
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from domain.deadlines import (
    Deadline,
    DeadlineError,
    DeadlineKind,
    due_instant,
    parse_deadline,
    parse_user_date,
)

D = date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def span(expr: str, year: int = 2016) -> tuple[DeadlineKind, date | None, date | None]:
    d = parse_deadline(expr, year)
    return d.kind, d.start, d.due


def day(y: int, m: int, d: int) -> tuple[DeadlineKind, None, date]:
    return DeadlineKind.DATE, None, D(y, m, d)


def window(start: date, due: date) -> tuple[DeadlineKind, date, date]:
    return DeadlineKind.WINDOW, start, due


ON_REQUEST = (DeadlineKind.ON_REQUEST, None, None)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("5月底", day(2016, 5, 31)),
        ("8月底", day(2016, 8, 31)),
        ("7月底", day(2016, 7, 31)),
        ("6-8月", window(D(2016, 6, 1), D(2016, 8, 31))),
        ("9月底", day(2016, 9, 30)),
        ("6月上旬", day(2016, 6, 10)),
        ("10月底", day(2016, 10, 31)),
        ("按要求报送", ON_REQUEST),
    ],
)
def test_real_2016_plan(expr: str, expected: tuple) -> None:
    assert span(expr) == expected


@pytest.mark.parametrize(
    ("expr", "year", "expected"),
    [
        ("5月末", 2016, day(2016, 5, 31)),
        ("4月底", 2016, day(2016, 4, 30)),
        ("2月底", 2016, day(2016, 2, 29)),
        ("2月底", 2017, day(2017, 2, 28)),
        ("2月末", 2000, day(2000, 2, 29)),
        ("2月底", 1900, day(1900, 2, 28)),
        ("6月中旬", 2016, day(2016, 6, 20)),
        ("6月下旬", 2016, day(2016, 6, 30)),
        ("7月下旬", 2016, day(2016, 7, 31)),
        ("2月下旬", 2016, day(2016, 2, 29)),
        ("2月下旬", 2017, day(2017, 2, 28)),
        ("12月底", 2016, day(2016, 12, 31)),
    ],
)
def test_month_end_and_xun(expr: str, year: int, expected: tuple) -> None:
    assert span(expr, year) == expected


JUNE_TO_AUG = window(D(2016, 6, 1), D(2016, 8, 31))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("6月", window(D(2016, 6, 1), D(2016, 6, 30))),
        ("6月份", window(D(2016, 6, 1), D(2016, 6, 30))),
        ("2月份", window(D(2016, 2, 1), D(2016, 2, 29))),
        ("6-8月", JUNE_TO_AUG),
        ("6月-8月", JUNE_TO_AUG),
        ("6至8月", JUNE_TO_AUG),
        ("6到8月", JUNE_TO_AUG),
        ("6~8月", JUNE_TO_AUG),
        ("6～8月", JUNE_TO_AUG),
        ("6〜8月", JUNE_TO_AUG),
        ("6—8月", JUNE_TO_AUG),
        ("6–8月", JUNE_TO_AUG),
        ("6－8月", JUNE_TO_AUG),
        ("6月份-8月份", JUNE_TO_AUG),
        ("六至八月", JUNE_TO_AUG),
        ("6 - 8 月", JUNE_TO_AUG),
        ("7、8月", window(D(2016, 7, 1), D(2016, 8, 31))),
        ("11-12月", window(D(2016, 11, 1), D(2016, 12, 31))),
    ],
)
def test_month_windows(expr: str, expected: tuple) -> None:
    assert span(expr) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("第一季度", window(D(2016, 1, 1), D(2016, 3, 31))),
        ("一季度", window(D(2016, 1, 1), D(2016, 3, 31))),
        ("1季度", window(D(2016, 1, 1), D(2016, 3, 31))),
        ("Q1", window(D(2016, 1, 1), D(2016, 3, 31))),
        ("q1", window(D(2016, 1, 1), D(2016, 3, 31))),
        ("Ｑ２", window(D(2016, 4, 1), D(2016, 6, 30))),
        ("第二季度", window(D(2016, 4, 1), D(2016, 6, 30))),
        ("第三季度", window(D(2016, 7, 1), D(2016, 9, 30))),
        ("3季度", window(D(2016, 7, 1), D(2016, 9, 30))),
        ("Q3", window(D(2016, 7, 1), D(2016, 9, 30))),
        ("第四季度", window(D(2016, 10, 1), D(2016, 12, 31))),
        ("四季度", window(D(2016, 10, 1), D(2016, 12, 31))),
        ("上半年", window(D(2016, 1, 1), D(2016, 6, 30))),
        ("下半年", window(D(2016, 7, 1), D(2016, 12, 31))),
    ],
)
def test_quarters_and_halves(expr: str, expected: tuple) -> None:
    assert span(expr) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("年底", day(2016, 12, 31)),
        ("年末", day(2016, 12, 31)),
        ("年内", day(2016, 12, 31)),
        ("年终", day(2016, 12, 31)),
        ("年底前", day(2016, 12, 31)),
        ("2017年底", day(2017, 12, 31)),
        ("2017年年底", day(2017, 12, 31)),
    ],
)
def test_year_end(expr: str, expected: tuple) -> None:
    assert span(expr) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("2016年5月31日", day(2016, 5, 31)),
        ("2016-05-31", day(2016, 5, 31)),
        ("2016/5/31", day(2016, 5, 31)),
        ("2016.5.31", day(2016, 5, 31)),
        ("２０１６－０５－３１", day(2016, 5, 31)),
        ("5月31日", day(2020, 5, 31)),
        ("5月31号", day(2020, 5, 31)),
        ("五月三十一日", day(2020, 5, 31)),
        ("2月29日", day(2020, 2, 29)),
        ("6月15日前", day(2020, 6, 15)),
        ("6月15日以前", day(2020, 6, 15)),
        ("6月15日之前", day(2020, 6, 15)),
        ("6月底前", day(2020, 6, 30)),
        ("2015年6月底", day(2015, 6, 30)),
    ],
)
def test_explicit_dates_and_explicit_year_wins(expr: str, expected: tuple) -> None:
    assert span(expr, 2020) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("５月底", day(2016, 5, 31)),
        ("  5月底 ", day(2016, 5, 31)),
        ("5 月 底", day(2016, 5, 31)),
        ("六月底", day(2016, 6, 30)),
        ("十月底", day(2016, 10, 31)),
        ("十一月底", day(2016, 11, 30)),
        ("十二月底", day(2016, 12, 31)),
        ("六月份", window(D(2016, 6, 1), D(2016, 6, 30))),
    ],
)
def test_normalisation(expr: str, expected: tuple) -> None:
    assert span(expr) == expected


@pytest.mark.parametrize(
    "expr",
    ["按要求报送", "按要求", "按通知要求", "另行通知", "随时报送", "根据要求报送", " 按 要求 "],
)
def test_on_request(expr: str) -> None:
    assert span(expr) == ON_REQUEST


def test_expr_is_original_stripped() -> None:
    assert parse_deadline("  ５月底 ", 2016).expr == "５月底"
    assert parse_deadline("按要求报送", 2016) == Deadline(
        expr="按要求报送", kind=DeadlineKind.ON_REQUEST
    )


def test_deadline_is_frozen() -> None:
    d = parse_deadline("5月底", 2016)
    with pytest.raises(ValidationError):
        d.due = D(2016, 6, 1)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("下半年前", day(2016, 6, 30)),
        ("下半年以前", day(2016, 6, 30)),
        ("下半年之前", day(2016, 6, 30)),
        ("2017年下半年前", day(2017, 6, 30)),
        ("第三季度前", day(2016, 6, 30)),
        ("四季度以前", day(2016, 9, 30)),
        ("Q2前", day(2016, 3, 31)),
    ],
)
def test_before_a_half_or_quarter_is_the_day_before_it_begins(expr: str, expected: tuple) -> None:
    """下半年前 is "before the second half": by 30 June, not a July–December window."""
    assert span(expr) == expected


@pytest.mark.parametrize(
    "expr",
    # Before the plan's own year, no single beginning, or read both as "before" and "during".
    ["上半年前", "第一季度前", "Q1前", "1月前", "6月前", "6月份前", "6-8月前", "7、8月之前"],
)
def test_before_a_period_without_one_reading_is_refused(expr: str) -> None:
    with pytest.raises(DeadlineError):
        parse_deadline(expr, 2016)


BAD = [
    "",
    "   ",
    "6月初",
    "月底",
    "每月",
    "ASAP",
    "garbage",
    "8-6月",
    "6-6月",
    "2月30日",
    "2017年2月29日",
    "2016-02-30",
    "6月31日",
    "13月底",
    "0月",
    "十三月底",
    "第五季度",
    "Q5",
    "前",
    "年",
    "6-8",
    "5.31",
    "按要求报送前",
    "6月底7月底",
]


@pytest.mark.parametrize("expr", BAD)
def test_unreadable_raises_and_keeps_expr(expr: str) -> None:
    with pytest.raises(DeadlineError) as info:
        parse_deadline(expr, 2016)
    assert info.value.expr == expr
    assert repr(expr) in str(info.value)


def test_error_is_value_error_and_pickles() -> None:
    err = DeadlineError("6月初")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert copy.expr == "6月初"
    assert str(copy) == str(err)


def test_instants() -> None:
    assert due_instant(D(2016, 5, 31), SHANGHAI) == datetime(2016, 5, 31, 15, 59, 59, tzinfo=UTC)
    assert due_instant(D(2016, 5, 31), SHANGHAI).tzinfo == UTC
    # Summer time is taken from the zone, not a fixed offset.
    berlin = ZoneInfo("Europe/Berlin")
    assert due_instant(D(2016, 7, 1), berlin) == datetime(2016, 7, 1, 21, 59, 59, tzinfo=UTC)
    assert due_instant(D(2016, 1, 1), berlin) == datetime(2016, 1, 1, 22, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("5月底", day(2017, 5, 31)),
        ("2月底", day(2017, 2, 28)),
        ("6-8月", window(D(2017, 6, 1), D(2017, 8, 31))),
        ("第三季度", window(D(2017, 7, 1), D(2017, 9, 30))),
        ("按要求报送", ON_REQUEST),
        ("2016年5月31日", day(2016, 5, 31)),
    ],
)
def test_the_same_expression_in_another_year(expr: str, expected: tuple) -> None:
    """`plan import --year` reads each deadline expression again for the new year."""
    rebased = parse_deadline(parse_deadline(expr, 2016).expr, 2017)
    assert (rebased.kind, rebased.start, rebased.due) == expected
    assert rebased.expr == expr


TODAY = D(2016, 5, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-06-15", D(2016, 6, 15)),
        ("2017/6/15", D(2017, 6, 15)),
        ("2016.6.15", D(2016, 6, 15)),
        ("2016年6月15日", D(2016, 6, 15)),
        ("6月15日", D(2016, 6, 15)),
        ("6月15号", D(2016, 6, 15)),
        ("6-15", D(2016, 6, 15)),
        ("6/15", D(2016, 6, 15)),
        ("6.15", D(2016, 6, 15)),
        ("６／１５", D(2016, 6, 15)),
        ("２０１６年６月１５日", D(2016, 6, 15)),
        (" 6-15 ", D(2016, 6, 15)),
        ("今天", D(2016, 5, 20)),
        ("明天", D(2016, 5, 21)),
        ("后天", D(2016, 5, 22)),
        ("today", D(2016, 5, 20)),
        ("Tomorrow", D(2016, 5, 21)),
        ("6月底", D(2016, 6, 30)),
        ("6月下旬", D(2016, 6, 30)),
        ("年底", D(2016, 12, 31)),
    ],
)
def test_parse_user_date(text: str, expected: date) -> None:
    assert parse_user_date(text, TODAY) == expected


def test_user_relative_words_cross_month_and_year() -> None:
    assert parse_user_date("明天", D(2016, 12, 31)) == D(2017, 1, 1)
    assert parse_user_date("后天", D(2016, 2, 28)) == D(2016, 3, 1)
    assert parse_user_date("2-29", D(2016, 1, 1)) == D(2016, 2, 29)


@pytest.mark.parametrize(
    "text",
    ["", "  ", "6-8月", "6月", "第三季度", "上半年", "按要求报送", "2-30", "2017-02-29", "13/1",
     "6月32日", "yesterday", "大后天", "6-15-2016", "soon"],
)  # fmt: skip
def test_parse_user_date_rejects(text: str) -> None:
    with pytest.raises(DeadlineError) as info:
        parse_user_date(text, D(2017, 1, 1))
    assert info.value.expr == text
