"""Which plan a command is about: every plan (cached per store stamp), the sender's default,
a plan named in the arguments, and the question asked when that is ambiguous."""

from __future__ import annotations

from domain.model import PlanState, Role
from handlers.context import Context, Services
from handlers.errors import UserError
from storage import plans
from storage.models import Plan

ADMIN_ROLES = (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN)


class PlanNeeded(Exception):
    """Several plans could be meant: the router asks which, with a button per plan."""

    def __init__(self, candidates: list[Plan]) -> None:
        super().__init__(len(candidates))
        self.candidates = candidates


async def every_plan(app: Services, stamp: str) -> list[Plan]:
    """Every plan, newest first; read again only when some process changed one."""
    cached = app.plans.get(stamp)
    if cached is None:
        async with app.store.read() as db:
            cached = await plans.every(db)
        app.plans = {stamp: cached}
    return cached


def visible(ctx: Context) -> list[Plan]:
    """Plans this sender may name: drafts are for admins only."""
    admin = ctx.role in ADMIN_ROLES
    return [p for p in ctx.plans if admin or p.state is not PlanState.DRAFT]


def open_plans(ctx: Context) -> list[Plan]:
    return [p for p in ctx.plans if p.state is PlanState.PUBLISHED]


def default_plan(every: list[Plan], focus: int | None, role: Role | None) -> Plan | None:
    """The plan named last (if the sender may still see it), else the only published one."""
    admin = role in ADMIN_ROLES
    for plan in every:
        if plan.id == focus and (admin or plan.state is PlanState.PUBLISHED):
            return plan
    published = [p for p in every if p.state is PlanState.PUBLISHED]
    if len(published) == 1:
        return published[0]
    if not published and admin:
        drafts = [p for p in every if p.state is PlanState.DRAFT]
        return drafts[0] if len(drafts) == 1 else None
    return None


def named(ctx: Context, word: str) -> Plan | None:
    """The visible plan a word names (see `plan_named`)."""
    return plan_named(visible(ctx), word)


def plan_named(candidates: list[Plan], word: str) -> Plan | None:
    """The plan a word names: its prefix (`fw`), its code (`henan-fwxzf`, newest year first)
    or `code/year`; None when it names none. An open plan's prefix wins over a closed one's."""
    key = word.strip().lower()
    if not key:
        return None
    for plan in candidates:
        if plan.prefix == key and plan.state is not PlanState.CLOSED:
            return plan
    code, _, year = key.partition("/")
    for plan in candidates:  # newest first
        if plan.code == code and (not year or str(plan.year) == year):
            return plan
    for plan in candidates:  # a closed plan's prefix names it when no open one has it
        if plan.prefix == key:
            return plan
    return None


def require_plan(ctx: Context) -> Plan:
    """The plan the command is about; asks which when several could be meant."""
    if ctx.plan is not None:
        return ctx.plan
    candidates = open_plans(ctx)
    if ctx.role in ADMIN_ROLES and not candidates:
        candidates = [p for p in ctx.plans if p.state is PlanState.DRAFT]
    if len(candidates) > 1:
        raise PlanNeeded(candidates)
    raise UserError(no_plan_key(ctx) or "error.no_plan")


def no_plan_key(ctx: Context) -> str | None:
    """Why there is no plan to show, when that is not an admin's choice: no plan exists at all
    (a new bot: a province admin is told how to import and publish one), or none is open to a
    reporter. None when an admin has plans, just none open."""
    if not ctx.plans and ctx.role is Role.PROVINCE_ADMIN:
        return "firststart.no_plan"
    if not ctx.plans or ctx.role not in ADMIN_ROLES:
        return "firststart.nothing_yet"
    return None
