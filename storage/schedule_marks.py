"""When each scheduled job last fired, so a restart runs exactly the fires it missed; and
where the shell demo's clock stood, so the next run of the demo continues there."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one, from_db, to_db

DEMO = "shell-demo"  # not a job: the row where the demo's clock is kept


async def marks(db: aiosqlite.Connection) -> dict[str, datetime]:
    rows = await fetch_all(db, "SELECT job, fired_at FROM schedule_marks WHERE job != ?", (DEMO,))
    return {str(r[0]): from_db(r[1]) for r in rows}  # type: ignore[misc]


async def set_mark(db: aiosqlite.Connection, job: str, fired_at: datetime) -> None:
    await db.execute(
        "INSERT INTO schedule_marks (job, fired_at) VALUES (?, ?)"
        " ON CONFLICT(job) DO UPDATE SET fired_at = excluded.fired_at",
        (job, to_db(fired_at)),
    )


async def demo_clock(db: aiosqlite.Connection) -> datetime | None:
    """Where the shell demo's clock stood after its last line; None outside a demo."""
    row = await fetch_one(db, "SELECT fired_at FROM schedule_marks WHERE job = ?", (DEMO,))
    return from_db(row[0]) if row else None


async def set_demo_clock(db: aiosqlite.Connection, at: datetime | None) -> None:
    """Keep the demo's time (None: the demo went back to the real clock)."""
    if at is None:
        await db.execute("DELETE FROM schedule_marks WHERE job = ?", (DEMO,))
    else:
        await set_mark(db, DEMO, at)
