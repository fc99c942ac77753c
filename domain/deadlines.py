"""Parse 完成时限 deadline expressions from task plans (recurring ones too: domain.recurrence),
dates typed by users, and the relative deadlines of ad-hoc assignments (下周五, 3个工作日内)."""

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain import recurrence
from domain.recurrence import Recurrence


class DeadlineKind(StrEnum):
    DATE = "date"
    WINDOW = "window"
    ON_REQUEST = "on_request"
    # 每月5日前 …: a plan file's material, expanded into one material per period on loading
    # (domain.periods), so nothing past the loader sees this kind.
    RECURRING = "recurring"


class Deadline(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    expr: str
    kind: DeadlineKind
    start: date | None = None
    due: date | None = None
    every: Recurrence | None = None  # the rule of a recurring deadline; None for the others


class DeadlineError(ValueError):
    """An expression that cannot be read; never guessed."""

    def __init__(self, expr: str) -> None:
        super().__init__(f"cannot read deadline expression {expr!r}")
        self.expr = expr

    # Without this, pickling (logging handlers, process pools) would rebuild it from the message.
    def __reduce__(self) -> tuple[type["DeadlineError"], tuple[str]]:
        return type(self), (self.expr,)


_ON_REQUEST = frozenset(
    {"按要求报送", "按要求", "按通知要求", "另行通知", "随时报送", "根据要求报送"}
)
# Written where a date belongs but naming none: never a date, "on request" once an admin says so.
_STANDING = frozenset(
    {"长期坚持", "持续推进", "长期", "常态化", "常年", "持续开展", "全年", "长期开展"}
)
_ON_REQUEST_NOTED = re.compile(r"(?P<word>按要求报送|按要求)\((?P<note>[^()]+)\)")
_RELATIVE = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2}
_DIGITS = "一二三四五六七八九"


def _chinese(n: int) -> str:
    tens, units = divmod(n, 10)
    prefix = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return prefix + ("" if units == 0 else _DIGITS[units - 1])


# Only 1..31 (months and days); any other numeral run stays Chinese and so never matches.
_CHINESE_NUMBERS = {_chinese(n): str(n) for n in range(1, 32)}


def _normalize(text: str) -> str:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    s = re.sub(f"[{_DIGITS}十]+", lambda m: _CHINESE_NUMBERS.get(m[0], m[0]), s)
    return s.replace("号", "日").replace("月份", "月")


_Span = tuple[date | None, date]  # (window start or None for a single day, due)


def _year(m: re.Match[str], year: int) -> int:
    return int(m["y"]) if m["y"] else year


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _day(m: re.Match[str], year: int) -> _Span:
    return None, date(_year(m, year), int(m["m"]), int(m["d"]))


def _end(m: re.Match[str], year: int) -> _Span:
    return None, _month_end(_year(m, year), int(m["m"]))


def _xun(m: re.Match[str], year: int) -> _Span:
    y, month = _year(m, year), int(m["m"])
    day = {"上": 10, "中": 20}.get(m["x"])
    return None, date(y, month, day) if day else _month_end(y, month)


def _months(m: re.Match[str], year: int) -> _Span:
    y, last, m0 = _year(m, year), int(m["m"]), m.groupdict().get("m0")
    first = int(m0) if m0 else last
    if m0 and first >= last:
        raise ValueError("reversed month range")
    return date(y, first, 1), _month_end(y, last)


def _quarter(m: re.Match[str], year: int) -> _Span:
    y, q = _year(m, year), int(m["q"])
    return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)


def _half(m: re.Match[str], year: int) -> _Span:
    y = _year(m, year)
    return (date(y, 1, 1), date(y, 6, 30)) if m["h"] == "上" else (date(y, 7, 1), date(y, 12, 31))


def _year_end(m: re.Match[str], year: int) -> _Span:
    return None, date(_year(m, year), 12, 31)


_Y = r"(?:(?P<y>\d{4})年)?"
_M = r"(?P<m>\d{1,2})月"
_SEP = "[-~〜—–至到、]"
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], int], _Span]]] = [
    (re.compile(pattern), handler)
    for pattern, handler in [
        (r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})", _day),
        (_Y + _M + r"(?P<d>\d{1,2})日", _day),
        (_Y + _M + "[底末]", _end),
        (_Y + _M + "(?P<x>[上中下])旬", _xun),
        (_Y + r"(?P<m0>\d{1,2})月?" + _SEP + _M, _months),
        (_Y + _M, _months),
        (_Y + "第?(?P<q>[1-4])季度", _quarter),
        (_Y + "[Qq](?P<q>[1-4])", _quarter),
        (_Y + "(?P<h>[上下])半年", _half),
        # "2016年底" shares its 年 with the year-end word, "2016年年底" does not.
        (r"(?:(?P<y>\d{4})年?)?年[底末内终]", _year_end),
    ]
]
_USER_NUMERIC = re.compile(r"(?:(?P<y>\d{4})[-/.])?(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")


_BEFORE = re.compile("[以之]?前$")


def _before(span: _Span, m: re.Match[str]) -> _Span:
    """前 after a day is "by that day"; after a half or quarter, "by the day before it begins"."""
    start = span[0]
    if start is None:
        return span
    # "6月前" is written for both "before June" and "during June": refused, not guessed.
    # "上半年前" or "一季度前" would fall in the year before the plan's.
    if "m" in m.groupdict() or (start.month, start.day) == (1, 1):
        raise ValueError("no single reading of this period with 前")
    return None, start - timedelta(days=1)


def _span(text: str, year: int, expr: str) -> _Span:
    core = _BEFORE.sub("", text)
    for pattern, handler in _PATTERNS:
        if m := pattern.fullmatch(core):
            try:
                span = handler(m, year)
                return _before(span, m) if core != text else span
            except ValueError:
                break
    raise DeadlineError(expr)


def parse_deadline(expr: str, year: int) -> Deadline:
    text = _normalize(expr)
    if text in _ON_REQUEST or _ON_REQUEST_NOTED.fullmatch(text):
        return Deadline(expr=expr.strip(), kind=DeadlineKind.ON_REQUEST)
    try:
        every = recurrence.read(text)
    except ValueError:
        raise DeadlineError(expr) from None
    if every is not None:
        return Deadline(expr=expr.strip(), kind=DeadlineKind.RECURRING, every=every)
    start, due = _span(text, year, expr)
    kind = DeadlineKind.DATE if start is None else DeadlineKind.WINDOW
    return Deadline(expr=expr.strip(), kind=kind, start=start, due=due)


def is_standing(expr: str) -> bool:
    """长期坚持, 持续推进 …: written in a deadline's place, naming no date."""
    return _normalize(expr) in _STANDING


def confirmable(expr: str) -> bool:
    """An expression an admin may confirm as "on request": it names no day or period (no digit,
    no 每…) and so cannot be a date misread; `13月底` or `每月` stay errors."""
    text = _normalize(expr)
    return bool(text) and not re.search(r"\d", text) and not text.startswith("每")


def on_request_instead(expr: str) -> Deadline:
    """What a confirmed unreadable expression becomes: on request, the words kept beside it so
    that the plan file written back reads the same way again (`按要求报送（长期坚持）`)."""
    return Deadline(expr=f"按要求报送（{expr.strip()}）", kind=DeadlineKind.ON_REQUEST)


def due_instant(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


def parse_user_date(text: str, today: date) -> date:
    s = _normalize(text).lower()
    if s in _RELATIVE:
        return today + timedelta(days=_RELATIVE[s])
    if m := _USER_NUMERIC.fullmatch(s):
        try:
            return date(_year(m, today.year), int(m["m"]), int(m["d"]))
        except ValueError:
            raise DeadlineError(text) from None
    deadline = parse_deadline(text, today.year)
    if deadline.kind is not DeadlineKind.DATE or deadline.due is None:
        raise DeadlineError(text)
    return deadline.due


# Ad-hoc deadlines (交办), read against the day they are typed.
_WEEKDAY = r"(?:周|星期|礼拜)(?P<w>[1-7日天])"
_THIS_OR_NEXT_WEEK = re.compile(r"(?P<which>下|本|这)?个?" + _WEEKDAY)
_MONTH_END = re.compile(r"(?P<which>下|本|这)?个?月[底末]")
_NEXT_MONTH_DAY = re.compile(r"下个?月(?P<d>\d{1,2})日")
_WORKDAYS = re.compile(r"(?P<n>\d{1,3})个?工作日[内之]?")
_DAYS = re.compile(r"(?P<n>\d{1,3})(?:天[内之]?|日[内之])")
_WRITTEN_YEAR = re.compile(r"\d{4}")
# A month and day typed without a year lie in this year unless that is more than half a year
# ago: "1月10日" typed in December is next January, "12月10日" typed on 20 December is past.
_ROLL_OVER = timedelta(days=183)
_MAX_COUNT = 250  # working days or days; a longer "within" is not an ad-hoc deadline


def _count(m: re.Match[str]) -> int:
    n = int(m["n"])
    if not 1 <= n <= _MAX_COUNT:
        raise ValueError("count out of range")
    return n


def _workdays_after(today: date, n: int, is_workday: Callable[[date], bool]) -> date:
    day, found = today, 0
    for _ in range(3 * _MAX_COUNT):  # a calendar with no working day at all ends here
        day += timedelta(days=1)
        if is_workday(day):
            found += 1
            if found == n:
                return day
    raise ValueError("no working days")


def _relative(core: str, today: date, is_workday: Callable[[date], bool]) -> date | None:
    if core in _RELATIVE:
        return today + timedelta(days=_RELATIVE[core])
    if m := _WORKDAYS.fullmatch(core):
        return _workdays_after(today, _count(m), is_workday)
    if m := _DAYS.fullmatch(core):
        return today + timedelta(days=_count(m))
    if m := _THIS_OR_NEXT_WEEK.fullmatch(core):
        weekday = 6 if m["w"] in "日天7" else int(m["w"]) - 1
        monday = today - timedelta(days=today.weekday())
        if m["which"] == "下":
            return monday + timedelta(days=7 + weekday)
        if m["which"]:
            return monday + timedelta(days=weekday)
        return today + timedelta(days=(weekday - today.weekday()) % 7)  # the coming one
    if m := _MONTH_END.fullmatch(core):
        year, month = today.year, today.month
        if m["which"] == "下":
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return _month_end(year, month)
    if m := _NEXT_MONTH_DAY.fullmatch(core):
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return date(year, month, int(m["d"]))
    return None


def _dated(text: str, core: str, today: date) -> date:
    """A calendar date (12月10日前, 2026-12-10, 5月底, 年底) in this year or the one written."""

    def read(year: int) -> date:
        if m := _USER_NUMERIC.fullmatch(core):
            return date(_year(m, year), int(m["m"]), int(m["d"]))
        deadline = parse_deadline(text, year)
        if deadline.kind is not DeadlineKind.DATE or deadline.due is None:
            raise ValueError("not a single day")
        return deadline.due

    day = read(today.year)
    if not _WRITTEN_YEAR.search(text) and day < today - _ROLL_OVER:
        day = read(today.year + 1)
    return day


def parse_relative(expr: str, today: date, is_workday: Callable[[date], bool]) -> date:
    """The day an ad-hoc deadline typed on `today` names: `12月10日前`, `2026-12-10`, `下周五`,
    `本周五`, `周五前` (the coming Friday, today if it is one), `3个工作日内` (the third working
    day after today, by `is_workday`), `5天内`, `明天`, `月底前`, `下月10日`.

    A day already past is returned as it is (the caller refuses it); anything else raises
    DeadlineError with the expression."""
    text = _normalize(expr).lower()
    core = _BEFORE.sub("", text)
    try:
        day = _relative(core, today, is_workday)
        return day if day is not None else _dated(text, core, today)
    except ValueError:  # DeadlineError too, from the plan parser: re-raised with this expr
        raise DeadlineError(expr) from None
