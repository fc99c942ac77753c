"""Group chats: `/subscribe` and `/unsubscribe` progress broadcasts."""

from __future__ import annotations

from domain.messages import Reply
from handlers.context import Context
from handlers.errors import UserError
from storage import chats


async def subscribe(ctx: Context, args: str) -> Reply:
    """`/subscribe [events]` in a group: weekly progress bulletins (and, with `events`, each submission/acceptance)."""
    if not ctx.in_group:
        raise UserError("group.only_in_group")
    events = args.strip().lower() in {"events", "all", "动态", "全部"}
    async with ctx.write() as db:
        await chats.set_subscribed(
            db, ctx.msg.channel, ctx.msg.chat_ref, ctx.msg.chat_title, True, ctx.contact.id, events
        )
        await ctx.audit(
            db,
            "subscribe",
            ctx.contact.unit_id,
            subject=ctx.msg.chat_title or ctx.msg.chat_ref,
            detail={"channel": ctx.msg.channel, "events": events},
        )
    return Reply(ctx.t("group.subscribed_events" if events else "group.subscribed"))


async def unsubscribe(ctx: Context, args: str) -> Reply:
    """`/unsubscribe` in a group: no more broadcasts here."""
    if not ctx.in_group:
        raise UserError("group.only_in_group")
    async with ctx.write() as db:
        await chats.set_subscribed(
            db, ctx.msg.channel, ctx.msg.chat_ref, ctx.msg.chat_title, False, ctx.contact.id, False
        )
    return Reply(ctx.t("group.unsubscribed"))
