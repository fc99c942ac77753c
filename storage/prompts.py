"""Questions awaiting the user's next plain-text message (e.g. a return reason)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_one, to_db


async def ask(db: aiosqlite.Connection, contact_id: int, action: str, now: datetime) -> None:
    await db.execute(
        "INSERT INTO prompts (contact_id, action, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET action = excluded.action,"
        " created_at = excluded.created_at",
        (contact_id, action, to_db(now)),
    )


async def take(db: aiosqlite.Connection, contact_id: int) -> str | None:
    """The pending question's command prefix, removed as it is answered; None if none."""
    row = await fetch_one(db, "SELECT action FROM prompts WHERE contact_id = ?", (contact_id,))
    if row is None:
        return None
    await db.execute("DELETE FROM prompts WHERE contact_id = ?", (contact_id,))
    return str(row[0])
