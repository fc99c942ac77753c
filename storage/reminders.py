"""Queries for scheduled reminders: contacts' settings, what is owed, 签收, job marks, urging."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import aiosqlite
from pydantic import BaseModel

from storage.db import fetch_all, fetch_one, from_db, to_db


class Prefs(BaseModel):
    enabled: bool = True
    at_time: str | None = None  # "HH:MM"; None: the plan's reminder time
    away_from: date | None = None
    away_to: date | None = None


class PersonRow(NamedTuple):
    """A registered contact with its reminder settings (plain tuple: tens of thousands per run)."""

    id: int
    channel: str
    user_ref: str
    display_name: str | None
    unit_id: int | None
    role: str | None
    locale: str | None
    unreachable: bool
    enabled: bool
    at_time: str | None
    away_from: date | None
    away_to: date | None


class OwedRow(NamedTuple):
    """One outstanding unit × material as the scheduler sees it."""

    assignment_id: int
    unit_id: int
    material_id: int
    code: str
    title: str
    kind: str  # date | window | on_request
    window_start: date | None
    due: date | None
    state: str
    returned_on: date | None  # local day the latest report was returned, if it was


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


async def prefs(db: aiosqlite.Connection, contact_id: int) -> Prefs:
    """The contact's settings; defaults when it never changed them."""
    row = await fetch_one(
        db,
        "SELECT enabled, at_time, away_from, away_to FROM reminder_prefs WHERE contact_id = ?",
        (contact_id,),
    )
    return Prefs(**dict(row)) if row else Prefs()


async def save_prefs(
    db: aiosqlite.Connection, contact_id: int, value: Prefs, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO reminder_prefs (contact_id, enabled, at_time, away_from, away_to,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(contact_id) DO UPDATE SET"
        " enabled = excluded.enabled, at_time = excluded.at_time,"
        " away_from = excluded.away_from, away_to = excluded.away_to,"
        " updated_at = excluded.updated_at",
        (
            contact_id,
            int(value.enabled),
            value.at_time,
            value.away_from.isoformat() if value.away_from else None,
            value.away_to.isoformat() if value.away_to else None,
            to_db(now),
        ),
    )


_PEOPLE = (
    "SELECT c.id, c.channel, c.user_ref, c.display_name, c.unit_id, c.role, c.locale,"
    " c.unreachable, COALESCE(p.enabled, 1), p.at_time, p.away_from, p.away_to"
    " FROM contacts c LEFT JOIN reminder_prefs p ON p.contact_id = c.id"
    " WHERE c.unit_id IS NOT NULL AND c.role IS NOT NULL"
)


def _person(r: Sequence) -> PersonRow:
    return PersonRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), bool(r[8]), r[9],
        _day(r[10]), _day(r[11]),
    )  # fmt: skip


async def people(db: aiosqlite.Connection) -> list[PersonRow]:
    """Every registered contact with its settings, by unit."""
    return [_person(r) for r in await fetch_all(db, _PEOPLE + " ORDER BY c.unit_id, c.id")]


async def unit_people(db: aiosqlite.Connection, unit_id: int) -> list[PersonRow]:
    return [
        _person(r)
        for r in await fetch_all(db, _PEOPLE + " AND c.unit_id = ? ORDER BY c.id", (unit_id,))
    ]


async def custom_times(db: aiosqlite.Connection) -> set[str]:
    """Reminder times contacts chose for themselves ("HH:MM")."""
    return {
        str(r[0])
        for r in await fetch_all(
            db, "SELECT DISTINCT at_time FROM reminder_prefs WHERE at_time IS NOT NULL"
        )
    }


_OWED = (
    "SELECT a.id, a.unit_id, a.material_id, m.code, m.title, m.deadline_kind, m.window_start,"
    " a.due_date, a.state, CASE WHEN a.state = 'returned' THEN r.reviewed_at END"
    " FROM assignments a JOIN materials m ON m.id = a.material_id"
    " LEFT JOIN reports r ON r.id = a.last_report_id"
    " WHERE a.plan_id = ? AND a.state IN ('not_submitted', 'returned')"
)


def _owed(r: Sequence, tz: ZoneInfo) -> OwedRow:
    returned = from_db(r[9])
    return OwedRow(
        r[0], r[1], r[2], r[3], r[4], r[5], _day(r[6]), _day(r[7]), r[8],
        returned.astimezone(tz).date() if returned else None,
    )  # fmt: skip


async def owed(
    db: aiosqlite.Connection,
    plan_id: int,
    dues: Sequence[date],
    window_starts: Sequence[date],
    tz: ZoneInfo,
) -> list[OwedRow]:
    """Outstanding materials due on one of `dues`, whose window opens on one of `window_starts`,
    or returned (their nags restart from the return), in plan order."""
    due_marks = ",".join("?" for _ in dues) or "NULL"
    window_marks = ",".join("?" for _ in window_starts) or "NULL"
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED} AND (a.due_date IN ({due_marks}) OR a.state = 'returned'"
            f" OR (m.deadline_kind = 'window' AND m.window_start IN ({window_marks})))"
            " ORDER BY a.unit_id, m.sort",
            (plan_id, *(d.isoformat() for d in dues), *(d.isoformat() for d in window_starts)),
        )
    ]


async def owed_by_unit(
    db: aiosqlite.Connection, plan_id: int, unit_id: int, tz: ZoneInfo
) -> list[OwedRow]:
    """Everything one unit still owes, soonest first, on-request last."""
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED} AND a.unit_id = ? ORDER BY a.due_date IS NULL, a.due_date, m.sort",
            (plan_id, unit_id),
        )
    ]


async def owed_material(
    db: aiosqlite.Connection, plan_id: int, material_id: int, unit_path: str, tz: ZoneInfo
) -> list[OwedRow]:
    """Units under `unit_path` that still owe one material."""
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED} AND a.material_id = ? AND a.unit_id IN"
            " (SELECT id FROM units WHERE path LIKE ?) ORDER BY a.unit_id",
            (plan_id, material_id, unit_path + "%"),
        )
    ]


async def overdue_since(
    db: aiosqlite.Connection, plan_id: int, since: datetime, until: datetime, tz: ZoneInfo
) -> list[OwedRow]:
    """Outstanding materials whose due time fell in (since, until]: newly overdue."""
    return [
        _owed(r, tz)
        for r in await fetch_all(
            db,
            f"{_OWED} AND a.due_at > ? AND a.due_at <= ? ORDER BY a.unit_id, m.sort",
            (plan_id, to_db(since), to_db(until)),
        )
    ]


# --- 签收 ---


async def ack_pending(db: aiosqlite.Connection, plan_id: int) -> dict[int, tuple[int, int, str]]:
    """unit id → (materials not acknowledged, of which never announced, first announcement day)."""
    return {
        int(r[0]): (int(r[1]), int(r[2]), r[3])
        for r in await fetch_all(
            db,
            "SELECT a.unit_id, COUNT(*), SUM(k.noticed_on IS NULL), MIN(k.noticed_on)"
            " FROM assignments a LEFT JOIN acks k"
            " ON k.unit_id = a.unit_id AND k.material_id = a.material_id"
            " WHERE a.plan_id = ? AND k.acked_at IS NULL GROUP BY a.unit_id",
            (plan_id,),
        )
    }


async def mark_noticed(
    db: aiosqlite.Connection, plan_id: int, unit_ids: Sequence[int], day: date
) -> None:
    """Record the first 签收 notice of every unacknowledged material of these units."""
    await db.executemany(
        "INSERT INTO acks (unit_id, material_id, noticed_on)"
        " SELECT unit_id, material_id, ? FROM assignments WHERE plan_id = ? AND unit_id = ?"
        " ON CONFLICT(unit_id, material_id) DO UPDATE SET"
        " noticed_on = COALESCE(acks.noticed_on, excluded.noticed_on)",
        [(day.isoformat(), plan_id, unit_id) for unit_id in unit_ids],
    )


async def acknowledge(
    db: aiosqlite.Connection, plan_id: int, unit_id: int, contact_id: int, now: datetime
) -> int:
    """Acknowledge every material of the plan for a unit; returns how many were pending."""
    cur = await db.execute(
        "INSERT INTO acks (unit_id, material_id, acked_at, acked_by)"
        " SELECT a.unit_id, a.material_id, ?, ? FROM assignments a"
        " WHERE a.plan_id = ? AND a.unit_id = ?"
        " ON CONFLICT(unit_id, material_id) DO UPDATE SET"
        " acked_at = excluded.acked_at, acked_by = excluded.acked_by WHERE acks.acked_at IS NULL",
        (to_db(now), contact_id, plan_id, unit_id),
    )
    await db.execute(
        "UPDATE assignments SET acked = 1 WHERE plan_id = ? AND unit_id = ?", (plan_id, unit_id)
    )
    return cur.rowcount


async def unacknowledged_units(db: aiosqlite.Connection, plan_id: int) -> set[int]:
    """Units with any material of the plan not acknowledged (read from the covering index)."""
    rows = await fetch_all(
        db, "SELECT DISTINCT unit_id FROM assignments WHERE plan_id = ? AND acked = 0", (plan_id,)
    )
    return {int(r[0]) for r in rows}


# --- job marks ---


async def marks(db: aiosqlite.Connection) -> dict[str, datetime]:
    rows = await fetch_all(db, "SELECT job, fired_at FROM schedule_marks")
    return {str(r[0]): from_db(r[1]) for r in rows}  # type: ignore[misc]


async def set_mark(db: aiosqlite.Connection, job: str, fired_at: datetime) -> None:
    await db.execute(
        "INSERT INTO schedule_marks (job, fired_at) VALUES (?, ?)"
        " ON CONFLICT(job) DO UPDATE SET fired_at = excluded.fired_at",
        (job, to_db(fired_at)),
    )


# --- urging ---


class LastUrge(NamedTuple):
    at: datetime
    by: str | None


async def record_urge(
    db: aiosqlite.Connection,
    unit_id: int,
    by: int,
    at: datetime,
    codes: Sequence[str],
    message: str | None,
) -> int:
    cur = await db.execute(
        "INSERT INTO urges (unit_id, by_contact, at, codes, message) VALUES (?, ?, ?, ?, ?)",
        (unit_id, by, to_db(at), json.dumps(list(codes), ensure_ascii=False), message),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def last_urge(db: aiosqlite.Connection, unit_id: int, since: datetime) -> LastUrge | None:
    """The latest urging of a unit after `since`, with who did it; None if none."""
    row = await fetch_one(
        db,
        "SELECT g.at, COALESCE(c.display_name, c.user_ref) FROM urges g"
        " LEFT JOIN contacts c ON c.id = g.by_contact"
        " WHERE g.unit_id = ? AND g.at > ? ORDER BY g.at DESC LIMIT 1",
        (unit_id, to_db(since)),
    )
    if row is None:
        return None
    at = from_db(row[0])
    assert at is not None
    return LastUrge(at, row[1])


async def hold_urge(db: aiosqlite.Connection, contact_id: int, args: str, now: datetime) -> None:
    """Keep an urging that needs confirmation (the button carries no arguments)."""
    await db.execute(
        "INSERT INTO pending_urges (contact_id, args, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET args = excluded.args,"
        " created_at = excluded.created_at",
        (contact_id, args, to_db(now)),
    )


async def take_urge(db: aiosqlite.Connection, contact_id: int, since: datetime) -> str | None:
    """The urging waiting for this admin's confirmation (removed); None if none or stale."""
    row = await fetch_one(
        db,
        "DELETE FROM pending_urges WHERE contact_id = ? RETURNING args, created_at",
        (contact_id,),
    )
    if row is None or str(row[1]) < (to_db(since) or ""):
        return None
    return str(row[0])


async def set_due_in_scope(
    db: aiosqlite.Connection,
    plan_id: int,
    material_id: int,
    unit_path: str,
    exclude_unit_id: int | None,
    due_date: date,
    due_at: datetime,
) -> int:
    """Give a material a due date for every unit under `unit_path`; how many were set."""
    cur = await db.execute(
        "UPDATE assignments SET due_date = ?, due_at = ? WHERE plan_id = ? AND material_id = ?"
        " AND unit_id IN (SELECT id FROM units WHERE path LIKE ?) AND unit_id IS NOT ?",
        (
            due_date.isoformat(),
            to_db(due_at),
            plan_id,
            material_id,
            unit_path + "%",
            exclude_unit_id,
        ),
    )
    return cur.rowcount
