"""Recurring deadlines (每月5日前, 每季度末, 每周五 …): one report per period, each with its due day.

The rules, as Chinese 月报/季报 practice writes them:

- A day in the month after the period reports on the period just ended: `每月5日前` is the
  May report by 5 June ("每月5日前报送上月情况"); `每季度首月10日前` is the Q2 report by 10 July;
  `每月结束后5日内` and `每季度结束后10日内` count days after the period's last day.
- `底`/`末` (or a half or a year alone) is the period's own last day: `每月底` is the June report
  by 30 June, `每季度末` the Q2 report by 30 June, `每半年` the first half's by 30 June.
- A day inside the period reports on that period: `每季度末月25日前` is the Q2 report by 25 June,
  `每年12月20日前` the year's by 20 December, `每周五` the week's (Monday to Sunday) by its Friday.
- A day past the end of its month is that month's last day (`每月31日前` in February: the 29th).

A period's report may be made from `opens` on: the period's first day when it is due within the
period, else the day after the period ends (so the June report of `每月5日前` opens on 1 July).
Bare `每月`, `每季度` and `每周` are refused: their customary day differs from one bureau to the
next, so the plan must write it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class PeriodUnit(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


_MONTHS = {PeriodUnit.MONTH: 1, PeriodUnit.QUARTER: 3, PeriodUnit.HALF: 6, PeriodUnit.YEAR: 12}
_QUARTERS = "一二三四"


@dataclass(frozen=True, slots=True)
class Period:
    """One period of a recurring material: `key` goes after the material's code (`3.1/06`)."""

    key: str
    label: str  # Chinese, like the plan's titles: 2016年6月, 2016年第三季度, 2016年第23周
    start: date
    end: date
    due: date
    opens: date  # the first day its report may be made


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


class Recurrence(BaseModel):
    """When each period's report is due. Exactly one of the rules applies:

    - `weekday` (0 Monday … 6 Sunday): that day of the period's week;
    - `after_days`: that many days after the period's last day;
    - otherwise day `day` (None: the last) of the month `month_offset` months after the
      period's last month (0: the last month itself, 1: the month after, −6: six before).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    unit: PeriodUnit
    month_offset: int = 0
    day: int | None = None
    after_days: int | None = None
    weekday: int | None = None

    def due(self, start: date, end: date) -> date:
        if self.weekday is not None:
            return start + timedelta(days=self.weekday)
        if self.after_days is not None:
            return end + timedelta(days=self.after_days)
        year, month = _add_months(end.year, end.month, self.month_offset)
        last = _month_end(year, month)
        return last if self.day is None else last.replace(day=min(self.day, last.day))

    def periods(self, year: int, since: date | None = None) -> list[Period]:
        """The periods of `year` still to report on at `since` (the plan's issue date; None:
        the year's start): none that ended, or whose report was due, before it."""
        first = date(year, 1, 1)
        since = max(since or first, first)
        found = []
        for key, label, start, end in _spans(self.unit, year):
            due = self.due(start, end)
            if end < since or due < since:
                continue
            opens = start if due <= end else end + timedelta(days=1)
            found.append(Period(key, label, start, end, due, opens))
        return found


def _spans(unit: PeriodUnit, year: int) -> list[tuple[str, str, date, date]]:
    if unit is PeriodUnit.WEEK:  # ISO weeks (GB/T 7408): Monday to Sunday, week 1 holds 4 Jan
        weeks = date(year, 12, 28).isocalendar().week
        return [
            (
                f"w{week:02d}",
                f"{year}年第{week}周",
                date.fromisocalendar(year, week, 1),
                date.fromisocalendar(year, week, 7),
            )
            for week in range(1, weeks + 1)
        ]
    size = _MONTHS[unit]
    spans = []
    for n in range(12 // size):
        first_month = n * size + 1
        start, end = date(year, first_month, 1), _month_end(year, first_month + size - 1)
        if unit is PeriodUnit.MONTH:
            key, label = f"{first_month:02d}", f"{year}年{first_month}月"
        elif unit is PeriodUnit.QUARTER:
            key, label = f"q{n + 1}", f"{year}年第{_QUARTERS[n]}季度"
        elif unit is PeriodUnit.HALF:
            key, label = f"h{n + 1}", f"{year}年{'上下'[n]}半年"
        else:
            key, label = str(year), f"{year}年度"
        spans.append((key, label, start, end))
    return spans


# Patterns over normalized text (NFKC, no spaces, Chinese numerals up to 31 as digits,
# 号 → 日): see domain.deadlines._normalize.
_BY = "(?:[以之]?前)?"
_D = r"(?P<d>\d{1,2})日"
_EACH = {
    PeriodUnit.MONTH: "每个?月(?:度|份)?",
    PeriodUnit.QUARTER: "每个?季度?",
    PeriodUnit.HALF: "每半年度?",
    PeriodUnit.YEAR: "每年度?",
}
_FIRST_MONTH = "(?:首月|次月|第1个?月)"  # of the period after: the period just ended
_LAST_MONTH = "(?:末月|最后1个?月|最后1月)"
_WEEK = re.compile(r"每(?:周|星期|礼拜)(?:星期|周)?(?P<w>[1-7日天])" + _BY)
_AFTER = re.compile(
    r"每(?P<u>周|星期|个?月度?|个?季度?|半年度?|年度?)(?:结束)?后(?P<n>\d{1,2})(?:日|天)[内之]?"
)
_AFTER_UNITS = {"周": PeriodUnit.WEEK, "星期": PeriodUnit.WEEK, "季": PeriodUnit.QUARTER}


def _after_unit(word: str) -> PeriodUnit:
    for prefix, unit in _AFTER_UNITS.items():
        if word.lstrip("个").startswith(prefix):
            return unit
    if "月" in word:
        return PeriodUnit.MONTH
    return PeriodUnit.HALF if word.startswith("半") else PeriodUnit.YEAR


def _day(m: re.Match[str]) -> int:
    day = int(m["d"])
    if not 1 <= day <= 31:
        raise ValueError("no such day")
    return day


def read(text: str) -> Recurrence | None:
    """The recurrence a normalized expression writes, or None if it writes none.

    Raises ValueError for one that is recurring in form but impossible (每月32日)."""
    if not text.startswith("每"):
        return None
    if m := _WEEK.fullmatch(text):
        weekday = 6 if m["w"] in "日天7" else int(m["w"]) - 1
        return Recurrence(unit=PeriodUnit.WEEK, weekday=weekday)
    if m := _AFTER.fullmatch(text):
        days = int(m["n"])
        if days < 1:
            raise ValueError("zero days")
        return Recurrence(unit=_after_unit(m["u"]), after_days=days)
    month = _EACH[PeriodUnit.MONTH]
    if m := re.fullmatch(month + _D + _BY, text):
        return Recurrence(unit=PeriodUnit.MONTH, month_offset=1, day=_day(m))
    if re.fullmatch(month + "月?[底末]" + _BY, text):
        return Recurrence(unit=PeriodUnit.MONTH)
    for unit in (PeriodUnit.QUARTER, PeriodUnit.HALF):
        each = _EACH[unit]
        if re.fullmatch(each + "[底末]" + _BY, text) or (
            unit is PeriodUnit.HALF and re.fullmatch(each, text)
        ):
            return Recurrence(unit=unit)
        if m := re.fullmatch(each + _FIRST_MONTH + _D + _BY, text):
            return Recurrence(unit=unit, month_offset=1, day=_day(m))
        if m := re.fullmatch(each + _LAST_MONTH + _D + _BY, text):
            return Recurrence(unit=unit, day=_day(m))
    year = _EACH[PeriodUnit.YEAR]
    if re.fullmatch(year + "(?:年?[底末])?" + _BY, text):
        return Recurrence(unit=PeriodUnit.YEAR)
    if m := re.fullmatch(year + r"(?P<m>\d{1,2})月(?:" + _D + "|(?P<end>[底末]))" + _BY, text):
        month_no = int(m["m"])
        if not 1 <= month_no <= 12:
            raise ValueError("no such month")
        day = None if m["end"] else _day(m)
        if day is not None and day > calendar.monthrange(2000, month_no)[1]:
            raise ValueError("no such day")  # 2000: leap, so 每年2月29日 reads (the 28th else)
        return Recurrence(unit=PeriodUnit.YEAR, month_offset=month_no - 12, day=day)
    raise ValueError("not a recurrence this parser reads")
