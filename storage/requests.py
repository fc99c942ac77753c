"""Queries over not-applicable and extension requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from domain.model import RequestKind, RequestStatus
from storage.db import fetch_all, fetch_one, from_db, ids_of, marks, to_db
from storage.models import Request

_REQUEST = (
    "SELECT q.id, q.kind, q.assignment_id, a.unit_id, m.code, m.title, q.contact_id, q.reason,"
    " q.new_due_date, q.status, q.created_at FROM requests q"
    " JOIN assignments a ON a.id = q.assignment_id JOIN materials m ON m.id = a.material_id"
    " JOIN units u ON u.id = a.unit_id"
)


def _request(row: aiosqlite.Row) -> Request:
    data = dict(row)
    data["created_at"] = from_db(data["created_at"])
    return Request(**data)


async def insert(
    db: aiosqlite.Connection,
    *,
    kind: RequestKind,
    assignment_id: int,
    contact_id: int,
    reason: str,
    new_due_date: date | None,
    now: datetime,
) -> int:
    cur = await db.execute(
        "INSERT INTO requests (kind, assignment_id, contact_id, reason, new_due_date, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            kind.value,
            assignment_id,
            contact_id,
            reason,
            new_due_date.isoformat() if new_due_date else None,
            to_db(now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def get(db: aiosqlite.Connection, request_id: int) -> Request | None:
    row = await fetch_one(db, f"{_REQUEST} WHERE q.id = ?", (request_id,))
    return _request(row) if row else None


async def open_for(db: aiosqlite.Connection, assignment_id: int, kind: RequestKind) -> int | None:
    """Id of a pending request of that kind for the assignment, or None."""
    row = await fetch_one(
        db,
        "SELECT id FROM requests WHERE assignment_id = ? AND kind = ? AND status = 'pending'",
        (assignment_id, kind.value),
    )
    return int(row[0]) if row else None


async def pending_under(
    db: aiosqlite.Connection,
    plan_id: int | Sequence[int],
    unit_path: str,
    exclude_unit_id: int | None,
) -> list[Request]:
    """Requests awaiting a decision in units under `unit_path`, in one plan or several."""
    plan_ids = ids_of(plan_id)
    return [
        _request(r)
        for r in await fetch_all(
            db,
            f"{_REQUEST} WHERE a.plan_id IN ({marks(plan_ids)}) AND q.status = 'pending'"
            " AND u.path LIKE ?"
            " AND a.unit_id IS NOT ? ORDER BY q.id",
            (*plan_ids, unit_path + "%", exclude_unit_id),
        )
    ]


async def decide(
    db: aiosqlite.Connection,
    request_id: int,
    status: RequestStatus,
    decided_by: int,
    refuse_reason: str | None,
    now: datetime,
) -> bool:
    """Close a pending request; False if it was already decided."""
    cur = await db.execute(
        "UPDATE requests SET status = ?, decided_by = ?, decided_at = ?, refuse_reason = ?"
        " WHERE id = ? AND status = 'pending'",
        (status.value, decided_by, to_db(now), refuse_reason, request_id),
    )
    return cur.rowcount == 1
