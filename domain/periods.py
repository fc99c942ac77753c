"""Recurring materials become one material per period, so everything downstream (import,
replace, reporting, review, reminders, counts, exports) works on plain materials.

Material `3.1` with deadline `每月5日前` in a 2016 plan issued on 9 May becomes `3.1/05` …
`3.1/12`, titled "…（2016年5月）" …, each due on the 5th of the following month, its report
window opening on the 1st of that month (rules: domain.recurrence). Period keys: months
`01`–`12`, quarters `q1`–`q4`, halves `h1` `h2`, ISO weeks `w01`–`w53`, the year `2016`.
"""

from __future__ import annotations

from datetime import date

from domain.deadlines import Deadline, DeadlineKind
from domain.plan_model import PlanFile, PlanItem, PlanMaterial

SEPARATOR = "/"


def series_of(code: str) -> tuple[str, str | None]:
    """`3.1/06` → (`3.1`, `06`); a material that is no period of a series → (code, None)."""
    base, sep, key = code.partition(SEPARATOR)
    return (base, key) if sep else (code, None)


def since(plan: PlanFile) -> date:
    """The first day periods are counted from: the issue date, or the plan year's start."""
    first = date(plan.year, 1, 1)
    return max(plan.issued, first) if plan.issued else first


def expand_material(material: PlanMaterial, year: int, start: date) -> list[PlanMaterial]:
    """The material itself, or one material per period still to report on at `start`."""
    every = material.deadline.every
    if every is None:
        return [material]
    return [
        material.model_copy(
            update={
                "code": f"{material.code}{SEPARATOR}{period.key}",
                "title": f"{material.title}（{period.label}）",
                # A window: reminders and /todo leave a period alone until its report opens.
                "deadline": Deadline(
                    expr=material.deadline.expr,
                    kind=DeadlineKind.WINDOW,
                    start=period.opens,
                    due=period.due,
                ),
            }
        )
        for period in every.periods(year, start)
    ]


def expand(plan: PlanFile) -> PlanFile:
    """The plan with each recurring material replaced by its period materials, in order."""
    if not any(m.deadline.every for m in plan.materials()):
        return plan
    start = since(plan)
    items = [
        PlanItem(
            no=item.no,
            title=item.title,
            applies_to=item.applies_to,
            materials=[
                period
                for material in item.materials
                for period in expand_material(material, plan.year, start)
            ],
        )
        for item in plan.items
    ]
    return plan.model_copy(update={"items": items})


def _key(text: str) -> str:
    """A period key without leading zeros: `06` and `6`, `w05` and `w5` are one period."""
    letters = text.rstrip("0123456789")
    digits = text[len(letters) :]
    return letters + (digits.lstrip("0") or "0")


def same_period(code: str, typed: str) -> bool:
    """Does the material `code` (`3.1/06`) have the period key typed (`6`, `06`, `Q2`)?"""
    key = series_of(code)[1]
    return key is not None and _key(key.lower()) == _key(typed.lower())
