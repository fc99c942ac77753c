"""The plan as reporters see it: `/tasks` (everything) and `/todo` (what the unit owes)."""

from __future__ import annotations

from collections import Counter

from domain import screen
from domain.messages import Choice, Reply
from domain.periods import series_of
from handlers import material_needs, paging
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import (
    plan_materials,
    reporting_plans,
    require_plan,
    require_unit,
    shown_code,
)
from handlers.plan_scope import no_plan_key, plan_named
from handlers.render import assignment_line, deadline_text
from storage import assignments, plans
from storage.models import AssignmentRow, Material


def _targets_text(ctx: Context, material: Material) -> str:
    parts = [
        ctx.t("tasks.target_part", kind=ctx.t(f"kind.{kind}"), count=count)
        for kind, count in material.targets.items()
    ]
    return ctx.t(
        "tasks.targets", targets=ctx.t.join(parts), unit=ctx.t.measure(material.target_unit)
    )


PER_PLAN = 8  # lines of each plan in /todo beside other plans; `/todo fw` shows them all
MAX_LINES = screen.PAGE_LINES  # one plan's /todo a page: `/todo p2`, `/todo fw p2`


def _series_line(ctx: Context, material: Material, base: str, count: int) -> str:
    """`3.1 基层执法月报 · 每月5日前 · 共12期`: a recurring material once, not per period."""
    title = material.title.rsplit("（", 1)[0] if material.title.endswith("）") else material.title
    return ctx.t("tasks.series", code=base, title=title, expr=material.deadline_expr, periods=count)


async def tasks(ctx: Context, args: str) -> Reply:
    """`/tasks`: every item and material with its code, deadline and targets; `/tasks 2.1`
    one material whole, with what it must be (handlers.material_needs)."""
    args, number = paging.split_page(args)  # `/tasks p2`: the plan's second screen
    if args.split():
        return await material_needs.detail(ctx, args)
    plan = require_plan(ctx)
    materials = await plan_materials(ctx)
    async with ctx.read() as db:
        items = await plans.items(db, plan.id)
    periods = Counter(series_of(m.code)[0] for m in materials if series_of(m.code)[1])
    blocks: list[list[str]] = []
    for item in items:
        lines = [ctx.t("tasks.item", no=item.no, title=item.title)]
        blocks.append(lines)
        seen: set[str] = set()
        for material in (m for m in materials if m.item_id == item.id):
            base, period = series_of(material.code)
            if period is not None:  # a recurring report: one line for its whole series
                if base not in seen:
                    seen.add(base)
                    lines.append(_series_line(ctx, material, base, periods[base]))
                continue
            due = deadline_text(ctx.t, material, written=True)
            line = ctx.t("tasks.material", code=material.code, title=material.title, due=due)
            if material.deadline_expr not in due:
                line += ctx.t("tasks.as_written", expr=material.deadline_expr)
            if material.targets:
                line += " · " + _targets_text(ctx, material)
            lines.append(line)
    blocks += [[ctx.t("tasks.note", note=note)] for note in plan.notes]
    shown = paging.page(_screens(blocks, screen.MAX_LINES - 2), number, 1)  # a header of 2
    lines = [ctx.t("tasks.header", title=plan.title, items=len(items), materials=len(materials))]
    for block in shown.items[0] if shown.items else []:
        lines += ["", *block]
    lines += paging.footer(ctx, shown)
    word = f"{plan.prefix} " if ctx.plan_named else ""
    return Reply("\n".join(lines), choices=paging.nav(ctx, f"/tasks {word}".strip(), shown))


def _screens(blocks: list[list[str]], room: int) -> list[list[list[str]]]:
    """Items (a header and its materials, each after a blank line) packed into pages of `room`
    lines, less one for the page line when there are several; an item is not cut across."""
    if sum(len(block) + 1 for block in blocks) <= room:
        return [blocks]
    room -= 1
    pages: list[list[list[str]]] = []
    used = room
    for block in blocks:
        if used + len(block) + 1 > room:
            pages.append([])
            used = 0
        pages[-1].append(block)
        used += len(block) + 1
    return pages


async def todo(ctx: Context, args: str) -> Reply:
    """`/todo [PLAN]`: what the unit owes over every open plan, grouped by plan (the plan with
    the soonest deadline first), soonest first, overdue marked. Beside other plans codes carry
    the plan's prefix (`fw-2.1`) so that they can be typed back as shown, and each plan shows
    its first `PER_PLAN` lines (a phone screen), the rest one tap away: `/todo fw`."""
    unit = require_unit(ctx)
    args, number = paging.split_page(args)
    if not ctx.plans:  # a new bot: a province admin is told how to import a plan
        raise UserError(no_plan_key(ctx) or "firststart.nothing_yet")
    owing = await reporting_plans(ctx)
    several = len(owing) > 1
    wanted = plan_named(owing, args.split()[0]) if args.split() else None
    if args.split() and wanted is None:
        raise UserError("plans.unknown", name=args.split()[0][:30])
    paged = not several or wanted is not None
    cap = MAX_LINES if paged else PER_PLAN
    async with ctx.read() as db:
        rows, owed = await assignments.soonest_in_plans(
            db, [p.id for p in ([wanted] if wanted else owing)], unit.id, ctx.today, cap * number
        )
    if paged:  # the page asked for: its rows are the last read
        number = min(number, max(1, -(-sum(owed.values()) // cap)))
        rows = rows[(number - 1) * cap : number * cap]
    if not rows:
        return Reply(ctx.t("todo.none", unit=unit.name), private=True)
    by_id = {p.id: p for p in owing}
    groups: dict[int, list[AssignmentRow]] = {}
    for row in rows:
        groups.setdefault(row.plan_id, []).append(row)
    days = ctx.app.settings.due_soon_days
    lines = [ctx.t("todo.header", unit=unit.name, count=sum(owed.values()))]
    shown: list[str] = []
    more: list[Choice] = []
    for plan_id, group in groups.items():
        plan = by_id[plan_id]
        if several:
            lines.append(ctx.t("todo.plan_header", prefix=plan.prefix, title=plan.title))
        for row in group:
            code = shown_code(plan, row.code, several)
            lines.append(assignment_line(ctx.t, row, ctx.now, days, code=code))
            shown.append(code)
        if not paged and owed[plan_id] > len(group):
            lines.append(ctx.t("todo.more", count=owed[plan_id] - len(group), prefix=plan.prefix))
            more.append(
                Choice(ctx.t("todo.more_button", prefix=plan.prefix), f"/todo {plan.prefix}")
            )
    pages = paging.Page(rows, number, -(-sum(owed.values()) // cap), (number - 1) * cap)
    if paged:
        lines += paging.footer(ctx, pages)
    lines.append(ctx.t("todo.hint"))
    choices = [
        [Choice(ctx.t("todo.report_button", code=code), f"/report_pick {code}")]
        for code in shown[:8]
    ]
    choices += [[choice] for choice in more[:4]]
    if paged:
        word = f"{wanted.prefix} " if wanted is not None and several else ""
        choices += paging.nav(ctx, f"/todo {word}".strip(), pages)
    return Reply("\n".join(lines), choices=choices, private=True)
