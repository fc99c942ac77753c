"""Queries over group chats known to the bot and their broadcast subscription."""

from __future__ import annotations

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import Chat

_COLUMNS = "id, channel, chat_ref, title, subscribed, events"


async def find(db: aiosqlite.Connection, channel: str, chat_ref: str) -> Chat | None:
    row = await fetch_one(
        db, f"SELECT {_COLUMNS} FROM chats WHERE channel = ? AND chat_ref = ?", (channel, chat_ref)
    )
    return Chat(**dict(row)) if row else None


async def set_subscribed(
    db: aiosqlite.Connection,
    channel: str,
    chat_ref: str,
    title: str | None,
    subscribed: bool,
    by: int | None,
    events: bool,
) -> None:
    await db.execute(
        "INSERT INTO chats (channel, chat_ref, title, subscribed, subscribed_by, events)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(channel, chat_ref) DO UPDATE SET"
        " subscribed = excluded.subscribed, subscribed_by = excluded.subscribed_by,"
        " events = excluded.events, title = COALESCE(excluded.title, chats.title)",
        (channel, chat_ref, title, int(subscribed), by, int(events)),
    )


async def subscribed(db: aiosqlite.Connection) -> list[Chat]:
    return [
        Chat(**dict(r))
        for r in await fetch_all(
            db, f"SELECT {_COLUMNS} FROM chats WHERE subscribed = 1 ORDER BY id"
        )
    ]


async def migrate(db: aiosqlite.Connection, channel: str, old_ref: str, new_ref: str) -> None:
    """A group became a supergroup: keep its settings under the new id."""
    await db.execute(
        "UPDATE chats SET chat_ref = ? WHERE channel = ? AND chat_ref = ?",
        (new_ref, channel, old_ref),
    )
