"""The persistent outbox: every push, written with the change that caused it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage import signals
from storage.db import fetch_all, from_db, marks, to_db
from storage.models import OutboxMessage

TOPIC = "outbox"  # the signal a committed enqueue emits (the sender listens)


async def enqueue(
    db: aiosqlite.Connection,
    *,
    idem_key: str,
    channel: str,
    chat_ref: str,
    contact_id: int | None,
    kind: str,
    body: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Queue one message; False (and nothing queued) if the key was queued before.

    Only `schedules.outbox.queue` calls this; the sender is woken once the transaction commits.
    """
    cur = await db.execute(
        "INSERT INTO outbox (idem_key, channel, chat_ref, contact_id, kind, body, not_before,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idem_key) DO NOTHING",
        (
            idem_key,
            channel,
            chat_ref,
            contact_id,
            kind,
            json.dumps(body, ensure_ascii=False),
            to_db(not_before or now),
            to_db(now),
        ),
    )
    if cur.rowcount != 1:
        return False
    signals.emit(TOPIC)
    return True


def _message(row: aiosqlite.Row) -> OutboxMessage:
    data = dict(row)
    data["body"] = json.loads(data["body"])
    data["not_before"] = from_db(data["not_before"])
    return OutboxMessage(**data)


async def due(
    db: aiosqlite.Connection, channels: list[str], now: datetime, limit: int
) -> list[OutboxMessage]:
    """Queued messages for these channels whose time has come, oldest first."""
    return [
        _message(r)
        for r in await fetch_all(
            db,
            "SELECT id, idem_key, channel, chat_ref, contact_id, kind, body, status, attempts,"
            f" not_before FROM outbox WHERE status = 'queued' AND channel IN ({marks(channels)})"
            " AND not_before <= ? ORDER BY not_before, id LIMIT ?",
            (*channels, to_db(now), limit),
        )
    ]


async def mark_sent(db: aiosqlite.Connection, message_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
        (to_db(now), message_id),
    )


async def mark_retry(
    db: aiosqlite.Connection, message_id: int, not_before: datetime, error: str
) -> None:
    await db.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?",
        (to_db(not_before), error, message_id),
    )


async def postpone(
    db: aiosqlite.Connection, message_id: int, not_before: datetime, reason: str
) -> None:
    """Put a message off without counting an attempt (its chat must wait, nothing failed)."""
    await db.execute(
        "UPDATE outbox SET not_before = ?, last_error = ? WHERE id = ?",
        (to_db(not_before), reason, message_id),
    )


async def mark_failed(db: aiosqlite.Connection, message_id: int, error: str) -> None:
    await db.execute(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
        (error, message_id),
    )


async def by_key(db: aiosqlite.Connection, idem_key: str) -> OutboxMessage | None:
    """The message queued under this key (whatever became of it), or None."""
    rows = await fetch_all(
        db,
        "SELECT id, idem_key, channel, chat_ref, contact_id, kind, body, status, attempts,"
        " not_before FROM outbox WHERE idem_key = ?",
        (idem_key,),
    )
    return _message(rows[0]) if rows else None
