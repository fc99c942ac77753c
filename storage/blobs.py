"""Queries over stored file contents, addressed by their SHA-256."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_one, to_db


async def record(
    db: aiosqlite.Connection, sha256: str, size: int, rel_path: str, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO blobs (sha256, size, rel_path, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (sha256, size, rel_path, to_db(now)),
    )


async def path_of(db: aiosqlite.Connection, sha256: str) -> str | None:
    row = await fetch_one(db, "SELECT rel_path FROM blobs WHERE sha256 = ?", (sha256,))
    return str(row[0]) if row else None
