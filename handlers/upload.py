"""`/upload CODE`: a signed one-time link to a web page for files a chat cannot carry."""

from __future__ import annotations

from datetime import timedelta

from domain.messages import Reply
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import material_named, require_unit
from handlers.reporting import reportable
from handlers.upload_links import LinkClaims, sign, signing_secret
from storage import uploads


async def upload(ctx: Context, args: str) -> Reply:
    """`/upload CODE`: the link is bound to this person, their unit and the material."""
    settings = ctx.app.settings
    if not settings.public_url:
        raise UserError("upload.not_configured")
    words = args.split()
    if not words:
        raise UserError("upload.usage")
    material = await material_named(ctx, words[0], "/upload {code}")
    await reportable(ctx, material)
    unit = require_unit(ctx)
    expires = ctx.now + timedelta(hours=settings.upload_link_hours)
    configured = settings.upload_secret.get_secret_value() if settings.upload_secret else None
    async with ctx.write() as db:
        secret = await signing_secret(configured, db)
        link_id = await uploads.create(db, ctx.contact.id, unit.id, material.id, ctx.now, expires)
    token = sign(secret, LinkClaims(link_id, ctx.contact.id, unit.id, material.id, expires))
    text = ctx.t(
        "upload.link",
        code=material.code,
        title=material.title,
        url=f"{settings.public_url}/upload/{token}",
        expires=ctx.t.moment(expires),
        limit=f"{settings.max_attachment_mb:g}",
    )
    return Reply(text, private=True)
