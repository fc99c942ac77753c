"""The greeting when someone opens the app (WeCom's enter_agent): one line a day at most.

A bound person hears what their unit owes and the soonest deadline (an admin also how many
reports and requests await their decision); someone not bound yet, how to bind. Opening the app changes nothing else: a question waiting for an answer (a return's
reason) stays waiting.
"""

from __future__ import annotations

from datetime import date

from domain.messages import Incoming, Reply
from domain.model import PlanState, Role
from handlers import router
from handlers.context import Services
from handlers.lookup import shown_code
from handlers.plan_scope import every_plan
from handlers.render import deadline_text
from locales import Translator
from storage import assignments, greetings, plans, reports, requests, sessions
from storage.models import Contact, Unit


async def greet(app: Services, msg: Incoming) -> list[Reply]:
    """The day's greeting for the sender, or nothing (greeted today already, or a repeat)."""
    now = app.clock.now()
    today = now.astimezone(app.settings.tz).date()
    async with app.store.read() as db:
        session = await sessions.load(db, msg.channel, msg.user_ref, msg.message_key)
        last = await greetings.last_day(db, msg.user_ref)
    if session.seen or last == today:
        return []
    contact = session.contact
    t = app.translator_for(contact, msg.language)
    unit = session.unit
    if contact is None or not contact.registered or unit is None or unit.id != contact.unit_id:
        text = t("wecom_greet.unbound")
    else:
        text = await _owed(app, session.plans_stamp, unit, t, today)
        waiting = await _to_review(app, session.plans_stamp, contact, unit)
        if waiting:
            text += t("wecom_greet.review", count=waiting)
    async with app.store.write() as db:
        if not await router.claim_delivery(db, msg, now):
            return []
        if not await greetings.claim(db, msg.user_ref, today):
            return []
    return [Reply(text)]


async def _owed(app: Services, stamp: str, unit: Unit, t: Translator, today: date) -> str:
    """`您好,郑州市还有 3 项待报送,最近一项 2.1 截止 6月5日(周日)。` over every open plan."""
    every = await every_plan(app, stamp)
    async with app.store.read() as db:
        owing = await plans.plans_of_unit(db, unit.id)
        open_ = [p for p in every if p.state is PlanState.PUBLISHED and p.id in owing]
        rows, owed = await assignments.soonest_in_plans(
            db, [p.id for p in open_], unit.id, today, 1
        )
    if not rows:
        return t("wecom_greet.nothing", unit=unit.name)
    first = rows[0]
    plan = next(p for p in open_ if p.id == first.plan_id)
    code = shown_code(plan, first.code, len(open_) > 1)
    count = sum(owed.values())
    if first.due_date is None:
        return t("wecom_greet.owed_on_request", unit=unit.name, count=count)
    return t(
        "wecom_greet.owed", unit=unit.name, count=count, code=code, due=deadline_text(t, first)
    )


async def _to_review(app: Services, stamp: str, contact: Contact, unit: Unit) -> int:
    """How many reports and requests await this admin (as `/pending` counts them); 0 for others."""
    if contact.role not in (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN):
        return 0
    province = contact.role is Role.PROVINCE_ADMIN
    path, exclude = ("/", None) if province else (unit.path, unit.id)
    ids = [p.id for p in await every_plan(app, stamp) if p.state is PlanState.PUBLISHED]
    if not ids:
        return 0
    async with app.store.read() as db:
        waiting = await reports.pending_under(db, ids, path, exclude)
        asked = await requests.pending_under(db, ids, path, exclude)
    return len(waiting) + len(asked)
