"""What a channel's own directory says of a sender (WeCom's user/get): the name people see,
and the department that binds an unbound member as its unit's reporter.

Called by the channel before a message is routed. The name is kept on the contact, so every
listing that shows a person (exports, audit log, bulletins, /pushes, /history) uses it. Binding
by department makes reporters only (admins still bind by invite); a member moved out of the
department later keeps the binding, which is changed by hand as any other.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from domain.messages import Reply
from domain.model import Role
from domain.text import clean
from handlers.context import Services
from storage import audit, contacts, units
from storage.models import Contact, Unit


async def seen(
    app: Services,
    channel: str,
    user_ref: str,
    name: str | None,
    departments: Sequence[int],
) -> list[Reply]:
    """Keep the sender's name current; bind an unbound member of a linked department (the
    first of `departments`, most specific first, linked to a unit in service). The one-line
    notice of a binding, or nothing."""
    name = clean(name).strip() or None if name is not None else None
    async with app.store.read() as db:
        contact = await contacts.find(db, channel, user_ref)
        linked = await _linked(db, contact, departments, f"{channel}:{user_ref}", app)
    renamed = name is not None and (contact is None or contact.display_name != name)
    if not renamed and linked is None:
        return []
    now = app.clock.now()
    async with app.store.write() as db:
        contact = await contacts.ensure(db, channel, user_ref, name, now)
        if linked is None or contact.registered:
            return []  # bound meanwhile (an invite in another process): nothing more to do
        department, unit = linked
        await contacts.bind(db, contact.id, unit.id, Role.REPORTER, now)
        detail = {"role": Role.REPORTER, "channel": channel, "department": department}
        await audit.record(
            db,
            at=now,
            actor_id=contact.id,
            action="bind_department",
            unit_id=unit.id,
            detail=detail,
        )
    t = app.translator_for(contact)
    return [Reply(t("directory.bound", unit=unit.name, department=department), private=True)]


async def _linked(
    db: aiosqlite.Connection,
    contact: Contact | None,
    departments: Sequence[int],
    qualified: str,
    app: Services,
) -> tuple[int, Unit] | None:
    """The department and unit an unbound sender is bound to, or None."""
    if not departments or (contact is not None and contact.registered):
        return None
    if qualified in app.settings.admins:
        return None  # a configured admin is bound as province admin, never as a reporter
    links = await units.wecom_links(db)
    for department in departments:
        unit = links.get(department)
        if unit is not None and not unit.retired:
            return department, unit
    return None
