"""Checking an upload link against the store: who it is for, and whether it may still be used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.model import Role
from domain.status import OUTSTANDING
from handlers.context import Services
from handlers.upload_links import signing_secret, verify
from storage import assignments, contacts, drafts, plans, units, uploads
from storage.models import Contact, Material, Unit
from storage.uploads import UploadLink


@dataclass(frozen=True)
class LinkTarget:
    link: UploadLink
    contact: Contact
    unit: Unit
    material: Material
    joins_draft: bool  # the contact is putting this report together in the chat right now
    reportable: bool


@dataclass(frozen=True)
class PlanTarget:
    """A province admin's link for a plan notice to import (`/plan import` without a file)."""

    link: UploadLink
    contact: Contact
    unit: Unit


@dataclass(frozen=True)
class LinkCheck:
    state: str  # ok | invalid | used | expired
    target: LinkTarget | PlanTarget | None = None
    contact: Contact | None = None  # whom a used or expired link was for (their language)
    purpose: str = "report"  # what a link that was found is for (its refusal's hint)


async def check(services: Services, token: str, now: datetime) -> LinkCheck:
    """What a token grants now; anything forged, foreign or stale is refused."""
    settings = services.settings
    configured = settings.upload_secret.get_secret_value() if settings.upload_secret else None
    async with services.store.write() as db:
        secret = await signing_secret(configured, db)
    claims = verify(secret, token)
    if claims is None:
        return LinkCheck("invalid")
    async with services.store.snapshot() as db:
        link = await uploads.get(db, claims.link_id)
        if link is None or (link.contact_id, link.unit_id, link.material_id) != (
            claims.contact_id,
            claims.unit_id,
            claims.material_id,
        ):
            return LinkCheck("invalid")
        contact = await contacts.get(db, link.contact_id)
        unit = await units.get(db, link.unit_id)
        if link.material_id is None:
            return _plan_link(link, contact, unit, now)
        material = await plans.material(db, link.material_id)
        draft = await drafts.get(db, link.contact_id)
        row = (
            await assignments.find(db, material.plan_id, link.unit_id, material.id)
            if material
            else None
        )
    if contact is None or unit is None or material is None or contact.unit_id != unit.id:
        return LinkCheck("invalid")
    if link.used_at is not None:
        return LinkCheck("used", contact=contact)
    if now >= link.expires_at:
        return LinkCheck("expired", contact=contact)
    joins = draft is not None and draft.material_id == material.id
    reportable = row is not None and row.state in OUTSTANDING
    target = LinkTarget(link, contact, unit, material, joins, reportable)
    return LinkCheck("ok", target, contact)


def _plan_link(
    link: UploadLink, contact: Contact | None, unit: Unit | None, now: datetime
) -> LinkCheck:
    """A plan link is good only while its admin is still a province admin of its unit."""
    if link.purpose != uploads.PLAN or contact is None or unit is None:
        return LinkCheck("invalid")
    if contact.unit_id != unit.id or contact.role is not Role.PROVINCE_ADMIN:
        return LinkCheck("invalid")
    if link.used_at is not None:
        return LinkCheck("used", contact=contact, purpose=uploads.PLAN)
    if now >= link.expires_at:
        return LinkCheck("expired", contact=contact, purpose=uploads.PLAN)
    return LinkCheck("ok", PlanTarget(link, contact, unit), contact, uploads.PLAN)
