"""Admins reviewing reports: `/pending`, `/accept ID`, `/return ID reason`."""

from __future__ import annotations

import aiosqlite

from domain.messages import Choice, Reply
from domain.model import ReportStatus, Role
from domain.text import clip
from handlers.broadcasts import announce
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import reviewable, scope_path
from handlers.notify import tell
from handlers.plan_scope import open_plans
from handlers.reporting import MAX_NOTE, parse_id
from storage import contacts, prompts, reports, requests, units
from storage.models import Report

LISTED = 20


def _own_unit_excluded(ctx: Context) -> int | None:
    return None if ctx.contact.role is Role.PROVINCE_ADMIN else ctx.contact.unit_id


async def pending(ctx: Context, args: str) -> list[Reply]:
    """`/pending [PLAN]`: reports and requests awaiting this admin's decision, oldest first,
    over every open plan unless one is named (a decision is by id, whatever the plan)."""
    plan_ids = [ctx.plan.id] if ctx.plan_named and ctx.plan else [p.id for p in open_plans(ctx)]
    path = scope_path(ctx)
    exclude = _own_unit_excluded(ctx)
    async with ctx.read() as db:
        waiting = await reports.pending_under(db, plan_ids, path, exclude)
        asked = await requests.pending_under(db, plan_ids, path, exclude)
        names = {u.id: u.label for u in await units.all_units(db)}
        file_counts = {r.id: len(await reports.files(db, r.id)) for r in waiting[:LISTED]}
    if not waiting and not asked:
        return [Reply(ctx.t("pending.none"))]
    replies = [Reply(ctx.t("pending.header", reports=len(waiting), requests=len(asked)))]
    for r in waiting[:LISTED]:
        text = ctx.t(
            "pending.report",
            id=r.id,
            unit=names.get(r.unit_id, "?"),
            code=r.code,
            title=clip(r.title, 30),
            at=ctx.t.moment(r.submitted_at),
            files=file_counts[r.id],
        )
        if r.count is not None:
            text += " · " + ctx.t("pending.count", count=r.count)
        if r.note:
            text += "\n" + ctx.t("pending.note", note=clip(r.note, 120))
        replies.append(
            Reply(
                text,
                choices=[
                    [
                        Choice(ctx.t("review.accept_button"), f"/accept {r.id}"),
                        Choice(ctx.t("review.return_button"), f"/return {r.id}"),
                        Choice(ctx.t("insight.detail_button"), f"/report_detail {r.id}"),
                    ]
                ],
            )
        )
    for q in asked[:LISTED]:
        key = "pending.request_na" if q.kind == "na" else "pending.request_extend"
        text = ctx.t(
            key,
            id=q.id,
            unit=names.get(q.unit_id, "?"),
            code=q.code,
            title=clip(q.title, 30),
            reason=clip(q.reason, 120),
            date=ctx.t.day(q.new_due_date, with_year=True),
        )
        replies.append(
            Reply(
                text,
                choices=[
                    [
                        Choice(ctx.t("review.approve_button"), f"/approve {q.id}"),
                        Choice(ctx.t("review.refuse_button"), f"/refuse {q.id}"),
                    ]
                ],
            )
        )
    if len(waiting) > LISTED or len(asked) > LISTED:
        replies.append(Reply(ctx.t("pending.more", shown=LISTED)))
    return replies


async def _decide(
    ctx: Context, db: aiosqlite.Connection, found: Report, status: ReportStatus, reason: str | None
) -> None:
    """Move a pending report to `status`, re-derive its state and record who did it."""
    if not await reports.set_status(
        db,
        found.id,
        status,
        expected=ReportStatus.PENDING,
        reviewer_id=ctx.contact.id,
        reason=reason,
        now=ctx.now,
    ):
        raise UserError("review.not_pending", id=found.id)
    detail: dict[str, object] = {"report": found.id}
    if reason:
        detail["reason"] = reason
    action = "accept" if status is ReportStatus.ACCEPTED else "return"
    await ctx.audit(
        db,
        action,
        found.unit_id,
        subject=found.code,
        detail=detail,
    )


async def accept(ctx: Context, args: str) -> Reply:
    """`/accept ID`: the report is accepted; its reporter is told."""
    found = await reviewable(
        ctx, reports.get, parse_id(args, "accept.usage"), "error.report_unknown"
    )
    async with ctx.write() as db:
        await _decide(ctx, db, found, ReportStatus.ACCEPTED, None)
        await announce(ctx, db, "accepted", found.id, found.unit_id, found.code)
        reporter = await contacts.get(db, found.contact_id) if found.contact_id else None
        if reporter is not None and reporter.id != ctx.contact.id:
            await tell(
                ctx, db, [reporter], "accepted", str(found.id), "notify.accepted",
                id=found.id, code=found.code, title=found.title,
            )  # fmt: skip
    return Reply(ctx.t("review.accepted", id=found.id, code=found.code), replaces_choices=True)


async def return_(ctx: Context, args: str) -> Reply:
    """`/return ID reason`: sent back for rework; every contact of the unit is told why."""
    words = args.split(maxsplit=1)
    found = await reviewable(
        ctx,
        reports.get,
        parse_id(words[0] if words else "", "return.usage"),
        "error.report_unknown",
    )
    reason = words[1].strip() if len(words) > 1 else ""
    if not reason:
        async with ctx.write() as db:
            await prompts.ask(db, ctx.contact.id, f"/return {found.id}", ctx.now)
        return Reply(
            ctx.t("return.ask_reason", id=found.id, minutes=ctx.app.settings.prompt_minutes),
            replaces_choices=True,
        )
    if len(reason) > MAX_NOTE:
        raise UserError("report.note_too_long", limit=MAX_NOTE)
    async with ctx.write() as db:
        await _decide(ctx, db, found, ReportStatus.RETURNED, reason)
        await tell(
            ctx, db, await contacts.of_unit(db, found.unit_id), "returned", str(found.id),
            "notify.returned", id=found.id, code=found.code, title=found.title, reason=reason,
        )  # fmt: skip
    return Reply(ctx.t("review.returned", id=found.id, code=found.code), replaces_choices=True)
