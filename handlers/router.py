"""The error boundary: parse, identify, authorise, dispatch; every message gets a reply."""

from __future__ import annotations

import logging
import unicodedata

from domain.messages import Incoming, Reply
from handlers.context import AlreadyHandled, Context, Services
from handlers.errors import UserError
from handlers.registry import BY_WORD, Command
from handlers.reporting import add_to_draft, start_draft
from locales import DEFAULT_LOCALE, Translator, normalize
from storage import contacts, prompts, sessions
from storage.files import FileRejected

log = logging.getLogger(__name__)

MAX_TEXT = 4000


def split_command(text: str) -> tuple[Command | None, str, str]:
    """(command, argument text, the word as typed); `/cmd@bot` and full-width marks accepted."""
    stripped = text.strip()
    if not stripped:
        return None, "", ""
    head, _, rest = stripped.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = f"{more} {rest}".strip()
    word = unicodedata.normalize("NFKC", head)
    slashed = word.startswith("/")
    word = word.lstrip("/").split("@", 1)[0].lower()
    command = BY_WORD.get(word)
    if command is None and not slashed:
        return None, stripped, ""
    return command, rest.strip(), head


async def handle(app: Services, msg: Incoming) -> list[Reply]:
    """Turn one incoming message into replies; never raises."""
    now = app.clock.now()
    t = Translator(
        normalize(msg.language) or app.settings.locale or DEFAULT_LOCALE, app.settings.tz
    )
    try:
        async with app.store.read() as db:
            session = await sessions.load(db, msg.channel, msg.user_ref, msg.message_key)
        if session.seen:
            return []
        contact = session.contact
        if contact is None or (msg.user_name is not None and contact.display_name != msg.user_name):
            async with app.store.write() as db:
                contact = await contacts.ensure(db, msg.channel, msg.user_ref, msg.user_name, now)
        unit = (
            session.unit if contact.unit_id == (session.unit.id if session.unit else None) else None
        )
        plan = session.plan
        t = Translator(contact.locale or t.locale, app.settings.tz)
        ctx = Context(
            app=app,
            msg=msg,
            contact=contact,
            unit=unit,
            plan=plan,
            t=t,
            now=now,
            event_groups=session.event_groups,
        )
        replies = await _dispatch(ctx)
        if ctx.wrote_outbox:
            app.outbox_changed()
        return replies
    except AlreadyHandled:
        return []
    except UserError as err:
        return [Reply(t(err.key, **err.params), is_error=True)]
    except FileRejected as err:
        text = t(f"file.{err.reason}", name=err.name[:60], limit=f"{err.limit_mb:g}")
        return [Reply(text, is_error=True)]
    except Exception:
        log.exception("handler failed for %s message", msg.channel)
        return [Reply(t("error.internal"), is_error=True)]


async def _dispatch(ctx: Context) -> list[Reply]:
    text = ctx.msg.text
    if len(text) > MAX_TEXT:
        raise UserError("error.too_long", limit=MAX_TEXT)
    command, args, typed = split_command(text)
    if command is None and not typed and ctx.contact.registered:
        answer = await _answer_prompt(ctx, text)
        if answer is not None:
            command, args, typed = split_command(answer)
    if command is None:
        if typed:
            raise UserError("error.unknown_command", command=typed[:30])
        return await _plain_message(ctx)
    if ctx.role not in command.roles:
        raise UserError("error.not_registered" if ctx.role is None else "error.forbidden")
    result = await command.handler(ctx, args)
    replies = result if isinstance(result, list) else [result]
    if ctx.in_group and any(r.private for r in replies):
        replies = [*replies, Reply(ctx.t("group.sent_private"))]
    return replies


async def _answer_prompt(ctx: Context, text: str) -> str | None:
    if not text.strip():
        return None
    async with ctx.app.store.write() as db:
        action = await prompts.take(db, ctx.contact.id)
    return f"{action} {text.strip()}" if action else None


async def _plain_message(ctx: Context) -> list[Reply]:
    """Text or files without a command: feed an open draft, start one, or explain."""
    if not ctx.contact.registered:
        return [Reply(ctx.t("start.unregistered"))]
    added = await add_to_draft(ctx)
    if added is not None:
        return [added]
    if ctx.msg.files:
        return [await start_draft(ctx)]
    return [Reply(ctx.t("error.not_a_command"))]
