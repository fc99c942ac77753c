"""Imported holiday schedules (放假安排), and the plan dates a calendar has to cover."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import aiosqlite

from domain.holiday_calendar import HolidayDay
from storage import hops
from storage.db import fetch_all, fetch_one, marks, to_db


async def replace_years(
    db: aiosqlite.Connection, days: Iterable[HolidayDay], now: datetime
) -> None:
    """Store schedules, each in place of what was stored for its year."""
    rows = list(days)
    for year in sorted({d.year for d in rows}):
        await db.execute("DELETE FROM holidays WHERE year = ?", (year,))
    await db.executemany(
        "INSERT INTO holidays (day, kind, name, year, imported_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
        " year = excluded.year, imported_at = excluded.imported_at",
        [(d.day.isoformat(), d.kind, d.name, d.year, to_db(now)) for d in rows],
    )


async def every_day(db: aiosqlite.Connection) -> list[HolidayDay]:
    """Every stored day, in date order; [] when none was imported."""
    rows = await fetch_all(db, "SELECT day, kind, name, year FROM holidays ORDER BY day")
    return [HolidayDay(date.fromisoformat(r[0]), r[1], r[2], int(r[3])) for r in rows]


async def days_of(db: aiosqlite.Connection, years: Sequence[int]) -> list[HolidayDay]:
    """The stored days of these years' schedules, in date order."""
    rows = await fetch_all(
        db,
        f"SELECT day, kind, name, year FROM holidays WHERE year IN ({marks(years)}) ORDER BY day",
        tuple(years),
    )
    return [HolidayDay(date.fromisoformat(r[0]), r[1], r[2], int(r[3])) for r in rows]


async def imported_on(db: aiosqlite.Connection) -> dict[int, datetime]:
    """When each stored year's schedule was imported."""
    rows = await fetch_all(db, "SELECT year, MAX(imported_at) FROM holidays GROUP BY year")
    return {int(r[0]): datetime.fromisoformat(r[1]) for r in rows}


async def stamp(db: aiosqlite.Connection) -> str:
    """Changes whenever the stored schedules do: a process re-reads them when it moved."""
    row = await fetch_one(
        db, "SELECT COUNT(*) || '.' || COALESCE(MAX(imported_at), '') FROM holidays"
    )
    return str(row[0]) if row else ""


_DUE_YEARS = (
    "SELECT DISTINCT CAST(substr(a.due_date, 1, 4) AS INTEGER) FROM assignments a"
    " JOIN plans p ON p.id = a.plan_id WHERE p.state = 'published' AND a.due_date IS NOT NULL"
)


async def published_due_years(db: aiosqlite.Connection) -> set[int]:
    """The years in which published plans have due dates."""
    return {int(r[0]) for r in await fetch_all(db, _DUE_YEARS)}


async def calendar_facts(db_path: Path) -> tuple[set[int], set[int]]:
    """(years of published plans' due dates, years with an imported schedule), read from the
    file as it is, read-only, for doctor; an older schema without the table has none."""
    return await hops.in_thread(_calendar_facts, db_path)


def _calendar_facts(db_path: Path) -> tuple[set[int], set[int]]:
    uri = db_path.resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        try:
            due = {int(r[0]) for r in conn.execute(_DUE_YEARS)}
        except sqlite3.OperationalError:  # before plans had a state
            due = set()
        try:
            imported = {int(r[0]) for r in conn.execute("SELECT DISTINCT year FROM holidays")}
        except sqlite3.OperationalError:  # before migration 015
            imported = set()
    return due, imported
