"""Queries over one-time upload links and the key that signs them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import aiosqlite
from pydantic import BaseModel

from storage.db import fetch_one, from_db, to_db

# An upload that started but never finished (the server stopped mid-way) frees its link again.
STALE_CLAIM = timedelta(hours=1)


PLAN = "plan"  # a link for a plan notice to import, not for a material's report


class UploadLink(BaseModel, defer_build=True):
    id: int
    contact_id: int
    unit_id: int
    purpose: str  # report | plan
    material_id: int | None  # None for a plan link
    expires_at: datetime
    claimed_at: datetime | None
    used_at: datetime | None
    files: int | None


async def signing_key(db: aiosqlite.Connection) -> str:
    """The stored signing key, made on first use (used when BOT_UPLOAD_SECRET is unset)."""
    await db.execute(
        "INSERT INTO upload_keys (id, secret) VALUES (1, ?) ON CONFLICT DO NOTHING",
        (secrets.token_urlsafe(32),),
    )
    row = await fetch_one(db, "SELECT secret FROM upload_keys WHERE id = 1")
    assert row is not None
    return str(row[0])


async def create(
    db: aiosqlite.Connection,
    contact_id: int,
    unit_id: int,
    material_id: int | None,
    now: datetime,
    expires_at: datetime,
) -> int:
    """A link for a material's report, or with no material for a plan notice."""
    purpose = PLAN if material_id is None else "report"
    cur = await db.execute(
        "INSERT INTO upload_links"
        " (contact_id, unit_id, purpose, material_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (contact_id, unit_id, purpose, material_id, to_db(now), to_db(expires_at)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def get(db: aiosqlite.Connection, link_id: int) -> UploadLink | None:
    row = await fetch_one(
        db,
        "SELECT id, contact_id, unit_id, purpose, material_id, expires_at, claimed_at, used_at,"
        " files FROM upload_links WHERE id = ?",
        (link_id,),
    )
    if row is None:
        return None
    data = dict(row)
    for column in ("expires_at", "claimed_at", "used_at"):
        data[column] = from_db(data[column])
    return UploadLink(**data)


async def claim(db: aiosqlite.Connection, link_id: int, now: datetime) -> bool:
    """Take the link for one upload; False if used, expired or another upload holds it."""
    cur = await db.execute(
        "UPDATE upload_links SET claimed_at = ? WHERE id = ? AND used_at IS NULL"
        " AND expires_at > ? AND (claimed_at IS NULL OR claimed_at < ?)",
        (to_db(now), link_id, to_db(now), to_db(now - STALE_CLAIM)),
    )
    return cur.rowcount == 1


async def release(db: aiosqlite.Connection, link_id: int) -> None:
    """An upload that stored nothing gives the link back."""
    await db.execute(
        "UPDATE upload_links SET claimed_at = NULL WHERE id = ? AND used_at IS NULL", (link_id,)
    )


async def finish(db: aiosqlite.Connection, link_id: int, files: int, now: datetime) -> None:
    await db.execute(
        "UPDATE upload_links SET used_at = ?, files = ? WHERE id = ?", (to_db(now), files, link_id)
    )
