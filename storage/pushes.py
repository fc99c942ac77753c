"""Queries over push delivery: the sender's paging through the queue, and delivery state."""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

import aiosqlite

from storage.db import fetch_all, fetch_one, from_db, marks, to_db
from storage.models import OutboxMessage

_MESSAGE = (
    "SELECT id, idem_key, channel, chat_ref, contact_id, kind, body, status, attempts,"
    " not_before FROM outbox"
)


def _message(row: aiosqlite.Row) -> OutboxMessage:
    data = dict(row)
    data["body"] = json.loads(data["body"])
    data["not_before"] = from_db(data["not_before"])
    return OutboxMessage(**data)


async def due_page(
    db: aiosqlite.Connection,
    channel: str,
    now: datetime,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[OutboxMessage]:
    """Queued messages of a channel whose time has come, in queue order, after a position."""
    where = "status = 'queued' AND channel = ? AND not_before <= ?"
    params: list[object] = [channel, to_db(now)]
    if after is not None:
        where += " AND (not_before, id) > (?, ?)"
        params += [to_db(after[0]), after[1]]
    return [
        _message(r)
        for r in await fetch_all(
            db, f"{_MESSAGE} WHERE {where} ORDER BY not_before, id LIMIT ?", (*params, limit)
        )
    ]


async def next_due(db: aiosqlite.Connection, channels: list[str]) -> datetime | None:
    """When the earliest queued message of these channels becomes due; None if none is queued."""
    row = await fetch_one(
        db,
        f"SELECT MIN(not_before) FROM outbox WHERE status = 'queued' AND channel IN ({marks(channels)})",
        channels,
    )
    return from_db(row[0]) if row and row[0] else None


async def counts_by_hour(
    db: aiosqlite.Connection, since: datetime, unit_path: str
) -> list[tuple[datetime, str, int]]:
    """(UTC hour, status, count) of pushes created since `since` to people under `unit_path`;
    pushes to groups count only for the whole province ("/")."""
    rows = await fetch_all(
        db,
        "SELECT substr(o.created_at, 1, 13), o.status, COUNT(*) FROM outbox o"
        " LEFT JOIN contacts c ON c.id = o.contact_id LEFT JOIN units u ON u.id = c.unit_id"
        " WHERE o.created_at >= ? AND (u.path LIKE ? OR (? = '/' AND o.contact_id IS NULL))"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        (to_db(since), unit_path + "%", unit_path),
    )
    return [
        (datetime.fromisoformat(str(r[0]) + ":00:00+00:00"), str(r[1]), int(r[2])) for r in rows
    ]


class Failure(NamedTuple):
    id: int
    chat_ref: str
    label: str | None
    kind: str
    attempts: int
    error: str | None
    created_at: datetime


async def failures(
    db: aiosqlite.Connection, since: datetime, unit_path: str, limit: int
) -> list[Failure]:
    """Pushes given up on since `since`, newest first, with the reason kept."""
    rows = await fetch_all(
        db,
        "SELECT o.id, o.chat_ref, COALESCE(c.display_name, c.user_ref), o.kind, o.attempts,"
        " o.last_error, o.created_at FROM outbox o"
        " LEFT JOIN contacts c ON c.id = o.contact_id LEFT JOIN units u ON u.id = c.unit_id"
        " WHERE o.status = 'failed' AND o.created_at >= ?"
        " AND (u.path LIKE ? OR (? = '/' AND o.contact_id IS NULL))"
        " ORDER BY o.id DESC LIMIT ?",
        (to_db(since), unit_path + "%", unit_path, limit),
    )
    return [Failure(r[0], r[1], r[2], r[3], r[4], r[5], from_db(r[6])) for r in rows]  # type: ignore[arg-type]


class Delivered(NamedTuple):
    id: int
    chat_ref: str
    contact_id: int | None
    kind: str
    text: str
    status: str
    not_before: datetime
    sent_at: datetime | None


async def log(db: aiosqlite.Connection, kind: str | None = None) -> list[Delivered]:
    """Every push (or every push of one kind), in queue order: what each person was sent."""
    rows = await fetch_all(
        db,
        "SELECT id, chat_ref, contact_id, kind, body, status, not_before, sent_at FROM outbox"
        " WHERE ? IS NULL OR kind = ? ORDER BY id",
        (kind, kind),
    )
    return [
        Delivered(
            r[0],
            r[1],
            r[2],
            r[3],
            json.loads(r[4])["text"],
            r[5],
            from_db(r[6]),  # type: ignore[arg-type]
            from_db(r[7]),
        )
        for r in rows
    ]


class Unreachable(NamedTuple):
    id: int
    label: str
    unit: str


async def unreachable(db: aiosqlite.Connection, unit_path: str) -> list[Unreachable]:
    """Contacts under `unit_path` the bot cannot reach (they blocked it or left)."""
    return [
        Unreachable(int(r[0]), r[1], r[2])
        for r in await fetch_all(
            db,
            "SELECT c.id, COALESCE(c.display_name, c.user_ref), COALESCE(u.short_name, u.name)"
            " FROM contacts c JOIN units u ON u.id = c.unit_id"
            " WHERE c.unreachable = 1 AND u.path LIKE ? ORDER BY u.sort, c.id",
            (unit_path + "%",),
        )
    ]
