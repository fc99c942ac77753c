"""What `/readyz` and `/metrics` ask the database: can it be written, how full is the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import aiosqlite

from storage.db import fetch_all, fetch_one, from_db, marks, to_db


async def write_probe(db: aiosqlite.Connection) -> None:
    """A real write, committed by the caller's transaction: a row of the small migrations
    table rewritten as it is. BEGIN IMMEDIATE alone succeeds on a read-only connection and
    says nothing of a full disk; a committed page does."""
    await db.execute(
        "UPDATE schema_migrations SET applied_at = applied_at"
        " WHERE version = (SELECT MAX(version) FROM schema_migrations)"
    )


class Backlog(NamedTuple):
    queued: dict[str, int]  # queued pushes by channel, due or not
    due: int  # of those, due now on the channels asked about
    oldest_due: datetime | None  # when the longest-waiting due push became due


async def backlog(db: aiosqlite.Connection, now: datetime, channels: list[str]) -> Backlog:
    """The queue by channel; what is due only on `channels` (those this process sends on)."""
    rows = await fetch_all(
        db, "SELECT channel, COUNT(*) FROM outbox WHERE status = 'queued' GROUP BY channel"
    )
    due = await fetch_one(
        db,
        "SELECT COUNT(*), MIN(not_before) FROM outbox WHERE status = 'queued'"
        f" AND channel IN ({marks(channels)}) AND not_before <= ?",
        (*channels, to_db(now)),
    )
    count, oldest = (int(due[0]), from_db(due[1])) if due else (0, None)
    return Backlog({str(r[0]): int(r[1]) for r in rows}, count, oldest)
