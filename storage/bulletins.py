"""Queries over progress bulletins (通报): one draft per author, then the record of what was sent."""

from __future__ import annotations

from datetime import datetime

import aiosqlite
from pydantic import BaseModel

from storage.db import fetch_all, fetch_one, from_db, to_db
from storage.models import Chat

_COLUMNS = (
    "b.id, b.plan_id, b.scope_unit_id, b.author_id, COALESCE(c.display_name, c.user_ref)"
    " AS author_label, b.text, b.remark, b.groups, b.created_at, b.sent_at"
)
_FROM = " FROM bulletins b JOIN contacts c ON c.id = b.author_id"


class Bulletin(BaseModel, defer_build=True):
    id: int
    plan_id: int
    scope_unit_id: int | None
    author_id: int
    author_label: str
    text: str
    remark: str | None
    groups: int
    created_at: datetime
    sent_at: datetime | None


def _bulletin(row: aiosqlite.Row) -> Bulletin:
    data = dict(row)
    data["created_at"] = from_db(data["created_at"])
    data["sent_at"] = from_db(data["sent_at"])
    return Bulletin(**data)


async def save_draft(
    db: aiosqlite.Connection,
    *,
    plan_id: int,
    scope_unit_id: int | None,
    author_id: int,
    text: str,
    now: datetime,
) -> int:
    """Replace the author's unsent draft with this one; returns its id."""
    await discard_draft(db, author_id)
    cur = await db.execute(
        "INSERT INTO bulletins (plan_id, scope_unit_id, author_id, text, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (plan_id, scope_unit_id, author_id, text, to_db(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def draft_of(db: aiosqlite.Connection, author_id: int) -> Bulletin | None:
    """The author's unsent draft, or None."""
    row = await fetch_one(
        db,
        f"SELECT {_COLUMNS}{_FROM} WHERE b.author_id = ? AND b.sent_at IS NULL"
        " ORDER BY b.id DESC LIMIT 1",
        (author_id,),
    )
    return _bulletin(row) if row else None


async def discard_draft(db: aiosqlite.Connection, author_id: int) -> bool:
    cur = await db.execute(
        "DELETE FROM bulletins WHERE author_id = ? AND sent_at IS NULL", (author_id,)
    )
    return cur.rowcount > 0


async def set_remark(db: aiosqlite.Connection, bulletin_id: int, remark: str | None) -> None:
    await db.execute("UPDATE bulletins SET remark = ? WHERE id = ?", (remark, bulletin_id))


async def mark_sent(
    db: aiosqlite.Connection, bulletin_id: int, text: str, groups: int, now: datetime
) -> bool:
    """Record the final text as sent; False if it had been sent already."""
    cur = await db.execute(
        "UPDATE bulletins SET text = ?, groups = ?, sent_at = ? WHERE id = ? AND sent_at IS NULL",
        (text, groups, to_db(now), bulletin_id),
    )
    return cur.rowcount == 1


async def get(db: aiosqlite.Connection, bulletin_id: int) -> Bulletin | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS}{_FROM} WHERE b.id = ?", (bulletin_id,))
    return _bulletin(row) if row else None


async def sent_under(db: aiosqlite.Connection, unit_path: str, limit: int) -> list[Bulletin]:
    """Sent bulletins whose scope lies under `unit_path`, newest first."""
    return [
        _bulletin(r)
        for r in await fetch_all(
            db,
            f"SELECT {_COLUMNS}{_FROM} LEFT JOIN units u ON u.id = b.scope_unit_id"
            " WHERE b.sent_at IS NOT NULL AND (u.path LIKE ? OR (u.id IS NULL AND ? = '/'))"
            " ORDER BY b.id DESC LIMIT ?",
            (unit_path + "%", unit_path, limit),
        )
    ]


async def groups_in_scope(db: aiosqlite.Connection, unit_path: str) -> list[Chat]:
    """Subscribed groups an admin of `unit_path` may post to: those subscribed from within it."""
    return [
        Chat(**dict(r))
        for r in await fetch_all(
            db,
            "SELECT ch.id, ch.channel, ch.chat_ref, ch.title, ch.subscribed, ch.events FROM chats ch"
            " LEFT JOIN contacts c ON c.id = ch.subscribed_by LEFT JOIN units u ON u.id = c.unit_id"
            " WHERE ch.subscribed = 1 AND (? = '/' OR u.path LIKE ?) ORDER BY ch.id",
            (unit_path, unit_path + "%"),
        )
    ]


async def sent_count(
    db: aiosqlite.Connection, scope_unit_id: int | None, since: datetime, until: datetime
) -> int:
    """Bulletins this scope sent in [since, until): the running 文号 number of the next is one more."""
    row = await fetch_one(
        db,
        "SELECT COUNT(*) AS n FROM bulletins WHERE scope_unit_id IS ? AND sent_at IS NOT NULL"
        " AND sent_at >= ? AND sent_at < ?",
        (scope_unit_id, to_db(since), to_db(until)),
    )
    return int(row["n"]) if row else 0
