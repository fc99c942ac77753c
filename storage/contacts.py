"""Queries over chat identities and their binding to a unit with a role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from domain.model import Role
from storage.db import fetch_all, fetch_one, qualified, to_db
from storage.models import Contact

COLUMNS = ("id", "channel", "user_ref", "display_name", "unit_id", "role", "locale", "unreachable")
_COLUMNS = ", ".join(COLUMNS)
_ROLES: dict[str | None, Role | None] = {None: None, **{role.value: role for role in Role}}

Fields = tuple[int, str, str, str | None, int | None, Role | None, str | None, bool]


def fields(row: Sequence[Any]) -> Fields:
    """A row's `COLUMNS` values, in order, typed as `Contact` types them."""
    return (row[0], row[1], row[2], row[3], row[4], _ROLES[row[5]], row[6], bool(row[7]))


def decode(row: Sequence[Any]) -> Contact:
    """The contact of a row's `COLUMNS` values, in order."""
    # Validated, not model_construct: for these fields pydantic's validator is the faster.
    return Contact.model_validate(dict(zip(COLUMNS, fields(row), strict=True)))


async def find(db: aiosqlite.Connection, channel: str, user_ref: str) -> Contact | None:
    row = await fetch_one(
        db,
        f"SELECT {_COLUMNS} FROM contacts WHERE channel = ? AND user_ref = ?",
        (channel, user_ref),
    )
    return decode(row) if row else None


async def get(db: aiosqlite.Connection, contact_id: int) -> Contact | None:
    row = await fetch_one(db, f"SELECT {_COLUMNS} FROM contacts WHERE id = ?", (contact_id,))
    return decode(row) if row else None


async def ensure(
    db: aiosqlite.Connection, channel: str, user_ref: str, display_name: str | None, now: datetime
) -> Contact:
    """The identity's row, created (unregistered) on first sight; the name kept fresh."""
    await db.execute(
        "INSERT INTO contacts (channel, user_ref, display_name, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(channel, user_ref) DO UPDATE SET"
        " display_name = COALESCE(excluded.display_name, contacts.display_name)",
        (channel, user_ref, display_name, to_db(now)),
    )
    found = await find(db, channel, user_ref)
    assert found is not None
    return found


async def bind(
    db: aiosqlite.Connection, contact_id: int, unit_id: int, role: Role, now: datetime
) -> None:
    await db.execute(
        "UPDATE contacts SET unit_id = ?, role = ?, bound_at = ?, unreachable = 0 WHERE id = ?",
        (unit_id, role.value, to_db(now), contact_id),
    )


async def set_locale(db: aiosqlite.Connection, contact_id: int, locale: str) -> None:
    await db.execute("UPDATE contacts SET locale = ? WHERE id = ?", (locale, contact_id))


async def set_unreachable(db: aiosqlite.Connection, contact_id: int, unreachable: bool) -> None:
    await db.execute(
        "UPDATE contacts SET unreachable = ? WHERE id = ?", (int(unreachable), contact_id)
    )


async def of_unit(db: aiosqlite.Connection, unit_id: int) -> list[Contact]:
    """Registered contacts of one unit (any role)."""
    return [
        decode(r)
        for r in await fetch_all(
            db,
            f"SELECT {_COLUMNS} FROM contacts WHERE unit_id = ? AND role IS NOT NULL ORDER BY id",
            (unit_id,),
        )
    ]


async def admins_over(db: aiosqlite.Connection, unit_path: str) -> list[Contact]:
    """Admins whose scope covers a unit: unit admins of its strict ancestors, province admins."""
    return [
        decode(r)
        for r in await fetch_all(
            db,
            f"SELECT {qualified(COLUMNS, 'c')}"
            " FROM contacts c JOIN units u ON u.id = c.unit_id"
            " WHERE (c.role = 'province_admin')"
            " OR (c.role = 'unit_admin' AND ? LIKE u.path || '%' AND ? != u.path)"
            " ORDER BY c.id",
            (unit_path, unit_path),
        )
    ]


async def province_admins(db: aiosqlite.Connection) -> list[Contact]:
    """Everyone who administers the whole province (set-up problems go to them)."""
    return [
        decode(r)
        for r in await fetch_all(
            db,
            f"SELECT {_COLUMNS} FROM contacts WHERE role = 'province_admin' ORDER BY id",
        )
    ]
