"""Telegram's own tables: the durable inbox of updates and long button actions."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one, marks, to_db
from storage.models import Contact

_ADMIN_ROLES = ("unit_admin", "province_admin")


async def inbox_save(
    db: aiosqlite.Connection, updates: list[tuple[int, str]], now: datetime
) -> None:
    """Write down (update id, JSON body) pairs; ones already written are kept as they were."""
    at = to_db(now)
    await db.executemany(
        "INSERT INTO telegram_inbox (update_id, body, received_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [(update_id, body, at) for update_id, body in updates],
    )


async def inbox_done(db: aiosqlite.Connection, update_ids: list[int]) -> None:
    await db.execute(
        f"DELETE FROM telegram_inbox WHERE update_id IN ({marks(update_ids)})", update_ids
    )


async def inbox_pending(db: aiosqlite.Connection) -> list[str]:
    """Bodies of updates received but not handled (a crash came between), oldest first."""
    return [
        str(r[0]) for r in await fetch_all(db, "SELECT body FROM telegram_inbox ORDER BY update_id")
    ]


async def callback_save(db: aiosqlite.Connection, token: str, action: str, now: datetime) -> None:
    await db.execute(
        "INSERT INTO telegram_callbacks (token, action, created_at) VALUES (?, ?, ?)",
        (token, action, to_db(now)),
    )


async def callback_action(db: aiosqlite.Connection, token: str) -> str | None:
    """The action stored under a button token; None if unknown."""
    row = await fetch_one(db, "SELECT action FROM telegram_callbacks WHERE token = ?", (token,))
    return str(row[0]) if row else None


async def admins(db: aiosqlite.Connection, channel: str) -> list[Contact]:
    """Registered admins on a channel (they get the longer command menu)."""
    return [
        Contact(**dict(r))
        for r in await fetch_all(
            db,
            "SELECT id, channel, user_ref, display_name, unit_id, role, locale, unreachable"
            " FROM contacts WHERE channel = ? AND role IN (?, ?) ORDER BY id",
            (channel, *_ADMIN_ROLES),
        )
    ]
