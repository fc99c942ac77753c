"""催办 and on-request dates: `/urge UNIT|CODE|all-overdue [message]`, `/deadline CODE DATE`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import aiosqlite

from domain.deadlines import DeadlineError, due_instant, parse_user_date
from domain.messages import Choice, Reply
from domain.model import Role
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import (
    can_review,
    find_material,
    looks_like_code,
    plan_materials,
    require_plan,
    resolve_unit,
    scope_path,
    visible_units,
)
from schedules.decide import is_away
from schedules.outbox import queue
from schedules.quiet import deliver_at
from schedules.render import due_text, material_line
from storage import assignments, owed, people, units, urges
from storage.models import Unit
from storage.owed import OwedRow
from storage.people import Person

ALL_OVERDUE = {"all-overdue", "all_overdue", "overdue", "全部逾期", "逾期"}
CONFIRM_WITHIN = timedelta(hours=1)
PENDING_FOR = timedelta(minutes=15)
MAX_MESSAGE = 200
SOON_DAYS = 7


def _pick(rows: list[OwedRow], today: date) -> list[OwedRow]:
    """What to urge a unit about: overdue or due within a week; else all it owes."""
    pressing = [r for r in rows if r.due is not None and r.due <= today + timedelta(days=SOON_DAYS)]
    return pressing or [r for r in rows if r.due is not None] or rows


async def _targets(ctx: Context, target: str) -> dict[int, list[OwedRow]]:
    plan = require_plan(ctx)
    tz = ctx.app.settings.tz
    today = ctx.today
    found: dict[int, list[OwedRow]] = defaultdict(list)
    if target.lower() in ALL_OVERDUE:
        scope = [u for u in await visible_units(ctx) if can_review(ctx, u)]
        async with ctx.read() as db:
            late = await assignments.overdue(db, plan.id, ctx.now, scope_path(ctx))
            wanted = {u.id for u in scope}
            for unit_id in dict.fromkeys(row.unit_id for row in late if row.unit_id in wanted):
                rows = await owed.owed_by_unit(db, plan.id, unit_id, tz)
                found[unit_id] = [r for r in rows if r.due is not None and r.due < today]
    elif looks_like_code(target):
        material = find_material(await plan_materials(ctx), target)
        async with ctx.read() as db:
            rows = await owed.owed_material(db, plan.id, material.id, scope_path(ctx), tz)
            by_id = {u.id: u for u in await units.all_units(db)}
        for row in rows:
            if row.unit_id in by_id and can_review(ctx, by_id[row.unit_id]):
                found[row.unit_id].append(row)
    else:
        unit = await resolve_unit(ctx, target)
        async with ctx.read() as db:
            rows = await owed.owed_by_unit(db, plan.id, unit.id, tz)
        if rows:
            found[unit.id] = _pick(rows, today)
    return {unit_id: rows for unit_id, rows in found.items() if rows}


def _parse(args: str) -> tuple[str, str | None]:
    words = args.split(maxsplit=1)
    if not words:
        raise UserError("sched.urge_usage")
    message = words[1].strip() if len(words) > 1 else None
    if message and len(message) > MAX_MESSAGE:
        raise UserError("sched.urge_too_long", limit=MAX_MESSAGE)
    return words[0], message


async def urge(ctx: Context, args: str) -> Reply:
    """`/urge UNIT|CODE|all-overdue [message]`: push a reminder now, recorded with who urged."""
    return await _urge(ctx, args, confirmed=False)


async def urge_confirm(ctx: Context, args: str) -> Reply:
    """`/urge_confirm`: urge again although the unit was urged within the hour."""
    if not args.strip():
        async with ctx.write() as db:
            args = await urges.take_urge(db, ctx.contact.id, ctx.now - PENDING_FOR) or ""
        if not args:
            raise UserError("sched.urge_nothing_pending")
    return await _urge(ctx, args, confirmed=True)


async def urge_cancel(ctx: Context, args: str) -> Reply:
    """`/urge_cancel`: drop an urging waiting for confirmation."""
    async with ctx.write() as db:
        await urges.take_urge(db, ctx.contact.id, ctx.now - PENDING_FOR)
    return Reply(ctx.t("sched.urge_cancelled"), replaces_choices=True)


async def _urge(ctx: Context, args: str, confirmed: bool) -> Reply:
    target, message = _parse(args)
    targets = await _targets(ctx, target)
    if not targets and ctx.role is Role.UNIT_ADMIN:
        raise UserError(
            "sched.urge_nothing_below", target=clip(target, 30), over=await _over_own_unit(ctx)
        )
    if not targets:
        raise UserError("sched.urge_nothing", target=clip(target, 30))
    async with ctx.read() as db:
        names = {u.id: u for u in await units.all_units(db)}
        recent = {}
        if not confirmed:
            for unit_id in targets:
                last = await urges.last_urge(db, unit_id, ctx.now - CONFIRM_WITHIN)
                if last is not None:
                    recent[unit_id] = last
    if recent:
        async with ctx.write() as db:
            await urges.hold_urge(db, ctx.contact.id, args.strip(), ctx.now)
        lines = [
            ctx.t(
                "sched.urge_recent",
                unit=names[u].label,
                at=ctx.t.moment(last.at),
                by=last.by or "?",
            )
            for u, last in recent.items()
        ]
        lines.append(ctx.t("sched.urge_confirm_question"))
        return Reply(
            "\n".join(lines),
            choices=[
                [
                    Choice(ctx.t("sched.urge_confirm_button"), "/urge_confirm"),
                    Choice(ctx.t("sched.urge_cancel_button"), "/urge_cancel"),
                ]
            ],
        )
    reached, nobody = 0, []
    async with ctx.write() as db:
        for unit_id, rows in targets.items():
            sent = await _send(ctx, db, names[unit_id], rows, message)
            reached += sent
            if not sent:
                nobody.append(names[unit_id].label)
    policy = ctx.policy
    lines = [ctx.t("sched.urge_done", units=len(targets), contacts=reached)]
    if nobody:
        lines.append(ctx.t("sched.urge_nobody", names=ctx.t.listed(nobody, 20)))
    later = deliver_at(ctx.now, policy, ctx.app.settings.tz, kind="urge")
    if later != ctx.now:
        lines.append(ctx.t("sched.urge_quiet", at=ctx.t.moment(later)))
    return Reply("\n".join(lines), replaces_choices=confirmed)


async def _over_own_unit(ctx: Context) -> str:
    """Who urges and sets dates for a unit admin's own unit: the unit above it."""
    parent_id = ctx.unit.parent_id if ctx.unit else None
    async with ctx.read() as db:
        parent = await units.get(db, parent_id) if parent_id is not None else None
    return parent.label if parent else "?"


def _recipients(members: list[Person], today: date) -> list[Person]:
    """Everyone of the unit who can be reached and is not on leave; all of them if all are away."""
    reachable = [p for p in members if not p.unreachable]
    present = [p for p in reachable if not is_away(p, today)]
    return present or reachable


async def _send(
    ctx: Context, db: aiosqlite.Connection, unit: Unit, rows: list[OwedRow], message: str | None
) -> int:
    codes = [r.code for r in rows]
    urge_id = await urges.record_urge(db, unit.id, ctx.contact.id, ctx.now, codes, message)
    await ctx.audit(
        db,
        "urge",
        unit.id,
        subject=",".join(codes),
        detail={"urge": urge_id, "message": message},
    )
    by = ctx.contact.label
    by_unit = ctx.unit.label if ctx.unit else ""
    sent = 0
    for person in _recipients(await people.unit_people(db, unit.id), ctx.today):
        t = ctx.app.translator_for(person)
        lines = [t("sched.urge_header", unit=unit.label, by=by, by_unit=by_unit)]
        lines += [t("sched.urge_line", line=material_line(t, r), due=due_text(t, r)) for r in rows]
        if message:
            lines.append(t("sched.urge_message", message=message))
        lines.append(t("sched.footer"))
        buttons = [
            [Choice(t("sched.report_button", code=c), f"/report_pick {c}") for c in codes[:3]]
        ]
        if await queue(
            db,
            person,
            key=f"urge:{urge_id}",
            kind="urge",
            text="\n".join(lines),
            now=ctx.now,
            quiet=ctx.quiet,
            choices=buttons,
        ):
            sent += 1
    return sent


async def set_deadline(ctx: Context, args: str) -> Reply:
    """`/deadline CODE DATE`: give an on-request (按要求报送) material a date; reminders follow it."""
    plan = require_plan(ctx)
    words = args.split()
    if len(words) != 2:
        raise UserError("sched.setdue_usage")
    material = find_material(await plan_materials(ctx), words[0])
    if material.deadline_kind != "on_request":
        raise UserError("sched.setdue_fixed", code=material.code, expr=material.deadline_expr)
    today = ctx.today
    try:
        day = parse_user_date(words[1], today)
    except DeadlineError:
        raise UserError("sched.setdue_bad_date", text=clip(words[1], 20)) from None
    if day < today:
        raise UserError("sched.setdue_past", date=ctx.t.day(day, with_year=True))
    year_end = date(plan.year, 12, 31)
    if day > year_end:
        raise UserError("sched.setdue_after_year", last=ctx.t.day(year_end, with_year=True))
    tz = ctx.app.settings.tz
    exclude = None if ctx.role is Role.PROVINCE_ADMIN else ctx.contact.unit_id
    told = 0
    async with ctx.write() as db:
        count = await assignments.set_due_in_scope(
            db, plan.id, material.id, scope_path(ctx), exclude, day, due_instant(day, tz)
        )
        if not count and exclude is not None:
            over = await _over_own_unit(ctx)
            raise UserError("sched.setdue_none_below", code=material.code, over=over)
        if not count:
            raise UserError("sched.setdue_none", code=material.code)
        await ctx.audit(
            db,
            "set_deadline",
            ctx.contact.unit_id,
            subject=material.code,
            detail={"date": day.isoformat(), "units": count},
        )
        for row in await owed.owed_material(db, plan.id, material.id, scope_path(ctx), tz):
            if row.unit_id == exclude:
                continue
            for person in _recipients(await people.unit_people(db, row.unit_id), today):
                t = ctx.app.translator_for(person)
                if await queue(
                    db,
                    person,
                    key=f"setdue:{material.id}:{day.isoformat()}",
                    kind="deadline",
                    text=t(
                        "sched.setdue_notice",
                        line=material_line(t, row),
                        date=t.day(day, with_year=True),
                        by=ctx.contact.label,
                    ),
                    now=ctx.now,
                    quiet=ctx.quiet,
                ):
                    told += 1
    return Reply(
        ctx.t(
            "sched.setdue_done",
            code=material.code,
            date=ctx.t.day(day, with_year=True),
            units=count,
            contacts=told,
        )
    )
