"""Everything the router needs about a message's sender, read in one trip to the database."""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from domain.model import Role, UnitKind
from storage.db import fetch_one
from storage.models import Contact, Plan, Unit

_CONTACT = ("id", "channel", "user_ref", "display_name", "unit_id", "role", "locale", "unreachable")
_UNIT = ("id", "code", "name", "short_name", "kind", "parent_id", "region_id", "path")
_PLAN = (
    "id",
    "code",
    "year",
    "title",
    "document",
    "issued_on",
    "notes",
    "reminders",
    "assessment",
    "revision",
)

_SQL = (
    "SELECT EXISTS(SELECT 1 FROM processed WHERE channel = ? AND key = ?),"
    " EXISTS(SELECT 1 FROM chats WHERE subscribed = 1 AND events = 1), "
    + ", ".join(f"c.{c}" for c in _CONTACT)
    + ", "
    + ", ".join(f"u.{c}" for c in _UNIT)
    + ", "
    + ", ".join(f"p.{c}" for c in _PLAN)
    + " FROM (SELECT 1) AS one"
    " LEFT JOIN contacts c ON c.channel = ? AND c.user_ref = ?"
    " LEFT JOIN units u ON u.id = c.unit_id"
    " LEFT JOIN (SELECT * FROM plans WHERE active = 1 ORDER BY year DESC, id DESC LIMIT 1) p"
    " ON 1 = 1"
)


@dataclass(frozen=True)
class Session:
    seen: bool  # this delivery was handled before
    contact: Contact | None  # None on first sight
    unit: Unit | None
    plan: Plan | None  # the active plan
    event_groups: bool  # some group wants to hear of each report and review


async def load(
    db: aiosqlite.Connection, channel: str, user_ref: str, message_key: str | None
) -> Session:
    """The sender's contact, unit, the active plan, and whether the message is a repeat."""
    row = await fetch_one(db, _SQL, (channel, message_key or "", channel, user_ref))
    assert row is not None  # the outer SELECT always yields one row
    values = list(row)
    seen, event_groups = bool(values[0]), bool(values[1])
    contact_values = dict(zip(_CONTACT, values[2:10], strict=True))
    unit_values = dict(zip(_UNIT, values[10:18], strict=True))
    plan_values = dict(zip(_PLAN, values[18:], strict=True))
    contact = None
    if contact_values["id"] is not None:
        contact_values["role"] = Role(contact_values["role"]) if contact_values["role"] else None
        contact_values["unreachable"] = bool(contact_values["unreachable"])
        contact = Contact.model_construct(**contact_values)
    unit = None
    if unit_values["id"] is not None:
        unit_values["kind"] = UnitKind(unit_values["kind"])
        unit = Unit.model_construct(**unit_values)
    plan = None
    if plan_values["id"] is not None:
        for key in ("notes", "reminders", "assessment"):
            plan_values[key] = json.loads(plan_values[key])
        plan = Plan(**plan_values)
    return Session(
        seen=seen and message_key is not None,
        contact=contact,
        unit=unit,
        plan=plan,
        event_groups=event_groups,
    )
