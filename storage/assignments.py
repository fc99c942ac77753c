"""Queries over unit × material assignments: to-do lists, status tables, overdue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

import aiosqlite

from domain.model import AssignmentState
from storage import progress
from storage.db import fetch_all, fetch_one, from_db, marks, to_db
from storage.models import AssignmentRow

_ROW = (
    "SELECT a.id, a.plan_id, a.unit_id, a.material_id, m.code, i.no AS item_no, m.title,"
    " m.deadline_expr, m.deadline_kind, m.window_start, a.due_date, a.due_at, a.state,"
    " a.na_reason, a.submitted_at, a.last_report_id, a.reported_count, m.targets,"
    " m.target_unit, u.kind AS unit_kind,"
    " CASE WHEN a.due_date = m.due_date THEN m.moved_from END AS moved_from"
    " FROM assignments a JOIN materials m ON m.id = a.material_id"
    " JOIN items i ON i.id = m.item_id JOIN units u ON u.id = a.unit_id"
)

_OUTSTANDING = "('not_submitted', 'returned')"
# A period of a recurring material (code `3.1/06`) is owed once its report window opens: a
# unit's to-do list shows the current and overdue periods, not the rest of the year's. A plain
# window (6-8月) is one thing owed all year and stays listed before it opens.
_OPENED = " AND (m.window_start IS NULL OR m.window_start <= ? OR instr(m.code, '/') = 0)"


def _row(row: aiosqlite.Row) -> AssignmentRow:
    """A row of `_ROW`, read by position (a name is looked up column by column, 21 of them)."""
    (id_, plan_id, unit_id, material_id, code, item_no, title, expr, kind, window, due_date,
     due_at, state, na_reason, submitted_at, last_report_id, reported_count, targets,
     target_unit, unit_kind, moved_from) = row[:21]  # fmt: skip
    return AssignmentRow(
        id=id_,
        plan_id=plan_id,
        unit_id=unit_id,
        material_id=material_id,
        code=code,
        item_no=item_no,
        title=title,
        deadline_expr=expr,
        deadline_kind=kind,
        window_start=_day(window),
        due_date=_day(due_date),
        due_at=from_db(due_at),
        state=_STATES[state],
        na_reason=na_reason,
        submitted_at=from_db(submitted_at),
        last_report_id=last_report_id,
        reported_count=reported_count,
        target=_targets(targets).get(unit_kind),
        target_unit=target_unit,
        moved_from=_day(moved_from),
    )


_STATES = {state.value: state for state in AssignmentState}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@lru_cache(maxsize=4096)
def _targets(text: str) -> dict[str, int]:
    """A material's targets by unit kind (read, never changed: shared between rows)."""
    targets: dict[str, int] = json.loads(text)
    return targets


async def for_unit(db: aiosqlite.Connection, plan_id: int, unit_id: int) -> list[AssignmentRow]:
    """Every material of the plan for one unit, in plan order."""
    return [
        _row(r)
        for r in await fetch_all(
            db, f"{_ROW} WHERE a.plan_id = ? AND a.unit_id = ? ORDER BY m.sort", (plan_id, unit_id)
        )
    ]


async def outstanding_for_unit(
    db: aiosqlite.Connection, plan_id: int, unit_id: int, *, today: date | None = None
) -> list[AssignmentRow]:
    """What the unit still owes (not submitted or returned), soonest first, on-request last;
    with `today`, no period whose report has not opened yet."""
    opened, args = (_OPENED, (today.isoformat(),)) if today else ("", ())
    return [
        _row(r)
        for r in await fetch_all(
            db,
            f"{_ROW} WHERE a.plan_id = ? AND a.unit_id = ? AND a.state IN {_OUTSTANDING}{opened}"
            " ORDER BY a.due_at IS NULL, a.due_at, m.sort",
            (plan_id, unit_id, *args),
        )
    ]


async def open_material_ids(db: aiosqlite.Connection, unit_id: int, today: date) -> set[int]:
    """The materials the unit may report now, in any plan: outstanding, and opened if a
    period (what `/report 3.1` picks among the periods of 3.1)."""
    rows = await fetch_all(
        db,
        "SELECT a.material_id FROM assignments a JOIN materials m ON m.id = a.material_id"
        f" WHERE a.unit_id = ? AND a.state IN {_OUTSTANDING}{_OPENED}",
        (unit_id, today.isoformat()),
    )
    return {int(r[0]) for r in rows}


async def outstanding_in_plans(
    db: aiosqlite.Connection, plan_ids: list[int], unit_id: int, *, today: date | None = None
) -> list[AssignmentRow]:
    """What the unit still owes over several plans, soonest first, on-request last; with
    `today`, no period whose report has not opened yet."""
    if not plan_ids:
        return []
    opened, args = (_OPENED, (today.isoformat(),)) if today else ("", ())
    return [
        _row(r)
        for r in await fetch_all(
            db,
            f"{_ROW} WHERE a.plan_id IN ({marks(plan_ids)}) AND a.unit_id = ?"
            f" AND a.state IN {_OUTSTANDING}{opened}"
            " ORDER BY a.due_at IS NULL, a.due_at, a.plan_id, m.sort",
            (*plan_ids, unit_id, *args),
        )
    ]


async def soonest_in_plans(
    db: aiosqlite.Connection, plan_ids: list[int], unit_id: int, today: date, per_plan: int
) -> tuple[list[AssignmentRow], dict[int, int]]:
    """What the unit owes over several plans, like `outstanding_in_plans`, but only each
    plan's `per_plan` soonest rows are read; and how many each plan has in all."""
    if not plan_ids:
        return [], {}
    soonest = "a.due_at IS NULL, a.due_at, m.sort"
    columns, joins = _ROW.split(" FROM ", 1)
    rows = await fetch_all(
        db,
        f"SELECT * FROM ({columns}"
        f", ROW_NUMBER() OVER (PARTITION BY a.plan_id ORDER BY {soonest}) AS nth,"
        f" COUNT(*) OVER (PARTITION BY a.plan_id) AS owed FROM {joins}"
        f" WHERE a.plan_id IN ({marks(plan_ids)}) AND a.unit_id = ?"
        f" AND a.state IN {_OUTSTANDING}{_OPENED})"
        " WHERE nth <= ? ORDER BY due_at IS NULL, due_at, plan_id, nth",
        (*plan_ids, unit_id, today.isoformat(), per_plan),
    )
    counts = {int(r["plan_id"]): int(r["owed"]) for r in rows}
    return [_row(r) for r in rows], counts


async def get(db: aiosqlite.Connection, assignment_id: int) -> AssignmentRow | None:
    row = await fetch_one(db, f"{_ROW} WHERE a.id = ?", (assignment_id,))
    return _row(row) if row else None


async def find(
    db: aiosqlite.Connection, plan_id: int, unit_id: int, material_id: int
) -> AssignmentRow | None:
    row = await fetch_one(
        db,
        f"{_ROW} WHERE a.plan_id = ? AND a.unit_id = ? AND a.material_id = ?",
        (plan_id, unit_id, material_id),
    )
    return _row(row) if row else None


async def overdue(
    db: aiosqlite.Connection, plan_id: int, now: datetime, unit_path: str
) -> list[AssignmentRow]:
    """Outstanding past their due time, in units under `unit_path`: units in the plan's order,
    each one's most overdue first."""
    return [
        _row(r)
        for r in await fetch_all(
            db,
            f"{_ROW} WHERE a.plan_id = ? AND a.state IN {_OUTSTANDING} AND a.due_at < ?"
            " AND u.path LIKE ? ORDER BY u.sort, u.id, a.due_at, m.sort",
            (plan_id, to_db(now), unit_path + "%"),
        )
    ]


class Held(NamedTuple):
    """An assignment as a plan replacement weighs it: may it go, and does its date follow?"""

    id: int
    material_id: int
    unit_id: int
    due_date: date | None
    reports: int
    decided: bool  # a request about it, or a state someone set (not applicable…)

    @property
    def worked(self) -> bool:
        return self.reports > 0 or self.decided


async def held(db: aiosqlite.Connection, plan_id: int) -> list[Held]:
    """Every assignment of the plan, with what has been done on it."""
    rows = await fetch_all(
        db,
        "SELECT a.id, a.material_id, a.unit_id, a.due_date,"
        " (SELECT COUNT(*) FROM reports r WHERE r.assignment_id = a.id),"
        " a.state <> 'not_submitted'"
        " OR EXISTS (SELECT 1 FROM requests q WHERE q.assignment_id = a.id)"
        " FROM assignments a WHERE a.plan_id = ?",
        (plan_id,),
    )
    return [
        Held(r[0], r[1], r[2], date.fromisoformat(r[3]) if r[3] else None, r[4], bool(r[5]))
        for r in rows
    ]


async def follow_material(
    db: aiosqlite.Connection,
    material_id: int,
    old_due: date | None,
    due_date: date | None,
    due_at: datetime | None,
) -> int:
    """Move the material's assignments that still had its old date; how many moved.

    The others carry a date of their own (an extension, an on-request date) and keep it."""
    cur = await db.execute(
        "UPDATE assignments SET due_date = ?, due_at = ? WHERE material_id = ? AND due_date IS ?",
        (
            due_date.isoformat() if due_date else None,
            to_db(due_at),
            material_id,
            old_due.isoformat() if old_due else None,
        ),
    )
    return cur.rowcount


async def drop(db: aiosqlite.Connection, assignment_ids: list[int]) -> None:
    """Delete assignments nobody worked on, with their 签收 marks and upload links."""
    pairs = "SELECT unit_id, material_id FROM assignments WHERE id = ?"
    ids = [(assignment_id,) for assignment_id in assignment_ids]
    await db.executemany(f"DELETE FROM acks WHERE (unit_id, material_id) IN ({pairs})", ids)
    await db.executemany(f"DELETE FROM upload_links WHERE (unit_id, material_id) IN ({pairs})", ids)
    await db.executemany("DELETE FROM assignments WHERE id = ?", ids)


async def set_not_applicable(db: aiosqlite.Connection, assignment_id: int, reason: str) -> None:
    await db.execute(
        "UPDATE assignments SET state = ?, na_reason = ? WHERE id = ?",
        (AssignmentState.NOT_APPLICABLE.value, reason, assignment_id),
    )


async def set_due(
    db: aiosqlite.Connection, assignment_id: int, due_date: date, due_at: datetime
) -> None:
    await db.execute(
        "UPDATE assignments SET due_date = ?, due_at = ? WHERE id = ?",
        (due_date.isoformat(), to_db(due_at), assignment_id),
    )


async def set_due_in_scope(
    db: aiosqlite.Connection,
    plan_id: int,
    material_id: int,
    unit_path: str,
    exclude_unit_id: int | None,
    due_date: date,
    due_at: datetime,
) -> int:
    """Give a material a due date for every unit under `unit_path`; how many were set."""
    cur = await db.execute(
        "UPDATE assignments SET due_date = ?, due_at = ? WHERE plan_id = ? AND material_id = ?"
        " AND unit_id IN (SELECT id FROM units WHERE path LIKE ?) AND unit_id IS NOT ?",
        (
            due_date.isoformat(),
            to_db(due_at),
            plan_id,
            material_id,
            unit_path + "%",
            exclude_unit_id,
        ),
    )
    return cur.rowcount


class PlanProgress(NamedTuple):
    total: int
    done: int  # accepted or not applicable
    pending: int  # awaiting review
    overdue: int


async def progress_by_plan(
    db: aiosqlite.Connection, plan_ids: Sequence[int], now: datetime, unit_path: str
) -> dict[int, PlanProgress]:
    """Per plan, the counts over units under `unit_path` (one line per plan in /plans), off the
    counters the database keeps: the whole province is a plan's row and a sum over its few due
    times; a scope sums its units' rows and counts overdue only in the late ones."""
    at = to_db(now)
    if unit_path == "/":
        rows = await fetch_all(
            db,
            "SELECT plan_id, total, done + not_applicable, pending,"
            " (SELECT COALESCE(SUM(d.outstanding), 0) FROM plan_due d"
            "  WHERE d.plan_id = plan_progress.plan_id AND d.due_at < ?)"
            f" FROM plan_progress WHERE plan_id IN ({marks(plan_ids)})",
            (at, *plan_ids),
        )
    else:
        rows = await fetch_all(
            db,
            "SELECT p.plan_id, SUM(p.total), SUM(p.done + p.not_applicable), SUM(p.pending),"
            f" SUM({progress.OVERDUE}) FROM units u CROSS JOIN unit_progress p"
            " ON p.unit_id = u.id WHERE u.path >= ? AND u.path < ?"
            f" AND p.plan_id IN ({marks(plan_ids)}) GROUP BY p.plan_id",
            (at, at, *progress.path_range(unit_path), *plan_ids),
        )
    return {int(r[0]): PlanProgress(int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}


async def addressed_units(db: aiosqlite.Connection, plan_id: int) -> list[int]:
    """The units the plan is addressed to, in the official order: those that owe something in
    it, but never the issuing bureau (the root), which publishes it."""
    rows = await fetch_all(
        db,
        "SELECT DISTINCT a.unit_id, u.sort FROM assignments a JOIN units u ON u.id = a.unit_id"
        " WHERE a.plan_id = ? AND u.parent_id IS NOT NULL ORDER BY u.sort, a.unit_id",
        (plan_id,),
    )
    return [int(r[0]) for r in rows]
