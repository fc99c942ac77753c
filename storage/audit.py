"""The audit trail: who changed what, and when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import fetch_all, from_db, to_db
from storage.models import AuditEntry


async def record(
    db: aiosqlite.Connection,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    unit_id: int | None,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await db.execute(
        "INSERT INTO audit (at, actor_id, action, unit_id, subject, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            to_db(at),
            actor_id,
            action,
            unit_id,
            subject,
            json.dumps(detail or {}, ensure_ascii=False),
        ),
    )


async def of_unit(db: aiosqlite.Connection, unit_id: int, limit: int) -> list[AuditEntry]:
    """A unit's history, newest first."""
    rows = await fetch_all(
        db,
        "SELECT a.id, a.at, a.actor_id, COALESCE(c.display_name, c.user_ref) AS actor_label,"
        " a.action, a.unit_id, a.subject, a.detail FROM audit a"
        " LEFT JOIN contacts c ON c.id = a.actor_id WHERE a.unit_id = ?"
        " ORDER BY a.id DESC LIMIT ?",
        (unit_id, limit),
    )
    entries = []
    for row in rows:
        data = dict(row)
        data["at"] = from_db(data["at"])
        data["detail"] = json.loads(data["detail"])
        entries.append(AuditEntry(**data))
    return entries
