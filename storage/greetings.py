"""Queries for the once-a-day greeting on opening the WeCom app (table wecom_greetings)."""

from __future__ import annotations

from datetime import date

import aiosqlite

from storage.db import fetch_one


async def claim(db: aiosqlite.Connection, user_ref: str, day: date) -> bool:
    """Record that `user_ref` is greeted on `day`; False when they already were that day."""
    cursor = await db.execute(
        "INSERT INTO wecom_greetings (user_ref, day) VALUES (?, ?)"
        " ON CONFLICT(user_ref) DO UPDATE SET day = excluded.day"
        " WHERE wecom_greetings.day < excluded.day",
        (user_ref, day.isoformat()),
    )
    return cursor.rowcount == 1


async def last_day(db: aiosqlite.Connection, user_ref: str) -> date | None:
    row = await fetch_one(db, "SELECT day FROM wecom_greetings WHERE user_ref = ?", (user_ref,))
    return date.fromisoformat(str(row[0])) if row else None
