"""Queries over report drafts: a report put together over several messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one, from_db, to_db
from storage.models import Draft, StoredFile


@dataclass(frozen=True)
class DraftFile:
    """One file of a draft, and when it arrived (None for files kept before this was noted)."""

    id: int
    file: StoredFile
    sent_at: datetime | None


async def get(db: aiosqlite.Connection, contact_id: int) -> Draft | None:
    row = await fetch_one(
        db,
        "SELECT contact_id, material_id, count, note, report_id, touched_at FROM drafts"
        " WHERE contact_id = ?",
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


async def start(
    db: aiosqlite.Connection, contact_id: int, now: datetime, report_id: int | None = None
) -> None:
    """Open a draft for the contact unless one is open already; either way it is touched."""
    await db.execute(
        "INSERT INTO drafts (contact_id, started_at, touched_at, report_id) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (contact_id) DO UPDATE SET touched_at = excluded.touched_at",
        (contact_id, to_db(now), to_db(now), report_id),
    )


async def touch(db: aiosqlite.Connection, contact_id: int, now: datetime) -> None:
    """Something happened in the draft: its quiet time starts again."""
    await db.execute(
        "UPDATE drafts SET touched_at = ? WHERE contact_id = ?", (to_db(now), contact_id)
    )


async def quiet_since(db: aiosqlite.Connection, cutoff: datetime) -> list[tuple[int, datetime]]:
    """(contact id, last activity) of every draft untouched since `cutoff`, oldest first."""
    rows = await fetch_all(
        db,
        "SELECT contact_id, touched_at FROM drafts WHERE touched_at <= ? ORDER BY touched_at",
        (to_db(cutoff),),
    )
    found = []
    for row in rows:
        at = from_db(row[1])
        assert at is not None
        found.append((int(row[0]), at))
    return found


async def set_material(db: aiosqlite.Connection, contact_id: int, material_id: int) -> None:
    """The draft is for this material's report (no longer files to add to another report)."""
    await db.execute(
        "UPDATE drafts SET material_id = ?, report_id = NULL WHERE contact_id = ?",
        (material_id, contact_id),
    )


async def set_details(
    db: aiosqlite.Connection, contact_id: int, count: int | None, note: str | None
) -> None:
    await db.execute(
        "UPDATE drafts SET count = COALESCE(?, count), note = COALESCE(?, note)"
        " WHERE contact_id = ?",
        (count, note, contact_id),
    )


async def add_files(
    db: aiosqlite.Connection, contact_id: int, files: list[StoredFile], now: datetime
) -> None:
    await db.executemany(
        "INSERT INTO draft_files (contact_id, sha256, name, mime, size, sent_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(contact_id, f.sha256, f.name, f.mime, f.size, to_db(now)) for f in files],
    )
    if files:
        await touch(db, contact_id, now)


async def last_file(db: aiosqlite.Connection, contact_id: int) -> DraftFile | None:
    """The file of the contact's draft that came last, with when it came (None if unknown)."""
    row = await fetch_one(
        db,
        "SELECT id, sha256, name, mime, size, sent_at FROM draft_files WHERE contact_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (contact_id,),
    )
    if row is None:
        return None
    stored = StoredFile(sha256=row[1], name=row[2], mime=row[3], size=row[4])
    return DraftFile(id=row[0], file=stored, sent_at=from_db(row[5]))


async def take_file(db: aiosqlite.Connection, contact_id: int, file_id: int) -> None:
    """Remove one file from the draft, and the draft when nothing is left in it."""
    await db.execute(
        "DELETE FROM draft_files WHERE id = ? AND contact_id = ?", (file_id, contact_id)
    )
    await db.execute(
        "DELETE FROM drafts WHERE contact_id = ? AND material_id IS NULL AND count IS NULL"
        " AND note IS NULL AND NOT EXISTS (SELECT 1 FROM draft_files WHERE contact_id = ?)",
        (contact_id, contact_id),
    )


async def discard(db: aiosqlite.Connection, contact_id: int) -> None:
    await db.execute("DELETE FROM draft_files WHERE contact_id = ?", (contact_id,))
    await db.execute("DELETE FROM drafts WHERE contact_id = ?", (contact_id,))
