"""A plan's `deadline_on_holiday`: `keep` its dates, or move a due date that falls on a
statutory holiday or rest day to the next working day (`next_workday`, as the Civil Code's
art. 203 does for a period ending on a holiday)."""

from __future__ import annotations

from datetime import date

from domain.holiday_calendar import Calendar
from domain.plan_model import PlanFile, PlanMaterial

KEEP, NEXT_WORKDAY = "keep", "next_workday"
RULES = (KEEP, NEXT_WORKDAY)


def held_over(plan: PlanFile, calendar: Calendar) -> PlanFile:
    """The plan with its rule applied: each moved material keeps its own date in
    `moved_from`. Run after recurring materials are expanded, so each period moves alone."""
    if plan.deadline_on_holiday != NEXT_WORKDAY:
        return plan
    items = [
        item.model_copy(update={"materials": [_moved(m, calendar) for m in item.materials]})
        for item in plan.items
    ]
    return plan.model_copy(update={"items": items})


def _moved(material: PlanMaterial, calendar: Calendar) -> PlanMaterial:
    due = material.deadline.due
    if due is None:
        return material
    moved = calendar.next_workday(due)
    if moved == due:
        return material
    deadline = material.deadline.model_copy(update={"due": moved})
    return material.model_copy(update={"deadline": deadline, "moved_from": due})


def due_years(plan: PlanFile) -> list[int]:
    """The years the plan's due dates fall in."""
    found: set[int] = set()
    for material in plan.materials():
        days: list[date | None] = [material.deadline.due, material.deadline.start]
        found.update(day.year for day in days if day is not None)
    return sorted(found)
