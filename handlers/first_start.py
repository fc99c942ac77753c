"""A bot with nothing to run yet: a province admin is told how to import the unit tree and a
plan (networked channels start with an empty store); anyone else hears there is nothing yet."""

from __future__ import annotations

from domain.messages import Reply
from handlers.context import Context
from handlers.lookup import all_units
from handlers.setup import bootstrap_admins


def configured_admin(ctx: Context) -> bool:
    """The sender is named in BOT_ADMINS (`channel:user`)."""
    return f"{ctx.msg.channel}:{ctx.msg.user_ref}" in ctx.app.settings.admins


async def unbound_admin(ctx: Context) -> Reply | None:
    """What a BOT_ADMINS sender who is not bound yet hears, or None for anyone else. With no
    unit tree: how to import one and a plan. With one (imported since the bot started, by a
    command line without BOT_ADMINS): they are bound to its root now, and told what is next."""
    if ctx.contact.registered or not configured_admin(ctx):
        return None
    if not await bootstrap_admins(ctx.app, [f"{ctx.msg.channel}:{ctx.msg.user_ref}"]):
        return Reply(ctx.t("firststart.no_units"))
    root = next(u for u in await all_units(ctx) if u.parent_id is None)
    lines = [ctx.t("firststart.bound", unit=root.name)]
    if not ctx.plans:
        lines.append(ctx.t("firststart.no_plan"))
    return Reply("\n".join(lines))
