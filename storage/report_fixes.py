"""Queries behind fixing a report or a decision: a corrected note, a decision taken back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from storage.db import fetch_all, fetch_one, from_db, marks, to_db
from storage.models import AuditEntry


async def set_note(db: aiosqlite.Connection, report_id: int, note: str) -> bool:
    """A pending report's note replaced; False if it no longer awaits review."""
    cur = await db.execute(
        "UPDATE reports SET note = ? WHERE id = ? AND status = 'pending'", (note, report_id)
    )
    return cur.rowcount == 1


async def last_decision(
    db: aiosqlite.Connection, actor_id: int, actions: Sequence[str]
) -> AuditEntry | None:
    """This person's latest audit entry among `actions` (newest id first)."""
    row = await fetch_one(
        db,
        "SELECT a.id, a.at, a.actor_id, NULL AS actor_label, a.action, a.unit_id, a.subject,"
        f" a.detail FROM audit a WHERE a.actor_id = ? AND a.action IN ({marks(actions)})"
        " ORDER BY a.id DESC LIMIT 1",
        (actor_id, *actions),
    )
    if row is None:
        return None
    data = dict(row)
    data["at"] = from_db(data["at"])
    data["detail"] = json.loads(data["detail"])
    return AuditEntry(**data)


async def reopen_report(
    db: aiosqlite.Connection, report_id: int, expected: str, reviewer_id: int
) -> bool:
    """A report this reviewer accepted or returned awaits review again (the triggers of
    migration 008 re-derive its assignment); False if it changed since."""
    cur = await db.execute(
        "UPDATE reports SET status = 'pending', reviewer_id = NULL, reviewed_at = NULL,"
        " return_reason = NULL WHERE id = ? AND status = ? AND reviewer_id = ?",
        (report_id, expected, reviewer_id),
    )
    return cur.rowcount == 1


async def later_report(db: aiosqlite.Connection, report_id: int) -> int | None:
    """A live report filed for the same assignment after this one (a redo of a return)."""
    row = await fetch_one(
        db,
        "SELECT r.id FROM reports r JOIN reports o ON o.assignment_id = r.assignment_id"
        " WHERE o.id = ? AND r.id > o.id AND r.status != 'withdrawn' ORDER BY r.id LIMIT 1",
        (report_id,),
    )
    return int(row[0]) if row else None


async def reopen_request(
    db: aiosqlite.Connection, request_id: int, expected: str, decided_by: int
) -> bool:
    """A request this admin decided awaits a decision again; False if it changed since."""
    cur = await db.execute(
        "UPDATE requests SET status = 'pending', decided_by = NULL, decided_at = NULL,"
        " refuse_reason = NULL WHERE id = ? AND status = ? AND decided_by = ?",
        (request_id, expected, decided_by),
    )
    return cur.rowcount == 1


async def clear_not_applicable(db: aiosqlite.Connection, assignment_id: int) -> None:
    """Not applicable no more: the state follows the assignment's reports again."""
    await db.execute(
        "UPDATE assignments SET na_reason = NULL, state = COALESCE((SELECT p.last_status FROM"
        " report_progress p WHERE p.assignment_id = assignments.id), 'not_submitted')"
        " WHERE id = ?",
        (assignment_id,),
    )


async def restore_due(
    db: aiosqlite.Connection, assignment_id: int, due_date: date | None, due_at: datetime | None
) -> None:
    """The due date an extension replaced, put back."""
    await db.execute(
        "UPDATE assignments SET due_date = ?, due_at = ? WHERE id = ?",
        (due_date.isoformat() if due_date else None, to_db(due_at), assignment_id),
    )


async def reporter_names(db: aiosqlite.Connection, contact_ids: Sequence[int]) -> dict[int, str]:
    """Each contact's display name (its channel id when it has none)."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return {}
    rows = await fetch_all(
        db,
        f"SELECT id, COALESCE(display_name, user_ref) FROM contacts WHERE id IN ({marks(ids)})",
        tuple(ids),
    )
    return {int(r[0]): str(r[1]) for r in rows}
