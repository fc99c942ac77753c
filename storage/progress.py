"""Progress read off the counters the database keeps (migration 027): a plan's totals, its
units' rows a page at a time, and what is overdue now, counted only for the units read.

Overdue depends on the clock, so it is not kept: a unit is late when the earliest due time of
what it still owes (`first_due`) has passed, and its overdue assignments are counted (from the
covering index `assignments_plan`) only for the rows a caller reads."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import aiosqlite

from storage.db import fetch_all, fetch_one, to_db
from storage.models import UnitSummary

_OUTSTANDING = "('not_submitted', 'returned')"
# The overdue count of the unit row `p` at `?` (twice): zero without a look unless it is late.
OVERDUE = (
    "CASE WHEN p.first_due < ? THEN (SELECT COUNT(*) FROM assignments a"
    " WHERE a.plan_id = p.plan_id AND a.unit_id = p.unit_id"
    f" AND a.state IN {_OUTSTANDING} AND a.due_at < ?) ELSE 0 END"
)
_SUMMARY = (
    f"p.unit_id, p.total, p.done, p.pending, p.returned, p.not_applicable, {OVERDUE} AS overdue"
)


class Totals(NamedTuple):
    """A plan's counts over the units in a scope: the header of `/status`."""

    units: int  # units with something in the plan
    total: int
    done: int  # accepted
    pending: int
    not_applicable: int
    late_units: int  # units with something overdue now


def path_range(unit_path: str) -> tuple[str, str]:
    """The paths under `unit_path` as a range the `units_path` index reads: `/1/3/` ≤ path <
    `/1/30` (a path's characters are digits and `/`, so nothing else sorts in between)."""
    return unit_path, unit_path[:-1] + chr(ord(unit_path[-1]) + 1)


def _scoped(unit_path: str) -> tuple[str, tuple[str, ...]]:
    """The unit rows `p` of a plan (`p.plan_id = ?` follows) under `unit_path`: the whole
    province reads the plan's rows; a scope walks its own units (`units_path`) and looks up
    each one's row, reading nothing of the rest of the province."""
    if unit_path == "/":
        return "unit_progress p WHERE", ()
    return (
        "units u CROSS JOIN unit_progress p ON p.unit_id = u.id"
        " WHERE u.path >= ? AND u.path < ? AND",
        path_range(unit_path),
    )


async def totals(db: aiosqlite.Connection, plan_id: int, now: datetime, unit_path: str) -> Totals:
    """The plan's counts over the units under `unit_path`: the whole province is one row (and
    the late units a sum over a few due times), a scope the sum of its units' rows."""
    at = to_db(now)
    if unit_path == "/":
        row = await fetch_one(
            db,
            "SELECT units, total, done, pending, not_applicable,"
            " (SELECT COALESCE(SUM(units), 0) FROM plan_first_due"
            "  WHERE plan_id = ? AND first_due < ?)"
            " FROM plan_progress WHERE plan_id = ?",
            (plan_id, at, plan_id),
        )
    else:
        rows, args = _scoped(unit_path)
        row = await fetch_one(
            db,
            "SELECT COUNT(*), SUM(p.total), SUM(p.done), SUM(p.pending), SUM(p.not_applicable),"
            f" SUM(p.first_due < ?) FROM {rows} p.plan_id = ?",
            (at, *args, plan_id),
        )
    return Totals(*(int(v or 0) for v in row)) if row else Totals(0, 0, 0, 0, 0, 0)


async def page(
    db: aiosqlite.Connection,
    plan_id: int,
    now: datetime,
    unit_path: str,
    offset: int,
    limit: int,
) -> list[tuple[str, UnitSummary]]:
    """The units under `unit_path` with something in the plan, in the official order, from
    `offset`: each one's label and counts. The units are walked in order (`units_sort`), from
    the first of the scope to its last (a subtree is one stretch of that order), and the walk
    stops at the page's end; overdue is counted for the page only."""
    at = to_db(now)
    bounds = ""
    args: tuple[str, ...] = ()
    if unit_path != "/":
        bounds = (
            "WITH b AS MATERIALIZED (SELECT MIN(sort) AS lo, MAX(sort) AS hi FROM units"
            " WHERE path >= ? AND path < ?) "
        )
        args = path_range(unit_path) * 2
    rows = await fetch_all(
        db,
        f"{bounds}SELECT s.label, {_SUMMARY} FROM (SELECT u.id, u.sort,"
        " COALESCE(NULLIF(u.short_name, ''), u.name) AS label FROM units u INDEXED BY units_sort"
        " CROSS JOIN unit_progress p ON p.plan_id = ? AND p.unit_id = u.id"
        + (
            " WHERE u.sort BETWEEN (SELECT lo FROM b) AND (SELECT hi FROM b)"
            " AND u.path >= ? AND u.path < ?"
            if bounds
            else ""
        )
        + " ORDER BY u.sort, u.id LIMIT ? OFFSET ?) s"
        " JOIN unit_progress p ON p.plan_id = ? AND p.unit_id = s.id ORDER BY s.sort, s.id",
        (*args[:2], at, at, plan_id, *args[2:], limit, offset, plan_id),
    )
    return [(str(r[0]), UnitSummary(*r[1:])) for r in rows]


async def summaries(
    db: aiosqlite.Connection, plan_id: int, now: datetime, unit_path: str
) -> list[UnitSummary]:
    """Every unit's counts over the plan, under `unit_path` ("/" is everyone)."""
    rows, args = _scoped(unit_path)
    at = to_db(now)
    found = await fetch_all(
        db, f"SELECT {_SUMMARY} FROM {rows} p.plan_id = ?", (at, at, *args, plan_id)
    )
    return [UnitSummary(*r) for r in found]


async def late_units(
    db: aiosqlite.Connection, plan_id: int, now: datetime, unit_path: str
) -> set[int]:
    """The units under `unit_path` with something overdue in the plan now."""
    rows, args = _scoped(unit_path)
    found = await fetch_all(
        db,
        f"SELECT p.unit_id FROM {rows} p.plan_id = ? AND p.first_due < ?",
        (*args, plan_id, to_db(now)),
    )
    return {int(r[0]) for r in found}


class Unacknowledged(NamedTuple):
    """The units under a scope yet to 签收 a plan, apart by whether anyone could (a contact)."""

    staffed: int
    staffed_first: list[str]  # the first labels, in the official order
    unstaffed: int
    unstaffed_first: list[str]


async def unacknowledged(
    db: aiosqlite.Connection, plan_id: int, unit_path: str, first: int
) -> Unacknowledged:
    """How many units under `unit_path` have not acknowledged the plan (the issuing root is
    never asked), those with a contact apart from those without, and the `first` labels of
    each. The province reads only the units behind (a partial index); a scope its own units."""
    rows, args = _scoped(unit_path)
    if unit_path == "/":
        rows = "unit_progress p INDEXED BY unit_progress_unacked JOIN units u ON u.id = p.unit_id"
        rows += " WHERE"
    found = await fetch_all(
        db,
        "SELECT staffed, label, n FROM (SELECT staffed, label,"
        " ROW_NUMBER() OVER (PARTITION BY staffed ORDER BY sort, id) AS nth,"
        " COUNT(*) OVER (PARTITION BY staffed) AS n FROM (SELECT u.id, u.sort,"
        " COALESCE(NULLIF(u.short_name, ''), u.name) AS label, EXISTS (SELECT 1 FROM contacts c"
        " WHERE c.unit_id = u.id AND c.role IS NOT NULL) AS staffed"
        f" FROM {rows} p.plan_id = ? AND p.unacked > 0 AND u.parent_id IS NOT NULL))"
        " WHERE nth <= ? ORDER BY staffed DESC, nth",
        (*args, plan_id, first),
    )
    counts = {bool(r[0]): int(r[2]) for r in found}
    return Unacknowledged(
        counts.get(True, 0),
        [str(r[1]) for r in found if r[0]],
        counts.get(False, 0),
        [str(r[1]) for r in found if not r[0]],
    )
