"""Queries over invite codes (stored hashed), failed binding attempts, and held unit moves."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from domain.model import Role
from storage.db import fetch_one, from_db, to_db
from storage.models import Invite

_COLUMNS = "id, unit_id, role, expires_at, used_at"


async def create(
    db: aiosqlite.Connection,
    code_hash: str,
    unit_id: int,
    role: Role,
    created_by: int | None,
    now: datetime,
    expires_at: datetime,
) -> int:
    cur = await db.execute(
        "INSERT INTO invites (code_hash, unit_id, role, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (code_hash, unit_id, role.value, created_by, to_db(now), to_db(expires_at)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def by_hash(db: aiosqlite.Connection, code_hash: str) -> Invite | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS} FROM invites WHERE code_hash = ?", (code_hash,))
    return _invite(row) if row else None


async def get(db: aiosqlite.Connection, invite_id: int) -> Invite | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS} FROM invites WHERE id = ?", (invite_id,))
    return _invite(row) if row else None


async def expire_for_unit(db: aiosqlite.Connection, unit_id: int, now: datetime) -> int:
    """End the unused codes for a unit (it is retired); how many there were."""
    cur = await db.execute(
        "UPDATE invites SET expires_at = ? WHERE unit_id = ? AND used_at IS NULL AND expires_at > ?",
        (to_db(now), unit_id, to_db(now)),
    )
    return cur.rowcount


def _invite(row: aiosqlite.Row) -> Invite:
    data = dict(row)
    data["expires_at"] = from_db(data["expires_at"])
    data["used_at"] = from_db(data["used_at"])
    return Invite(**data)


async def consume(db: aiosqlite.Connection, invite_id: int, contact_id: int, now: datetime) -> bool:
    """Mark the invite used; False when someone else used it first or it expired."""
    cur = await db.execute(
        "UPDATE invites SET used_at = ?, used_by = ?"
        " WHERE id = ? AND used_at IS NULL AND expires_at > ?",
        (to_db(now), contact_id, invite_id, to_db(now)),
    )
    return cur.rowcount == 1


async def record_failure(
    db: aiosqlite.Connection, channel: str, user_ref: str, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO bind_failures (channel, user_ref, at) VALUES (?, ?, ?)",
        (channel, user_ref, to_db(now)),
    )


async def failures_since(
    db: aiosqlite.Connection, channel: str, user_ref: str, since: datetime
) -> int:
    row = await fetch_one(
        db,
        "SELECT COUNT(*) FROM bind_failures WHERE channel = ? AND user_ref = ? AND at > ?",
        (channel, user_ref, to_db(since)),
    )
    return int(row[0]) if row else 0


async def hold_move(
    db: aiosqlite.Connection, contact_id: int, invite_id: int, now: datetime
) -> None:
    """Keep a bound person's code for another unit until they confirm (the button carries none)."""
    await db.execute(
        "INSERT INTO pending_binds (contact_id, invite_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET invite_id = excluded.invite_id,"
        " created_at = excluded.created_at",
        (contact_id, invite_id, to_db(now)),
    )


async def take_move(db: aiosqlite.Connection, contact_id: int, since: datetime) -> int | None:
    """The invite of the move waiting for this person's confirmation (removed); None if none
    or held before `since`."""
    row = await fetch_one(
        db,
        "DELETE FROM pending_binds WHERE contact_id = ? RETURNING invite_id, created_at",
        (contact_id,),
    )
    if row is None or str(row[1]) < (to_db(since) or ""):
        return None
    return int(row[0])
