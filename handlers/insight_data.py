"""Shared by the insight commands: the asker's scope, the snapshot they read, where files go."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from domain.model import Role
from domain.periods import series_of
from domain.progress_rows import UnitRow
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import find_material, looks_like_code, norm, plan_materials, require_unit
from insight import progress as matrix
from insight import score
from insight.progress import Progress
from insight.score import Score
from locales import Translator
from storage import hops
from storage import insight as snap
from storage.models import Material, Plan

if TYPE_CHECKING:
    from domain.settings import Settings

T = TypeVar("T")
P = ParamSpec("P")
KEEP_EXPORTS = timedelta(days=3)
# Exports and boards are CPU-bound: at most two at once, so chats stay responsive.
_HEAVY = asyncio.Semaphore(2)


@dataclass(frozen=True)
class Scope:
    path: str  # unit path prefix this output covers
    label: str  # how outputs name it: 全省, 郑州市…
    unit_id: int | None
    more: tuple[str, ...] = ()  # other subtrees in it (regions sharing one file)
    without: tuple[str, ...] = ()  # subtrees left out (sent in files of their own)

    @property
    def where(self) -> snap.Where:
        """The units covered, as the snapshot queries take them."""
        if not self.more and not self.without:
            return self.path
        return snap.Within((self.path, *self.more), self.without)


def scope_of(ctx: Context) -> Scope:
    unit = require_unit(ctx)
    if ctx.role is Role.PROVINCE_ADMIN:
        return Scope("/", ctx.t("insight.scope_all"), unit.id)
    return Scope(unit.path, unit.label, unit.id)


@dataclass
class Collected:
    """Everything the generators need, read from one snapshot."""

    progress: Progress  # for the materials and units asked about
    scores: list[Score]  # over the whole plan
    units: dict[int, UnitRow]  # every unit in scope
    withheld: bool = False  # the plan names awards, but this scope does not propose them


def collect(
    db_path: Path,
    plan: Plan,
    path: str,
    now: datetime,
    due_soon_days: int,
    material_ids: set[int] | None = None,
) -> Collected:
    """Read the matrix of `path` and score it (runs in a worker thread)."""
    with snap.snapshot(db_path) as conn:
        return collect_from(conn, plan, path, now, due_soon_days, material_ids)


def collect_from(
    conn: sqlite3.Connection,
    plan: Plan,
    path: snap.Where,
    now: datetime,
    due_soon_days: int,
    material_ids: set[int] | None = None,
    made: Callable[[], dict[int, tuple[int, int]]] | None = None,
) -> Collected:
    """`made`: per unit, reports made and returned, counted elsewhere from the same reports
    (it may wait for them: asked for last); None reads them."""
    units = snap.units_under(conn, path)
    materials = snap.materials(conn, plan.id)
    cells = snap.cells(conn, plan.id, path)
    whole = matrix.build(units, materials, cells, now, due_soon_days)
    activity = snap.activity(conn, plan.id, path, made() if made is not None else None)
    rules = score.rules_from(plan.assessment)
    # Awards go by the province-wide ranking: a city's own ranking would always put it first.
    province_wide = path == "/"
    scores = score.scores(whole, rules, activity, recommend=province_wide)
    shown = whole
    if material_ids is not None:
        chosen = [m for m in materials if m.id in material_ids]
        shown = matrix.build(units, chosen, cells, now, due_soon_days)
    return Collected(
        progress=shown,
        scores=scores,
        units={u.id: u for u in units},
        withheld=bool(rules.awards) and not province_wide,
    )


async def heavy(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a CPU-bound generator off the event loop, two at a time at most."""
    await hops.to_loop()  # the semaphore is the loop's
    async with _HEAVY:
        return await hops.in_thread(fn, *args, **kwargs)


def exports_dir(settings: Settings) -> Path:
    folder = settings.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def output_path(settings: Settings, kind: str, suffix: str, now: datetime) -> Path:
    """A fresh file name under data/exports; files older than three days are cleared away."""
    folder = exports_dir(settings)
    cutoff = (now - KEEP_EXPORTS).timestamp()
    for old in folder.iterdir():
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue
    stamp = now.astimezone(settings.tz).strftime("%Y%m%d-%H%M%S")
    return folder / f"{kind}-{stamp}-{secrets.token_hex(4)}{suffix}"


def download_name(t: Translator, kind: str, scope: Scope, now: datetime, suffix: str) -> str:
    """What the admin sees the file called: 进度导出-郑州市-20160729.xlsx."""
    day = now.astimezone(t.tz).strftime("%Y%m%d")
    label = "-".join(scope.label.split())  # no spaces in a file name: "the-whole-province"
    return f"{t(f'insight.file_{kind}')}-{label}-{day}{suffix}"


def pick_materials(materials: list[Material], word: str) -> list[Material]:
    """`2` → every material of item 2; `2.1` → that one, or every period of a recurring 2.1;
    `2.1/06` → that period; raises a UserError otherwise."""
    word = norm(word).lower()
    if word.isdigit():
        found = [m for m in materials if m.item_no == int(word)]
        if not found:
            raise UserError("error.material_unknown", code=word[:20])
        return found
    series = [m for m in materials if series_of(m.code)[0] == word and m.code != word]
    return series or [find_material(materials, word)]


async def materials_named(ctx: Context, word: str) -> list[Material] | None:
    """None for everything; otherwise the materials an item number or code names."""
    if not word or norm(word).lower() in {"all", "全部"}:
        return None
    if not looks_like_code(word):
        raise UserError("error.material_unknown", code=word[:20])
    return pick_materials(await plan_materials(ctx), word)
