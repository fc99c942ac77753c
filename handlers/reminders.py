"""A contact's own reminders: `/remind` (show, on/off, time), `/away FROM TO`, `/ack` (签收)."""

from __future__ import annotations

from datetime import date, timedelta

from domain import screen
from domain.deadlines import DeadlineError, parse_user_date
from domain.messages import Choice, Reply
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import require_plan, require_unit, scope_path
from handlers.plan_scope import PlanNeeded, open_plans
from schedules.decide import is_away
from schedules.policy import parse_clock
from schedules.runtime import FIRST_SLOT, LAST_SLOT
from storage import acks, people, progress
from storage.people import Prefs

OFF = {"off", "关", "关闭", "停止"}
ON = {"on", "开", "开启", "打开"}


def _show(ctx: Context, prefs: Prefs) -> str:
    policy = ctx.policy
    at = prefs.at_time or f"{policy.time:%H:%M}"
    lines = [ctx.t("sched.remind_on" if prefs.enabled else "sched.remind_off", time=at)]
    lines.append(
        ctx.t(
            "sched.remind_rules",
            before="、".join(str(d) for d in policy.before_days),
            every=policy.overdue_every,
            max=policy.overdue_max,
            start=f"{policy.quiet_start:%H:%M}",
            end=f"{policy.quiet_end:%H:%M}",
        )
    )
    if prefs.away_from and prefs.away_to and prefs.away_to >= ctx.today:
        lines.append(
            ctx.t(
                "sched.remind_away", start=ctx.t.day(prefs.away_from), end=ctx.t.day(prefs.away_to)
            )
        )
    return "\n".join(lines)


def _toggle(ctx: Context, prefs: Prefs) -> list[list[Choice]]:
    if prefs.enabled:
        return [[Choice(ctx.t("sched.remind_off_button"), "/remind off")]]
    return [[Choice(ctx.t("sched.remind_on_button"), "/remind on")]]


async def _save(ctx: Context, prefs: Prefs, what: str) -> None:
    async with ctx.write() as db:
        await people.save_prefs(db, ctx.contact.id, prefs, ctx.now)
        await ctx.audit(
            db,
            "remind",
            ctx.contact.unit_id,
            subject=what,
        )


def parse_slot(text: str) -> str:
    """A reminder time a contact may choose: on the hour or half hour, outside quiet hours."""
    try:
        at = parse_clock(text)
    except ValueError:
        raise UserError("sched.remind_usage") from None
    if at.minute not in (0, 30) or not FIRST_SLOT <= at <= LAST_SLOT:
        raise UserError(
            "sched.remind_bad_time", first=f"{FIRST_SLOT:%H:%M}", last=f"{LAST_SLOT:%H:%M}"
        )
    return f"{at:%H:%M}"


async def remind(ctx: Context, args: str) -> Reply:
    """`/remind`: show your reminders; `/remind off|on`; `/remind 14:30` to change the time."""
    word = args.strip().lower()
    async with ctx.read() as db:
        prefs = await people.prefs(db, ctx.contact.id)
    if not word:
        return Reply(_show(ctx, prefs), choices=_toggle(ctx, prefs), private=True)
    if word in OFF:
        prefs = prefs.model_copy(update={"enabled": False})
        await _save(ctx, prefs, "off")
        key = "sched.remind_turned_off"
    elif word in ON:
        prefs = prefs.model_copy(update={"enabled": True})
        await _save(ctx, prefs, "on")
        key = "sched.remind_turned_on"
    else:
        prefs = prefs.model_copy(update={"at_time": parse_slot(word), "enabled": True})
        await _save(ctx, prefs, prefs.at_time or "")
        key = "sched.remind_time_set"
    text = ctx.t(key, time=prefs.at_time or f"{ctx.policy.time:%H:%M}")
    return Reply(text, choices=_toggle(ctx, prefs), private=True, replaces_choices=True)


def _day(ctx: Context, text: str) -> date:
    try:
        return parse_user_date(text, ctx.today)
    except DeadlineError:
        raise UserError("sched.away_bad_date", text=clip(text, 20)) from None


async def away(ctx: Context, args: str) -> Reply:
    """`/away FROM TO`: hold your reminders while on leave; another contact gets them. `/away off` ends it."""
    unit = require_unit(ctx)
    words = args.split()
    async with ctx.read() as db:
        prefs = await people.prefs(db, ctx.contact.id)
    if len(words) == 1 and words[0].lower() in OFF:
        await _save(ctx, prefs.model_copy(update={"away_from": None, "away_to": None}), "back")
        return Reply(ctx.t("sched.away_cleared"), private=True)
    if len(words) != 2:
        raise UserError("sched.away_usage")
    start, end = _day(ctx, words[0]), _day(ctx, words[1])
    if end < start:
        start, end = end, start
    if end < ctx.today:
        raise UserError("sched.away_past")
    longest, days = ctx.app.settings.max_away_days, (end - start).days + 1
    if days > longest:
        raise UserError(
            "sched.away_too_long",
            days=longest,
            asked=days,
            start=ctx.t.day(start, with_year=True),
            end=ctx.t.day(end, with_year=True),
        )
    await _save(ctx, prefs.model_copy(update={"away_from": start, "away_to": end}), "away")
    async with ctx.read() as db:
        others = await people.unit_people(db, unit.id)
    covering = [
        p
        for p in others
        if p.id != ctx.contact.id
        and p.enabled
        and not p.unreachable
        and not any(is_away(p, start + timedelta(days=n)) for n in range((end - start).days + 1))
    ]
    text = ctx.t("sched.away_set", start=ctx.t.day(start), end=ctx.t.day(end))
    if covering:
        names = ctx.t.listed([p.label for p in covering], 5)
        text += "\n" + ctx.t("sched.away_covered", names=names)
    else:
        text += "\n" + ctx.t("sched.away_uncovered")
    return Reply(text, private=True)


async def ack(ctx: Context, args: str) -> Reply:
    """`/ack [PLAN]` (签收): acknowledge receipt of a plan and its materials for your unit;
    without a plan, the one the unit has not acknowledged (asked which if several)."""
    unit = require_unit(ctx)
    if ctx.plan is None:
        async with ctx.read() as db:
            waiting = await acks.unacknowledged_plans(db, unit.id)
        candidates = [p for p in open_plans(ctx) if p.id in waiting]
        if len(candidates) > 1:
            raise PlanNeeded(candidates)
        ctx.plan = candidates[0] if candidates else None
    plan = require_plan(ctx)
    async with ctx.write() as db:
        count = await acks.acknowledge(db, plan.id, unit.id, ctx.contact.id, ctx.now)
        if count:
            await ctx.audit(
                db,
                "ack",
                unit.id,
                subject=f"{plan.code} {plan.year}",
                detail={"materials": count},
            )
    if not count:
        return Reply(ctx.t("sched.ack_none", unit=unit.name), replaces_choices=True)
    return Reply(
        ctx.t("sched.ack_done", unit=unit.name, title=plan.title, count=count),
        replaces_choices=True,
    )


async def unacknowledged_lines(ctx: Context) -> list[str]:
    """For `/status`: the units in scope that have not acknowledged (签收) the plan, and apart
    from them those with no contact at all, who could not (they need a phone call). Only the
    names that fit a phone row are read, and the numbers of each."""
    if ctx.plan is None or not ctx.policy.ack:
        return []
    async with ctx.read() as db:
        behind = await progress.unacknowledged(db, ctx.plan.id, scope_path(ctx), screen.ROW_COLUMNS)
    lines = []
    if behind.staffed:
        names = _listed(ctx, behind.staffed_first, behind.staffed)
        lines.append(ctx.t("sched.status_unacked", count=behind.staffed, names=names))
    if behind.unstaffed:
        names = _listed(ctx, behind.unstaffed_first, behind.unstaffed)
        lines.append(ctx.t("sched.status_uncontacted", count=behind.unstaffed, names=names))
    return lines


def _listed(ctx: Context, first: list[str], count: int) -> str:
    """The first names that fit one row, as `Translator.listed` cuts the whole list of `count`
    (never more than a row's columns of names fit, so `first` holds them all)."""
    limit = screen.fitting(first)
    if count <= limit:
        return ctx.t.join(first)
    names = ctx.t.join(first[:limit])
    return ctx.t("list.cut", names=names, count=count, more=count - limit)
