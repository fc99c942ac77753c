"""Queries over report drafts: a report put together over several messages."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one, to_db
from storage.models import Draft, StoredFile


async def get(db: aiosqlite.Connection, contact_id: int) -> Draft | None:
    row = await fetch_one(
        db,
        "SELECT contact_id, material_id, count, note FROM drafts WHERE contact_id = ?",
        (contact_id,),
    )
    if row is None:
        return None
    files = [
        StoredFile(**dict(r))
        for r in await fetch_all(
            db,
            "SELECT sha256, name, mime, size FROM draft_files WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        )
    ]
    return Draft(**dict(row), files=files)


async def start(db: aiosqlite.Connection, contact_id: int, now: datetime) -> None:
    """Open a draft for the contact unless one is open already."""
    await db.execute(
        "INSERT INTO drafts (contact_id, started_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (contact_id, to_db(now)),
    )


async def set_material(db: aiosqlite.Connection, contact_id: int, material_id: int) -> None:
    await db.execute(
        "UPDATE drafts SET material_id = ? WHERE contact_id = ?", (material_id, contact_id)
    )


async def set_details(
    db: aiosqlite.Connection, contact_id: int, count: int | None, note: str | None
) -> None:
    await db.execute(
        "UPDATE drafts SET count = COALESCE(?, count), note = COALESCE(?, note)"
        " WHERE contact_id = ?",
        (count, note, contact_id),
    )


async def add_files(db: aiosqlite.Connection, contact_id: int, files: list[StoredFile]) -> None:
    await db.executemany(
        "INSERT INTO draft_files (contact_id, sha256, name, mime, size) VALUES (?, ?, ?, ?, ?)",
        [(contact_id, f.sha256, f.name, f.mime, f.size) for f in files],
    )


async def discard(db: aiosqlite.Connection, contact_id: int) -> None:
    await db.execute("DELETE FROM draft_files WHERE contact_id = ?", (contact_id,))
    await db.execute("DELETE FROM drafts WHERE contact_id = ?", (contact_id,))
