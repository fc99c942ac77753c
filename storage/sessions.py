"""Everything the router needs about a message's sender, read in one trip to the database."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage import contacts, plans, units
from storage.db import fetch_one, qualified
from storage.models import Contact, Plan, Unit

_SQL = (
    "SELECT EXISTS(SELECT 1 FROM processed WHERE channel = ? AND key = ?),"
    " EXISTS(SELECT 1 FROM chats WHERE subscribed = 1 AND events = 1),"
    f" {qualified(contacts.COLUMNS, 'c')}, {qualified(units.COLUMNS, 'u')},"
    f" {qualified(plans.COLUMNS, 'p')}"
    " FROM (SELECT 1) AS one"
    " LEFT JOIN contacts c ON c.channel = ? AND c.user_ref = ?"
    " LEFT JOIN units u ON u.id = c.unit_id"
    " LEFT JOIN (SELECT * FROM plans WHERE active = 1 ORDER BY year DESC, id DESC LIMIT 1) p"
    " ON 1 = 1"
)
_UNIT = 2 + len(contacts.COLUMNS)  # where the unit's columns start, then the plan's
_PLAN = _UNIT + len(units.COLUMNS)


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
    contact, unit, plan = values[2:_UNIT], values[_UNIT:_PLAN], values[_PLAN:]
    return Session(
        seen=bool(values[0]) and message_key is not None,
        contact=contacts.decode(contact) if contact[0] is not None else None,
        unit=units.decode(unit) if unit[0] is not None else None,
        plan=plans.decode(plan) if plan[0] is not None else None,
        event_groups=bool(values[1]),
    )
