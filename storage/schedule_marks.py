"""When each scheduled job last fired, so a restart runs exactly the fires it missed."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, from_db, to_db


async def marks(db: aiosqlite.Connection) -> dict[str, datetime]:
    rows = await fetch_all(db, "SELECT job, fired_at FROM schedule_marks")
    return {str(r[0]): from_db(r[1]) for r in rows}  # type: ignore[misc]


async def set_mark(db: aiosqlite.Connection, job: str, fired_at: datetime) -> None:
    await db.execute(
        "INSERT INTO schedule_marks (job, fired_at) VALUES (?, ?)"
        " ON CONFLICT(job) DO UPDATE SET fired_at = excluded.fired_at",
        (job, to_db(fired_at)),
    )
