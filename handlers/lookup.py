"""Finding what a user names: materials by code, units by forgiving name; scope rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Collection
from typing import Protocol, TypeVar

import aiosqlite

from domain.model import Role
from domain.periods import same_period, series_of
from domain.text import clip
from handlers.context import Context, Services
from handlers.errors import Choose, UserError
from handlers.plan_scope import no_plan_key, open_plans, plan_named, require_plan
from storage import assignments, plans, units
from storage.models import Material, Plan, Unit

AMBIGUOUS_NAMED = 10  # units named when a query matches several
_UNIT_SUFFIXES = ("安全生产监督管理局", "安全监管局", "安监局", "应急管理局", "市", "县", "区")


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def require_unit(ctx: Context) -> Unit:
    if ctx.unit is None:
        raise UserError("error.not_registered")
    return ctx.unit


def scope_path(ctx: Context) -> str:
    """Path prefix of every unit this contact may see."""
    return "/" if ctx.role is Role.PROVINCE_ADMIN else require_unit(ctx).path


def can_see(ctx: Context, unit: Unit) -> bool:
    if ctx.role is Role.PROVINCE_ADMIN:
        return True
    own = ctx.unit
    if own is None:
        return False
    if ctx.role is Role.UNIT_ADMIN:
        return unit.path.startswith(own.path)
    return unit.id == own.id


def can_review(ctx: Context, unit: Unit) -> bool:
    """Province admins review everyone; a unit admin reviews the units under it, not itself."""
    if ctx.role is Role.PROVINCE_ADMIN:
        return True
    own = ctx.unit
    return (
        ctx.role is Role.UNIT_ADMIN
        and own is not None
        and unit.path.startswith(own.path)
        and unit.id != own.id
    )


class _InUnit(Protocol):
    @property
    def unit_id(self) -> int: ...


T = TypeVar("T", bound=_InUnit)


async def reviewable(
    ctx: Context,
    load: Callable[[aiosqlite.Connection, int], Awaitable[T | None]],
    item_id: int,
    unknown_key: str,
) -> T:
    """A report or request (by `load`) that the sender may decide; one outside their scope is
    refused exactly like one that does not exist (`unknown_key`)."""
    async with ctx.read() as db:
        found = await load(db, item_id)
        unit = await units.get(db, found.unit_id) if found else None
    if found is None or unit is None or not can_review(ctx, unit):
        raise UserError(unknown_key, id=item_id)
    return found


async def all_units(ctx: Context) -> list[Unit]:
    """Every unit (retired ones too), in official tree order; read again only when the
    store's unit revision moved (any change, by any process)."""
    return await unit_tree(ctx.app)


async def unit_tree(app: Services) -> list[Unit]:
    """The shared copy of the unit tree (see `all_units`)."""
    async with app.store.read() as db:
        key = await units.revision(db)
        cached = app.units.get(key)
        if cached is None:
            cached = await units.all_units(db)
            app.units = {key: cached}
    return cached


async def visible_units(ctx: Context) -> list[Unit]:
    if ctx.role is Role.PROVINCE_ADMIN:
        return await all_units(ctx)
    if ctx.role is Role.UNIT_ADMIN:
        return await _units_under(ctx, require_unit(ctx).path)
    return [require_unit(ctx)]


async def _units_under(ctx: Context, path: str) -> list[Unit]:
    """The units under `path`, cut once from each copy of the tree (a city's 3,000 of 30,000
    units took 5 ms of Python every `/status`); like the tree, shared and never changed."""
    tree = await all_units(ctx)
    cut = ctx.app.units_under.get(path)
    if cut is None or cut[0] is not tree:  # a new tree: any change to any unit
        cut = (tree, [u for u in tree if u.path.startswith(path)])
        ctx.app.units_under[path] = cut
    return cut[1]


def _unit_keys(unit: Unit) -> set[str]:
    keys = {unit.code.lower(), unit.name, unit.short_name or unit.name}
    for name in (unit.name, unit.short_name or ""):
        for suffix in _UNIT_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                keys.add(name[: -len(suffix)])
    return {k for k in keys if k}


def match_units(candidates: list[Unit], query: str) -> list[Unit]:
    """Exact code/name/short-name matches first; otherwise every unit whose name contains it."""
    wanted = norm(query)
    if not wanted:
        return []
    exact = [u for u in candidates if wanted in _unit_keys(u) or wanted.lower() in _unit_keys(u)]
    if exact:
        return exact
    return [u for u in candidates if wanted in u.name or wanted in (u.short_name or "")]


async def resolve_unit(ctx: Context, query: str) -> Unit:
    """The one visible unit the query names; a unit out of scope reads as unknown.

    Matching runs over every unit before the scope filter, so `郑州市` names the city even for
    a county admin whose own unit's full name contains it — and is then refused as unknown.
    """
    found = [u for u in match_units(await all_units(ctx), query) if can_see(ctx, u)]
    if not found:
        raise UserError("error.unit_unknown", query=query[:40])
    if len(found) > 1:
        names = ctx.t.listed([u.label for u in found], AMBIGUOUS_NAMED)
        raise UserError("error.unit_ambiguous", query=query[:40], names=names)
    return found[0]


_CODE = re.compile(r"^(\d{1,3})(?:[.．。-](\d{1,3}))?(?:/([a-z]?\d{1,4}))?$")


def find_material(
    materials: list[Material], code: str, open_ids: Collection[int] | None = None
) -> Material:
    """`2.1` → that material; `1` or `1.1` → the only material of item 1; `3.1/06` → a period
    of a recurring material, `3.1` → its one period in `open_ids` (the unit may report now)."""
    match = _CODE.match(norm(code).lower())
    if not match:
        raise UserError("error.material_unknown", code=code[:20])
    item_no, seq, key = int(match.group(1)), match.group(2), match.group(3)
    found = [
        m
        for m in materials
        if m.item_no == item_no
        and (seq is None or m.seq == int(seq))
        and (key is None or same_period(m.code, key))
    ]
    if not found:
        raise UserError("error.material_unknown", code=code[:20])
    if len(found) > 1 and open_ids is not None and len({series_of(m.code)[0] for m in found}) == 1:
        found = [m for m in found if m.id in open_ids] or found
    if len(found) > 1:
        raise UserError("error.material_pick_one", codes=", ".join(m.code for m in found))
    return found[0]


async def plan_materials(ctx: Context) -> list[Material]:
    return await materials_of(ctx, require_plan(ctx))


MATERIALS_CACHED = 64  # plans whose materials are kept; a bureau has far fewer open at once


async def materials_of(ctx: Context, plan: Plan) -> list[Material]:
    """A plan's materials, read once per (plan, revision): a changed plan is read again."""
    key = (plan.id, plan.revision)
    cached = ctx.app.materials.get(key)
    if cached is None:
        async with ctx.read() as db:
            cached = await plans.materials(db, plan.id)
        if len(ctx.app.materials) >= MATERIALS_CACHED:
            ctx.app.materials.clear()
        ctx.app.materials[key] = cached
    return cached


_PREFIXED = re.compile(r"^([a-z][a-z0-9]{0,7})[-:](.+)$")
CODE_CHOICES = 8


async def reporting_plans(ctx: Context) -> list[Plan]:
    """The published plans the sender's unit owes something in, newest first."""
    unit = require_unit(ctx)
    async with ctx.read() as db:
        ids = await plans.plans_of_unit(db, unit.id)
    return [p for p in open_plans(ctx) if p.id in ids]


def shown_code(plan: Plan, code: str, several: bool) -> str:
    """A material code as it can be typed back: `fw-2.1` beside other plans, else `2.1`."""
    return f"{plan.prefix}-{code}" if several else code


async def material_named(ctx: Context, code: str, action: str) -> Material:
    """The material a typed code names over the plans the sender's unit owes in, making its
    plan the command's. `fw-2.1` names the plan; a bare `2.1` that several plans have is
    asked back, one button per plan, each sending `action` with the code filled in."""
    text = norm(code).lower()
    candidates = await reporting_plans(ctx)
    if not candidates and ctx.plan is not None:
        candidates = [ctx.plan]  # an admin's own plan in hand, even if the unit owes nothing
    if not candidates and (no_plan := no_plan_key(ctx)) is not None:
        raise UserError(no_plan)  # a new bot, or nothing asked of this unit yet
    async with ctx.read() as db:  # `3.1` names its one period the unit may report now
        open_ids = await assignments.open_material_ids(db, require_unit(ctx).id, ctx.today)
    prefixed = _PREFIXED.match(text)
    if prefixed:
        plan = plan_named(candidates, prefixed.group(1))
        if plan is None:
            raise UserError("error.material_unknown", code=code[:20])
        material = find_material(await materials_of(ctx, plan), prefixed.group(2), open_ids)
        ctx.plan = plan
        return material
    found: list[tuple[Plan, Material]] = []
    refused: UserError | None = None
    for plan in candidates:
        try:
            found.append((plan, find_material(await materials_of(ctx, plan), text, open_ids)))
        except UserError as err:
            refused = refused or err
    if len(found) == 1:
        ctx.plan = found[0][0]
        return found[0][1]
    if not found:
        raise refused or UserError("error.material_unknown", code=code[:20])
    choices = [
        (
            f"{plan.prefix}-{material.code} {clip(material.title, 16)}",
            action.format(code=f"{plan.prefix}-{material.code}"),
        )
        for plan, material in found[:CODE_CHOICES]
    ]
    raise Choose("lookup.which_plan_code", choices, code=code[:20])


def looks_like_code(token: str) -> bool:
    return bool(_CODE.match(norm(token).lower()))
