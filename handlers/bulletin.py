"""`/bulletin`: draft a progress 通报, preview it, add a remark, send it to groups; `/bulletins`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.messages import Choice, OutgoingFile, Reply
from domain.text import clip
from handlers.board import NoCJKFont, TooManyUnits, draw
from handlers.context import Context
from handlers.errors import UserError
from handlers.insight_data import collect, download_name, heavy, output_path, scope_of
from handlers.lookup import norm, require_plan, require_unit
from handlers.reporting import MAX_NOTE, parse_id
from insight import bulletin_doc
from insight.bulletin_text import compose, with_remark
from schedules.outbox import Chat, queue
from storage import bulletins, prompts, units

log = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(hours=24)  # an older draft's figures are stale: draft again
LISTED = 20
_SEND = {"send", "发布", "发送"}
_CANCEL = {"cancel", "取消"}
_NOTE = {"note", "remark", "备注"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REMARK_SHOWN = 60  # characters of the remark the chat summary carries; the document has it all


async def bulletin(ctx: Context, args: str) -> Reply:
    """`/bulletin` drafts; `/bulletin note 文字` adds a remark; `/bulletin send` posts; `/bulletin cancel`."""
    word, _, rest = args.strip().partition(" ")
    word = norm(word).lower()
    if word in _SEND:
        return await _send(ctx)
    if word in _CANCEL:
        async with ctx.write() as db:
            dropped = await bulletins.discard_draft(db, ctx.contact.id)
        return Reply(
            ctx.t("insight.bulletin_cancelled" if dropped else "insight.bulletin_no_draft"),
            replaces_choices=True,
        )
    if word in _NOTE:
        return await _remark(ctx, rest.strip())
    if word:
        raise UserError("insight.bulletin_usage")
    return await _draft(ctx)


@dataclass(frozen=True)
class Rendered:
    text: str  # the whole 通报 as text: what /bulletins shows afterwards
    summary: str  # the few lines the chat gets beside the document
    document: OutgoingFile  # the .docx in 公文 form
    seq: int  # its running number this year


def _year(ctx: Context) -> tuple[datetime, datetime]:
    """This calendar year in the bureau's zone: 文号 numbers run within it."""
    year = ctx.now.astimezone(ctx.t.tz).year
    return datetime(year, 1, 1, tzinfo=ctx.t.tz), datetime(year + 1, 1, 1, tzinfo=ctx.t.tz)


async def _next_seq(ctx: Context, scope_unit_id: int | None) -> int:
    async with ctx.read() as db:
        return await bulletins.sent_count(db, scope_unit_id, *_year(ctx)) + 1


async def _render(ctx: Context, remark: str | None) -> Rendered:
    """Read the scope afresh and write the 通报: its text, its summary and its document."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    settings = ctx.app.settings
    data = await heavy(collect, settings.db_path, plan, scope.path, ctx.now, settings.due_soon_days)
    text = compose(data.progress, data.scores, data.units, ctx.t, plan.title, scope.label)
    seq = await _next_seq(ctx, scope.unit_id)
    year = ctx.now.astimezone(ctx.t.tz).year
    # Only the province's bulletin takes the plan's 文号 代字: that 代字 is the province bureau's.
    number = bulletin_doc.doc_number(ctx.t, plan.document, year, seq) if scope.path == "/" else None
    notice = bulletin_doc.notice(
        data.progress,
        data.scores,
        data.units,
        ctx.t,
        plan_title=plan.title,
        scope=scope.label,
        issuer=require_unit(ctx).name,
        number=number,
        dated=ctx.now.astimezone(ctx.t.tz).date(),
        remark=remark,
    )
    out = output_path(settings, "bulletin", ".docx", ctx.now)
    from insight import gongwen  # python-docx and lxml load only when a bulletin is written

    await heavy(gongwen.write, notice, out)
    summary = bulletin_doc.summary(data.progress, ctx.t, notice, scope.label)
    if remark:
        first = remark.strip().splitlines()[0]
        summary += "\n" + ctx.t("bulletin_doc.chat_remark", remark=clip(first, REMARK_SHOWN))
    name = download_name(ctx.t, "bulletin", scope, ctx.now, ".docx")
    return Rendered(
        with_remark(ctx.t, text, remark), summary, OutgoingFile(str(out), name, DOCX), seq
    )


async def _draft(ctx: Context) -> Reply:
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    rendered = await _render(ctx, None)
    async with ctx.write() as db:
        await bulletins.save_draft(
            db,
            plan_id=plan.id,
            scope_unit_id=scope.unit_id,
            author_id=ctx.contact.id,
            text=rendered.text,
            now=ctx.now,
        )
        draft = await bulletins.draft_of(db, ctx.contact.id)
        groups = len(await bulletins.groups_in_scope(db, scope.path))
    assert draft is not None
    return _preview(ctx, rendered, groups)


def _preview(ctx: Context, rendered: Rendered, groups: int) -> Reply:
    hint = ctx.t("insight.bulletin_preview", groups=groups)
    choices = [
        [Choice(ctx.t("insight.bulletin_send_button", groups=groups), "/bulletin send")],
        [
            Choice(ctx.t("insight.bulletin_note_button"), "/bulletin note"),
            Choice(ctx.t("insight.bulletin_cancel_button"), "/bulletin cancel"),
        ],
    ]
    return Reply(
        f"{rendered.summary}\n\n{hint}",
        choices=choices,
        files=[rendered.document],
        private=True,
    )


async def _remark(ctx: Context, remark: str) -> Reply:
    async with ctx.read() as db:
        draft = await bulletins.draft_of(db, ctx.contact.id)
    if draft is None:
        raise UserError("insight.bulletin_no_draft")
    if not remark:
        async with ctx.write() as db:
            await prompts.ask(db, ctx.contact.id, "/bulletin note", ctx.now)
        return Reply(ctx.t("insight.bulletin_ask_note"), replaces_choices=True)
    if len(remark) > MAX_NOTE:
        raise UserError("report.note_too_long", limit=MAX_NOTE)
    rendered = await _render(ctx, remark)
    async with ctx.write() as db:
        await bulletins.set_remark(db, draft.id, remark)
        groups = len(await bulletins.groups_in_scope(db, scope_of(ctx).path))
    return _preview(ctx, rendered, groups)


async def _board(ctx: Context) -> list[OutgoingFile]:
    """The scope's board picture to go with the bulletin (none when it cannot be drawn)."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    settings = ctx.app.settings
    out = output_path(settings, "board", ".png", ctx.now)
    try:
        await heavy(
            draw, settings.db_path, plan, scope, ctx.now, settings.due_soon_days, None, ctx.t, out
        )
    except (NoCJKFont, TooManyUnits) as err:
        log.warning("bulletin goes without its board: %s", type(err).__name__)
        return []
    name = download_name(ctx.t, "board", scope, ctx.now, ".png")
    return [OutgoingFile(str(out), name, "image/png")]


async def _send(ctx: Context) -> Reply:
    scope = scope_of(ctx)
    async with ctx.read() as db:
        first = await bulletins.draft_of(db, ctx.contact.id)
        if first is None:
            raise UserError("insight.bulletin_no_draft")
        if not await bulletins.groups_in_scope(db, scope.path):
            raise UserError("insight.bulletin_no_groups")
    if ctx.now - first.created_at > DRAFT_LIFETIME:
        raise UserError("insight.bulletin_stale")
    board = await _board(ctx)
    # The groups get what the scope stands at now, numbered now: figures a day old would be
    # out of date, and the number is the next one free at the moment of sending.
    rendered = await _render(ctx, first.remark)
    async with ctx.write() as db:
        draft = await bulletins.draft_of(db, ctx.contact.id)
        if draft is None or draft.id != first.id:
            raise UserError("insight.bulletin_no_draft")
        groups = await bulletins.groups_in_scope(db, scope.path)
        if not groups:
            raise UserError("insight.bulletin_no_groups")
        if await bulletins.sent_count(db, scope.unit_id, *_year(ctx)) + 1 != rendered.seq:
            raise UserError("bulletin_doc.number_taken")  # another went out meanwhile
        text = rendered.text
        if not await bulletins.mark_sent(db, draft.id, text, len(groups), ctx.now):
            raise UserError("insight.bulletin_no_draft")
        for chat in groups:
            await queue(
                db,
                Chat(chat.channel, chat.chat_ref, f"{chat.channel}:{chat.chat_ref}"),
                key=f"bulletin:{draft.id}",
                kind="bulletin",
                text=rendered.summary,
                now=ctx.now,
                files=[*board, rendered.document],
            )
        await ctx.audit(
            db,
            "bulletin",
            scope.unit_id,
            subject=text.split("\n", 1)[0][:80],
            detail={"bulletin": draft.id, "groups": len(groups)},
        )
    return Reply(
        ctx.t("insight.bulletin_sent", id=draft.id, groups=len(groups)), replaces_choices=True
    )


async def bulletins_list(ctx: Context, args: str) -> Reply:
    """`/bulletins`: bulletins sent in this scope, newest first; `/bulletins ID`: one in full."""
    scope = scope_of(ctx)
    if args.strip():
        bulletin_id = parse_id(args, "insight.bulletins_usage")
        async with ctx.read() as db:
            found = await bulletins.get(db, bulletin_id)
            unit = (
                await units.get(db, found.scope_unit_id) if found and found.scope_unit_id else None
            )
        visible = (
            found is not None
            and found.sent_at is not None
            and (scope.path == "/" or (unit is not None and unit.path.startswith(scope.path)))
        )
        if not visible or found is None or found.sent_at is None:
            raise UserError("insight.bulletin_unknown", id=bulletin_id)
        header = ctx.t(
            "insight.bulletins_one",
            id=found.id,
            at=ctx.t.moment(found.sent_at),
            author=found.author_label,
            groups=found.groups,
        )
        return Reply(f"{header}\n\n{found.text}", private=True)
    async with ctx.read() as db:
        sent = await bulletins.sent_under(db, scope.path, LISTED)
    if not sent:
        return Reply(ctx.t("insight.bulletins_none"), private=True)
    lines = [ctx.t("insight.bulletins_header", count=len(sent))]
    for b in sent:
        assert b.sent_at is not None
        lines.append(
            ctx.t(
                "insight.bulletins_line",
                id=b.id,
                at=ctx.t.moment(b.sent_at),
                author=b.author_label,
                groups=b.groups,
                first=clip(b.text.split("\n", 1)[0], 40),
            )
        )
    return Reply("\n".join(lines), private=True)
