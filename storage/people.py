"""Registered contacts with their reminder settings (/remind, /away): whom the scheduler tells."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import aiosqlite
from pydantic import BaseModel

from domain.model import Role
from storage import contacts
from storage.db import fetch_all, fetch_one, marks, qualified, to_db


class Prefs(BaseModel, defer_build=True):
    enabled: bool = True
    at_time: str | None = None  # "HH:MM"; None: the plan's reminder time
    away_from: date | None = None
    away_to: date | None = None


class Person(NamedTuple):
    """A registered contact with its reminder settings: the fields of `Contact`, typed alike,
    then those of `Prefs`. A plain tuple, not a model: the scheduler reads tens of thousands."""

    id: int
    channel: str
    user_ref: str
    display_name: str | None
    unit_id: int | None
    role: Role | None
    locale: str | None
    unreachable: bool
    enabled: bool
    at_time: str | None
    away_from: date | None
    away_to: date | None

    @property
    def label(self) -> str:
        return self.display_name or self.user_ref


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
    f"SELECT {qualified(contacts.COLUMNS, 'c')},"
    " COALESCE(p.enabled, 1), p.at_time, p.away_from, p.away_to"
    " FROM contacts c LEFT JOIN reminder_prefs p ON p.contact_id = c.id"
    " WHERE c.unit_id IS NOT NULL AND c.role IS NOT NULL"
)


def _person(r: Sequence[Any]) -> Person:
    return Person(*contacts.fields(r), bool(r[8]), r[9], _day(r[10]), _day(r[11]))


async def people(db: aiosqlite.Connection) -> list[Person]:
    """Every registered contact with its settings, by unit."""
    return [_person(r) for r in await fetch_all(db, _PEOPLE + " ORDER BY c.unit_id, c.id")]


async def unit_people(db: aiosqlite.Connection, unit_id: int) -> list[Person]:
    return [
        _person(r)
        for r in await fetch_all(db, _PEOPLE + " AND c.unit_id = ? ORDER BY c.id", (unit_id,))
    ]


async def staffed_units(db: aiosqlite.Connection, among: Sequence[int] | None = None) -> set[int]:
    """Units with at least one registered contact (reachable or not); only `among` these
    when given (a few units of 3,000 are read from the index, not every contact)."""
    if among is not None and not among:
        return set()
    only = f" AND unit_id IN ({marks(among)})" if among is not None else ""
    rows = await fetch_all(
        db,
        "SELECT DISTINCT unit_id FROM contacts WHERE unit_id IS NOT NULL AND role IS NOT NULL"
        + only,
        tuple(among or ()),
    )
    return {int(r[0]) for r in rows}


async def custom_times(db: aiosqlite.Connection) -> set[str]:
    """Reminder times contacts chose for themselves ("HH:MM")."""
    return {
        str(r[0])
        for r in await fetch_all(
            db, "SELECT DISTINCT at_time FROM reminder_prefs WHERE at_time IS NOT NULL"
        )
    }
