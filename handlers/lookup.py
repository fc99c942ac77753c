"""Finding what a user names: materials by code, units by forgiving name; scope rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import aiosqlite

from domain.model import Role
from handlers.context import Context
from handlers.errors import UserError
from handlers.plan_scope import require_plan
from storage import plans, units
from storage.models import Material, Unit

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
    """Every unit, in tree order; read once per active plan (units change only on import)."""
    key = (ctx.plan.id, ctx.plan.revision) if ctx.plan else None
    cached = ctx.app.units.get(key) if key is not None else None
    if cached is None:
        async with ctx.read() as db:
            cached = await units.all_units(db)
        if key is not None:
            ctx.app.units = {key: cached}
    return cached


async def visible_units(ctx: Context) -> list[Unit]:
    if ctx.role is Role.PROVINCE_ADMIN:
        return await all_units(ctx)
    if ctx.role is Role.UNIT_ADMIN:
        own = require_unit(ctx)
        return [u for u in await all_units(ctx) if u.path.startswith(own.path)]
    return [require_unit(ctx)]


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


_CODE = re.compile(r"^(\d{1,3})(?:[.．。-](\d{1,3}))?$")


def find_material(materials: list[Material], code: str) -> Material:
    """`2.1` → that material; `1` or `1.1` → the only material of item 1."""
    match = _CODE.match(norm(code))
    if not match:
        raise UserError("error.material_unknown", code=code[:20])
    item_no, seq = int(match.group(1)), match.group(2)
    in_item = [m for m in materials if m.item_no == item_no]
    if seq is None:
        if len(in_item) == 1:
            return in_item[0]
        if in_item:
            raise UserError("error.material_pick_one", codes=", ".join(m.code for m in in_item))
        raise UserError("error.material_unknown", code=code[:20])
    for material in in_item:
        if material.seq == int(seq):
            return material
    raise UserError("error.material_unknown", code=code[:20])


async def plan_materials(ctx: Context) -> list[Material]:
    plan = require_plan(ctx)
    key = (plan.id, plan.revision)  # a replaced plan has a new revision: read it again
    cached = ctx.app.materials.get(key)
    if cached is None:
        async with ctx.read() as db:
            cached = await plans.materials(db, plan.id)
        ctx.app.materials = {key: cached}
    return cached


def looks_like_code(token: str) -> bool:
    return bool(_CODE.match(norm(token)))
