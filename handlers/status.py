"""Admins' view of progress: `/status [UNIT]`, `/overdue`, `/units`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from domain import screen
from domain.messages import Choice, Reply
from domain.palette import PALETTE
from domain.status import unit_light
from domain.text import clip
from handlers import paging, units_admin
from handlers.context import Context
from handlers.lookup import can_see, require_plan, resolve_unit, scope_path, visible_units
from handlers.paging import split_page
from handlers.plan_life import plans_list
from handlers.plan_scope import open_plans
from handlers.reminders import unacknowledged_lines
from handlers.render import assignment_line, deadline_text, legend
from storage import assignments, progress
from storage.models import AssignmentRow, Unit


async def status(ctx: Context, args: str) -> Reply:
    """`/status`: every unit in scope (done/total, overdue), a phone screen a page (`/status p2`,
    上一页/下一页); `/status UNIT`: one unit in full."""
    query, number = split_page(args)
    if query:
        return await unit_status(ctx, query)
    if ctx.plan is None and len(open_plans(ctx)) > 1:
        return await plans_list(ctx, "")  # one line per plan, a button to each one's table
    plan = require_plan(ctx)
    scope = await visible_units(ctx)
    path, size = scope_path(ctx), screen.PAGE_LINES
    # The counters the database keeps: the header is one row, the page its own rows.
    async with ctx.read() as db:
        sums = await progress.totals(db, plan.id, ctx.now, path)
        number, pages = paging.place(sums.units, number, size)
        rows = await progress.page(db, plan.id, ctx.now, path, (number - 1) * size, size)
    done, total = sums.done, sums.total - sums.not_applicable
    lines = [
        ctx.t(
            "status.header",
            title=plan.title,
            units=len(scope),
            done=done,
            total=total,
            percent=ctx.t.percent(done, total),
            late_units=sums.late_units,
            at=ctx.t.moment(ctx.now),
        )
    ]
    # Each message is looked up once, not once per line.
    unit_line, pending_part, returned_part, overdue_part = (
        ctx.t.line(key)
        for key in (
            "status.unit_line",
            "status.pending_part",
            "status.returned_part",
            "status.overdue_part",
        )
    )
    shown = paging.Page(rows, number, pages, (number - 1) * size)
    for label, s in shown.items:
        line = unit_line(
            light=PALETTE[unit_light(s.total, s.done, s.pending, s.not_applicable, s.overdue)].icon,
            unit=label,
            done=s.done,
            total=s.total - s.not_applicable,
        )
        extras = []
        if s.pending:
            extras.append(pending_part(count=s.pending))
        if s.returned:
            extras.append(returned_part(count=s.returned))
        if s.overdue:
            extras.append(overdue_part(count=s.overdue))
        lines.append(" · ".join([line, *extras]))
    lines += paging.footer(ctx, shown)
    lines += await unacknowledged_lines(ctx)
    lines.append(legend(ctx.t))
    choices = paging.nav(ctx, f"/status {_plan_word(ctx)}".strip(), shown)
    return Reply("\n".join(lines), choices=choices, private=True)


async def unit_status(ctx: Context, query: str) -> Reply:
    plan = require_plan(ctx)
    unit = await resolve_unit(ctx, query)
    async with ctx.read() as db:
        rows = await assignments.for_unit(db, plan.id, unit.id)
    days = ctx.app.settings.due_soon_days
    lines = [ctx.t("status.unit_header", unit=unit.name, count=len(rows))]
    lines += [assignment_line(ctx.t, row, ctx.now, days) for row in rows]
    lines.append(legend(ctx.t))
    return Reply("\n".join(lines), private=True)


async def overdue(ctx: Context, args: str) -> Reply:
    """`/overdue`: the overdue materials in scope, each with how many units owe it, worst first,
    a button per material; `/overdue 2.1`: the units late with 2.1 (pages of a phone screen)."""
    plan = require_plan(ctx)
    query, number = split_page(args)
    scope = {u.id: u for u in await visible_units(ctx)}
    async with ctx.read() as db:
        rows = await assignments.overdue(db, plan.id, ctx.now, scope_path(ctx))
    rows = [r for r in rows if r.unit_id in scope]
    if query:
        return _overdue_material(ctx, query, number, rows, scope)
    if not rows:
        return Reply(ctx.t("overdue.none"), private=True)
    by_code: dict[str, list[AssignmentRow]] = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    worst = sorted(by_code.values(), key=lambda group: (-len(group), min(_due(r) for r in group)))
    shown = paging.page(worst, number, screen.BUTTONS)
    lines = [
        ctx.t(
            "screen.overdue_header",
            units=len({r.unit_id for r in rows}),
            items=len(rows),
            materials=len(worst),
        )
    ]
    prefix = _plan_word(ctx)
    buttons = []
    for group in shown.items:
        first = group[0]
        days = max(1, (ctx.now - _due(first)).days + 1)
        lines.append(
            ctx.t(
                "screen.overdue_material",
                code=first.code,
                title=clip(first.title, TITLE_CHARS),
                units=len(group),
                days=days,
            )
        )
        buttons.append(
            Choice(
                ctx.t("screen.overdue_button", code=first.code, units=len(group)),
                f"/overdue {prefix}{first.code}",
            )
        )
    lines += paging.footer(ctx, shown)
    lines.append(ctx.t("screen.overdue_hint"))
    choices = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    choices += paging.nav(ctx, f"/overdue {prefix}".strip(), shown)
    return Reply("\n".join(lines), choices=choices, private=True)


TITLE_CHARS = 14  # a material's title in a compact line; `/tasks CODE` has it whole


def _due(row: AssignmentRow) -> datetime:
    assert row.due_at is not None  # overdue rows have a due time
    return row.due_at


def _plan_word(ctx: Context) -> str:
    """`fw ` when the plan was named (several open): the detail command names it too."""
    return f"{ctx.plan.prefix} " if ctx.plan is not None and ctx.plan_named else ""


def _overdue_material(
    ctx: Context, code: str, number: int, rows: list[AssignmentRow], scope: dict[int, Unit]
) -> Reply:
    late = [r for r in rows if r.code == code]
    if not late:
        return Reply(ctx.t("screen.overdue_material_none", code=code[:20]), private=True)
    first = late[0]
    names = [scope[r.unit_id].label for r in late]
    shown = paging.page(_packed(names, ctx.t("list.separator")), number)
    days = max(1, (ctx.now - _due(first)).days + 1)
    lines = [
        ctx.t(
            "screen.overdue_units_header",
            code=first.code,
            title=clip(first.title, TITLE_CHARS * 2),
            units=len(late),
            due=deadline_text(ctx.t, first),
            days=days,
        ),
        *shown.items,
        *paging.footer(ctx, shown),
        ctx.t("screen.overdue_units_hint", code=first.code),
    ]
    prefix = _plan_word(ctx)
    choices = paging.nav(ctx, f"/overdue {prefix}{first.code}", shown)
    choices.append([Choice(ctx.t("screen.overdue_back"), f"/overdue {prefix}".strip())])
    return Reply("\n".join(lines), choices=choices, private=True)


def _packed(names: list[str], separator: str) -> list[str]:
    """Names joined with 、 into lines of at most one phone row where they fit."""
    lines: list[str] = []
    current = ""
    for name in names:
        joined = f"{current}{separator}{name}" if current else name
        if current and screen.columns(joined) > screen.ROW_COLUMNS:
            lines.append(current)
            joined = name
        current = joined
    if current:
        lines.append(current)
    return lines


async def units_list(ctx: Context, args: str) -> Reply:
    """`/units`: the units this admin may see, with the codes commands accept (a retired unit
    is no longer listed; its history stays), a phone screen a page (`/units p2`).
    `单位 新增 …` is `/unit add …`."""
    if args.split()[:1] and args.split()[0].lower() in units_admin.VERBS:
        return await units_admin.unit(ctx, args)
    _, number = split_page(args)
    scope = [u for u in await visible_units(ctx) if can_see(ctx, u) and not u.retired]
    shown = paging.page(scope, number)
    lines = [ctx.t("units.header", count=len(scope))]
    for unit in shown.items:
        depth = unit.path.count("/") - 2
        lines.append(
            "  " * max(depth, 0)
            + ctx.t(
                "units.line", name=unit.name, code=unit.code, kind=ctx.t(f"kind.{unit.kind.value}")
            )
        )
    lines += paging.footer(ctx, shown)
    choices = paging.nav(ctx, f"/units {_plan_word(ctx)}".strip(), shown)
    return Reply("\n".join(lines), choices=choices, private=True)
