"""What units still owe, as the scheduler and 催办 read it: outstanding unit × material rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import aiosqlite

from storage.db import fetch_all, from_db, marks, to_db


class OwedRow(NamedTuple):
    """One outstanding unit × material as the scheduler sees it."""

    assignment_id: int
    unit_id: int
    material_id: int
    code: str
    title: str
    kind: str  # date | window | on_request
    window_start: date | None
    due: date | None
    state: str
    returned_on: date | None  # local day the latest report was returned, if it was
    requirement: str | None = None  # what the report must be (its first line goes in reminders)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


_OWED = (
    "SELECT a.id, a.unit_id, a.material_id, m.code, m.title, m.deadline_kind, m.window_start,"
    " a.due_date, a.state, CASE WHEN a.state = 'returned' THEN r.reviewed_at END,"
    " m.requirement"
    " FROM assignments a JOIN materials m ON m.id = a.material_id"
    " LEFT JOIN reports r ON r.id = a.last_report_id"
    " WHERE a.plan_id = ? AND a.state IN ('not_submitted', 'returned')"
)


# Units as the plan lists them (its official order), wherever rows reach a reader.
_PLAN_ORDER = "(SELECT sort FROM units WHERE id = a.unit_id), a.unit_id"


def _owed(r: Sequence, tz: ZoneInfo) -> OwedRow:
    returned = from_db(r[9])
    return OwedRow(
        r[0], r[1], r[2], r[3], r[4], r[5], _day(r[6]), _day(r[7]), r[8],
        returned.astimezone(tz).date() if returned else None, r[10],
    )  # fmt: skip


_OWED_COLUMNS = (
    "SELECT a.id, a.unit_id, a.material_id, m.code, m.title, m.deadline_kind, m.window_start,"
    " a.due_date, a.state, CASE WHEN a.state = 'returned' THEN r.reviewed_at END,"
    " m.requirement, m.sort"
    " FROM assignments a JOIN materials m ON m.id = a.material_id"
    " LEFT JOIN reports r ON r.id = a.last_report_id"
)


async def owed(
    db: aiosqlite.Connection,
    plan_id: int,
    dues: Sequence[date],
    window_starts: Sequence[date],
    tz: ZoneInfo,
) -> list[OwedRow]:
    """Outstanding materials due on one of `dues`, whose window opens on one of `window_starts`,
    or returned (their nags restart from the return), in plan order.

    Three index searches joined by UNION (which also drops a row found twice), not one `OR`:
    SQLite would scan every assignment of the plan for the `OR`."""
    due_days = [d.isoformat() for d in dues]
    opening = [d.isoformat() for d in window_starts]
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED_COLUMNS} WHERE a.plan_id = ? AND a.state IN ('not_submitted', 'returned')"
            f" AND a.due_date IN ({marks(due_days)})"
            f" UNION {_OWED_COLUMNS} WHERE a.plan_id = ? AND a.state = 'returned'"
            f" UNION {_OWED_COLUMNS} WHERE a.material_id IN (SELECT id FROM materials"
            f" WHERE plan_id = ? AND deadline_kind = 'window' AND window_start IN ({marks(opening)}))"
            " AND a.state IN ('not_submitted', 'returned')"
            " ORDER BY 2, 12",
            (plan_id, *due_days, plan_id, plan_id, *opening),
        )
    ]


async def owed_by_unit(
    db: aiosqlite.Connection, plan_id: int, unit_id: int, tz: ZoneInfo
) -> list[OwedRow]:
    """Everything one unit still owes, soonest first, on-request last."""
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED} AND a.unit_id = ? ORDER BY a.due_date IS NULL, a.due_date, m.sort",
            (plan_id, unit_id),
        )
    ]


async def owed_material(
    db: aiosqlite.Connection, plan_id: int, material_id: int, unit_path: str, tz: ZoneInfo
) -> list[OwedRow]:
    """Units under `unit_path` that still owe one material."""
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED} AND a.material_id = ? AND a.unit_id IN"
            f" (SELECT id FROM units WHERE path LIKE ?) ORDER BY {_PLAN_ORDER}",
            (plan_id, material_id, unit_path + "%"),
        )
    ]


async def overdue_since(
    db: aiosqlite.Connection, plan_id: int, since: datetime, until: datetime, tz: ZoneInfo
) -> list[OwedRow]:
    """Outstanding materials whose due time fell in (since, until]: newly overdue."""
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED} AND a.due_at > ? AND a.due_at <= ? ORDER BY {_PLAN_ORDER}, m.sort",
            (plan_id, to_db(since), to_db(until)),
        )
    ]
