"""WeCom's directory as last read: each member's name and departments, and when asked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import fetch_one, from_db, to_db


@dataclass(frozen=True)
class Known:
    """What user/get last said of a member (`fetched_at` None: never answered)."""

    name: str | None
    departments: tuple[int, ...]  # most specific first
    fetched_at: datetime | None
    tried_at: datetime


async def get(db: aiosqlite.Connection, user_ref: str) -> Known | None:
    """The member's stored directory entry, or None if never asked."""
    row = await fetch_one(
        db,
        "SELECT name, departments, fetched_at, tried_at FROM wecom_people WHERE user_ref = ?",
        (user_ref,),
    )
    if row is None:
        return None
    tried = from_db(row[3])
    assert tried is not None
    return Known(row[0], tuple(int(d) for d in json.loads(row[1])), from_db(row[2]), tried)


async def fetched(
    db: aiosqlite.Connection,
    user_ref: str,
    name: str | None,
    departments: tuple[int, ...],
    now: datetime,
) -> None:
    """Record an answer: the name and departments as WeCom gave them now."""
    await db.execute(
        "INSERT INTO wecom_people (user_ref, name, departments, fetched_at, tried_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_ref) DO UPDATE SET name = excluded.name,"
        " departments = excluded.departments, fetched_at = excluded.fetched_at,"
        " tried_at = excluded.tried_at",
        (user_ref, name, json.dumps(list(departments)), to_db(now), to_db(now)),
    )


async def tried(db: aiosqlite.Connection, user_ref: str, now: datetime) -> None:
    """Record a failed ask: what was known is kept."""
    await db.execute(
        "INSERT INTO wecom_people (user_ref, tried_at) VALUES (?, ?)"
        " ON CONFLICT(user_ref) DO UPDATE SET tried_at = excluded.tried_at",
        (user_ref, to_db(now)),
    )
