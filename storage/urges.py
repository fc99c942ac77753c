"""催办 records: who urged a unit and when, and an urging held for the admin's confirmation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import aiosqlite

from storage.db import fetch_one, from_db, to_db


class LastUrge(NamedTuple):
    at: datetime
    by: str | None


async def record_urge(
    db: aiosqlite.Connection,
    unit_id: int,
    by: int,
    at: datetime,
    codes: Sequence[str],
    message: str | None,
) -> int:
    cur = await db.execute(
        "INSERT INTO urges (unit_id, by_contact, at, codes, message) VALUES (?, ?, ?, ?, ?)",
        (unit_id, by, to_db(at), json.dumps(list(codes), ensure_ascii=False), message),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def last_urge(db: aiosqlite.Connection, unit_id: int, since: datetime) -> LastUrge | None:
    """The latest urging of a unit after `since`, with who did it; None if none."""
    row = await fetch_one(
        db,
        "SELECT g.at, COALESCE(c.display_name, c.user_ref) FROM urges g"
        " LEFT JOIN contacts c ON c.id = g.by_contact"
        " WHERE g.unit_id = ? AND g.at > ? ORDER BY g.at DESC LIMIT 1",
        (unit_id, to_db(since)),
    )
    if row is None:
        return None
    at = from_db(row[0])
    assert at is not None
    return LastUrge(at, row[1])


async def hold_urge(db: aiosqlite.Connection, contact_id: int, args: str, now: datetime) -> None:
    """Keep an urging that needs confirmation (the button carries no arguments)."""
    await db.execute(
        "INSERT INTO pending_urges (contact_id, args, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET args = excluded.args,"
        " created_at = excluded.created_at",
        (contact_id, args, to_db(now)),
    )


async def take_urge(db: aiosqlite.Connection, contact_id: int, since: datetime) -> str | None:
    """The urging waiting for this admin's confirmation (removed); None if none or stale."""
    row = await fetch_one(
        db,
        "DELETE FROM pending_urges WHERE contact_id = ? RETURNING args, created_at",
        (contact_id,),
    )
    if row is None or str(row[1]) < (to_db(since) or ""):
        return None
    return str(row[0])
