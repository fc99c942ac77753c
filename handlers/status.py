"""Admins' view of progress: `/status [UNIT]`, `/overdue`, `/units`."""

from __future__ import annotations

from collections import defaultdict

from domain.messages import Reply
from domain.palette import PALETTE
from domain.status import unit_light
from handlers import units_admin
from handlers.context import Context
from handlers.lookup import can_see, require_plan, resolve_unit, scope_path, visible_units
from handlers.plan_life import plans_list
from handlers.plan_scope import open_plans
from handlers.reminders import unacknowledged_lines
from handlers.render import assignment_line, legend
from storage import assignments


async def status(ctx: Context, args: str) -> Reply:
    """`/status`: every unit in scope (done/total, overdue); `/status UNIT`: one unit in full."""
    if args.strip():
        return await unit_status(ctx, args.strip())
    if ctx.plan is None and len(open_plans(ctx)) > 1:
        return await plans_list(ctx, "")  # one line per plan, a button to each one's table
    plan = require_plan(ctx)
    scope = await visible_units(ctx)
    async with ctx.read() as db:
        sums = {
            s.unit_id: s for s in await assignments.summaries(db, plan.id, ctx.now, scope_path(ctx))
        }
    done = sum(s.done for s in sums.values())
    total = sum(s.total - s.not_applicable for s in sums.values())
    late = sum(1 for s in sums.values() if s.overdue)
    lines = [
        ctx.t(
            "status.header",
            title=plan.title,
            units=len(scope),
            done=done,
            total=total,
            percent=ctx.t.percent(done, total),
            late_units=late,
            at=ctx.t.moment(ctx.now),
        )
    ]
    # Thousands of lines: each message is looked up once, not once per line.
    unit_line, pending_part, returned_part, overdue_part = (
        ctx.t.line(key)
        for key in (
            "status.unit_line",
            "status.pending_part",
            "status.returned_part",
            "status.overdue_part",
        )
    )
    for unit in scope:
        s = sums.get(unit.id)
        if s is None:
            continue
        line = unit_line(
            light=PALETTE[unit_light(s.total, s.done, s.pending, s.not_applicable, s.overdue)].icon,
            unit=unit.label,
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
    lines += await unacknowledged_lines(ctx, scope)
    lines.append(legend(ctx.t))
    return Reply("\n".join(lines), private=True)


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
    """`/overdue`: every overdue material in scope, by unit."""
    plan = require_plan(ctx)
    scope = {u.id: u for u in await visible_units(ctx)}
    async with ctx.read() as db:
        rows = await assignments.overdue(db, plan.id, ctx.now, scope_path(ctx))
    if not rows:
        return Reply(ctx.t("overdue.none"), private=True)
    by_unit = defaultdict(list)
    for row in rows:
        if row.unit_id in scope:
            by_unit[row.unit_id].append(row)
    lines = [ctx.t("overdue.header", units=len(by_unit), items=len(rows))]
    days = ctx.app.settings.due_soon_days
    for unit_id, unit_rows in by_unit.items():
        lines.append("")
        lines.append(ctx.t("overdue.unit", unit=scope[unit_id].name, count=len(unit_rows)))
        lines += [
            "  " + assignment_line(ctx.t, r, ctx.now, days, with_state=False) for r in unit_rows
        ]
    return Reply("\n".join(lines), private=True)


async def units_list(ctx: Context, args: str) -> Reply:
    """`/units`: the units this admin may see, with the codes commands accept (a retired unit
    is no longer listed; its history stays). `单位 新增 …` is `/unit add …`."""
    if args.split()[:1] and args.split()[0].lower() in units_admin.VERBS:
        return await units_admin.unit(ctx, args)
    scope = [u for u in await visible_units(ctx) if can_see(ctx, u) and not u.retired]
    lines = [ctx.t("units.header", count=len(scope))]
    for unit in scope:
        depth = unit.path.count("/") - 2
        lines.append(
            "  " * max(depth, 0)
            + ctx.t(
                "units.line", name=unit.name, code=unit.code, kind=ctx.t(f"kind.{unit.kind.value}")
            )
        )
    return Reply("\n".join(lines), private=True)
