"""`/bulletin`: draft a progress 通报, preview it, add a remark, send it to groups; `/bulletins`."""

from __future__ import annotations

import logging
from datetime import timedelta

from domain.messages import Choice, OutgoingFile, Reply
from domain.text import clip
from handlers.board import NoCJKFont, TooManyUnits, draw
from handlers.context import Context
from handlers.errors import UserError
from handlers.insight_data import collect, download_name, heavy, output_path, scope_of
from handlers.lookup import norm, require_plan
from handlers.reporting import MAX_NOTE, parse_id
from insight.bulletin_text import compose, with_remark
from schedules.outbox import Chat, queue
from storage import bulletins, prompts, units
from storage.bulletins import Bulletin

log = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(hours=24)  # an older draft's figures are stale: draft again
LISTED = 20
_SEND = {"send", "发布", "发送"}
_CANCEL = {"cancel", "取消"}
_NOTE = {"note", "remark", "备注"}


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


async def _draft(ctx: Context) -> Reply:
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    settings = ctx.app.settings
    data = await heavy(collect, settings.db_path, plan, scope.path, ctx.now, settings.due_soon_days)
    text = compose(data.progress, data.scores, data.units, ctx.t, plan.title, scope.label)
    async with ctx.write() as db:
        await bulletins.save_draft(
            db,
            plan_id=plan.id,
            scope_unit_id=scope.unit_id,
            author_id=ctx.contact.id,
            text=text,
            now=ctx.now,
        )
        draft = await bulletins.draft_of(db, ctx.contact.id)
        groups = len(await bulletins.groups_in_scope(db, scope.path))
    assert draft is not None
    return _preview(ctx, draft, groups)


def _preview(ctx: Context, draft: Bulletin, groups: int) -> Reply:
    text = with_remark(ctx.t, draft.text, draft.remark)
    hint = ctx.t("insight.bulletin_preview", groups=groups)
    choices = [
        [Choice(ctx.t("insight.bulletin_send_button", groups=groups), "/bulletin send")],
        [
            Choice(ctx.t("insight.bulletin_note_button"), "/bulletin note"),
            Choice(ctx.t("insight.bulletin_cancel_button"), "/bulletin cancel"),
        ],
    ]
    return Reply(f"{text}\n\n{hint}", choices=choices, private=True)


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
    async with ctx.write() as db:
        await bulletins.set_remark(db, draft.id, remark)
        draft = await bulletins.draft_of(db, ctx.contact.id)
        groups = len(await bulletins.groups_in_scope(db, scope_of(ctx).path))
    assert draft is not None
    return _preview(ctx, draft, groups)


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
        if await bulletins.draft_of(db, ctx.contact.id) is None:
            raise UserError("insight.bulletin_no_draft")
    board = await _board(ctx)
    async with ctx.write() as db:
        draft = await bulletins.draft_of(db, ctx.contact.id)
        if draft is None:
            raise UserError("insight.bulletin_no_draft")
        if ctx.now - draft.created_at > DRAFT_LIFETIME:
            raise UserError("insight.bulletin_stale")
        groups = await bulletins.groups_in_scope(db, scope.path)
        if not groups:
            raise UserError("insight.bulletin_no_groups")
        text = with_remark(ctx.t, draft.text, draft.remark)
        if not await bulletins.mark_sent(db, draft.id, text, len(groups), ctx.now):
            raise UserError("insight.bulletin_no_draft")
        for chat in groups:
            await queue(
                db,
                Chat(chat.channel, chat.chat_ref, f"{chat.channel}:{chat.chat_ref}"),
                key=f"bulletin:{draft.id}",
                kind="bulletin",
                text=text,
                now=ctx.now,
                files=board,
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
