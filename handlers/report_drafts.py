"""Report drafts that stay open for their files, and how they close besides 完成 and 取消.

WeCom sends each photo as a message of its own, often a minute after the command. A draft
(for a material, or files waiting for one) therefore stays open until 完成, 取消, another
command, or `WECOM_REPORT_DRAFT_MINUTES` without anything new; closing files what it holds
and drops an empty one, and the person is told either way.
"""

from __future__ import annotations

from datetime import timedelta

from domain.messages import Reply
from handlers import report_append, reporting
from handlers.context import Context
from handlers.errors import Choose, UserError
from handlers.lookup import material_named
from storage import drafts, plans
from storage.db import to_db
from storage.models import Draft

# Commands that work on the draft itself, or leave it open (the upload page adds to it).
DRAFT_FLOW = frozenset(
    {
        "report",
        "report_pick",
        "report_done",
        "report_confirm",
        "report_cancel",
        "report_close",
        "upload",
        "append",
        "amend",  # handlers.report_fix: adds files as `append` does
        "cancel",  # ends the draft itself, saying so (closing would file it)
    }
)
TIMEOUT, COMMAND = "timeout", "command"


async def current(ctx: Context) -> Draft | None:
    async with ctx.read() as db:
        return await drafts.get(db, ctx.contact.id)


def stale(ctx: Context, draft: Draft) -> bool:
    """Quiet for the whole open time (a draft from before touched_at counts as fresh)."""
    quiet = timedelta(minutes=reporting.draft_minutes(ctx))
    return draft.touched_at is not None and ctx.now - draft.touched_at >= quiet


def stamp(draft: Draft) -> str:
    """The draft's last activity as `/report_close` takes it: closes it only if unchanged."""
    return to_db(draft.touched_at) or ""


async def before(ctx: Context, command: str | None) -> list[Reply]:
    """What closing the sender's draft says, before their message is handled: a stale draft
    closes on any message; a command outside the draft's flow closes it at once, except
    files that wait for a material (the sender may be looking up its code)."""
    if command in DRAFT_FLOW or not ctx.draft_open:
        return []
    draft = await current(ctx)
    if draft is None:
        return []
    waiting = draft.material_id is None and draft.report_id is None
    if stale(ctx, draft):
        return await close(ctx, draft, TIMEOUT)
    if command is None or waiting:
        return []
    return await close(ctx, draft, COMMAND)


async def close(ctx: Context, draft: Draft, why: str) -> list[Reply]:
    """File what the draft holds (a report, or files added to one), or drop it; it is gone
    afterwards whatever happens, and the person is told. Whose report files may be added
    to was checked as the draft began (`/append` or `/amend`); the unit and the report's
    state are checked again here."""
    try:
        if draft.report_id is not None:
            replies = await _close_append(ctx, draft, why)
        elif draft.material_id is not None:
            replies = await _close_report(ctx, draft, why)
        elif draft.files:
            replies = [Reply(ctx.t("report_draft.dropped_unchosen", files=len(draft.files)))]
        else:
            replies = []
    except UserError as err:
        replies = [
            Reply(ctx.t(err.key, **err.params), is_error=True),
            Reply(ctx.t("report_draft.dropped")),
        ]
    async with ctx.write() as db:
        await drafts.discard(db, ctx.contact.id)
    return replies


def _lead(ctx: Context) -> str:
    return ctx.t("report_draft.timed_out", minutes=reporting.draft_minutes(ctx)) + "\n"


async def _close_report(ctx: Context, draft: Draft, why: str) -> list[Reply]:
    assert draft.material_id is not None
    async with ctx.read() as db:
        material = await plans.material(db, draft.material_id)
    plan = next((p for p in ctx.plans if material and p.id == material.plan_id), None)
    if material is None or plan is None:
        return [Reply(ctx.t("report_draft.dropped"))]
    if not draft.files:
        return [Reply(ctx.t("report_draft.dropped_empty", code=material.code))]
    ctx.plan = plan
    row = await reporting.reportable(ctx, material)
    key = f"draft:{ctx.contact.id}:{stamp(draft)}"
    async with ctx.write() as db:
        report_id = await reporting.submit(
            ctx, db, row, draft.count, draft.note, draft.files, source_key=key
        )
        await drafts.discard(db, ctx.contact.id)
    done = reporting.submitted_reply(ctx, report_id, row, len(draft.files))
    if why == TIMEOUT:
        done.text = _lead(ctx) + done.text
    done.replaces_choices = False  # the tapped card was for another command
    return [done]


async def _close_append(ctx: Context, draft: Draft, why: str) -> list[Reply]:
    assert draft.report_id is not None
    if not draft.files:
        return [Reply(ctx.t("report_draft.append_dropped", id=draft.report_id))]
    done = await report_append.add(ctx, draft.report_id, draft.files, anyone=True)
    if why == TIMEOUT:
        done.text = _lead(ctx) + done.text
    return [done]


async def report(ctx: Context, args: str) -> Reply | list[Reply]:
    """`/report …` with a draft open: files waiting for a material (or already in this
    material's draft) become this report's; a draft for something else is closed first."""
    draft = await current(ctx)
    words = args.split()
    if draft is None or not words:
        if draft is not None and draft.material_id is None and draft.report_id is None:
            return await reporting.start_draft_choices(ctx, len(draft.files))
        closed = await close(ctx, draft, COMMAND) if draft is not None else []
        return [*closed, await reporting.report(ctx, args)]
    # The material must be reportable before anything is closed (its error would hide it).
    try:
        material = await material_named(ctx, words[0], "/report {code}")
    except Choose:
        return await reporting.report(ctx, args)  # asks which plan, keeping any files sent
    await reporting.reportable(ctx, material)
    if draft.report_id is None and draft.material_id in (None, material.id):
        if draft.files:
            return await reporting.report(ctx, args, kept=draft)
        return await reporting.report(ctx, args)  # an empty draft for it: begun again
    closed = await close(ctx, draft, TIMEOUT if stale(ctx, draft) else COMMAND)
    return [*closed, await reporting.report(ctx, args)]


async def append(ctx: Context, args: str, anyone: bool = False) -> Reply | list[Reply]:
    """`/append N` (追加到 #N): files sent with it, or just before it, are added to my report
    awaiting review; without any, a draft waits for them as for a report. `anyone`: any
    report of my unit (`/amend`)."""
    report_id = reporting.parse_id(args, "report_draft.append_usage")
    await report_append.check(ctx, report_id, anyone)
    draft = await current(ctx)
    closed: list[Reply] = []
    kept = None
    if draft is not None:
        if draft.material_id is None and draft.report_id in (None, report_id) and draft.files:
            kept = draft  # files sent first, waiting for what they are for
        elif draft.report_id != report_id:
            closed = await close(ctx, draft, TIMEOUT if stale(ctx, draft) else COMMAND)
    files = [*(kept.files if kept else []), *await reporting.store_files(ctx, ctx.msg.files)]
    if files:
        done = await report_append.add(ctx, report_id, files, anyone)
        if kept is not None:
            async with ctx.write() as db:
                await drafts.discard(db, ctx.contact.id)
        return [*closed, done]
    async with ctx.write() as db:
        await drafts.discard(db, ctx.contact.id)
        await drafts.start(db, ctx.contact.id, ctx.now, report_id=report_id)
    text = ctx.t("report_draft.append_send", id=report_id, minutes=reporting.draft_minutes(ctx))
    return [*closed, Reply(text, choices=reporting.draft_buttons(ctx))]


async def report_close(ctx: Context, args: str) -> list[Reply]:
    """`/report_close [STAMP]`: close the draft now, as its time running out does (the
    timer sends the draft's last activity, so a draft touched since is left open)."""
    draft = await current(ctx)
    if draft is None or (args.strip() and args.strip() != stamp(draft)):
        # touched since the timer found it (or typed by hand): the timer sends no error
        return [Reply(ctx.t("report.no_draft"), is_error=True)]
    return await close(ctx, draft, TIMEOUT)


async def done(ctx: Context, args: str) -> Reply:
    """`/report_done` (完成): the draft is filed at once, one tap fewer than a summary to
    confirm; the receipt offers 撤回 (`/withdraw`) as the undo."""
    return await confirm(ctx, args)


async def confirm(ctx: Context, args: str) -> Reply:
    """`/report_confirm` (the 确认 of summaries sent before 完成 filed at once)."""
    draft = await current(ctx)
    if draft is not None and draft.report_id is not None:
        if not draft.files:
            raise UserError("report_draft.append_no_files", id=draft.report_id)
        reply = await report_append.add(ctx, draft.report_id, draft.files, anyone=True)
        async with ctx.write() as db:
            await drafts.discard(db, ctx.contact.id)
        reply.replaces_choices = True
        return reply
    return await reporting.confirm(ctx, args)
