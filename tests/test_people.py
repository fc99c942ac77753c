"""A person row is a `Contact` plus its reminder settings, field for field and type for type."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import get_type_hints

from domain.model import Role
from storage import contacts, people
from storage.db import Store
from storage.models import Contact
from storage.people import Person, Prefs

NOW = datetime(2016, 6, 1, 1, 0, tzinfo=UTC)


def test_a_person_has_the_contact_fields_then_the_prefs_fields() -> None:
    assert Person._fields == (*Contact.model_fields, *Prefs.model_fields)
    hints = get_type_hints(Person)
    for name, field in (Contact.model_fields | Prefs.model_fields).items():
        assert hints[name] == field.annotation, name


async def test_people_are_read_as_their_contacts_are(tmp_path: Path) -> None:
    store = Store(tmp_path / "bot.sqlite3")
    await store.open()
    try:
        async with store.write() as db:
            await db.execute(
                "INSERT INTO units (code, name, kind, path, sort) VALUES ('p', '省', 'province', '/1/', 0)"
            )
            admin = await contacts.ensure(db, "shell", "ann", "Ann", NOW)
            await contacts.bind(db, admin.id, 1, Role.PROVINCE_ADMIN, NOW)
            await contacts.set_locale(db, admin.id, "en")
            await people.save_prefs(
                db, admin.id, Prefs(at_time="14:30", away_from=date(2016, 6, 3)), NOW
            )
            await contacts.ensure(db, "shell", "nobody", None, NOW)  # never bound: not a person
            contact = await contacts.get(db, admin.id)
            everyone = await people.people(db)
    finally:
        await store.close()
    assert contact is not None
    assert everyone == [
        Person(*contact.model_dump().values(), True, "14:30", date(2016, 6, 3), None)
    ]
    assert everyone[0].role is Role.PROVINCE_ADMIN
    assert everyone[0].label == contact.label == "Ann"
