"""Queries over invite codes (stored hashed) and failed binding attempts."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from domain.model import Role
from storage.db import fetch_one, from_db, to_db
from storage.models import Invite


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
    row = await fetch_one(
        db,
        "SELECT id, unit_id, role, expires_at, used_at FROM invites WHERE code_hash = ?",
        (code_hash,),
    )
    if row is None:
        return None
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
