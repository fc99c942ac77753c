"""Queries over the bureau's unit tree (province → departments, cities → counties)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from domain.model import UnitKind
from domain.unit_file import KnownUnit, UnitRow
from storage.db import fetch_all, fetch_one, from_db, to_db
from storage.models import Unit

COLUMNS = (
    "id", "code", "name", "short_name", "kind", "parent_id", "region_id", "path", "retired_at",
)  # fmt: skip
_COLUMNS = ", ".join(COLUMNS)
# Assignments a unit still owes in a plan not closed: not submitted, returned, awaiting review.
_OPEN = (
    "FROM assignments WHERE unit_id = ? AND state IN ('not_submitted', 'returned', 'pending')"
    " AND plan_id IN (SELECT id FROM plans WHERE state != 'closed')"
)


def decode(row: Sequence[Any]) -> Unit:
    """The unit of a row's `COLUMNS` values, in order."""
    data = dict(zip(COLUMNS, row, strict=True))
    data["kind"] = UnitKind(data["kind"])
    data["retired_at"] = from_db(data["retired_at"])
    # Trusted rows of our own schema: constructing without validation keeps big listings fast.
    return Unit.model_construct(**data)


async def all_units(db: aiosqlite.Connection) -> list[Unit]:
    """Every unit, retired ones too, in the official tree order: parents first, then siblings
    in their official order (`sort` is kept so by `reorder`)."""
    return [
        decode(r) for r in await fetch_all(db, f"SELECT {_COLUMNS} FROM units ORDER BY sort, id")
    ]


async def paths_and_labels(db: aiosqlite.Connection) -> tuple[dict[int, str], dict[int, str]]:
    """Every unit's path and its short label, by id, in the official order: what a scheduler
    fire needs of 3,000 units, without building their models."""
    rows = await fetch_all(
        db, "SELECT id, path, COALESCE(NULLIF(short_name, ''), name) FROM units ORDER BY sort, id"
    )
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}


async def revision(db: aiosqlite.Connection) -> int:
    """A number that moves with every change to any unit (triggers of migration 014)."""
    row = await fetch_one(db, "SELECT n FROM unit_revision")
    return int(row[0]) if row else 0


async def get(db: aiosqlite.Connection, unit_id: int) -> Unit | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS} FROM units WHERE id = ?", (unit_id,))
    return decode(row) if row else None


async def by_code(db: aiosqlite.Connection, code: str) -> Unit | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS} FROM units WHERE code = ?", (code,))
    return decode(row) if row else None


async def known(db: aiosqlite.Connection) -> list[KnownUnit]:
    """Every stored unit as the checks of a unit file see it (code, parent's code, retired)."""
    rows = await fetch_all(
        db,
        "SELECT u.code, p.code, u.retired_at IS NOT NULL FROM units u"
        " LEFT JOIN units p ON p.id = u.parent_id",
    )
    return [KnownUnit(code=r[0], parent=r[1], retired=bool(r[2])) for r in rows]


@dataclass
class Applied:
    """What putting a file's rows in the tree changed, by code."""

    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # name, short name or kind changed
    moved: list[str] = field(default_factory=list)  # parent changed
    linked: list[str] = field(default_factory=list)  # WeCom department set or changed
    unchanged: int = 0


async def apply(db: aiosqlite.Connection, rows: Sequence[UnitRow]) -> Applied:
    """Insert or update units by code (checked rows: every reference resolves, no cycle), then
    derive paths and the tree order. A row's `sort` None keeps a stored unit's place and puts
    a new one after every other. Never deletes; a retired unit stays retired."""
    stored = {
        r[1]: r
        for r in await fetch_all(
            db,
            "SELECT id, code, name, short_name, kind, parent_id, region_id, seq, wecom_department"
            " FROM units",
        )
    }
    last = max((int(r[7]) for r in stored.values()), default=0)
    done = Applied()
    for row in rows:
        old = stored.get(row.code)
        if old is None:
            last += 1
            await db.execute(
                "INSERT INTO units (code, name, short_name, kind, path, sort, seq)"
                " VALUES (?, ?, ?, ?, '', 0, ?)",
                (row.code, row.name, row.short_name, row.kind.value, _seq(row, last)),
            )
            done.added.append(row.code)
        elif (old[2], old[3], old[4]) != (row.name, row.short_name, row.kind.value) or (
            row.sort is not None and row.sort != old[7]
        ):
            await db.execute(
                "UPDATE units SET name = ?, short_name = ?, kind = ?, seq = COALESCE(?, seq)"
                " WHERE id = ?",
                (row.name, row.short_name, row.kind.value, row.sort, old[0]),
            )
            if (old[2], old[3], old[4]) != (row.name, row.short_name, row.kind.value):
                done.renamed.append(row.code)
    ids = {str(r[0]): int(r[1]) for r in await fetch_all(db, "SELECT code, id FROM units")}
    links = []
    for row in rows:
        parent = ids[row.parent] if row.parent is not None else None
        region = ids[row.region] if row.region is not None else None
        old = stored.get(row.code)
        if old is not None and old[5] != parent:
            done.moved.append(row.code)
        if old is None or (old[5], old[6]) != (parent, region):
            links.append((parent, region, ids[row.code]))
    await db.executemany("UPDATE units SET parent_id = ?, region_id = ? WHERE id = ?", links)
    await _link_departments(db, rows, stored, ids, done)
    changed = set(done.added) | set(done.renamed) | set(done.moved) | set(done.linked)
    done.unchanged = sum(1 for row in rows if row.code not in changed)
    await reorder(db)
    return done


async def _link_departments(
    db: aiosqlite.Connection,
    rows: Sequence[UnitRow],
    stored: dict[str, Any],
    ids: dict[str, int],
    done: Applied,
) -> None:
    """Set the WeCom departments rows give (an empty cell keeps the stored link)."""
    changes = [
        (row.wecom_department, ids[row.code])
        for row in rows
        if row.wecom_department is not None
        and (row.code not in stored or stored[row.code][8] != row.wecom_department)
    ]
    # Cleared first: a file that swaps two units' departments never meets the unique index.
    await db.executemany(
        "UPDATE units SET wecom_department = NULL WHERE id = ?", [(i,) for _, i in changes]
    )
    await db.executemany("UPDATE units SET wecom_department = ? WHERE id = ?", changes)
    done.linked = [row.code for row in rows if ids[row.code] in {i for _, i in changes}]


def _seq(row: UnitRow, last: int) -> int:
    return row.sort if row.sort is not None else last


async def reorder(db: aiosqlite.Connection) -> None:
    """Derive every unit's path and its place in the whole tree (`sort`): parents first, then
    siblings by their official order (`seq`). Only rows that change are written."""
    rows = await fetch_all(db, "SELECT id, parent_id, seq, sort, path FROM units")
    children: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    for unit_id, parent_id, seq, _, _ in rows:
        children[parent_id].append((int(seq), int(unit_id)))
    placed: dict[int, tuple[int, str]] = {}
    stack = [(unit_id, "/") for _, unit_id in sorted(children[None], reverse=True)]
    while stack:
        unit_id, prefix = stack.pop()
        path = f"{prefix}{unit_id}/"
        placed[unit_id] = (len(placed), path)
        stack += [(child, path) for _, child in sorted(children[unit_id], reverse=True)]
    changes = [
        (*placed[int(r[0])], int(r[0]))
        for r in rows
        if int(r[0]) in placed and placed[int(r[0])] != (r[3], r[4])
    ]
    await db.executemany("UPDATE units SET sort = ?, path = ? WHERE id = ?", changes)


async def rename(db: aiosqlite.Connection, unit_id: int, name: str, short_name: str | None) -> None:
    await db.execute(
        "UPDATE units SET name = ?, short_name = ? WHERE id = ?", (name, short_name, unit_id)
    )


async def move(db: aiosqlite.Connection, unit_id: int, parent_id: int) -> None:
    """Put a unit (and its subtree) under another parent, after that parent's other units."""
    await db.execute(
        "UPDATE units SET parent_id = ?,"
        " seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM units WHERE parent_id = ?) WHERE id = ?",
        (parent_id, parent_id, unit_id),
    )
    await reorder(db)


async def active_children(db: aiosqlite.Connection, unit_id: int) -> int:
    """How many units not retired sit directly under this one."""
    row = await fetch_one(
        db, "SELECT COUNT(*) FROM units WHERE parent_id = ? AND retired_at IS NULL", (unit_id,)
    )
    return int(row[0]) if row else 0


async def open_assignments(db: aiosqlite.Connection, unit_id: int) -> int:
    """How many assignments the unit still owes in plans not closed (0 when none)."""
    row = await fetch_one(db, f"SELECT COUNT(*) {_OPEN}", (unit_id,))
    return int(row[0]) if row else 0


async def drop_open_assignments(db: aiosqlite.Connection, unit_id: int, reason: str) -> int:
    """Mark what the unit still owes (plans not closed) not applicable; how many were."""
    cur = await db.execute(
        "UPDATE assignments SET state = 'not_applicable', na_reason = ?"
        f" WHERE id IN (SELECT id {_OPEN})",
        (reason, unit_id),
    )
    return cur.rowcount


async def retire(db: aiosqlite.Connection, unit_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE units SET retired_at = ? WHERE id = ? AND retired_at IS NULL", (to_db(now), unit_id)
    )


async def wecom_department(db: aiosqlite.Connection, unit_id: int) -> int | None:
    """The WeCom department linked to a unit, or None."""
    row = await fetch_one(db, "SELECT wecom_department FROM units WHERE id = ?", (unit_id,))
    return int(row[0]) if row and row[0] is not None else None


async def by_wecom_department(db: aiosqlite.Connection, department: int) -> Unit | None:
    """The unit linked to a WeCom department (retired or not), or None."""
    row = await fetch_one(
        db, f"SELECT {_COLUMNS} FROM units WHERE wecom_department = ?", (department,)
    )
    return decode(row) if row else None


async def wecom_links(db: aiosqlite.Connection) -> dict[int, Unit]:
    """Every linked WeCom department and its unit (retired ones too); empty when none."""
    rows = await fetch_all(
        db, f"SELECT wecom_department, {_COLUMNS} FROM units WHERE wecom_department IS NOT NULL"
    )
    return {int(r[0]): decode(r[1:]) for r in rows}


async def link_wecom(db: aiosqlite.Connection, unit_id: int, department: int | None) -> None:
    """Link a unit to a WeCom department (None: unlink)."""
    await db.execute("UPDATE units SET wecom_department = ? WHERE id = ?", (department, unit_id))
