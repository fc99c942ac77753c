"""The plan as reporters see it: `/tasks` (everything) and `/todo` (what the unit owes)."""

from __future__ import annotations

from domain.messages import Choice, Reply
from handlers.context import Context
from handlers.lookup import plan_materials, require_plan, require_unit
from handlers.render import assignment_line, deadline_text
from storage import assignments, plans
from storage.models import Material


def _targets_text(ctx: Context, material: Material) -> str:
    parts = [
        ctx.t("tasks.target_part", kind=ctx.t(f"kind.{kind}"), count=count)
        for kind, count in material.targets.items()
    ]
    return ctx.t(
        "tasks.targets", targets=ctx.t.join(parts), unit=ctx.t.measure(material.target_unit)
    )


async def tasks(ctx: Context, args: str) -> Reply:
    """`/tasks`: every item and material with its code, deadline and targets."""
    plan = require_plan(ctx)
    materials = await plan_materials(ctx)
    async with ctx.read() as db:
        items = await plans.items(db, plan.id)
    lines = [ctx.t("tasks.header", title=plan.title, items=len(items), materials=len(materials))]
    for item in items:
        lines.append("")
        lines.append(ctx.t("tasks.item", no=item.no, title=item.title))
        for material in (m for m in materials if m.item_id == item.id):
            due = deadline_text(ctx.t, material)
            line = ctx.t("tasks.material", code=material.code, title=material.title, due=due)
            if material.deadline_expr not in due:
                line += ctx.t("tasks.as_written", expr=material.deadline_expr)
            if material.targets:
                line += " · " + _targets_text(ctx, material)
            lines.append(line)
    for note in plan.notes:
        lines.append("")
        lines.append(ctx.t("tasks.note", note=note))
    return Reply("\n".join(lines))


async def todo(ctx: Context, args: str) -> Reply:
    """`/todo`: the unit's outstanding materials, soonest first, overdue marked."""
    plan = require_plan(ctx)
    unit = require_unit(ctx)
    async with ctx.read() as db:
        rows = await assignments.outstanding_for_unit(db, plan.id, unit.id)
    if not rows:
        return Reply(ctx.t("todo.none", unit=unit.name), private=True)
    days = ctx.app.settings.due_soon_days
    lines = [ctx.t("todo.header", unit=unit.name, count=len(rows))]
    lines += [assignment_line(ctx.t, row, ctx.now, days) for row in rows]
    lines.append(ctx.t("todo.hint"))
    choices = [
        [Choice(ctx.t("todo.report_button", code=row.code), f"/report_pick {row.code}")]
        for row in rows[:8]
    ]
    return Reply("\n".join(lines), choices=choices, private=True)
