"""Asking for exceptions: `/na` (not applicable), `/extend` (延期); `/approve`, `/refuse`."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import aiosqlite

from domain.deadlines import DeadlineError, due_instant, parse_user_date
from domain.messages import Reply
from domain.model import AssignmentState, RequestKind, RequestStatus
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import material_named, require_plan, require_unit, reviewable
from handlers.notify import tell
from handlers.reporting import MAX_NOTE, parse_id
from storage import assignments, contacts, prompts, requests, units
from storage.models import AssignmentRow, Contact, Request


async def _own_assignment(ctx: Context, code: str, action: str) -> AssignmentRow:
    material = await material_named(ctx, code, action)
    async with ctx.read() as db:
        row = await assignments.find(db, require_plan(ctx).id, require_unit(ctx).id, material.id)
    if row is None:
        raise UserError("report.not_assigned", code=material.code)
    return row


def _reason(text: str, usage: str) -> str:
    reason = text.strip()
    if not reason:
        raise UserError(usage)
    if len(reason) > MAX_NOTE:
        raise UserError("report.note_too_long", limit=MAX_NOTE)
    return reason


async def _file(
    ctx: Context, row: AssignmentRow, kind: RequestKind, reason: str, new_due=None
) -> int:
    async with ctx.write() as db:
        if await requests.open_for(db, row.id, kind) is not None:
            raise UserError("request.already_open", code=row.code)
        request_id = await requests.insert(
            db,
            kind=kind,
            assignment_id=row.id,
            contact_id=ctx.contact.id,
            reason=reason,
            new_due_date=new_due,
            now=ctx.now,
        )
        await ctx.audit(
            db,
            f"request_{kind.value}",
            row.unit_id,
            subject=row.code,
            detail={"request": request_id, "reason": reason},
        )
        unit = await units.get(db, row.unit_id)
        assert unit is not None
        await tell(
            ctx,
            db,
            await contacts.admins_over(db, unit.path),
            "request",
            str(request_id),
            f"notify.request_{kind.value}",
            id=request_id,
            unit=unit.label,
            code=row.code,
            reason=clip(reason, 120),
        )
    return request_id


async def not_applicable(ctx: Context, args: str) -> Reply:
    """`/na CODE reason`: declare that the material does not apply (needs an admin's approval)."""
    words = args.split(maxsplit=1)
    if not words:
        raise UserError("na.usage")
    rest = words[1] if len(words) > 1 else ""
    row = await _own_assignment(ctx, words[0], f"/na {{code}} {rest}".strip())
    if row.state in (AssignmentState.ACCEPTED, AssignmentState.NOT_APPLICABLE):
        raise UserError("request.not_needed", code=row.code)
    reason = _reason(words[1] if len(words) > 1 else "", "na.usage")
    request_id = await _file(ctx, row, RequestKind.NOT_APPLICABLE, reason)
    return Reply(ctx.t("na.filed", id=request_id, code=row.code))


async def extend(ctx: Context, args: str) -> Reply:
    """`/extend CODE DATE reason`: ask for a later deadline."""
    words = args.split(maxsplit=2)
    if len(words) < 3:
        raise UserError("extend.usage")
    row = await _own_assignment(ctx, words[0], f"/extend {{code}} {words[1]} {words[2]}")
    if row.state in (AssignmentState.ACCEPTED, AssignmentState.NOT_APPLICABLE):
        raise UserError("request.not_needed", code=row.code)
    tz: ZoneInfo = ctx.app.settings.tz
    try:
        new_due = parse_user_date(words[1], ctx.now.astimezone(tz).date())
    except DeadlineError:
        raise UserError("error.bad_date", text=clip(words[1], 20)) from None
    if row.due_date is not None and new_due <= row.due_date:
        raise UserError("extend.not_later", due=ctx.t.day(row.due_date, with_year=True))
    year_end = date(require_plan(ctx).year, 12, 31)
    if new_due > year_end:
        raise UserError("extend.after_year", last=ctx.t.day(year_end, with_year=True))
    reason = _reason(words[2], "extend.usage")
    request_id = await _file(ctx, row, RequestKind.EXTENSION, reason, new_due)
    return Reply(ctx.t("extend.filed", id=request_id, code=row.code, date=ctx.t.day(new_due, True)))


async def _close(
    ctx: Context,
    db: aiosqlite.Connection,
    found: Request,
    status: RequestStatus,
    reason: str | None,
    kept: dict[str, object] | None = None,
) -> Contact | None:
    """Decide a pending request and record who did it (and `kept`: what `/undo` would need
    to put back); returns the requester to tell."""
    if not await requests.decide(db, found.id, status, ctx.contact.id, reason, ctx.now):
        raise UserError("request.decided", id=found.id)
    verb = "approve" if status is RequestStatus.APPROVED else "refuse"
    detail: dict[str, object] = {"request": found.id, **(kept or {})}
    if reason:
        detail["reason"] = reason
    await ctx.audit(
        db,
        f"{verb}_{found.kind.value}",
        found.unit_id,
        subject=found.code,
        detail=detail,
    )
    return await contacts.get(db, found.contact_id) if found.contact_id else None


async def approve(ctx: Context, args: str) -> Reply:
    """`/approve ID`: grant a not-applicable or extension request."""
    found = await reviewable(
        ctx, requests.get, parse_id(args, "approve.usage"), "error.request_unknown"
    )
    tz: ZoneInfo = ctx.app.settings.tz
    async with ctx.write() as db:
        before = await assignments.get(db, found.assignment_id)
        kept: dict[str, object] = {}
        if before is not None and found.kind is RequestKind.EXTENSION:  # for /undo
            kept = {"old_due_date": before.due_date and before.due_date.isoformat()}
            kept["old_due_at"] = before.due_at and before.due_at.isoformat()
        requester = await _close(ctx, db, found, RequestStatus.APPROVED, None, kept)
        if found.kind is RequestKind.NOT_APPLICABLE:
            await assignments.set_not_applicable(db, found.assignment_id, found.reason)
        elif found.new_due_date is not None:
            await assignments.set_due(
                db, found.assignment_id, found.new_due_date, due_instant(found.new_due_date, tz)
            )
        if requester is not None:
            await tell(
                ctx, db, [requester], "approved", str(found.id),
                f"notify.approved_{found.kind.value}", id=found.id, code=found.code,
                date=found.new_due_date or "",
            )  # fmt: skip
    return Reply(ctx.t("request.approved", id=found.id, code=found.code), replaces_choices=True)


async def refuse(ctx: Context, args: str) -> Reply:
    """`/refuse ID reason`: turn a request down; the requester is told why."""
    words = args.split(maxsplit=1)
    found = await reviewable(
        ctx,
        requests.get,
        parse_id(words[0] if words else "", "refuse.usage"),
        "error.request_unknown",
    )
    if len(words) < 2 or not words[1].strip():
        async with ctx.write() as db:
            await prompts.ask(db, ctx.contact.id, f"/refuse {found.id}", ctx.now)
        return Reply(
            ctx.t("refuse.ask_reason", id=found.id, minutes=ctx.app.settings.prompt_minutes),
            replaces_choices=True,
        )
    reason = _reason(words[1], "refuse.usage")
    async with ctx.write() as db:
        requester = await _close(ctx, db, found, RequestStatus.REFUSED, reason)
        if requester is not None:
            await tell(
                ctx, db, [requester], "refused", str(found.id), "notify.refused",
                id=found.id, code=found.code, reason=reason,
            )  # fmt: skip
    return Reply(ctx.t("request.refused", id=found.id, code=found.code), replaces_choices=True)
