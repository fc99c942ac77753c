"""`/plan import` without a file: a signed one-time link to the upload page for the notice.

The WeCom app is never sent files, so there the link comes straight away; where a file can be
sent in the chat the reply says so and offers the link as a button (`/plan import web`). The
page (bot.upload.plan) imports the file as `/plan import` with the file would.
"""

from __future__ import annotations

from datetime import timedelta

from domain.channels import WECOM
from domain.messages import Choice, Reply
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import require_unit
from handlers.plan_recent import minutes
from handlers.upload_links import LinkClaims, sign, signing_secret
from storage import uploads

WEB = frozenset({"web", "网页"})  # `/plan import web`: the link, whatever the chat carries


async def offer(ctx: Context) -> Reply:
    """No file came with `/plan import` and none just before it: what works instead."""
    wecom = ctx.msg.channel == WECOM
    if not ctx.app.settings.public_url:
        # The WeCom app is never sent files (see README): say what works instead.
        raise UserError("plan_recent.no_file_wecom" if wecom else "plan_recent.no_file",
                        minutes=minutes())  # fmt: skip
    if wecom:
        return await link(ctx, "plan_page.link_wecom")
    t = ctx.t
    text = f"{t('plan_recent.no_file', minutes=minutes())}\n{t('plan_page.or_web')}"
    return Reply(text, choices=[[Choice(t("upload.button"), "/plan import web")]])


async def link(ctx: Context, key: str = "plan_page.link") -> Reply:
    """A link bound to this admin and to a plan notice (no material), used once."""
    settings = ctx.app.settings
    if not settings.public_url:
        raise UserError("upload.not_configured")
    unit = require_unit(ctx)
    expires = ctx.now + timedelta(hours=settings.upload_link_hours)
    configured = settings.upload_secret.get_secret_value() if settings.upload_secret else None
    async with ctx.write() as db:
        secret = await signing_secret(configured, db)
        link_id = await uploads.create(db, ctx.contact.id, unit.id, None, ctx.now, expires)
    token = sign(secret, LinkClaims(link_id, ctx.contact.id, unit.id, None, expires))
    text = ctx.t(
        key,
        url=f"{settings.public_url}/upload/{token}",
        expires=ctx.t.moment(expires),
        limit=f"{settings.max_attachment_mb:g}",
    )
    return Reply(text, private=True)
