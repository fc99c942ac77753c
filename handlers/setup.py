"""Start-up steps on the store: the sample plan into an empty store (the shell demo, or when
BOT_SAMPLE_PLAN asks), the operator's province admins."""

from __future__ import annotations

import gc
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.clock import SettableClock
from domain.model import PlanState, Role
from domain.plan_model import PlanFile
from domain.settings import BUNDLED_SAMPLE
from handlers import plan_templates
from handlers.context import Services
from handlers.lookup import unit_tree
from handlers.plan_scope import every_plan
from storage import contacts, plans, units

log = logging.getLogger(__name__)


def sample_calendar(plan: PlanFile, tz: ZoneInfo) -> datetime:
    """Where the demo's clock starts: 09:00 on the day after the plan was issued (2 January
    without an issue date), when its materials are new and none is overdue yet."""
    day = (plan.issued or date(plan.year, 1, 1)) + timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=tz)


async def seed_sample_plan(
    services: Services, demo_clock: SettableClock | None = None
) -> PlanFile | None:
    """Into an empty store (no plan at all), load the sample plan (BOT_SAMPLE_PLAN, else the
    bundled one), published; None when the store already has a plan. With `demo_clock` the
    clock is first set to the plan's own calendar (`sample_calendar`)."""
    async with services.store.read() as db:
        if await plans.count(db):
            return None
    # Here: a start on a store with plans (every start but the first) never reads a plan file.
    from domain.plan_file import load_plan_file
    from handlers.plan_import import import_plan

    source = services.settings.sample_plan or BUNDLED_SAMPLE
    plan = load_plan_file(source)
    plan = await plan_templates.read(
        services.store, services.settings, plan, source.parent, str(source)
    )
    if demo_clock is not None:
        demo_clock.set(sample_calendar(plan, services.settings.tz))
    await import_plan(
        services.store,
        plan,
        services.settings.tz,
        services.clock.now(),
        state=PlanState.PUBLISHED,
        files=services.files,
    )
    log.info("loaded sample plan %s %s", plan.code, plan.year)
    return plan


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


async def warm(services: Services) -> None:
    """After start-up: import every command's handler, read what most messages need (the
    unit tree, every plan) into the shared caches, then move everything alive into the
    permanent generation. The long-lived objects — modules, settings, thousands of cached
    units — are then no longer rescanned by each full collection, which otherwise lands
    inside some reply (all-units /status at national scale: p95 ~10 % lower)."""
    from handlers.registry import load_all

    load_all()
    await unit_tree(services)
    async with services.store.read() as db:
        stamp = await plans.stamp(db)
    await every_plan(services, stamp)
    gc.collect()
    gc.freeze()
