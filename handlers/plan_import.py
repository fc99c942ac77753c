"""Loading a validated plan file into the store: units, items, materials, assignments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from domain.deadlines import Deadline, due_instant
from domain.model import PlanState
from domain.plan_file import PlanFile, PlanFileError, PlanIssue, PlanMaterial
from domain.unit_file import check_tree, plan_rows
from handlers.holiday_data import with_plan_calendar
from handlers.plan_templates import Saved, save
from schedules import workdays
from storage import audit, plans, units
from storage.db import Store
from storage.files import FileStore
from storage.models import Unit


class PlanExists(Exception):
    def __init__(self, code: str, year: int) -> None:
        super().__init__(f"{code} {year}")
        self.code = code
        self.year = year


@dataclass(frozen=True)
class Imported:
    plan_id: int
    short: str  # the prefix its codes take beside other plans
    units: int
    items: int
    materials: int
    assignments: int


async def import_plan(
    store: Store,
    plan: PlanFile,
    tz: ZoneInfo,
    now: datetime,
    *,
    state: PlanState = PlanState.DRAFT,
    files: FileStore | None = None,
) -> Imported:
    """All of it in one transaction: a failure leaves the store as it was. A new plan is a
    draft (admins only) until published; other plans are left as they are. `files` keeps
    the forms its materials come with (read by handlers.plan_templates.read)."""
    saved = await save(files, plan)
    async with store.write() as db:
        if await plans.exists(db, plan.code, plan.year):
            raise PlanExists(plan.code, plan.year)
        plan = await with_plan_calendar(db, plan, now)
        done = await write_new(db, plan, tz, now, state=state, saved=saved)
        await audit.record(
            db,
            at=now,
            actor_id=None,
            action="plan_import",
            unit_id=None,
            subject=f"{plan.code} {plan.year}",
        )
    if plan.holidays:
        await workdays.reload(store)
    return done


async def write_new(
    db: aiosqlite.Connection,
    plan: PlanFile,
    tz: ZoneInfo,
    now: datetime,
    *,
    state: PlanState = PlanState.DRAFT,
    saved: Saved | None = None,
) -> Imported:
    """Write a plan not in the store yet, inside the caller's transaction."""
    ids = await write_units(db, plan)
    short = unique_short(plan.short or derived_short(plan.code), await plans.shorts_in_use(db))
    plan_id = await plans.insert_plan(db, plan, now, short=short, state=state)
    assigned = 0
    sort = 0
    for item in plan.items:
        item_id = await plans.insert_item(db, plan_id, item.no, item.title)
        for material in item.materials:
            unit_ids = owing_units(plan, material, ids)
            await add_material(
                db, plan_id, item_id, material, sort, unit_ids, tz, saved=saved, now=now
            )
            sort += 1
            assigned += len(unit_ids)
    return Imported(
        plan_id=plan_id,
        short=short,
        units=len(ids),
        items=len(plan.items),
        materials=sort,
        assignments=assigned,
    )


def derived_short(code: str) -> str:
    """A prefix from a plan code: its last part's letters and digits (`henan-fwxzf` → `fwxzf`),
    letter first, at most 8 characters."""
    for part in reversed(code.split("-")):
        cleaned = "".join(c for c in part if c.isascii() and c.isalnum()).lower()
        cleaned = cleaned.lstrip("0123456789")
        if cleaned:
            return cleaned[:8]
    return "p"


def unique_short(wanted: str, taken: set[str]) -> str:
    """`wanted`, or with the smallest number after it that no open plan has."""
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted[:6]}{n}" in taken:
        n += 1
    return f"{wanted[:6]}{n}"


async def write_units(db: aiosqlite.Connection, plan: PlanFile) -> list[Unit]:
    """Put the units the plan lists (by code) in the bureau's tree, checked against it first
    (`PlanFileError` names the lines); the units the plan addresses, in official order: those
    of a whole tree it lists (with its root), else the bureau's tree; never a retired one."""
    rows = plan_rows(plan.units, plan.unit_lines)
    problems = check_tree(rows, await units.known(db), one_root=False)
    if problems:
        raise PlanFileError(f"{plan.code} {plan.year}", problems)
    if rows:
        await units.apply(db, rows)
    listed = {u.code for u in plan.units} if any(u.parent is None for u in plan.units) else set()
    addressed = [
        u for u in await units.all_units(db) if not u.retired and (not listed or u.code in listed)
    ]
    if plan.addressed_units:
        known = {u.code for u in addressed}
        unknown = [
            PlanIssue(line=line, key="plans.unknown_unit", params={"code": code})
            for code, line in plan.addressed_units.items()
            if code not in known
        ]
        if unknown:
            raise PlanFileError(f"{plan.code} {plan.year}", unknown)
        addressed = [u for u in addressed if u.code in plan.addressed_units]
    if not addressed:
        raise PlanFileError(f"{plan.code} {plan.year}", [PlanIssue(line=0, key="unitfile.none")])
    return addressed


def owing_units(plan: PlanFile, material: PlanMaterial, addressed: list[Unit]) -> list[int]:
    """The units that owe the material, in official order."""
    return [u.id for u in addressed if u.kind in material.applies_to]


def due_of(deadline: Deadline, tz: ZoneInfo) -> datetime | None:
    return due_instant(deadline.due, tz) if deadline.due else None


async def add_material(
    db: aiosqlite.Connection,
    plan_id: int,
    item_id: int,
    material: PlanMaterial,
    sort: int,
    unit_ids: list[int],
    tz: ZoneInfo,
    *,
    saved: Saved | None = None,
    now: datetime | None = None,
) -> int:
    """Insert a material, its forms and its assignments; returns the material's id."""
    deadline = material.deadline
    material_id = await plans.insert_material(db, plan_id, item_id, material, sort)
    if material.templates and saved is not None and now is not None:
        await saved.link(db, material_id, material, now)
    await plans.insert_assignments(
        db, plan_id, material_id, unit_ids, deadline.due, due_of(deadline, tz)
    )
    return material_id
