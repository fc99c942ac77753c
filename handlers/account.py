"""Everyone's commands: start, bind, language."""

from __future__ import annotations

from domain.messages import Reply
from handlers.context import Context
from handlers.errors import UserError
from handlers.first_start import unbound_admin
from handlers.invites import bind_with_code
from handlers.plan_scope import no_plan_key
from locales import LOCALES, Translator, normalize
from storage import contacts


async def start(ctx: Context, args: str) -> Reply:
    """`/start [code]`: bind with a deep-link code, or say hello and what to do next."""
    if args.strip():
        return await bind_with_code(ctx, args.strip())
    if ctx.unit is None or ctx.role is None:
        return await unbound_admin(ctx) or Reply(ctx.t("start.unregistered"))
    text = ctx.t("start.registered", unit=ctx.unit.name, role=ctx.t(f"role.{ctx.role.value}"))
    no_plan = no_plan_key(ctx) if not ctx.plans else None
    return Reply(f"{text}\n{ctx.t(no_plan)}" if no_plan else text)


async def bind(ctx: Context, args: str) -> Reply:
    """`/bind CODE`."""
    if not args.strip():
        raise UserError("bind.usage")
    return await bind_with_code(ctx, args.strip())


async def lang(ctx: Context, args: str) -> Reply:
    """`/lang zh|en`: the language of every reply and push to this person."""
    locale = normalize(args)
    if locale not in LOCALES:
        raise UserError("lang.usage")
    async with ctx.write() as db:
        await contacts.set_locale(db, ctx.contact.id, locale)
    ctx.contact = ctx.contact.model_copy(update={"locale": locale})
    return Reply(Translator(locale, ctx.t.tz)("lang.done"))
