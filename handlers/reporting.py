"""Reporting completion: `/report` (one step or the button flow), `/history` (who reported
each), `/withdraw`."""

from __future__ import annotations

import re
import unicodedata

import aiosqlite

from domain.messages import Choice, IncomingFile, Reply
from domain.model import AssignmentState, ReportStatus
from domain.periods import series_of
from domain.status import OUTSTANDING
from domain.text import clip
from handlers.broadcasts import announce
from handlers.context import Context
from handlers.errors import Choose, UserError
from handlers.lookup import (
    material_named,
    reporting_plans,
    require_plan,
    require_unit,
    shown_code,
)
from handlers.render import deadline_text
from handlers.upload_links import upload_choices
from storage import assignments, blobs, drafts, plans, report_fixes, reports
from storage.models import AssignmentRow, Draft, Material, StoredFile

MAX_NOTE = 500
MAX_COUNT = 1_000_000


# A first word that reads as a number is meant as the count (`-5`, `−3`, `2.5` included).
_NUMBER = re.compile(r"[-+−]?\d+(?:[.,]\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def parse_details(words: list[str]) -> tuple[int | None, str | None]:
    """`[count] [note…]` after the material code; a count is a positive whole number."""
    count = None
    typed = unicodedata.normalize("NFKC", words[0]) if words else ""
    if _NUMBER.fullmatch(typed):
        typed = typed.lstrip("+")
        if _THOUSANDS.fullmatch(typed):
            typed = typed.replace(",", "")
        if not typed.isdigit() or int(typed) == 0:
            raise UserError("report.count_not_positive", count=clip(words[0], 12))
        count = int(typed)
        if count > MAX_COUNT:
            raise UserError("report.count_too_large")
        words = words[1:]
    note = " ".join(words).strip() or None
    if note and len(note) > MAX_NOTE:
        raise UserError("report.note_too_long", limit=MAX_NOTE)
    return count, note


async def store_files(ctx: Context, files: tuple[IncomingFile, ...]) -> list[StoredFile]:
    """Check every file's name and announced size first, then stream each to disk."""
    policy = ctx.app.files.policy
    for f in files:
        policy.check_size(f.name or "file", f.size)
    stored = []
    for f in files:
        stored.append(await ctx.app.files.save(f.name, f.mime, f.read(), f.size))
    return stored


async def _record_blobs(ctx: Context, db: aiosqlite.Connection, files: list[StoredFile]) -> None:
    await blobs.record(db, files, ctx.app.files.relative, ctx.now)


# Why a material that is not outstanding (domain.status.OUTSTANDING) cannot be reported.
_CLOSED = {
    AssignmentState.ACCEPTED: "report.already_accepted",
    AssignmentState.PENDING: "report.already_pending",
    AssignmentState.NOT_APPLICABLE: "report.not_applicable",
}


async def reportable(ctx: Context, material: Material) -> AssignmentRow:
    """The unit's assignment for the material, if a report may be made against it now."""
    plan = require_plan(ctx)
    unit = require_unit(ctx)
    if not plan.is_open:
        raise UserError("plans.not_open", title=plan.title)
    opens = material.window_start
    if series_of(material.code)[1] is not None and opens is not None and opens > ctx.today:
        raise UserError("report.period_not_open", code=material.code, opens=ctx.t.day(opens))
    async with ctx.read() as db:
        row = await assignments.find(db, plan.id, unit.id, material.id)
    if row is None:
        raise UserError("report.not_assigned", code=material.code)
    if row.state not in OUTSTANDING:
        raise UserError(_CLOSED[row.state], code=material.code, id=row.last_report_id)
    return row


async def submit(
    ctx: Context,
    db: aiosqlite.Connection,
    row: AssignmentRow,
    count: int | None,
    note: str | None,
    files: list[StoredFile],
    source_key: str | None = None,
) -> int:
    """File a report in the caller's transaction; `source_key` defaults to this message's."""
    await _record_blobs(ctx, db, files)
    report_id = await reports.insert(
        db,
        assignment_id=row.id,
        contact_id=ctx.contact.id,
        count=count,
        note=note,
        files=files,
        now=ctx.now,
        source_key=source_key
        or (ctx.msg.message_key and f"{ctx.msg.channel}:{ctx.msg.message_key}"),
    )
    await ctx.audit(
        db,
        "report",
        row.unit_id,
        subject=row.code,
        detail={"report": report_id, "files": len(files), "count": count},
    )
    await announce(ctx, db, "submitted", report_id, row.unit_id, row.code)
    return report_id


def submitted_reply(ctx: Context, report_id: int, row: AssignmentRow, files: int) -> Reply:
    late = row.due_at is not None and ctx.now > row.due_at
    text = ctx.t("report.done", id=report_id, code=row.code, title=row.title, files=files)
    if late:
        text += "\n" + ctx.t("report.late", due=deadline_text(ctx.t, row))
    return Reply(
        text,
        choices=[[Choice(ctx.t("report.withdraw_button"), f"/withdraw {report_id}")]],
        replaces_choices=True,
    )


async def report(ctx: Context, args: str, kept: Draft | None = None) -> Reply:
    """`/report CODE [count] [note]` with attachments; without a code, start the button flow.

    `kept`: a draft whose files (sent before the command) belong to this report; it is
    closed with it."""
    words = args.split()
    if not words:
        return await start_draft(ctx)
    rest = " ".join(words[1:])
    count, note = parse_details(words[1:])
    try:
        material = await material_named(ctx, words[0], f"/report {{code}} {rest}".strip())
    except Choose as asked:
        if not ctx.msg.files:
            raise
        raise await _keep_while_asking(ctx, asked, count, note) from None
    row = await reportable(ctx, material)
    files = await store_files(ctx, ctx.msg.files)
    if kept is not None:
        files = [*kept.files, *files]
        count = count if count is not None else kept.count
        note = note or kept.note
    if not files and not material.text_only:
        return await _wait_for_files(ctx, material, count, note)
    async with ctx.write() as db:
        report_id = await submit(ctx, db, row, count, note, files)
        if kept is not None:
            await drafts.discard(db, ctx.contact.id)
    return submitted_reply(ctx, report_id, row, len(files))


async def draft_with_files(
    ctx: Context, count: int | None = None, note: str | None = None
) -> list[StoredFile]:
    """A new draft holding the files of this message (and what was said), material unchosen."""
    files = await store_files(ctx, ctx.msg.files)
    async with ctx.write() as db:
        await drafts.discard(db, ctx.contact.id)
        await drafts.start(db, ctx.contact.id, ctx.now)
        await _record_blobs(ctx, db, files)
        await drafts.add_files(db, ctx.contact.id, files, ctx.now)
        if count is not None or note is not None:
            await drafts.set_details(db, ctx.contact.id, count, note)
    return files


async def _keep_while_asking(
    ctx: Context, asked: Choose, count: int | None, note: str | None
) -> Choose:
    """Files sent with a code that several plans have: they wait in a draft while the sender
    picks the plan, so that the button does not lose them."""
    await draft_with_files(ctx, count, note)
    picks = [(label, "/report_pick " + action.split()[1]) for label, action in asked.choices]
    return Choose(asked.key, picks, **asked.params)


async def _wait_for_files(
    ctx: Context, material: Material, count: int | None, note: str | None
) -> Reply:
    """A document reported without one: keep what was said in a draft and ask for the files
    (over WeCom and Telegram the pictures often come a moment after the command)."""
    async with ctx.write() as db:
        await drafts.discard(db, ctx.contact.id)
        await drafts.start(db, ctx.contact.id, ctx.now)
        await drafts.set_material(db, ctx.contact.id, material.id)
        await drafts.set_details(db, ctx.contact.id, count, note)
    text = ctx.t("report.needs_files", code=material.code, title=material.title)
    text += "\n" + ctx.t("report_draft.stays_open", minutes=draft_minutes(ctx))
    return Reply(text, choices=draft_buttons(ctx) + upload_choices(ctx, material.code))


def draft_minutes(ctx: Context) -> int:
    """How long a draft waits for more files before it closes (handlers.report_drafts)."""
    return ctx.app.settings.wecom_report_draft_minutes


def _require_files(material: Material, files: list[StoredFile]) -> None:
    if not files and not material.text_only:
        raise UserError("report.needs_files_first", code=material.code)


async def owed_choices(ctx: Context) -> list[list[Choice]]:
    """One button per material the unit owes over every open plan, soonest first."""
    unit = require_unit(ctx)
    owing = await reporting_plans(ctx)
    async with ctx.read() as db:
        rows = await assignments.outstanding_in_plans(
            db, [p.id for p in owing], unit.id, today=ctx.today
        )
    by_id = {p.id: p for p in owing}
    several = len(owing) > 1
    choices = []
    for r in rows:
        code = shown_code(by_id[r.plan_id], r.code, several)
        choices.append([Choice(f"{code} {clip(r.title, 24)}", f"/report_pick {code}")])
    return choices


async def start_draft(ctx: Context) -> Reply:
    """Keep any files sent and ask which outstanding material they are for."""
    unit = require_unit(ctx)
    choices = await owed_choices(ctx)
    if not choices:
        return Reply(ctx.t("todo.none", unit=unit.name))
    files = await draft_with_files(ctx)
    choices.append([Choice(ctx.t("report.cancel_button"), "/report_cancel")])
    key = "report.pick_with_files" if files else "report.pick"
    return Reply(ctx.t(key, files=len(files)), choices=choices)


def draft_buttons(ctx: Context) -> list[list[Choice]]:
    return [
        [
            Choice(ctx.t("report.done_button"), "/report_done"),
            Choice(ctx.t("report.cancel_button"), "/report_cancel"),
        ]
    ]


async def pick(ctx: Context, args: str) -> Reply:
    """`/report_pick CODE`: the draft is for this material; now send files."""
    if not args.strip():
        raise UserError("report.usage")
    material = await material_named(ctx, args.split()[0], "/report_pick {code}")
    await reportable(ctx, material)
    async with ctx.write() as db:
        await drafts.start(db, ctx.contact.id, ctx.now)
        await drafts.set_material(db, ctx.contact.id, material.id)
        draft = await drafts.get(db, ctx.contact.id)
    files = len(draft.files) if draft else 0
    text = ctx.t("report.send_files", code=material.code, title=material.title, files=files)
    choices = draft_buttons(ctx) + upload_choices(ctx, material.code)
    return Reply(text, choices=choices, replaces_choices=True)


async def add_to_draft(ctx: Context) -> Reply | None:
    """Files or text sent without a command while a draft is open; None if no draft is open."""
    async with ctx.read() as db:
        draft = await drafts.get(db, ctx.contact.id)
    if draft is None:
        return None
    if draft.material_id is None and not ctx.msg.files:
        return None
    files = await store_files(ctx, ctx.msg.files)
    note = ctx.msg.text.strip() or None
    if note and len(note) > MAX_NOTE:
        raise UserError("report.note_too_long", limit=MAX_NOTE)
    async with ctx.write() as db:
        await _record_blobs(ctx, db, files)
        await drafts.add_files(db, ctx.contact.id, files, ctx.now)
        await drafts.set_details(db, ctx.contact.id, None, note)
        await drafts.touch(db, ctx.contact.id, ctx.now)
        draft = await drafts.get(db, ctx.contact.id)
    assert draft is not None
    if draft.report_id is not None:
        text = ctx.t("report_draft.append_added", id=draft.report_id, files=len(draft.files))
        return Reply(text, choices=draft_buttons(ctx))
    if draft.material_id is None:
        return await start_draft_choices(ctx, len(draft.files))
    return Reply(
        ctx.t("report.draft_added", added=len(files), files=len(draft.files)),
        choices=draft_buttons(ctx),
    )


async def start_draft_choices(ctx: Context, files: int) -> Reply:
    choices = await owed_choices(ctx)
    choices.append([Choice(ctx.t("report.cancel_button"), "/report_cancel")])
    return Reply(ctx.t("report.pick_with_files", files=files), choices=choices)


async def _draft_material(
    ctx: Context,
) -> tuple[Material, list[StoredFile], int | None, str | None]:
    async with ctx.read() as db:
        draft = await drafts.get(db, ctx.contact.id)
    if draft is None or draft.material_id is None:
        raise UserError("report.no_draft")
    async with ctx.read() as db:
        material = await plans.material(db, draft.material_id)
    plan = next((p for p in ctx.plans if material and p.id == material.plan_id), None)
    if material is None or plan is None:
        raise UserError("report.no_draft")
    ctx.plan = plan
    return material, draft.files, draft.count, draft.note


async def confirm(ctx: Context, args: str) -> Reply:
    """`/report_done` (完成): the draft becomes a report, in one transaction."""
    material, files, count, note = await _draft_material(ctx)
    _require_files(material, files)
    row = await reportable(ctx, material)
    async with ctx.write() as db:
        report_id = await submit(ctx, db, row, count, note, files)
        await drafts.discard(db, ctx.contact.id)
    return submitted_reply(ctx, report_id, row, len(files))


async def cancel(ctx: Context, args: str) -> Reply:
    """`/report_cancel`: forget the draft."""
    async with ctx.write() as db:
        await drafts.discard(db, ctx.contact.id)
    return Reply(ctx.t("report.cancelled"), replaces_choices=True)


async def history(ctx: Context, args: str) -> Reply:
    """`/history`: the unit's recent reports and their review state."""
    unit = require_unit(ctx)
    async with ctx.read() as db:
        rows = await reports.of_unit(db, None, unit.id, limit=20)
        counts = {r.id: len(await reports.files(db, r.id)) for r in rows}
        names = await report_fixes.reporter_names(db, [r.contact_id for r in rows if r.contact_id])
    if not rows:
        return Reply(ctx.t("history.none", unit=unit.name), private=True)
    lines = [ctx.t("history.header", unit=unit.name)]
    for r in rows:
        line = ctx.t(
            "history.line",
            id=r.id,
            code=r.code,
            title=clip(r.title, 30),
            at=ctx.t.moment(r.submitted_at),
            status=ctx.t(f"report_status.{r.status.value}"),
            files=counts[r.id],
        )
        if r.contact_id in names:  # who of the unit reported it
            line += " · " + ctx.t("fix.history_by", who=clip(names[r.contact_id], 16))
        if r.status is ReportStatus.RETURNED and r.return_reason:
            line += " · " + ctx.t("history.reason", reason=clip(r.return_reason, 100))
        lines.append(line)
    return Reply("\n".join(lines), private=True)


async def withdraw(ctx: Context, args: str) -> Reply:
    """`/withdraw ID`: take back a report that has not been reviewed yet."""
    report_id = parse_id(args, "withdraw.usage")
    unit = require_unit(ctx)
    async with ctx.write() as db:
        found = await reports.get(db, report_id)
        if found is None or found.unit_id != unit.id:
            raise UserError("error.report_unknown", id=report_id)
        if not await reports.set_status(
            db,
            report_id,
            ReportStatus.WITHDRAWN,
            expected=ReportStatus.PENDING,
            reviewer_id=None,
            reason=None,
            now=ctx.now,
        ):
            raise UserError("withdraw.not_pending", id=report_id)
        await ctx.audit(
            db,
            "withdraw",
            unit.id,
            subject=found.code,
            detail={"report": report_id},
        )
    return Reply(ctx.t("withdraw.done", id=report_id, code=found.code), replaces_choices=True)


def parse_id(args: str, usage_key: str) -> int:
    word = args.strip().lstrip("#＃")
    if not word.isdigit() or len(word) > 12:
        raise UserError(usage_key)
    return int(word)
