"""Queries over plans, their task items and materials."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from domain.model import PlanState
from domain.plan_model import PlanFile, PlanMaterial
from storage.db import fetch_all, fetch_one, to_db
from storage.models import Item, Material, Plan

_MATERIAL = (
    "SELECT m.id, m.plan_id, m.item_id, i.no AS item_no, i.title AS item_title, m.code, m.seq,"
    " m.title, m.deadline_expr, m.deadline_kind, m.window_start, m.due_date, m.targets,"
    " m.target_unit, m.applies_to, m.text_only, m.moved_from, m.requirement"
    " FROM materials m JOIN items i ON i.id = m.item_id"
)


COLUMNS = (
    "id", "code", "year", "title", "document", "issued_on", "notes", "reminders", "assessment",
    "revision", "state", "short", "kind", "deadline_on_holiday", "holiday_years",
)  # fmt: skip


def decode(row: Sequence[Any]) -> Plan:
    """The plan of a row's `COLUMNS` values, in order."""
    data = dict(zip(COLUMNS, row, strict=True))
    for key in ("notes", "reminders", "assessment", "holiday_years"):
        data[key] = json.loads(data[key])
    return Plan(**data)


def _material(row: aiosqlite.Row) -> Material:
    data = dict(row)
    data["targets"] = json.loads(data["targets"])
    data["applies_to"] = json.loads(data["applies_to"])
    return Material(**data)


_PLAN = f"SELECT {', '.join(COLUMNS)} FROM plans"


async def every(db: aiosqlite.Connection) -> list[Plan]:
    """Every plan, newest first (a bureau has tens or hundreds: they are read whole)."""
    return [decode(r) for r in await fetch_all(db, f"{_PLAN} ORDER BY year DESC, id DESC")]


# Changes whenever a plan is added, published, closed or replaced (each raises `revision`):
# a process keeps its copy of `every` until another process's change moves it.
STAMP = "(SELECT COUNT(*) || '.' || TOTAL(revision) FROM plans)"


async def stamp(db: aiosqlite.Connection) -> str:
    row = await fetch_one(db, f"SELECT {STAMP}")
    return str(row[0]) if row else ""


async def active(db: aiosqlite.Connection) -> Plan | None:
    """The newest published plan, or None."""
    row = await fetch_one(
        db, f"{_PLAN} WHERE state = 'published' ORDER BY year DESC, id DESC LIMIT 1"
    )
    return decode(row) if row else None


async def published(db: aiosqlite.Connection) -> list[Plan]:
    """The plans units owe now, newest first."""
    return [
        decode(r)
        for r in await fetch_all(
            db, f"{_PLAN} WHERE state = 'published' ORDER BY year DESC, id DESC"
        )
    ]


async def set_state(
    db: aiosqlite.Connection, plan_id: int, state: PlanState, now: datetime
) -> None:
    """Publish or close a plan (raises its revision, so every process re-reads it)."""
    column = {PlanState.PUBLISHED: "published_at", PlanState.CLOSED: "closed_at"}.get(state)
    when = f", {column} = ?" if column else ""
    await db.execute(
        f"UPDATE plans SET state = ?, revision = revision + 1{when} WHERE id = ?",
        (state.value, *((to_db(now),) if column else ()), plan_id),
    )


async def plans_of_unit(db: aiosqlite.Connection, unit_id: int) -> set[int]:
    """The plans this unit owes something in (any state)."""
    rows = await fetch_all(
        db, "SELECT DISTINCT plan_id FROM assignments WHERE unit_id = ?", (unit_id,)
    )
    return {int(r[0]) for r in rows}


async def focus(db: aiosqlite.Connection, contact_id: int) -> int | None:
    row = await fetch_one(db, "SELECT plan_id FROM plan_focus WHERE contact_id = ?", (contact_id,))
    return int(row[0]) if row else None


async def set_focus(db: aiosqlite.Connection, contact_id: int, plan_id: int) -> None:
    """Remember the plan an admin named last: the default of their next command."""
    await db.execute(
        "INSERT INTO plan_focus (contact_id, plan_id) VALUES (?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET plan_id = excluded.plan_id",
        (contact_id, plan_id),
    )


async def shorts_in_use(db: aiosqlite.Connection) -> set[str]:
    """Prefixes of plans not closed: a new plan's must differ from them."""
    rows = await fetch_all(
        db, "SELECT short FROM plans WHERE state != 'closed' AND short IS NOT NULL"
    )
    return {str(r[0]) for r in rows}


async def find(db: aiosqlite.Connection, code: str, year: int) -> Plan | None:
    """The plan imported under this code and year, active or not; None if there is none."""
    row = await fetch_one(db, f"{_PLAN} WHERE code = ? AND year = ?", (code, year))
    return decode(row) if row else None


async def exists(db: aiosqlite.Connection, code: str, year: int) -> bool:
    return (
        await fetch_one(db, "SELECT 1 FROM plans WHERE code = ? AND year = ?", (code, year))
        is not None
    )


async def owing_units(db: aiosqlite.Connection, plan_id: int) -> set[int]:
    """The units that owe something in the plan, the issuing bureau among them if it does."""
    rows = await fetch_all(
        db, "SELECT DISTINCT unit_id FROM assignments WHERE plan_id = ?", (plan_id,)
    )
    return {int(r[0]) for r in rows}


async def count(db: aiosqlite.Connection) -> int:
    row = await fetch_one(db, "SELECT COUNT(*) FROM plans")
    return int(row[0]) if row else 0


async def items(db: aiosqlite.Connection, plan_id: int) -> list[Item]:
    return [
        Item(**dict(r))
        for r in await fetch_all(
            db, "SELECT id, no, title FROM items WHERE plan_id = ? ORDER BY no", (plan_id,)
        )
    ]


async def materials(db: aiosqlite.Connection, plan_id: int) -> list[Material]:
    return [
        _material(r)
        for r in await fetch_all(db, f"{_MATERIAL} WHERE m.plan_id = ? ORDER BY m.sort", (plan_id,))
    ]


async def material(db: aiosqlite.Connection, material_id: int) -> Material | None:
    row = await fetch_one(db, f"{_MATERIAL} WHERE m.id = ?", (material_id,))
    return _material(row) if row else None


_HEADER_COLUMNS = (
    "title", "document", "issued_on", "notes", "reminders", "assessment",
    "deadline_on_holiday", "holiday_years",
)  # fmt: skip


def _header_values(plan: PlanFile, now: datetime) -> tuple[object, ...]:
    """A plan file's header as the plans table stores it, in `_HEADER_COLUMNS` order."""
    return (
        plan.title,
        plan.document,
        plan.issued.isoformat() if plan.issued else None,
        json.dumps(plan.notes, ensure_ascii=False),
        json.dumps(plan.reminders, ensure_ascii=False),
        json.dumps(plan.assessment, ensure_ascii=False),
        plan.deadline_on_holiday,
        json.dumps(sorted({day.year for day in plan.holidays})),
        to_db(now),
    )


async def insert_plan(
    db: aiosqlite.Connection,
    plan: PlanFile,
    now: datetime,
    *,
    short: str,
    state: PlanState = PlanState.DRAFT,
    kind: str = "plan",
) -> int:
    """Add a plan beside the others (none is closed by it); returns its id."""
    cur = await db.execute(
        f"INSERT INTO plans (code, year, {', '.join(_HEADER_COLUMNS)}, imported_at,"
        " state, short, kind, active, published_at)"
        f" VALUES ({', '.join('?' * (len(_HEADER_COLUMNS) + 6))}, 1, ?)",
        (
            plan.code,
            plan.year,
            *_header_values(plan, now),
            state.value,
            short,
            kind,
            to_db(now) if state is PlanState.PUBLISHED else None,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def set_origin(
    db: aiosqlite.Connection,
    plan_id: int,
    *,
    kind: str,
    issuer_unit_id: int | None,
    created_by: int | None,
) -> None:
    """Record what a plan is (`plan` or an `assignment` made in chat), who issued it and who
    made it."""
    await db.execute(
        "UPDATE plans SET kind = ?, issuer_unit_id = ?, created_by = ? WHERE id = ?",
        (kind, issuer_unit_id, created_by, plan_id),
    )


async def update_plan(
    db: aiosqlite.Connection, plan_id: int, plan: PlanFile, now: datetime
) -> None:
    """Rewrite a plan's header in place and raise its revision; its state stays."""
    columns = ", ".join(f"{column} = ?" for column in _HEADER_COLUMNS)
    await db.execute(
        f"UPDATE plans SET {columns}, imported_at = ?, revision = revision + 1 WHERE id = ?",
        (*_header_values(plan, now), plan_id),
    )


async def upsert_item(db: aiosqlite.Connection, plan_id: int, no: int, title: str) -> int:
    """The plan's item numbered `no`, added or retitled; returns its id."""
    row = await fetch_one(
        db,
        "INSERT INTO items (plan_id, no, title) VALUES (?, ?, ?)"
        " ON CONFLICT(plan_id, no) DO UPDATE SET title = excluded.title RETURNING id",
        (plan_id, no, title),
    )
    assert row is not None
    return int(row[0])


async def delete_items_without_materials(db: aiosqlite.Connection, plan_id: int) -> None:
    await db.execute(
        "DELETE FROM items WHERE plan_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM materials m WHERE m.item_id = items.id)",
        (plan_id,),
    )


async def delete_materials(db: aiosqlite.Connection, material_ids: list[int]) -> int:
    """Remove materials whose assignments are gone, and the unsent drafts about them (with
    their files); how many drafts went."""
    drafts = 0
    for material_id in material_ids:
        cur = await db.execute("DELETE FROM drafts WHERE material_id = ?", (material_id,))
        drafts += cur.rowcount
        await db.execute("DELETE FROM materials WHERE id = ?", (material_id,))
    return drafts


async def insert_item(db: aiosqlite.Connection, plan_id: int, no: int, title: str) -> int:
    cur = await db.execute(
        "INSERT INTO items (plan_id, no, title) VALUES (?, ?, ?)", (plan_id, no, title)
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


# The columns a plan file decides, in the order `_material_values` gives them.
_MATERIAL_COLUMNS = (
    "item_id, title, deadline_expr, deadline_kind, window_start, due_date, targets,"
    " target_unit, applies_to, text_only, sort, moved_from, requirement"
)


def _material_values(item_id: int, material: PlanMaterial, sort: int) -> tuple[object, ...]:
    deadline = material.deadline
    return (
        item_id,
        material.title,
        deadline.expr,
        deadline.kind.value,
        deadline.start.isoformat() if deadline.start else None,
        deadline.due.isoformat() if deadline.due else None,
        json.dumps({k.value: v for k, v in material.targets.items()}),
        material.target_unit,
        json.dumps(sorted(k.value for k in material.applies_to)),
        int(material.text_only),
        sort,
        material.moved_from.isoformat() if material.moved_from else None,
        material.requirement,
    )


async def insert_material(
    db: aiosqlite.Connection, plan_id: int, item_id: int, material: PlanMaterial, sort: int
) -> int:
    """A plan file's material under its item; returns its id."""
    cur = await db.execute(
        f"INSERT INTO materials (plan_id, code, seq, {_MATERIAL_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (plan_id, material.code, material.seq, *_material_values(item_id, material, sort)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def update_material(
    db: aiosqlite.Connection, material_id: int, item_id: int, material: PlanMaterial, sort: int
) -> None:
    """Rewrite a material in place (same code), as `insert_material` would have written it."""
    assignments = ", ".join(f"{column.strip()} = ?" for column in _MATERIAL_COLUMNS.split(","))
    await db.execute(
        f"UPDATE materials SET {assignments} WHERE id = ?",
        (*_material_values(item_id, material, sort), material_id),
    )


async def insert_assignments(
    db: aiosqlite.Connection,
    plan_id: int,
    material_id: int,
    unit_ids: list[int],
    due_date: date | None,
    due_at: datetime | None,
) -> None:
    # One statement for all the units, not one per unit: each statement that fires the progress
    # triggers (migration 027) opens a statement journal, which cost an import 3× its time.
    await db.execute(
        "INSERT INTO assignments (plan_id, material_id, unit_id, due_date, due_at)"
        " SELECT ?, ?, value, ?, ? FROM json_each(?) ORDER BY key",
        (
            plan_id,
            material_id,
            due_date.isoformat() if due_date else None,
            to_db(due_at),
            json.dumps(unit_ids),
        ),
    )


async def delete_draft(db: aiosqlite.Connection, plan_id: int) -> bool:
    """Remove a draft with its items, materials and assignments (nothing was reported on a
    draft: only admins see it); False, and nothing removed, if the plan is not a draft."""
    row = await fetch_one(db, "SELECT state FROM plans WHERE id = ?", (plan_id,))
    if row is None or row[0] != PlanState.DRAFT.value:
        return False
    of_plan = "(SELECT id FROM materials WHERE plan_id = ?)"
    for sql in (
        f"DELETE FROM drafts WHERE material_id IN {of_plan}",
        f"DELETE FROM acks WHERE material_id IN {of_plan}",
        f"DELETE FROM upload_links WHERE material_id IN {of_plan}",
        "DELETE FROM plan_focus WHERE plan_id = ?",
        "DELETE FROM bulletins WHERE plan_id = ?",
        "DELETE FROM assignments WHERE plan_id = ?",
        "DELETE FROM materials WHERE plan_id = ?",
        "DELETE FROM items WHERE plan_id = ?",
        "DELETE FROM plans WHERE id = ?",
    ):
        await db.execute(sql, (plan_id,))
    return True
