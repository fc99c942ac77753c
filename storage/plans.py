"""Queries over plans, their task items and materials."""

from __future__ import annotations

import json
from datetime import date, datetime

import aiosqlite

from storage.db import fetch_all, fetch_one, to_db
from storage.models import Item, Material, Plan

_MATERIAL = (
    "SELECT m.id, m.plan_id, m.item_id, i.no AS item_no, i.title AS item_title, m.code, m.seq,"
    " m.title, m.deadline_expr, m.deadline_kind, m.window_start, m.due_date, m.targets,"
    " m.target_unit, m.applies_to FROM materials m JOIN items i ON i.id = m.item_id"
)


def _plan(row: aiosqlite.Row) -> Plan:
    data = dict(row)
    for key in ("notes", "reminders", "assessment"):
        data[key] = json.loads(data[key])
    return Plan(**data)


def _material(row: aiosqlite.Row) -> Material:
    data = dict(row)
    data["targets"] = json.loads(data["targets"])
    data["applies_to"] = json.loads(data["applies_to"])
    return Material(**data)


async def active(db: aiosqlite.Connection) -> Plan | None:
    """The plan commands work on: the most recent active one, or None."""
    row = await fetch_one(
        db,
        "SELECT id, code, year, title, document, issued_on, notes, reminders, assessment"
        " FROM plans WHERE active = 1 ORDER BY year DESC, id DESC LIMIT 1",
    )
    return _plan(row) if row else None


async def exists(db: aiosqlite.Connection, code: str, year: int) -> bool:
    return (
        await fetch_one(db, "SELECT 1 FROM plans WHERE code = ? AND year = ?", (code, year))
        is not None
    )


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


async def insert_plan(
    db: aiosqlite.Connection,
    *,
    code: str,
    year: int,
    title: str,
    document: str | None,
    issued_on: date | None,
    notes: list[str],
    reminders: dict[str, object],
    assessment: dict[str, object],
    now: datetime,
) -> int:
    """Add a plan and make it the only active one; returns its id."""
    await db.execute("UPDATE plans SET active = 0")
    cur = await db.execute(
        "INSERT INTO plans (code, year, title, document, issued_on, notes, reminders,"
        " assessment, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            code,
            year,
            title,
            document,
            issued_on.isoformat() if issued_on else None,
            json.dumps(notes, ensure_ascii=False),
            json.dumps(reminders, ensure_ascii=False),
            json.dumps(assessment, ensure_ascii=False),
            to_db(now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def insert_item(db: aiosqlite.Connection, plan_id: int, no: int, title: str) -> int:
    cur = await db.execute(
        "INSERT INTO items (plan_id, no, title) VALUES (?, ?, ?)", (plan_id, no, title)
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def insert_material(
    db: aiosqlite.Connection,
    *,
    plan_id: int,
    item_id: int,
    code: str,
    seq: int,
    title: str,
    deadline_expr: str,
    deadline_kind: str,
    window_start: date | None,
    due_date: date | None,
    targets: dict[str, int],
    target_unit: str | None,
    applies_to: list[str],
    sort: int,
) -> int:
    cur = await db.execute(
        "INSERT INTO materials (plan_id, item_id, code, seq, title, deadline_expr,"
        " deadline_kind, window_start, due_date, targets, target_unit, applies_to, sort)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            plan_id,
            item_id,
            code,
            seq,
            title,
            deadline_expr,
            deadline_kind,
            window_start.isoformat() if window_start else None,
            due_date.isoformat() if due_date else None,
            json.dumps(targets),
            target_unit,
            json.dumps(applies_to),
            sort,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def insert_assignments(
    db: aiosqlite.Connection,
    plan_id: int,
    material_id: int,
    unit_ids: list[int],
    due_date: date | None,
    due_at: datetime | None,
) -> None:
    await db.executemany(
        "INSERT INTO assignments (plan_id, material_id, unit_id, due_date, due_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (plan_id, material_id, uid, due_date.isoformat() if due_date else None, to_db(due_at))
            for uid in unit_ids
        ],
    )
