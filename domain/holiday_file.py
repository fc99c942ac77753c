"""Holiday schedule files (the State Council's 放假安排 as dates), YAML or CSV, checked with lines.

YAML, one year (or a list of such mappings; a plan file's `holidays:` takes the same)::

    year: 2027
    holidays:                                # 放假: holiday name → dates, both ends included
      元旦: 2027-01-01
      春节: 2027-02-05..2027-02-11           # a range; also `~` or `至`
      清明节: [2027-04-03..2027-04-05]
    workdays: [2027-02-14, 2027-02-20]       # 调休上班: weekend days worked; or name → dates

CSV, one year: `date,kind,name` rows (a header line is optional), kind `holiday` (休) or
`workday` (班), a name required for a holiday; a date may be a range. UTF-8, or GB18030 as
Excel saves it. Dates belong to the schedule's year, or to the month next to it (元旦 may
begin on 31 December). Every problem is reported with its line; nothing partial is kept.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.holiday_calendar import HOLIDAY, WORKDAY, HolidayDay
from domain.plan_model import PlanFileError, PlanIssue

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_RANGE = re.compile(r"\s*(?:\.\.|~|～|至)\s*")
_YEARS = range(2000, 2101)
_KEYS = ("year", "holidays", "workdays")
LONGEST_RANGE = 31  # days in one range: a longer one is a typo (2027-02-05..2027-12-11)
_KINDS = {
    "holiday": HOLIDAY, "休": HOLIDAY, "放假": HOLIDAY, "假": HOLIDAY,
    "workday": WORKDAY, "班": WORKDAY, "上班": WORKDAY, "调休上班": WORKDAY,
}  # fmt: skip
_HEADER = {"date", "日期"}


class HolidayFileError(PlanFileError):
    """A holiday schedule has problems, each with its line: nothing of it is stored."""


def _issue(line: int, error: str, /, **params: object) -> PlanIssue:
    strings = {name: str(value) for name, value in params.items()}
    return PlanIssue(line=line, key=f"holidays.error.{error}", params=strings)


def _line(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def parse_dates(text: str) -> list[date] | str:
    """The days of `2027-02-05` or `2027-02-05..2027-02-11`; else the problem's key."""
    parts = _RANGE.split(text.strip())
    if len(parts) > 2:
        return "bad_date"
    found: list[date] = []
    for part in parts:
        m = _DATE.fullmatch(part.strip())
        if m is None:
            return "bad_date"
        try:
            found.append(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return "bad_date"
    first, last = found[0], found[-1]
    if last < first:
        return "bad_range"
    if (last - first).days >= LONGEST_RANGE:
        return "range_too_long"
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class _Year:
    """One schedule being read: its days, where each was given, and the problems found."""

    def __init__(self, year: int, issues: list[PlanIssue]) -> None:
        self.year = year
        self.issues = issues
        self.days: list[HolidayDay] = []
        self.lines: dict[date, int] = {}

    def add(self, line: int, text: str, kind: str, name: str | None) -> None:
        found = parse_dates(text)
        if isinstance(found, str):
            self.issues.append(_issue(line, found, value=text.strip()[:40]))
            return
        first, last = date(self.year - 1, 12, 1), date(self.year + 1, 1, 31)
        for day in found:
            if not first <= day <= last:
                self.issues.append(_issue(line, "out_of_year", day=day, year=self.year))
            elif day in self.lines:
                self.issues.append(_issue(line, "duplicate_day", day=day, first=self.lines[day]))
            elif kind == WORKDAY and day.weekday() < 5:
                self.issues.append(_issue(line, "workday_not_weekend", day=day))
            else:
                self.lines[day] = line
                self.days.append(HolidayDay(day, kind, name, self.year))


class ScheduleReader:
    """Reads composed YAML into schedules, collecting every problem instead of stopping."""

    def __init__(self) -> None:
        self.issues: list[PlanIssue] = []

    def schedules(self, node: Node | None) -> list[HolidayDay]:
        """One schedule mapping, or a list of them (each year once)."""
        if node is None:
            return []
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        days: list[HolidayDay] = []
        seen: dict[int, int] = {}
        for one in nodes:
            found = self.schedule(one)
            if found is None:
                continue
            year, line = found[0], _line(one)
            if year in seen:
                self.issues.append(_issue(line, "duplicate_year", year=year, first=seen[year]))
                continue
            seen[year] = line
            days += found[1]
        return days

    def schedule(self, node: Node) -> tuple[int, list[HolidayDay]] | None:
        if not isinstance(node, MappingNode):
            self.issues.append(_issue(_line(node), "not_schedule"))
            return None
        fields: dict[str, Node] = {}
        for key_node, value in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else "?"
            if key not in _KEYS:
                self.issues.append(
                    _issue(_line(key_node), "unknown_key", key=key, allowed=", ".join(_KEYS))
                )
            elif key in fields:
                self.issues.append(_issue(_line(key_node), "duplicate_key", key=key))
            else:
                fields[key] = value
        year = self.year(node, fields.get("year"))
        if year is None:
            return None
        reading, before = _Year(year, self.issues), len(self.issues)
        for name, line, text in self.named(fields.get("holidays"), "holidays", named=True):
            reading.add(line, text, HOLIDAY, name)
        for name, line, text in self.named(fields.get("workdays"), "workdays", named=False):
            reading.add(line, text, WORKDAY, name)
        if not reading.days and len(self.issues) == before:
            self.issues.append(_issue(_line(node), "empty_schedule", year=year))
        return year, sorted(reading.days)

    def year(self, node: Node, value: Node | None) -> int | None:
        if value is None:
            self.issues.append(_issue(_line(node), "missing_year"))
            return None
        text = value.value if isinstance(value, ScalarNode) else ""
        if not text.strip().isdigit() or int(text) not in _YEARS:
            self.issues.append(_issue(_line(value), "bad_year", value=str(text)[:20]))
            return None
        return int(text)

    def named(
        self, node: Node | None, field: str, *, named: bool
    ) -> list[tuple[str | None, int, str]]:
        """(name, line, dates text) of `name: dates` pairs, or of a bare list where allowed."""
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return []
        if isinstance(node, MappingNode):
            found = []
            for key_node, value in node.value:
                name = key_node.value.strip() if isinstance(key_node, ScalarNode) else ""
                if not name:
                    self.issues.append(_issue(_line(key_node), "empty_name", field=field))
                    continue
                found += [(name, line, text) for line, text in self.dates(value, field)]
            return found
        if named:
            self.issues.append(_issue(_line(node), "not_named", field=field))
            return []
        return [(None, line, text) for line, text in self.dates(node, field)]

    def dates(self, node: Node, field: str) -> list[tuple[int, str]]:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        found = []
        for one in nodes:
            if isinstance(one, ScalarNode) and one.value.strip():
                found.append((_line(one), one.value))
            else:
                self.issues.append(_issue(_line(one), "not_dates", field=field))
        return found


def load_holidays(
    text: str, *, source: str = "<holidays>", csv_format: bool = False
) -> list[HolidayDay]:
    """Every day of the schedules in `text`; raises HolidayFileError naming the lines."""
    days, issues = _read_csv(text) if csv_format else _read_yaml(text)
    if issues:
        raise HolidayFileError(source, sorted(issues, key=lambda issue: issue.line))
    return days


def load_holidays_file(path: str | Path) -> list[HolidayDay]:
    """A `.csv` file as CSV, anything else as YAML."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise HolidayFileError(source, [_issue(0, "unreadable", reason=e.strerror or e)]) from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # Excel on a Chinese Windows saves CSV so
        except UnicodeDecodeError as e:
            raise HolidayFileError(source, [_issue(0, "unreadable", reason=e)]) from e
    return load_holidays(text, source=source, csv_format=source.lower().endswith(".csv"))


def _read_yaml(text: str) -> tuple[list[HolidayDay], list[PlanIssue]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or str(e)
        return [], [_issue(mark.line + 1 if mark else 0, "syntax", problem=problem)]
    except yaml.YAMLError as e:
        return [], [_issue(0, "syntax", problem=e)]
    if root is None:
        return [], [_issue(0, "empty")]
    reader = ScheduleReader()
    days = reader.schedules(root)
    return days, reader.issues


def _read_csv(text: str) -> tuple[list[HolidayDay], list[PlanIssue]]:
    rows = [
        (number, [cell.strip() for cell in row])
        for number, row in enumerate(csv.reader(io.StringIO(text)), 1)
        if any(cell.strip() for cell in row)
    ]
    if rows and rows[0][1][0].lower() in _HEADER:
        rows = rows[1:]
    if not rows:
        return [], [_issue(0, "empty")]
    issues: list[PlanIssue] = []
    years = [int(m[1]) for _, row in rows if (m := _DATE.match(row[0]))]
    year = max(set(years), key=lambda y: (years.count(y), y)) if years else 0
    if years and year not in _YEARS:
        return [], [_issue(rows[0][0], "bad_year", value=year)]
    reading = _Year(year, issues)
    for number, row in rows:
        if len(row) > 3:
            issues.append(_issue(number, "csv_columns", count=len(row)))
            continue
        kind = _KINDS.get(row[1].lower()) if len(row) > 1 else None
        name = row[2] if len(row) > 2 and row[2] else None
        if kind is None:
            issues.append(_issue(number, "bad_kind", value=row[1][:20] if len(row) > 1 else ""))
        elif kind == HOLIDAY and name is None:
            issues.append(_issue(number, "holiday_unnamed", day=row[0][:40]))
        else:
            reading.add(number, row[0], kind, name)
    return sorted(reading.days), issues
