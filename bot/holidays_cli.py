"""`main.py holidays import FILE` and `main.py holidays list [YEAR]`: the State Council's holiday
schedules for years the calendar library does not know; and the warnings about plan dates
in a year nobody covers (for `plan import` and `doctor`)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

from bot.app import open_app
from domain.clock import SystemClock
from domain.holiday_calendar import (
    HOLIDAY,
    WORKDAY,
    Calendar,
    HolidayDay,
    library_covers,
    library_years,
)
from domain.plan_model import PlanFile
from domain.settings import Settings
from handlers.holiday_data import import_schedules, uncovered_years
from handlers.render import plan_issue_text
from locales import Translator
from schedules import workdays
from schedules.calendar_text import dated, holiday_text
from storage import holidays


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    days = sub.add_parser("holidays", help="holiday schedules (放假安排) beyond the library's")
    days_sub = days.add_subparsers(dest="holidays_command", required=True)
    imp = days_sub.add_parser("import", help="store a year's schedule from a YAML or CSV file")
    imp.add_argument("file", type=Path)
    shown = days_sub.add_parser("list", help="the years known, or one year's schedule")
    shown.add_argument("year", type=int, nargs="?")


async def run(settings: Settings, t: Translator, args: argparse.Namespace) -> int:
    if args.holidays_command == "import":
        return await run_import(settings, t, args.file)
    return await run_list(settings, t, args.year)


async def run_import(settings: Settings, t: Translator, file: Path) -> int:
    """Check the whole file, then store every day of it or none."""
    from domain.holiday_file import HolidayFileError, load_holidays_file  # the YAML reader

    try:
        days = load_holidays_file(file)
    except HolidayFileError as err:
        _fail(t("holidays.errors_header", source=file, count=len(err.issues)))
        for issue in err.issues:
            _fail(plan_issue_text(t, issue))
        return 2
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        calendar = await import_schedules(app.store, days, app.services.clock.now())
    finally:
        await app.store.close()
    for year in sorted({d.year for d in days}):
        of_year = calendar.schedule(year)
        off = [d for d in of_year if d.kind == HOLIDAY]
        names = t.join(dict.fromkeys(holiday_text(t, d.name) for d in off if d.name))
        worked = sum(d.kind == WORKDAY for d in of_year)
        print(t("holidays.imported", year=year, off=len(off), names=names, workdays=worked))
    return 0


async def run_list(settings: Settings, t: Translator, year: int | None) -> int:
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        async with app.store.read() as db:
            when = await holidays.imported_on(db)
            due = await holidays.published_due_years(db)
    finally:
        await app.store.close()
    calendar = workdays.current()
    if year is not None:
        print("\n".join(year_lines(t, calendar, year)))
        return 0
    first, last = library_years()
    lines = [t("holidays.list_header"), t("holidays.list_library", first=first, last=last)]
    for known in calendar.imported_years:
        of_year = calendar.schedule(known)
        lines.append(
            t(
                "holidays.list_imported",
                year=known,
                at=t.moment(when.get(known)),
                off=sum(d.kind == HOLIDAY for d in of_year),
                workdays=sum(d.kind == WORKDAY for d in of_year),
            )
        )
    missing = [y for y in sorted(due) if not calendar.covers(y)]
    if missing:
        lines.append(t("holidays.uncovered", years=t.join(str(y) for y in missing)))
    print("\n".join(lines))
    return 0


def year_lines(t: Translator, calendar: Calendar, year: int) -> list[str]:
    """One year's schedule: each holiday's run of days, then the make-up working days."""
    source = calendar.source(year)
    if source is None:
        return [t("holidays.list_none", year=year)]
    days = calendar.schedule(year)
    lines = [t("holidays.list_year_header", year=year, source=t(f"holidays.source_{source}"))]
    off = [d for d in days if d.kind == HOLIDAY]
    for run in _runs(off):
        name = holiday_text(t, run[0].name) if run[0].name else t("holidays.unnamed")
        first, last = run[0].day, run[-1].day
        if first == last:
            lines.append(t("holidays.list_run_one", name=name, day=dated(t, first)))
        else:
            lines.append(
                t(
                    "holidays.list_run",
                    name=name,
                    first=dated(t, first),
                    last=dated(t, last),
                    days=len(run),
                )
            )
    worked = [dated(t, d.day) for d in days if d.kind == WORKDAY]
    if worked:
        lines.append(t("holidays.list_workdays", days=t.join(worked)))
    return lines


def _runs(days: list[HolidayDay]) -> list[list[HolidayDay]]:
    """Consecutive days off of the same holiday."""
    runs: list[list[HolidayDay]] = []
    for day in days:
        last = runs[-1][-1] if runs else None
        if last is not None and last.name == day.name and (day.day - last.day).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def plan_warning(t: Translator, plan: PlanFile) -> str | None:
    """`plan import`: the years of the plan's dates with no holiday data, or None."""
    years = uncovered_years(plan)
    return t("holidays.uncovered", years=t.join(str(y) for y in years)) if years else None


async def doctor_line(
    settings: Settings, t: Translator, today: date | None = None
) -> tuple[bool, str]:
    """(fine, line) for `doctor`: do the published plans' due years, and this year and next,
    have holiday data?"""
    due, imported = await holidays.calendar_facts(settings.db_path)
    missing = [y for y in sorted(due) if y not in imported and not library_covers(y)]
    if missing:
        return False, t("holidays.doctor_uncovered", years=t.join(str(y) for y in missing))
    # The library is only as new as the last upgrade: a server left alone for years runs out.
    this = (today or SystemClock().now().astimezone(settings.tz).date()).year
    ahead = [y for y in (this, this + 1) if y not in imported and not library_covers(y)]
    if ahead:
        return False, t(
            "holidays.doctor_year_uncovered",
            years=t.join(str(y) for y in ahead),
            version=_library_version(),
            last=library_years()[1],
        )
    if not due:
        return True, t("holidays.doctor_no_dates")
    return True, t("holidays.doctor_ok", years=t.join(str(y) for y in sorted(due)))


def _library_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:
        return "?"


def _fail(text: str) -> None:
    print(text, file=sys.stderr)
