"""Fixing what was sent or decided: `/amend ID` (修改报送), `/undo` (撤销), `/cancel` (取消).

`/amend` is open to anyone of the report's unit while it awaits review, as `/withdraw` is
(withdrawing and reporting again was the only fix before). `/undo` takes back the sender's
own latest review decision within `UNDO_WINDOW`; `/cancel` ends whatever waits for the
sender: a report draft, a question (a reason), a held unit move or urging.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import aiosqlite

from domain.messages import Reply
from domain.model import ReportStatus
from domain.text import clip
from handlers import report_append, report_drafts
from handlers.context import Context
from handlers.errors import UserError
from handlers.invites import MOVE_PENDING_FOR
from handlers.lookup import require_unit
from handlers.notify import tell
from handlers.reporting import MAX_NOTE, parse_id, store_files
from handlers.urging import PENDING_FOR
from storage import (
    contacts,
    drafts,
    invites,
    plans,
    prompts,
    report_fixes,
    reports,
    requests,
    urges,
)
from storage.models import AuditEntry, Contact, Draft, Report

UNDO_WINDOW = timedelta(minutes=10)
# Audit actions `/undo` can take back (and its own, which ends the chain: one step back only).
_REPORT_DECISIONS = {"accept": "accepted", "return": "returned"}
_REQUEST_DECISIONS = {
    "approve_na": "approved",
    "approve_extend": "approved",
    "refuse_na": "refused",
    "refuse_extend": "refused",
}
_UNDONE = "undo"


async def amend(ctx: Context, args: str) -> Reply | list[Reply]:
    """`/amend ID [new note]` with or without files: files join the report (as `/append`
    adds them), text after the id replaces its note (the old one kept in the audit log);
    with neither, the files that come next are added."""
    words = args.split(maxsplit=1)
    report_id = parse_id(words[0] if words else "", "fix.amend_usage")
    note = words[1].strip() if len(words) > 1 else ""
    if not note:
        return await report_drafts.append(ctx, str(report_id), anyone=True)
    if len(note) > MAX_NOTE:
        raise UserError("report.note_too_long", limit=MAX_NOTE)
    async with ctx.read() as db:
        found = await reports.get(db, report_id)
    _check_amendable(ctx, found, report_id)
    assert found is not None
    files = await store_files(ctx, ctx.msg.files)
    async with ctx.write() as db:
        if not await report_fixes.set_note(db, report_id, note):  # reviewed meanwhile
            _check_amendable(ctx, await reports.get(db, report_id), report_id)
        await ctx.audit(
            db,
            "amend",
            found.unit_id,
            subject=found.code,
            detail={"report": report_id, "old_note": found.note, "note": note},
        )
    text = ctx.t("fix.amended_note", id=report_id, code=found.code, note=clip(note, 120))
    replies = [Reply(text)]
    if files:
        replies.append(await report_append.add(ctx, report_id, files, anyone=True))
    return replies


def _check_amendable(ctx: Context, found: Report | None, report_id: int) -> None:
    if found is None or found.unit_id != require_unit(ctx).id:
        raise UserError("error.report_unknown", id=report_id)
    if found.status is not ReportStatus.PENDING:
        status = ctx.t(f"report_status.{found.status.value}")
        raise UserError("fix.amend_reviewed", id=report_id, status=status)


async def undo(ctx: Context, args: str) -> Reply:
    """`/undo` (撤销): my latest accept/return/approve/refuse, if made in the last
    `UNDO_WINDOW`, is taken back: the report or request awaits a decision again, the audit
    log says so, and whoever was told of the decision is told it was undone."""
    actions = [*_REPORT_DECISIONS, *_REQUEST_DECISIONS, _UNDONE]
    async with ctx.read() as db:
        entry = await report_fixes.last_decision(db, ctx.contact.id, actions)
    if entry is None or entry.action == _UNDONE:
        raise UserError("fix.undo_nothing")
    what = _described(ctx, entry)
    if ctx.now - entry.at > UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise UserError("fix.undo_too_late", what=what, at=ctx.t.moment(entry.at), minutes=minutes)
    async with ctx.write() as db:
        if entry.action in _REPORT_DECISIONS:
            await _undo_review(ctx, db, entry)
        else:
            await _undo_request(ctx, db, entry)
    return Reply(ctx.t("fix.undone", what=what), replaces_choices=True)


def _described(ctx: Context, entry: AuditEntry) -> str:
    """`通过报送 #12 [2.1]`: the decision in the sender's words."""
    if entry.action in _REPORT_DECISIONS:
        number = entry.detail.get("report")
    else:
        number = entry.detail.get("request")
    verb = ctx.t(f"fix.verb_{entry.action}")
    return ctx.t("fix.decision", verb=verb, id=number, code=entry.subject or "?")


async def _undo_review(ctx: Context, db: aiosqlite.Connection, entry: AuditEntry) -> None:
    report_id = int(entry.detail["report"])
    found = await reports.get(db, report_id)
    if found is None:
        raise UserError("error.report_unknown", id=report_id)
    if entry.action == "return":
        redone = await report_fixes.later_report(db, report_id)
        if redone is not None:
            raise UserError("fix.undo_redone", id=report_id, new=redone)
    expected = _REPORT_DECISIONS[entry.action]
    if not await report_fixes.reopen_report(db, report_id, expected, ctx.contact.id):
        raise UserError("fix.undo_changed", id=report_id)
    await _record(ctx, db, entry, found.unit_id, {"report": report_id})
    # Told as the decision was: the reporter of an accept, the whole unit of a return.
    if entry.action == "accept":
        reporter = await contacts.get(db, found.contact_id) if found.contact_id else None
        told = [reporter] if reporter is not None and reporter.id != ctx.contact.id else []
    else:
        told = await contacts.of_unit(db, found.unit_id)
    await _tell_undone(ctx, db, entry, told, "fix.notify_report", found.code, found.title)


async def _undo_request(ctx: Context, db: aiosqlite.Connection, entry: AuditEntry) -> None:
    request_id = int(entry.detail["request"])
    found = await requests.get(db, request_id)
    if found is None:
        raise UserError("error.request_unknown", id=request_id)
    expected = _REQUEST_DECISIONS[entry.action]
    if not await report_fixes.reopen_request(db, request_id, expected, ctx.contact.id):
        raise UserError("fix.undo_changed", id=request_id)
    if entry.action == "approve_na":
        await report_fixes.clear_not_applicable(db, found.assignment_id)
    elif entry.action == "approve_extend":
        old_date = entry.detail.get("old_due_date")
        old_at = entry.detail.get("old_due_at")
        await report_fixes.restore_due(
            db,
            found.assignment_id,
            date.fromisoformat(old_date) if old_date else None,
            datetime.fromisoformat(old_at) if old_at else None,
        )
    await _record(ctx, db, entry, found.unit_id, {"request": request_id})
    requester = await contacts.get(db, found.contact_id) if found.contact_id else None
    told = [requester] if requester is not None else []
    await _tell_undone(ctx, db, entry, told, "fix.notify_request", found.code, found.title)


async def _record(
    ctx: Context,
    db: aiosqlite.Connection,
    entry: AuditEntry,
    unit_id: int,
    subject: dict[str, object],
) -> None:
    detail = {**subject, "undid": entry.action, "entry": entry.id}
    await ctx.audit(db, _UNDONE, unit_id, subject=entry.subject, detail=detail)


async def _tell_undone(
    ctx: Context,
    db: aiosqlite.Connection,
    entry: AuditEntry,
    told: list[Contact],
    key: str,
    code: str,
    title: str,
) -> None:
    number = entry.detail.get("report", entry.detail.get("request"))
    for person in told:
        t = ctx.app.translator_for(person)
        verb = t(f"fix.verb_{entry.action}")
        await tell(
            ctx, db, [person], "undone", str(entry.id), key,
            id=number, code=code, title=clip(title, 30), verb=verb,
        )  # fmt: skip


async def cancel(ctx: Context, args: str) -> Reply:
    """`/cancel` (取消): end every draft or question open for the sender, and say which."""
    said: list[str] = []
    async with ctx.write() as db:
        draft = await drafts.get(db, ctx.contact.id)
        if draft is not None:
            said.append(await _draft_said(ctx, db, draft))
            await drafts.discard(db, ctx.contact.id)
        asked = await prompts.take(db, ctx.contact.id)
        if asked is not None:
            said.append(ctx.t("fix.cancelled_prompt", action=clip(asked.action, 40)))
        if await invites.take_move(db, ctx.contact.id, ctx.now - MOVE_PENDING_FOR) is not None:
            said.append(ctx.t("fix.cancelled_move"))
        if await urges.take_urge(db, ctx.contact.id, ctx.now - PENDING_FOR) is not None:
            said.append(ctx.t("fix.cancelled_urge"))
    if not said:
        return Reply(ctx.t("fix.cancel_nothing"), replaces_choices=True)
    return Reply("\n".join(said), replaces_choices=True)


async def _draft_said(ctx: Context, db: aiosqlite.Connection, draft: Draft) -> str:
    files = len(draft.files)
    if draft.report_id is not None:
        return ctx.t("fix.cancelled_append", id=draft.report_id, files=files)
    material = await plans.material(db, draft.material_id) if draft.material_id else None
    if material is not None:
        return ctx.t("fix.cancelled_draft", code=material.code, files=files)
    return ctx.t("fix.cancelled_files", files=files)
