"""A plan's lifecycle in chat: `/plans` lists them, `/plan publish|close|show` moves one on.

Publishing sends every contact of an addressed unit the 签收 notice at once (the reminder job
would otherwise wait for its next fire); closing stops reminders and reporting, keeps history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import aiosqlite

from domain.messages import Choice, OutgoingFile, Reply
from domain.model import PlanState, Role
from handlers import plan_upload
from handlers.context import Context, Services
from handlers.errors import UserError
from handlers.lookup import scope_path
from handlers.plan_scope import named, visible
from locales import Translator
from schedules.outbox import queue
from schedules.policy import policy_from
from storage import acks, assignments, audit, people, plans, reports
from storage.models import Plan

MAX_LISTED = 12  # plans in /plans: the open ones, then the most recent closed ones


async def plans_list(ctx: Context, args: str) -> Reply:
    """`/plans` (计划): every plan the sender may see, open first, with its progress."""
    t = ctx.t
    shown = [p for p in visible(ctx) if p.state is not PlanState.CLOSED]
    closed = [p for p in visible(ctx) if p.state is PlanState.CLOSED]
    if not shown and not closed:
        return Reply(t("plans.none"))
    listed = [*shown, *closed][:MAX_LISTED]
    async with ctx.read() as db:
        progress = await assignments.progress_by_plan(
            db, [p.id for p in listed], ctx.now, scope_path(ctx)
        )
    lines = [t("plans.header", open=len(shown))]
    for plan in listed:
        got = progress.get(plan.id)
        percent = round(100 * got.done / got.total) if got and got.total else 0
        lines.append(
            t(
                "plans.line",
                prefix=plan.prefix,
                title=plan.title,
                state=t(f"plans.state.{plan.state.value}"),
                percent=percent,
                overdue=got.overdue if got else 0,
            )
        )
    if len(shown) + len(closed) > MAX_LISTED:
        lines.append(t("plans.more", count=len(shown) + len(closed) - MAX_LISTED))
    lines.append(t("plans.hint"))
    focus = ctx.plan.prefix if ctx.plan else None
    choices = [
        [Choice(t("plans.status_button", prefix=p.prefix), f"/status {p.prefix}")]
        for p in shown[:6]
        if p.prefix != focus or len(shown) > 1
    ]
    return Reply("\n".join(lines), choices=choices)


async def plan(ctx: Context, args: str) -> Reply:
    """`/plan publish|close|show CODE`: move a plan along its lifecycle."""
    words = args.split()
    if not words:
        raise UserError("plans.usage")
    action, rest = words[0].lower(), words[1:]
    action = _ACTIONS.get(action, action)
    if action in ("import", "export", "discard"):  # a plan file in chat: handlers.plan_upload
        return await plan_upload.run(ctx, action, rest)
    if action not in ("publish", "close", "show"):
        raise UserError("plans.usage")
    target = named(ctx, rest[0]) if rest else ctx.plan
    if target is None:
        raise UserError("plans.unknown", name=(rest[0] if rest else "")[:30])
    if action == "show":
        return _show(ctx, target)
    if ctx.role is not Role.PROVINCE_ADMIN:
        raise UserError("error.forbidden")
    if action == "publish":
        return await _publish(ctx, target)
    return await _close(ctx, target, confirmed=rest[1:2] == ["confirm"])


_ACTIONS = {"发布": "publish", "结束": "close", "关闭": "close", "查看": "show", "导入": "import"}


def _show(ctx: Context, plan: Plan) -> Reply:
    t = ctx.t
    lines = [
        t("plans.show_title", prefix=plan.prefix, title=plan.title),
        t("plans.show_state", state=t(f"plans.state.{plan.state.value}"), year=plan.year),
    ]
    if plan.document:
        lines.append(t("plans.show_document", document=plan.document))
    choices = [[Choice(t("plans.tasks_button"), f"/tasks {plan.prefix}")]]
    if plan.state is PlanState.DRAFT:
        choices.append([Choice(t("plans.publish_button"), f"/plan publish {plan.prefix}")])
    return Reply("\n".join(lines), choices=choices)


async def _publish(ctx: Context, plan: Plan) -> Reply:
    if plan.state is not PlanState.DRAFT:
        raise UserError(f"plans.already_{plan.state.value}", title=plan.title)
    async with ctx.write() as db:
        sent = await publish(ctx.app, db, plan, ctx.now, ctx.contact.id)
        await plans.set_focus(db, ctx.contact.id, plan.id)
    return Reply(
        ctx.t("plans.published", title=plan.title, prefix=plan.prefix, sent=sent),
        replaces_choices=True,
    )


async def publish(
    app: Services,
    db: aiosqlite.Connection,
    plan: Plan,
    now: datetime,
    actor_id: int | None,
    *,
    notice: Callable[[Translator], str] | None = None,
    files: Sequence[OutgoingFile] = (),
) -> int:
    """Publish a draft in the caller's transaction and queue its notice to every contact of an
    addressed unit (with a 签收 button when the plan asks for it); how many were queued.
    `notice` words the notice in each person's language instead of the plan's summary, and
    `files` go with it (a 交办's notice document)."""
    await plans.set_state(db, plan.id, PlanState.PUBLISHED, now)
    policy = policy_from(plan.reminders)
    quiet = (policy, app.settings.tz)
    unit_ids = await assignments.addressed_units(db, plan.id)
    materials = await plans.materials(db, plan.id)
    first_due = min((m.due_date for m in materials if m.due_date), default=None)
    sent = 0
    noticed = []
    for unit_id in unit_ids:
        for person in await people.unit_people(db, unit_id):
            t = app.translator_for(person)
            text = (
                notice(t)
                if notice is not None
                else t(
                    "plans.notice",
                    title=plan.title,
                    count=len(materials),
                    due=t.day(first_due) if first_due else t("date.none"),
                )
            )
            choices = [[Choice(t("plans.todo_button"), "/todo")]]
            if policy.ack:
                text += "\n" + t("plans.notice_ack")
                choices.insert(0, [Choice(t("plans.ack_button"), f"/ack {plan.prefix}")])
            if await queue(
                db,
                person,
                key=f"publish:{plan.id}",
                kind="publish",
                text=text,
                now=now,
                choices=choices,
                quiet=quiet,
                files=files,
            ):
                sent += 1
                noticed.append(unit_id)
    if policy.ack and noticed:
        await acks.mark_noticed(
            db, plan.id, sorted(set(noticed)), now.astimezone(app.settings.tz).date()
        )
    await audit.record(
        db, at=now, actor_id=actor_id, action="plan_publish", unit_id=None,
        subject=f"{plan.code} {plan.year}",
    )  # fmt: skip
    return sent


async def _close(ctx: Context, plan: Plan, *, confirmed: bool) -> Reply:
    t = ctx.t
    if plan.state is PlanState.CLOSED:
        raise UserError("plans.already_closed", title=plan.title)
    async with ctx.read() as db:
        waiting = len(await reports.pending_under(db, plan.id, "/", None))
    if waiting and not confirmed:
        return Reply(
            t("plans.close_waiting", title=plan.title, count=waiting),
            choices=[
                [Choice(t("plans.close_button"), f"/plan close {plan.prefix} confirm")],
                [Choice(t("plans.pending_button"), f"/pending {plan.prefix}")],
            ],
        )
    async with ctx.write() as db:
        await close(db, plan, ctx.now, ctx.contact.id)
    return Reply(t("plans.closed", title=plan.title), replaces_choices=True)


async def close(db: aiosqlite.Connection, plan: Plan, now: datetime, actor_id: int | None) -> None:
    """Close a plan in the caller's transaction: no more reminders or reports; history stays."""
    await plans.set_state(db, plan.id, PlanState.CLOSED, now)
    await audit.record(
        db, at=now, actor_id=actor_id, action="plan_close", unit_id=None,
        subject=f"{plan.code} {plan.year}",
    )  # fmt: skip
