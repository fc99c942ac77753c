"""Queries for progress broadcasts: subscribed groups with their scope, bulletin figures."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import aiosqlite

from storage.db import fetch_all


class Audience(NamedTuple):
    """A subscribed group chat and the unit subtree its subscriber may see."""

    chat_id: int
    channel: str
    chat_ref: str
    title: str | None
    events: bool
    path: str  # "/" for a province admin's group


async def audiences(db: aiosqlite.Connection) -> list[Audience]:
    """Every subscribed group, scoped by who subscribed it (a province admin: everything)."""
    rows = await fetch_all(
        db,
        "SELECT ch.id, ch.channel, ch.chat_ref, ch.title, ch.events,"
        " CASE WHEN c.role = 'province_admin' OR u.path IS NULL THEN '/' ELSE u.path END"
        " FROM chats ch LEFT JOIN contacts c ON c.id = ch.subscribed_by"
        " LEFT JOIN units u ON u.id = c.unit_id WHERE ch.subscribed = 1 ORDER BY ch.id",
    )
    return [Audience(int(r[0]), r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


class DueSoon(NamedTuple):
    code: str
    title: str
    due: date
    units: int  # units under the scope still owing it


async def due_between(
    db: aiosqlite.Connection, plan_id: int, start: date, end: date, path: str
) -> list[DueSoon]:
    """Materials falling due in [start, end] that units under `path` still owe, soonest first."""
    rows = await fetch_all(
        db,
        "SELECT m.code, m.title, a.due_date, COUNT(*) FROM assignments a"
        " JOIN materials m ON m.id = a.material_id JOIN units u ON u.id = a.unit_id"
        " WHERE a.plan_id = ? AND a.state IN ('not_submitted', 'returned')"
        " AND a.due_date BETWEEN ? AND ? AND u.path LIKE ?"
        " GROUP BY m.id, a.due_date ORDER BY a.due_date, m.sort",
        (plan_id, start.isoformat(), end.isoformat(), path + "%"),
    )
    return [DueSoon(r[0], r[1], date.fromisoformat(r[2]), int(r[3])) for r in rows]


async def finished_on_time(db: aiosqlite.Connection, plan_id: int, path: str) -> list[int]:
    """Units under `path` with everything accepted (or not applicable), nothing late."""
    rows = await fetch_all(
        db,
        "SELECT a.unit_id FROM assignments a JOIN units u ON u.id = a.unit_id"
        " WHERE a.plan_id = ? AND u.path LIKE ? GROUP BY a.unit_id"
        " HAVING SUM(a.state NOT IN ('accepted', 'not_applicable')) = 0"
        " AND SUM(a.state = 'accepted' AND a.submitted_at > a.due_at) = 0"
        " AND SUM(a.state = 'accepted') > 0 ORDER BY MIN(u.sort)",
        (plan_id, path + "%"),
    )
    return [int(r[0]) for r in rows]
