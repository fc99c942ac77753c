"""Everything the router needs about a message's sender, read in one trip to the database."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage import contacts, plans, units
from storage.db import fetch_one, qualified
from storage.models import Contact, Unit

_SQL = (
    "SELECT EXISTS(SELECT 1 FROM processed WHERE channel = ? AND key = ?),"
    " EXISTS(SELECT 1 FROM chats WHERE subscribed = 1 AND events = 1),"
    f" {plans.STAMP}, (SELECT plan_id FROM plan_focus WHERE contact_id = c.id),"
    " EXISTS(SELECT 1 FROM prompts WHERE contact_id = c.id),"
    " EXISTS(SELECT 1 FROM drafts WHERE contact_id = c.id),"
    f" {qualified(contacts.COLUMNS, 'c')}, {qualified(units.COLUMNS, 'u')}"
    " FROM (SELECT 1) AS one"
    " LEFT JOIN contacts c ON c.channel = ? AND c.user_ref = ?"
    " LEFT JOIN units u ON u.id = c.unit_id"
)
_CONTACT = 6
_UNIT = _CONTACT + len(contacts.COLUMNS)  # where the unit's columns start


@dataclass(frozen=True)
class Session:
    seen: bool  # this delivery was handled before
    contact: Contact | None  # None on first sight
    unit: Unit | None
    plans_stamp: str  # moves with any change to any plan (see `plans.STAMP`)
    focus: int | None  # the plan this sender named last
    event_groups: bool  # some group wants to hear of each report and review
    prompt_waiting: bool = False  # a question awaits this sender's answer (storage.prompts)
    draft_open: bool = False  # this sender has a report draft (storage.drafts)


async def load(
    db: aiosqlite.Connection, channel: str, user_ref: str, message_key: str | None
) -> Session:
    """The sender's contact, unit, plan focus, and whether the message is a repeat."""
    row = await fetch_one(db, _SQL, (channel, message_key or "", channel, user_ref))
    assert row is not None  # the outer SELECT always yields one row
    values = list(row)
    contact, unit = values[_CONTACT:_UNIT], values[_UNIT:]
    return Session(
        seen=bool(values[0]) and message_key is not None,
        contact=contacts.decode(contact) if contact[0] is not None else None,
        unit=units.decode(unit) if unit[0] is not None else None,
        plans_stamp=str(values[2]),
        focus=values[3],
        event_groups=bool(values[1]),
        prompt_waiting=bool(values[4]),
        draft_open=bool(values[5]),
    )
