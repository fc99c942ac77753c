"""What the last digest sent to each admin said: its facts, so the next one is sent only when
they changed (`schedules/jobs.digest`)."""

from __future__ import annotations

import json
from datetime import date

import aiosqlite

from storage.db import fetch_all


async def last(db: aiosqlite.Connection) -> dict[int, frozenset[str]]:
    """Contact id → the facts of the last digest they were sent."""
    rows = await fetch_all(db, "SELECT contact_id, facts FROM digest_state")
    return {int(r[0]): frozenset(json.loads(r[1])) for r in rows}


async def remember(
    db: aiosqlite.Connection, contact_id: int, day: date, facts: frozenset[str]
) -> None:
    await db.execute(
        "INSERT INTO digest_state (contact_id, day, facts) VALUES (?, ?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET day = excluded.day, facts = excluded.facts",
        (contact_id, day.isoformat(), json.dumps(sorted(facts), ensure_ascii=False)),
    )
