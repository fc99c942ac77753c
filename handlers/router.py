"""The error boundary: parse, identify, authorise, dispatch; every message gets a reply."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import aiosqlite

from domain.messages import Choice, Incoming, Reply
from domain.text import clean
from handlers.context import AlreadyHandled, Context, Services
from handlers.errors import Choose, UserError
from handlers.first_start import unbound_admin
from handlers.plan_recent import kept, plan_like
from handlers.plan_scope import PlanNeeded, default_plan, every_plan, named
from handlers.registry import BY_WORD, Command
from handlers.report_drafts import before as close_draft_before
from handlers.reporting import add_to_draft, start_draft
from locales import Translator
from storage import contacts, plans, processed, prompts, sessions
from storage.failures import StoreUnwritable
from storage.files import FileRejected
from storage.models import Contact, Plan

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_PLAN_CHOICES = 8


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
    name, mark, number = word.partition("#")
    if command is None and mark and name in BY_WORD:  # `追加到#3`, `撤回＃3`: no space typed
        command, rest = BY_WORD[name], f"#{number} {rest}"
    if command is None and not slashed:
        return None, stripped, ""
    return command, rest.strip(), head


@dataclass(frozen=True)
class Outcome:
    """What the router made of one message: the replies, and whom it resolved the sender to."""

    replies: list[Reply]
    t: Translator  # the sender's language, by the one rule
    contact: Contact | None = None  # None when nothing was done (a repeat, or a failure first)
    repeat: bool = False  # this delivery was handled before: nothing done, nothing to say


async def handle(app: Services, msg: Incoming) -> list[Reply]:
    """The replies to one message (see `route`)."""
    return (await route(app, msg)).replies


async def route(app: Services, msg: Incoming) -> Outcome:
    """Turn one incoming message into replies; never raises.

    A delivery seen before (its `message_key` is recorded as processed) is not applied again:
    this is the one place that decides it. The whole request is carried (`Store.carry`): its
    reads make one trip to the database thread, each write transaction one more."""
    return await app.store.carry(_route(app, msg))


async def _route(app: Services, msg: Incoming) -> Outcome:
    msg = _cleaned(msg)
    now = app.clock.now()
    app.metrics.update(msg.channel, now)
    t = app.translator_for(None, msg.language)
    contact: Contact | None = None
    try:
        async with app.store.read() as db:
            session = await sessions.load(db, msg.channel, msg.user_ref, msg.message_key)
        if session.seen:
            return Outcome([], t, session.contact, repeat=True)
        contact = session.contact
        if contact is None or (msg.user_name is not None and contact.display_name != msg.user_name):
            async with app.store.write() as db:
                contact = await contacts.ensure(db, msg.channel, msg.user_ref, msg.user_name, now)
        unit = (
            session.unit if contact.unit_id == (session.unit.id if session.unit else None) else None
        )
        t = app.translator_for(contact, msg.language)
        every = await every_plan(app, session.plans_stamp)
        ctx = Context(
            app=app,
            msg=msg,
            contact=contact,
            unit=unit,
            plan=default_plan(every, session.focus, contact.role),
            t=t,
            now=now,
            event_groups=session.event_groups,
            draft_open=session.draft_open,
            focus=session.focus,
            plans=every,
        )
        replies = await _dispatch(ctx, session.prompt_waiting)
        if msg.remember and not ctx.marked:
            async with ctx.write():
                pass  # nothing was written: record the delivery as handled all the same
        return Outcome(replies, t, ctx.contact)  # as the command left them (bound, /lang)
    except AlreadyHandled:
        return Outcome([], t, contact, repeat=True)
    except UserError as err:
        return Outcome([Reply(t(err.key, **err.params), is_error=True)], t, contact)
    except Choose as err:
        choices = [[Choice(label, action)] for label, action in err.choices]
        return Outcome([Reply(t(err.key, **err.params), choices=choices)], t, contact)
    except FileRejected as err:
        text = t(f"file.{err.reason}", name=err.name[:60], limit=f"{err.limit_mb:g}")
        return Outcome([Reply(text, is_error=True)], t, contact)
    except StoreUnwritable:
        # The write was rolled back. The store logs this once a minute and the sender alarms
        # the admins: one log line per message here would only flood the log.
        return Outcome([Reply(t("store.unavailable"), is_error=True)], t, contact)
    except Exception:
        log.exception("handler failed for %s message", msg.channel)
        return Outcome([Reply(t("error.internal"), is_error=True)], t, contact)


def _cleaned(msg: Incoming) -> Incoming:
    """The boundary: what people type (text, their name, a group's title) loses control
    characters, escape sequences and bidi overrides before anything stores or shows it."""
    return replace(
        msg,
        text=clean(msg.text),
        user_name=clean(msg.user_name) if msg.user_name is not None else None,
        chat_title=clean(msg.chat_title) if msg.chat_title is not None else None,
    )


async def translator_for(
    app: Services, channel: str, user_ref: str, platform: str | None = None
) -> Translator:
    """A user's language for a channel's own words, by the one rule."""
    async with app.store.read() as db:
        session = await sessions.load(db, channel, user_ref, None)
    return app.translator_for(session.contact, platform)


async def claim_delivery(db: aiosqlite.Connection, msg: Incoming, now: datetime) -> bool:
    """Record, in the caller's transaction, that a delivery was handled outside `handle` (a
    WeCom greeting); False when it already was, and so must have no effect again."""
    return not msg.message_key or await processed.mark(db, msg.channel, msg.message_key, now)


async def notice(app: Services, msg: Incoming, key: str, **params: object) -> Outcome:
    """A channel's own words about a message it could not hand in (a file too big, an expired
    button, a kind of message it cannot read), in the sender's language. With a `message_key`
    the delivery is recorded as handled, so a repeat says nothing."""
    now = app.clock.now()
    async with app.store.read() as db:
        session = await sessions.load(db, msg.channel, msg.user_ref, msg.message_key)
    t = app.translator_for(session.contact, msg.language)
    if session.seen:
        return Outcome([], t, session.contact, repeat=True)
    if msg.message_key:
        try:
            async with app.store.write() as db:
                if not await processed.mark(db, msg.channel, msg.message_key, now):
                    return Outcome([], t, session.contact, repeat=True)
        except StoreUnwritable:
            pass  # said again if the network repeats it, rather than not said at all
    return Outcome([Reply(t(key, **params))], t, session.contact)


async def _dispatch(ctx: Context, prompt_waiting: bool) -> list[Reply]:
    text = ctx.msg.text
    if len(text) > MAX_TEXT:
        raise UserError("error.too_long", limit=MAX_TEXT)
    command, args, typed = split_command(text)
    left = prompt_waiting  # a question still waiting once the message is dispatched
    # `/cancel` ends an open question itself, saying so (any other command drops it here).
    if ctx.contact.registered and not (command is not None and command.name == "cancel"):
        plain = command is None and not typed
        answer = await _answer_prompt(ctx, text, plain, prompt_waiting)
        left = prompt_waiting and plain and not text.strip()  # else dropped or taken
        if answer is not None:
            command, args, typed = split_command(answer)
    if command is None:
        if typed:
            raise UserError("error.unknown_command", command=typed[:30])
        return await _plain_message(ctx)
    if ctx.role not in command.roles:
        setup = await unbound_admin(ctx)  # a new bot's first admin: how to set it up
        if setup is not None:
            return [setup]
        raise UserError("error.not_registered" if ctx.role is None else "error.forbidden")
    if command.plan_arg:
        args = await _take_plan(ctx, args)
    ctx.app.metrics.command(ctx.msg.channel, command.name)
    closed = await close_draft_before(ctx, command.name)  # another command closes a draft
    try:
        result = await command.handler(ctx, args)
    except PlanNeeded as err:
        return [*closed, _which_plan(ctx, command, args, err.candidates)]
    except UserError as err:
        if not closed:
            raise
        return [*closed, Reply(ctx.t(err.key, **err.params), is_error=True)]
    replies = [*closed, *(result if isinstance(result, list) else [result])]
    if replies and await _asked(ctx, left):  # the command asked a question (a reason, a part)
        replies[-1] = replace(replies[-1], expects_answer=True)
    if ctx.in_group and any(r.private for r in replies):
        replies = [*replies, Reply(ctx.t("group.sent_private"), private_notice=True)]
    return replies


async def _asked(ctx: Context, left: bool) -> bool:
    """Whether a question now awaits the sender: any left before this command was dropped or
    answered on the way in, so one waiting was asked by the command just handled."""
    if not ctx.contact.registered:
        return False
    if ctx.marked:
        return ctx.asking  # questions are asked in `ctx.write()`, which tells of them
    if not left:
        return False  # a command that wrote nothing asked nothing
    async with ctx.read() as db:
        return await prompts.waiting(db, ctx.contact.id)


async def _take_plan(ctx: Context, args: str) -> str:
    """A leading plan name (`/status fw`) makes that plan the command's, and the sender's
    default from now on; the rest of the arguments are returned."""
    head, _, rest = args.strip().partition(" ")
    plan = named(ctx, head)
    if plan is None:
        return args
    ctx.plan, ctx.plan_named = plan, True
    if plan.id != ctx.focus:  # named again: nothing to write
        async with ctx.app.store.write() as db:
            await plans.set_focus(db, ctx.contact.id, plan.id)
        ctx.focus = plan.id
    return rest.strip()


def _which_plan(ctx: Context, command: Command, args: str, candidates: list[Plan]) -> Reply:
    """Several plans could be meant: one button per plan, the command kept."""
    t = ctx.t
    lines = [t("plans.which", command=command.name)]
    choices = []
    for plan in candidates[:MAX_PLAN_CHOICES]:
        lines.append(t("plans.which_line", prefix=plan.prefix, title=plan.title))
        choices.append([Choice(plan.prefix, f"/{command.name} {plan.prefix} {args}".strip())])
    return Reply("\n".join(lines), choices=choices)


async def _answer_prompt(ctx: Context, text: str, plain: bool, waiting: bool) -> str | None:
    """The command a plain-text answer completes (`/refuse 3` + the reason), or None.

    A question acts only on the very next message, within `BOT_PROMPT_MINUTES`: any command
    drops it, and a late answer is refused rather than applied days later."""
    if not plain:
        if waiting:  # read with the sender's session: no trip of its own
            async with ctx.app.store.write() as db:
                await prompts.drop(db, ctx.contact.id)
        return None
    if not text.strip():
        return None
    async with ctx.app.store.write() as db:
        asked = await prompts.take(db, ctx.contact.id)
    if asked is None:
        return None
    minutes = ctx.app.settings.prompt_minutes
    if ctx.now - asked.asked_at > timedelta(minutes=minutes):
        raise UserError("prompt.expired", minutes=minutes, command=asked.action)
    return f"{asked.action} {text.strip()}"


async def _plain_message(ctx: Context) -> list[Reply]:
    """Text or files without a command: feed an open draft, start one, or explain."""
    if not ctx.contact.registered:
        return [await unbound_admin(ctx) or Reply(ctx.t("start.unregistered"))]
    closed = await close_draft_before(ctx, None)  # a draft quiet too long closes first
    plan_file = plan_like(ctx)
    if plan_file is not None:  # an admin's notice, first of `/plan import`, or a report's file
        return [*closed, await kept(ctx, plan_file)]
    added = await add_to_draft(ctx)
    if added is not None:
        return [*closed, added]
    if ctx.msg.files:
        return [*closed, await start_draft(ctx)]
    return [*closed, Reply(ctx.t("error.not_a_command"))]
