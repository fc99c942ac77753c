"""Queries over the blank forms (模板) linked to materials (migration 025)."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite
from pydantic import BaseModel

from storage.db import fetch_all, fetch_one


class MaterialTemplate(BaseModel, defer_build=True):
    material_id: int
    seq: int
    path: str  # as the plan file names it, relative to the file
    name: str  # the name it is sent under
    sha256: str
    mime: str | None
    size: int


_SELECT = "SELECT material_id, seq, path, name, sha256, mime, size FROM material_templates"


async def of_material(db: aiosqlite.Connection, material_id: int) -> list[MaterialTemplate]:
    rows = await fetch_all(db, f"{_SELECT} WHERE material_id = ? ORDER BY seq", (material_id,))
    return [MaterialTemplate(**dict(r)) for r in rows]


async def of_plan(db: aiosqlite.Connection, plan_id: int) -> dict[int, list[MaterialTemplate]]:
    """The forms of every material of a plan, by material id, in the plan file's order."""
    rows = await fetch_all(
        db,
        f"{_SELECT} WHERE material_id IN (SELECT id FROM materials WHERE plan_id = ?)"
        " ORDER BY material_id, seq",
        (plan_id,),
    )
    found: dict[int, list[MaterialTemplate]] = {}
    for r in rows:
        template = MaterialTemplate(**dict(r))
        found.setdefault(template.material_id, []).append(template)
    return found


async def set_for(
    db: aiosqlite.Connection, material_id: int, templates: Sequence[MaterialTemplate]
) -> None:
    """Make these the material's forms, in order (their blobs recorded by the caller)."""
    await db.execute("DELETE FROM material_templates WHERE material_id = ?", (material_id,))
    await db.executemany(
        "INSERT INTO material_templates (material_id, seq, path, name, sha256, mime, size)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (material_id, seq, t.path, t.name, t.sha256, t.mime, t.size)
            for seq, t in enumerate(templates, 1)
        ],
    )


async def owes(db: aiosqlite.Connection, material_id: int, unit_id: int) -> bool:
    """Whether the unit owes the material (has its assignment, in any state)."""
    row = await fetch_one(
        db,
        "SELECT 1 FROM assignments WHERE material_id = ? AND unit_id = ?",
        (material_id, unit_id),
    )
    return row is not None
