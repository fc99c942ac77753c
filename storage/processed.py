"""Inbound messages already handled, so a redelivered one has no second effect."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_one, to_db


async def seen(db: aiosqlite.Connection, channel: str, key: str) -> bool:
    return (
        await fetch_one(db, "SELECT 1 FROM processed WHERE channel = ? AND key = ?", (channel, key))
        is not None
    )


async def mark(db: aiosqlite.Connection, channel: str, key: str, now: datetime) -> bool:
    """Record an inbound message as handled; False if it already was."""
    cur = await db.execute(
        "INSERT INTO processed (channel, key, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (channel, key, to_db(now)),
    )
    return cur.rowcount == 1
