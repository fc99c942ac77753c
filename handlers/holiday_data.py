"""Holiday schedules into the store (a file's, or a plan's own `holidays:`), the calendar they
make, and the plan dates no calendar covers."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from domain.holiday_calendar import Calendar, HolidayDay
from domain.holiday_rule import due_years, held_over
from domain.plan_model import PlanFile
from schedules import workdays
from storage import audit, holidays
from storage.db import Store


async def import_schedules(store: Store, days: list[HolidayDay], now: datetime) -> Calendar:
    """Store checked schedules (each in place of its year's) and put the calendar in use."""
    years = sorted({d.year for d in days})
    async with store.write() as db:
        await holidays.replace_years(db, days, now)
        subject = ", ".join(str(year) for year in years)
        await audit.record(
            db, at=now, actor_id=None, action="holidays_import", unit_id=None, subject=subject
        )
    return await workdays.reload(store)


async def with_plan_calendar(db: aiosqlite.Connection, plan: PlanFile, now: datetime) -> PlanFile:
    """Inside a plan import's transaction: store the plan's own schedules, then move its due
    dates by its `deadline_on_holiday` on the calendar they make. The process's calendar is
    reloaded once the import commits (`workdays.reload`)."""
    if plan.holidays:
        await holidays.replace_years(db, plan.holidays, now)
    return held_over(plan, workdays.current().with_days(plan.holidays))


def uncovered_years(plan: PlanFile) -> list[int]:
    """The years of the plan's due dates that neither the library nor an import covers."""
    calendar = workdays.current().with_days(plan.holidays)
    return [year for year in due_years(plan) if not calendar.covers(year)]
