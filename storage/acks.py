"""签收: which units acknowledged the plan's materials, and when they were first asked to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from storage.db import fetch_all, to_db

# The issuer (the root of the unit tree) publishes the plan: it is never asked to 签收 it.
_NOT_ISSUER = "NOT IN (SELECT id FROM units WHERE parent_id IS NULL)"


async def ack_pending(db: aiosqlite.Connection, plan_id: int) -> dict[int, tuple[int, int, str]]:
    """unit id → (materials not acknowledged, of which never announced, first announcement day)."""
    return {
        int(r[0]): (int(r[1]), int(r[2]), r[3])
        for r in await fetch_all(
            db,
            "SELECT a.unit_id, COUNT(*), SUM(k.noticed_on IS NULL), MIN(k.noticed_on)"
            " FROM assignments a LEFT JOIN acks k"
            " ON k.unit_id = a.unit_id AND k.material_id = a.material_id"
            # `a.acked` mirrors the acks row and sits on the covering index: it skips the
            # acknowledged before the join instead of after it.
            " WHERE a.plan_id = ? AND a.acked = 0 AND k.acked_at IS NULL"
            f" AND a.unit_id {_NOT_ISSUER} GROUP BY a.unit_id",
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
        f" WHERE a.plan_id = ? AND a.unit_id = ? AND a.unit_id {_NOT_ISSUER}"
        " ON CONFLICT(unit_id, material_id) DO UPDATE SET"
        " acked_at = excluded.acked_at, acked_by = excluded.acked_by WHERE acks.acked_at IS NULL",
        (to_db(now), contact_id, plan_id, unit_id),
    )
    await db.execute(
        "UPDATE assignments SET acked = 1 WHERE plan_id = ? AND unit_id = ?"
        f" AND unit_id {_NOT_ISSUER}",
        (plan_id, unit_id),
    )
    return cur.rowcount


async def unacknowledged_units(db: aiosqlite.Connection, plan_id: int) -> set[int]:
    """Units asked to 签收 with any material of the plan not acknowledged (off the counters
    the database keeps, reading only those units: migration 027)."""
    rows = await fetch_all(
        db,
        "SELECT unit_id FROM unit_progress WHERE plan_id = ? AND unacked > 0"
        f" AND unit_id {_NOT_ISSUER}",
        (plan_id,),
    )
    return {int(r[0]) for r in rows}


async def unacknowledged_plans(db: aiosqlite.Connection, unit_id: int) -> set[int]:
    """The plans in which this unit has a material not acknowledged yet."""
    rows = await fetch_all(
        db,
        "SELECT DISTINCT plan_id FROM assignments WHERE unit_id = ? AND acked = 0"
        f" AND unit_id {_NOT_ISSUER}",
        (unit_id,),
    )
    return {int(r[0]) for r in rows}
