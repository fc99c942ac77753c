"""Questions awaiting the user's next plain-text message (e.g. a return reason)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import aiosqlite

from storage.db import fetch_one, from_db, to_db


class Prompt(NamedTuple):
    action: str  # the command the answer completes, e.g. `/refuse 3`
    asked_at: datetime


async def ask(db: aiosqlite.Connection, contact_id: int, action: str, now: datetime) -> None:
    await db.execute(
        "INSERT INTO prompts (contact_id, action, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET action = excluded.action,"
        " created_at = excluded.created_at",
        (contact_id, action, to_db(now)),
    )


async def take(db: aiosqlite.Connection, contact_id: int) -> Prompt | None:
    """The pending question, removed as it is answered (or found stale); None if none."""
    row = await fetch_one(
        db,
        "DELETE FROM prompts WHERE contact_id = ? RETURNING action, created_at",
        (contact_id,),
    )
    if row is None:
        return None
    asked_at = from_db(row[1])
    assert asked_at is not None
    return Prompt(str(row[0]), asked_at)


async def waiting(db: aiosqlite.Connection, contact_id: int) -> bool:
    """Whether a question awaits this contact's answer."""
    row = await fetch_one(db, "SELECT 1 FROM prompts WHERE contact_id = ?", (contact_id,))
    return row is not None


async def drop(db: aiosqlite.Connection, contact_id: int) -> None:
    await db.execute("DELETE FROM prompts WHERE contact_id = ?", (contact_id,))
