"""Queries over the unit tree (province → cities → counties)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from domain.model import UnitKind
from storage.db import fetch_all, fetch_one
from storage.models import Unit

COLUMNS = ("id", "code", "name", "short_name", "kind", "parent_id", "region_id", "path")
_COLUMNS = ", ".join(COLUMNS)


def decode(row: Sequence[Any]) -> Unit:
    """The unit of a row's `COLUMNS` values, in order."""
    data = dict(zip(COLUMNS, row, strict=True))
    data["kind"] = UnitKind(data["kind"])
    # Trusted rows of our own schema: constructing without validation keeps big listings fast.
    return Unit.model_construct(**data)


async def all_units(db: aiosqlite.Connection) -> list[Unit]:
    """Every unit, in tree order."""
    return [
        decode(r) for r in await fetch_all(db, f"SELECT {_COLUMNS} FROM units ORDER BY sort, id")
    ]


async def get(db: aiosqlite.Connection, unit_id: int) -> Unit | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS} FROM units WHERE id = ?", (unit_id,))
    return decode(row) if row else None


async def by_code(db: aiosqlite.Connection, code: str) -> Unit | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS} FROM units WHERE code = ?", (code,))
    return decode(row) if row else None


async def upsert(
    db: aiosqlite.Connection,
    *,
    code: str,
    name: str,
    short_name: str | None,
    kind: str,
    parent_id: int | None,
    sort: int,
) -> int:
    """Insert or update a unit by code; returns its id. Path is set by `set_path`."""
    await db.execute(
        "INSERT INTO units (code, name, short_name, kind, parent_id, path, sort)"
        " VALUES (?, ?, ?, ?, ?, '', ?)"
        " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
        " short_name = excluded.short_name, kind = excluded.kind,"
        " parent_id = excluded.parent_id, sort = excluded.sort",
        (code, name, short_name, kind, parent_id, sort),
    )
    row = await fetch_one(db, "SELECT id FROM units WHERE code = ?", (code,))
    assert row is not None
    return int(row[0])


async def set_path_and_region(
    db: aiosqlite.Connection, unit_id: int, path: str, region_id: int | None
) -> None:
    await db.execute(
        "UPDATE units SET path = ?, region_id = ? WHERE id = ?", (path, region_id, unit_id)
    )
