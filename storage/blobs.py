"""Queries over stored file contents, addressed by their SHA-256."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import aiosqlite

from storage.db import fetch_one, to_db
from storage.models import StoredFile


async def record(
    db: aiosqlite.Connection,
    files: Sequence[StoredFile],
    rel_path: Callable[[str], str],
    now: datetime,
) -> None:
    """Note each file's blob (once per content), with its content when it is kept inline."""
    if not files:
        return
    at = to_db(now)
    await db.executemany(
        "INSERT INTO blobs (sha256, size, rel_path, created_at, content) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [(f.sha256, f.size, rel_path(f.sha256), at, f.content) for f in files],
    )


async def content(db: aiosqlite.Connection, sha256: str) -> bytes | None:
    """A blob's bytes when kept in the database; None when it lives on disk (or is unknown)."""
    row = await fetch_one(db, "SELECT content FROM blobs WHERE sha256 = ?", (sha256,))
    return bytes(row[0]) if row and row[0] is not None else None
