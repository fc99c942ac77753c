"""Queries over reports and their attachments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from domain.model import ReportStatus
from storage.db import fetch_all, fetch_one, from_db, ids_of, marks, to_db
from storage.models import Report, StoredFile

_REPORT = (
    "SELECT r.id, r.assignment_id, a.unit_id, a.material_id, m.code, m.title, r.contact_id,"
    " r.count, r.note, r.status, r.submitted_at, r.reviewed_at, r.reviewer_id, r.return_reason"
    " FROM reports r JOIN assignments a ON a.id = r.assignment_id"
    " JOIN materials m ON m.id = a.material_id JOIN units u ON u.id = a.unit_id"
)


def _report(row: aiosqlite.Row) -> Report:
    data = dict(row)
    data["submitted_at"] = from_db(data["submitted_at"])
    data["reviewed_at"] = from_db(data["reviewed_at"])
    return Report(**data)


async def insert(
    db: aiosqlite.Connection,
    *,
    assignment_id: int,
    contact_id: int | None,
    count: int | None,
    note: str | None,
    files: list[StoredFile],
    now: datetime,
    source_key: str | None = None,
) -> int:
    """Store a pending report with its files; the caller refreshes the assignment state."""
    cur = await db.execute(
        "INSERT INTO reports (assignment_id, contact_id, count, note, status, submitted_at,"
        " source_key) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        (assignment_id, contact_id, count, note, to_db(now), source_key),
    )
    report_id = cur.lastrowid
    assert report_id is not None
    await db.executemany(
        "INSERT INTO attachments (report_id, sha256, name, mime, size) VALUES (?, ?, ?, ?, ?)",
        [(report_id, f.sha256, f.name, f.mime, f.size) for f in files],
    )
    return report_id


async def add_files(db: aiosqlite.Connection, report_id: int, files: list[StoredFile]) -> None:
    """More files for a report (`/append`); the caller checks that it awaits review."""
    await db.executemany(
        "INSERT INTO attachments (report_id, sha256, name, mime, size) VALUES (?, ?, ?, ?, ?)",
        [(report_id, f.sha256, f.name, f.mime, f.size) for f in files],
    )


async def get(db: aiosqlite.Connection, report_id: int) -> Report | None:
    """The report with its files, or None."""
    row = await fetch_one(db, f"{_REPORT} WHERE r.id = ?", (report_id,))
    if row is None:
        return None
    report = _report(row)
    report.files = await files(db, report_id)
    return report


async def files(db: aiosqlite.Connection, report_id: int) -> list[StoredFile]:
    return [
        StoredFile(**dict(r))
        for r in await fetch_all(
            db,
            "SELECT sha256, name, mime, size FROM attachments WHERE report_id = ? ORDER BY id",
            (report_id,),
        )
    ]


async def of_unit(
    db: aiosqlite.Connection, plan_id: int | None, unit_id: int, limit: int
) -> list[Report]:
    """A unit's most recent reports first, in one plan or (None) in every plan."""
    in_plan = "a.plan_id = ? AND " if plan_id is not None else ""
    return [
        _report(r)
        for r in await fetch_all(
            db,
            f"{_REPORT} WHERE {in_plan}a.unit_id = ? ORDER BY r.id DESC LIMIT ?",
            (*((plan_id,) if plan_id is not None else ()), unit_id, limit),
        )
    ]


async def pending_under(
    db: aiosqlite.Connection,
    plan_id: int | Sequence[int],
    unit_path: str,
    exclude_unit_id: int | None,
) -> list[Report]:
    """Reports awaiting review in units under `unit_path`, in one plan or several, oldest
    first."""
    plan_ids = ids_of(plan_id)
    return [
        _report(r)
        for r in await fetch_all(
            db,
            f"{_REPORT} WHERE a.plan_id IN ({marks(plan_ids)}) AND r.status = 'pending'"
            " AND u.path LIKE ?"
            " AND a.unit_id IS NOT ? ORDER BY r.id",
            (*plan_ids, unit_path + "%", exclude_unit_id),
        )
    ]


async def set_status(
    db: aiosqlite.Connection,
    report_id: int,
    status: ReportStatus,
    *,
    expected: ReportStatus,
    reviewer_id: int | None,
    reason: str | None,
    now: datetime,
) -> bool:
    """Move a report from `expected` to `status`; False if it was no longer `expected`."""
    cur = await db.execute(
        "UPDATE reports SET status = ?, reviewer_id = ?, return_reason = ?, reviewed_at = ?"
        " WHERE id = ? AND status = ?",
        (status.value, reviewer_id, reason, to_db(now), report_id, expected.value),
    )
    return cur.rowcount == 1
