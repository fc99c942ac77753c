"""Replacing an imported plan by a corrected file, keeping what was reported on it.

Materials are matched by code, units by code. An assignment (unit × material) that the new
file no longer has is dropped only if nobody worked on it: no report, no request, no state
set by hand. If one was worked on, nothing changes and the refusal names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from domain.plan_file import PlanFile, PlanMaterial
from handlers.holiday_data import with_plan_calendar
from handlers.plan_import import Imported, add_material, due_of, owing_units, write_new, write_units
from handlers.plan_templates import Saved, save
from schedules import workdays
from storage import assignments, audit, material_templates, plans, units
from storage.assignments import Held
from storage.db import Store
from storage.files import FileStore
from storage.material_templates import MaterialTemplate
from storage.models import Material


@dataclass(frozen=True)
class Blocked:
    """A material with work on it that the new file would take away from these units."""

    code: str
    title: str
    units: list[str]


class ReplaceRefused(Exception):
    def __init__(self, blocked: list[Blocked]) -> None:
        super().__init__(", ".join(b.code for b in blocked))
        self.blocked = blocked


@dataclass
class Changes:
    """What a replacement changed."""

    new: Imported | None = None  # set when there was no plan to replace
    added: list[PlanMaterial] = field(default_factory=list)
    removed: list[Material] = field(default_factory=list)
    deadlines: list[tuple[Material, PlanMaterial]] = field(default_factory=list)
    retitled: list[PlanMaterial] = field(default_factory=list)
    requirements: list[PlanMaterial] = field(default_factory=list)  # 报送要求 changed
    templates: list[PlanMaterial] = field(default_factory=list)  # forms added, removed or new
    units_added: list[str] = field(default_factory=list)
    units_removed: list[str] = field(default_factory=list)
    assignments_added: int = 0
    assignments_removed: int = 0
    own_dates_kept: int = 0  # assignments with a date of their own (extension…), not moved
    drafts_dropped: int = 0  # unsent drafts about a removed material
    reports_kept: int = 0

    @property
    def nothing(self) -> bool:
        listed = (
            self.added, self.removed, self.deadlines, self.retitled, self.requirements,
            self.templates,
        )  # fmt: skip
        units_changed = self.units_added or self.units_removed
        counted = self.assignments_added or self.assignments_removed
        return not any(listed) and not units_changed and not counted


async def replace_plan(
    store: Store, plan: PlanFile, tz: ZoneInfo, now: datetime, files: FileStore | None = None
) -> Changes:
    """Put the file in place of the plan with its code and year, all in one transaction;
    `files` keeps the forms read with it (handlers.plan_templates)."""
    saved = await save(files, plan)
    async with store.write() as db:
        plan = await with_plan_calendar(db, plan, now)
        old = await plans.find(db, plan.code, plan.year)
        if old is None:
            changes = Changes(new=await write_new(db, plan, tz, now, saved=saved))
        else:
            changes = await _replace(db, old.id, plan, tz, now, saved)
        await audit.record(
            db,
            at=now,
            actor_id=None,
            action="plan_replace" if old else "plan_import",
            unit_id=None,
            subject=f"{plan.code} {plan.year}",
        )
    if plan.holidays:
        await workdays.reload(store)
    return changes


async def _replace(
    db: aiosqlite.Connection,
    plan_id: int,
    plan: PlanFile,
    tz: ZoneInfo,
    now: datetime,
    saved: Saved,
) -> Changes:
    ids = await write_units(db, plan)
    labels = {u.id: u.label for u in await units.all_units(db)}  # tree order
    before = {m.code: m for m in await plans.materials(db, plan_id)}
    code_of = {m.id: m.code for m in before.values()}
    held = {(code_of[h.material_id], h.unit_id): h for h in await assignments.held(db, plan_id)}
    forms = await material_templates.of_plan(db, plan_id)
    wanted = {(m.code, uid) for m in plan.materials() for uid in owing_units(plan, m, ids)}
    dropped = [key for key in held if key not in wanted]
    blocked = _blocked([key for key in dropped if held[key].worked], before, labels)
    if blocked:
        raise ReplaceRefused(blocked)
    had, has = {uid for _, uid in held}, {uid for _, uid in wanted}
    new_codes = {m.code for m in plan.materials()}
    changes = Changes(
        removed=[m for code, m in before.items() if code not in new_codes],
        units_added=[label for uid, label in labels.items() if uid in has - had],
        units_removed=[label for uid, label in labels.items() if uid in had - has],
        assignments_removed=len(dropped),
        reports_kept=sum(h.reports for h in held.values()),
    )
    await plans.update_plan(db, plan_id, plan, now)
    await assignments.drop(db, [held[key].id for key in dropped])
    sort = 0
    for item in plan.items:
        item_id = await plans.upsert_item(db, plan_id, item.no, item.title)
        for material in item.materials:
            owing = owing_units(plan, material, ids)
            old = before.get(material.code)
            if old is None:
                await add_material(
                    db, plan_id, item_id, material, sort, owing, tz, saved=saved, now=now
                )
                changes.added.append(material)
            else:
                kept = [held[material.code, uid] for uid in owing if (material.code, uid) in held]
                await _rewrite(db, changes, old, material, item_id, sort, kept, tz)
                if material.requirement != old.requirement:
                    changes.requirements.append(material)
                stored: list[MaterialTemplate] = forms.get(old.id, [])
                if await saved.link(db, old.id, material, now, stored):
                    changes.templates.append(material)
                owing = [uid for uid in owing if (material.code, uid) not in held]
                deadline = material.deadline
                await plans.insert_assignments(
                    db, plan_id, old.id, owing, deadline.due, due_of(deadline, tz)
                )
            changes.assignments_added += len(owing)
            sort += 1
    changes.drafts_dropped = await plans.delete_materials(db, [m.id for m in changes.removed])
    await plans.delete_items_without_materials(db, plan_id)
    return changes


def _blocked(
    keys: list[tuple[str, int]], before: dict[str, Material], labels: dict[int, str]
) -> list[Blocked]:
    by_code: dict[str, set[int]] = {}
    for code, uid in keys:
        by_code.setdefault(code, set()).add(uid)
    return [
        Blocked(code, m.title, [label for uid, label in labels.items() if uid in by_code[code]])
        for code, m in before.items()
        if code in by_code
    ]


async def _rewrite(
    db: aiosqlite.Connection,
    changes: Changes,
    old: Material,
    material: PlanMaterial,
    item_id: int,
    sort: int,
    kept: list[Held],
    tz: ZoneInfo,
) -> None:
    """Rewrite a kept material; its assignments follow a new date unless they had their own."""
    deadline = material.deadline
    await plans.update_material(db, old.id, item_id, material, sort)
    if material.title != old.title:
        changes.retitled.append(material)
    was = (old.deadline_expr, old.deadline_kind, old.window_start, old.due_date)
    if was != (deadline.expr, deadline.kind.value, deadline.start, deadline.due):
        changes.deadlines.append((old, material))
    if deadline.due != old.due_date:
        await assignments.follow_material(
            db, old.id, old.due_date, deadline.due, due_of(deadline, tz)
        )
        changes.own_dates_kept += sum(h.due_date != old.due_date for h in kept)
