"""Queries for the WeCom channel: the inbox, group robots, held report batches, numbered choices."""

from __future__ import annotations

from datetime import datetime

import aiosqlite
from pydantic import BaseModel

from domain.channels import WECOM
from storage import processed
from storage.db import fetch_all, fetch_one, from_db, to_db
from storage.models import StoredFile


class Robot(BaseModel, defer_build=True):
    id: int
    title: str | None


class BatchItem(BaseModel, defer_build=True):
    """One held message: a report command (text) or a picture/voice/video already stored."""

    id: int
    msg_key: str
    text: str | None
    file: StoredFile | None
    received_at: datetime


async def add_robot(
    db: aiosqlite.Connection, key: str, title: str | None, by: int | None, now: datetime
) -> int:
    """Register a robot's webhook key (again: the same id, title refreshed); returns its id."""
    row = await fetch_one(
        db,
        "INSERT INTO wecom_robots (webhook_key, title, created_by, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(webhook_key) DO UPDATE SET title = COALESCE(excluded.title, title)"
        " RETURNING id",
        (key, title, by, to_db(now)),
    )
    assert row is not None
    return int(row[0])


async def robot_key(db: aiosqlite.Connection, robot_id: int) -> str | None:
    """The webhook key of a robot, or None if it was removed."""
    row = await fetch_one(db, "SELECT webhook_key FROM wecom_robots WHERE id = ?", (robot_id,))
    return str(row[0]) if row else None


async def remove_robot(db: aiosqlite.Connection, robot_id: int) -> bool:
    """Forget a robot and its key; False if there was none."""
    cur = await db.execute("DELETE FROM wecom_robots WHERE id = ?", (robot_id,))
    return cur.rowcount == 1


async def robots(db: aiosqlite.Connection) -> list[Robot]:
    return [
        Robot(**dict(r))
        for r in await fetch_all(db, "SELECT id, title FROM wecom_robots ORDER BY id")
    ]


async def inbox_save(db: aiosqlite.Connection, msg_key: str, body: str, now: datetime) -> None:
    """Write down a callback before WeCom is answered; one written already is kept as it was."""
    await db.execute(
        "INSERT INTO wecom_inbox (msg_key, body, received_at) VALUES (?, ?, ?)"
        " ON CONFLICT(msg_key) DO NOTHING",
        (msg_key, body, to_db(now)),
    )


async def inbox_done(db: aiosqlite.Connection, msg_key: str) -> None:
    await db.execute("DELETE FROM wecom_inbox WHERE msg_key = ?", (msg_key,))


async def inbox_pending(db: aiosqlite.Connection) -> list[str]:
    """Bodies of callbacks answered but not handled (a crash came between), oldest first."""
    return [str(r[0]) for r in await fetch_all(db, "SELECT body FROM wecom_inbox ORDER BY id")]


async def handled(db: aiosqlite.Connection, msg_key: str) -> bool:
    """Whether this delivery was handled before (a replayed or resent callback)."""
    return await processed.seen(db, WECOM, msg_key)


async def hold(
    db: aiosqlite.Connection,
    user_ref: str,
    msg_key: str,
    text: str | None,
    file: StoredFile | None,
    now: datetime,
) -> bool:
    """Hold a message for the user's batch, recording it as handled; False (and nothing held)
    if this delivery was handled before."""
    if not await processed.mark(db, WECOM, msg_key, now):
        return False
    cur = await db.execute(
        "INSERT INTO wecom_batch (user_ref, msg_key, text, sha256, name, mime, size, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(msg_key) DO NOTHING",
        (
            user_ref,
            msg_key,
            text,
            file.sha256 if file else None,
            file.name if file else None,
            file.mime if file else None,
            file.size if file else None,
            to_db(now),
        ),
    )
    return cur.rowcount == 1


async def held(db: aiosqlite.Connection, user_ref: str) -> list[BatchItem]:
    """The user's held messages in arrival order (empty when none)."""
    rows = await fetch_all(
        db,
        "SELECT id, msg_key, text, sha256, name, mime, size, received_at FROM wecom_batch"
        " WHERE user_ref = ? ORDER BY id",
        (user_ref,),
    )
    items = []
    for r in rows:
        file = (
            StoredFile(sha256=r["sha256"], name=r["name"], mime=r["mime"], size=r["size"])
            if r["sha256"]
            else None
        )
        received = from_db(r["received_at"])
        assert received is not None
        items.append(
            BatchItem(
                id=r["id"], msg_key=r["msg_key"], text=r["text"], file=file, received_at=received
            )
        )
    return items


async def users_holding(db: aiosqlite.Connection) -> list[str]:
    """Users with held messages (left over by a restart)."""
    return [
        str(r[0])
        for r in await fetch_all(db, "SELECT DISTINCT user_ref FROM wecom_batch ORDER BY user_ref")
    ]


async def release(
    db: aiosqlite.Connection, user_ref: str, up_to_id: int, batch_key: str, now: datetime
) -> None:
    """Drop the user's held messages once handed on as the message `batch_key` (recorded as
    handled, so a restart does not hand them on twice)."""
    await db.execute("DELETE FROM wecom_batch WHERE user_ref = ? AND id <= ?", (user_ref, up_to_id))
    await processed.mark(db, WECOM, batch_key, now)


async def set_choices(db: aiosqlite.Connection, user_ref: str, actions: list[str]) -> None:
    """Replace the numbered choices last shown to a user."""
    await db.execute("DELETE FROM wecom_choices WHERE user_ref = ?", (user_ref,))
    await db.executemany(
        "INSERT INTO wecom_choices (user_ref, position, action) VALUES (?, ?, ?)",
        [(user_ref, i, action) for i, action in enumerate(actions, 1)],
    )


async def choice(db: aiosqlite.Connection, user_ref: str, position: int) -> str | None:
    """The action behind a number the user typed, or None."""
    row = await fetch_one(
        db,
        "SELECT action FROM wecom_choices WHERE user_ref = ? AND position = ?",
        (user_ref, position),
    )
    return str(row[0]) if row else None
