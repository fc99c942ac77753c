"""Start-up steps on the store: the sample plan on first start, the operator's province admins."""

from __future__ import annotations

import logging

from domain.model import PlanState, Role
from domain.plan_file import load_plan_file
from handlers.context import Services
from handlers.plan_import import import_plan
from storage import contacts, plans, units

log = logging.getLogger(__name__)


async def seed_sample_plan(services: Services) -> None:
    """On first start (no plan at all), load the shipped sample so the bot is usable at once."""
    async with services.store.read() as db:
        if await plans.count(db):
            return
    plan = load_plan_file(services.settings.sample_plan)
    await import_plan(
        services.store,
        plan,
        services.settings.tz,
        services.clock.now(),
        state=PlanState.PUBLISHED,
    )
    log.info("loaded sample plan %s %s", plan.code, plan.year)


async def bootstrap_admins(services: Services, qualified_ids: list[str]) -> list[str]:
    """Bind `channel:user` ids from config as province admins of the root unit."""
    async with services.store.read() as db:
        roots = [u for u in await units.all_units(db) if u.parent_id is None]
    if not roots:
        return []
    bound = []
    now = services.clock.now()
    async with services.store.write() as db:
        for qualified in qualified_ids:
            channel, _, user_ref = qualified.partition(":")
            if not channel or not user_ref:
                log.warning("ignoring BOT_ADMINS entry without a channel prefix")
                continue
            contact = await contacts.ensure(db, channel, user_ref, None, now)
            if contact.role is not Role.PROVINCE_ADMIN:
                await contacts.bind(db, contact.id, roots[0].id, Role.PROVINCE_ADMIN, now)
            bound.append(qualified)
    return bound
