"""Invite codes: creating them (chat and CLI), binding an identity with one, moving units."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from domain import qr_code
from domain.channels import TELEGRAM
from domain.messages import Choice, OutgoingFile, Reply
from domain.model import Role
from handlers.context import Context, Services
from handlers.errors import UserError
from handlers.insight_data import output_path
from handlers.lookup import can_see, resolve_unit
from schedules.outbox import queue
from storage import audit, contacts, hops, invites, units
from storage.models import Contact, Invite, Unit

# Crockford base32: no I, L, O, U, so a code read aloud or typed on a phone survives.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 16  # 80 bits
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MOVE_PENDING_FOR = timedelta(minutes=15)

ROLE_WORDS = {
    "reporter": Role.REPORTER,
    "填报员": Role.REPORTER,
    "联络员": Role.REPORTER,
    "admin": Role.UNIT_ADMIN,
    "unit_admin": Role.UNIT_ADMIN,
    "管理员": Role.UNIT_ADMIN,
    "province_admin": Role.PROVINCE_ADMIN,
    "省级管理员": Role.PROVINCE_ADMIN,
}


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_CHARS, 4))


def canonical(code: str) -> str:
    cleaned = code.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans("ILO", "110"))


def code_hash(code: str) -> str:
    return hashlib.sha256(canonical(code).encode()).hexdigest()


def parse_role(word: str) -> Role:
    role = ROLE_WORDS.get(word.strip().lower())
    if role is None:
        raise UserError("invite.bad_role", role=word[:20])
    return role


def fits(unit: Unit, role: Role) -> bool:
    """A province admin administers the whole province, so belongs to its root unit."""
    return role is not Role.PROVINCE_ADMIN or unit.parent_id is None


async def province_unit(db: aiosqlite.Connection) -> Unit:
    """The root of the unit tree (the province bureau)."""
    root = next((u for u in await units.all_units(db) if u.parent_id is None), None)
    assert root is not None
    return root


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    unit: Unit
    role: Role
    expires_at: datetime


async def issue(
    db: aiosqlite.Connection,
    unit: Unit,
    role: Role,
    created_by: int | None,
    now: datetime,
    ttl: timedelta,
) -> IssuedInvite:
    """Create an invite inside the caller's transaction; only its hash is stored."""
    if not fits(unit, role):
        raise ValueError(f"a province admin belongs to the province unit, not {unit.code}")
    code = new_code()
    await invites.create(db, code_hash(code), unit.id, role, created_by, now, now + ttl)
    await audit.record(
        db, at=now, actor_id=created_by, action="invite", unit_id=unit.id, detail={"role": role}
    )
    return IssuedInvite(code=code, unit=unit, role=role, expires_at=now + ttl)


async def invite(ctx: Context, args: str) -> Reply:
    """`/invite UNIT ROLE`: an admin creates a code for a unit in scope."""
    parts = args.split()
    if len(parts) != 2:
        raise UserError("invite.usage")
    role = parse_role(parts[1])
    unit = await resolve_unit(ctx, parts[0])
    if unit.retired:
        raise UserError("unit.retired", unit=unit.label, code=unit.code)
    if role is Role.PROVINCE_ADMIN and ctx.role is not Role.PROVINCE_ADMIN:
        raise UserError("error.forbidden")
    if not can_see(ctx, unit):
        raise UserError("error.unit_unknown", query=parts[0][:40])
    if not fits(unit, role):
        # Refused, not re-homed: `/invite 郑州 province_admin` is as likely a mistyped `admin`.
        async with ctx.read() as db:
            root = await province_unit(db)
        raise UserError("invite.province_on_root", unit=unit.label, root=root.label)
    ttl = timedelta(hours=ctx.app.settings.invite_ttl_hours)
    async with ctx.write() as db:
        issued = await issue(db, unit, role, ctx.contact.id, ctx.now, ttl)
    text = ctx.t(
        "invite.created",
        unit=unit.name,
        role=ctx.t(f"role.{role.value}"),
        code=issued.code,
        expires=ctx.t.moment(issued.expires_at),
    )
    link = join_link(ctx.app, issued.code)
    if link is None:
        return Reply(text, private=True)
    out = output_path(ctx.app.settings, "invite", ".png", ctx.now)
    await hops.in_thread(out.write_bytes, qr_code.png(link))
    return Reply(
        f"{text}\n{ctx.t('invite.join_link', url=link)}",
        files=[OutgoingFile(str(out), f"invite-{unit.code}.png", "image/png")],
        private=True,
    )


def join_link(app: Services, code: str) -> str | None:
    """The Telegram deep link that binds with `code` (`/start CODE`); None if the bot's name
    is unknown (Telegram not running here and TELEGRAM_BOT_USERNAME not set)."""
    prefix = app.join_links.get(TELEGRAM)
    if prefix is None and app.settings.telegram_bot_username:
        prefix = f"https://t.me/{app.settings.telegram_bot_username.lstrip('@')}?start="
    return prefix + code if prefix else None


async def bind_with_code(ctx: Context, raw_code: str) -> Reply:
    """Bind the sender to the invite's unit and role; single-use, expiring, rate-limited.

    Someone already bound to another unit is asked first: the move is held (the code stays
    unused) until they confirm with `/bind_confirm`."""
    who = (ctx.msg.channel, ctx.msg.user_ref)
    async with ctx.read() as db:
        failures = await invites.failures_since(db, *who, ctx.now - FAILURE_WINDOW)
    if failures >= MAX_FAILURES:
        raise UserError("bind.too_many")
    async with ctx.write() as db:
        found = await invites.by_hash(db, code_hash(raw_code))
        if found is None:
            await invites.record_failure(db, *who, ctx.now)
            problem = "bind.invalid"
        else:
            problem = _unusable(ctx, found)
        if not problem and found is not None and _moves(ctx, found):
            await invites.hold_move(db, ctx.contact.id, found.id, ctx.now)
            return await _ask_to_move(ctx, db, found)
        if not problem and found is not None:
            problem = await _bind(ctx, db, found)
    if problem:
        # The failure is recorded, so the rate limit counts it, and then reported.
        return Reply(ctx.t(problem))
    return await _bound(ctx)


def _unusable(ctx: Context, found: Invite) -> str:
    if found.used_at is not None:
        return "bind.used"
    if found.expires_at <= ctx.now:
        return "bind.expired"
    return ""


def _moves(ctx: Context, found: Invite) -> bool:
    return ctx.contact.registered and ctx.contact.unit_id != found.unit_id


async def _bind(ctx: Context, db: aiosqlite.Connection, found: Invite) -> str:
    """Use the invite and bind the sender; the problem key, or "" when bound."""
    if not await invites.consume(db, found.id, ctx.contact.id, ctx.now):
        return "bind.used"
    await contacts.bind(db, ctx.contact.id, found.unit_id, found.role, ctx.now)
    detail: dict[str, object] = {"role": found.role, "channel": ctx.msg.channel}
    if ctx.contact.unit_id is not None and ctx.contact.unit_id != found.unit_id:
        detail["from_unit"] = ctx.contact.unit_id
    await ctx.audit(db, "bind", found.unit_id, detail=detail)
    # The router hands the channel who the sender is now (Telegram: the admin menu).
    ctx.contact = ctx.contact.model_copy(update={"unit_id": found.unit_id, "role": found.role})
    return ""


async def _bound(ctx: Context, tapped: bool = False) -> Reply:
    async with ctx.read() as db:
        unit = await units.get(db, ctx.contact.unit_id) if ctx.contact.unit_id else None
    assert unit is not None and ctx.contact.role is not None
    return Reply(
        ctx.t("bind.done", unit=unit.name, role=ctx.t(f"role.{ctx.contact.role.value}")),
        private=True,
        replaces_choices=tapped,
    )


async def _ask_to_move(ctx: Context, db: aiosqlite.Connection, found: Invite) -> Reply:
    old, new = await _units(db, ctx.contact.unit_id), await _units(db, found.unit_id)
    assert ctx.contact.role is not None
    text = ctx.t(
        "bind.move_ask",
        old=old.name,
        old_role=ctx.t(f"role.{ctx.contact.role.value}"),
        new=new.name,
        role=ctx.t(f"role.{found.role.value}"),
        minutes=int(MOVE_PENDING_FOR.total_seconds() // 60),
    )
    choices = [
        [
            Choice(ctx.t("bind.move_confirm_button"), "/bind_confirm"),
            Choice(ctx.t("bind.move_cancel_button"), "/bind_cancel"),
        ]
    ]
    return Reply(text, choices=choices, private=True)


async def _units(db: aiosqlite.Connection, unit_id: int | None) -> Unit:
    unit = await units.get(db, unit_id) if unit_id is not None else None
    assert unit is not None
    return unit


async def bind_confirm(ctx: Context, args: str) -> Reply:
    """`/bind_confirm`: make the held move; both units' admins are told."""
    async with ctx.write() as db:
        invite_id = await invites.take_move(db, ctx.contact.id, ctx.now - MOVE_PENDING_FOR)
        found = await invites.get(db, invite_id) if invite_id is not None else None
        if found is None:
            problem = "bind.move_nothing"
        else:
            problem = _unusable(ctx, found)
        if not problem and found is not None:
            before = ctx.contact
            problem = await _bind(ctx, db, found)
            if not problem:
                await _tell_admins(ctx, db, before, found)
    if problem:
        minutes = int(MOVE_PENDING_FOR.total_seconds() // 60)
        return Reply(ctx.t(problem, minutes=minutes), replaces_choices=True)
    return await _bound(ctx, tapped=True)


async def bind_cancel(ctx: Context, args: str) -> Reply:
    """`/bind_cancel`: keep the current unit; the held code stays unused."""
    async with ctx.write() as db:
        await invites.take_move(db, ctx.contact.id, ctx.now - MOVE_PENDING_FOR)
    return Reply(ctx.t("bind.move_cancelled"), replaces_choices=True)


async def _tell_admins(
    ctx: Context, db: aiosqlite.Connection, before: Contact, found: Invite
) -> None:
    """Both units' admins (their own and those over them) hear of the move, once each."""
    old, new = await _units(db, before.unit_id), await _units(db, found.unit_id)
    admins: dict[int, Contact] = {}
    for unit in (old, new):
        own = [c for c in await contacts.of_unit(db, unit.id) if c.role is Role.UNIT_ADMIN]
        for admin in [*own, *await contacts.admins_over(db, unit.path)]:
            if admin.id != before.id:
                admins.setdefault(admin.id, admin)
    assert before.role is not None
    for admin in admins.values():
        t = ctx.app.translator_for(admin)
        text = t(
            "bind.moved_notice",
            who=before.label,
            old=old.label,
            old_role=t(f"role.{before.role.value}"),
            new=new.label,
            role=t(f"role.{found.role.value}"),
        )
        key = f"bind_move:{before.id}:{found.id}"
        await queue(db, admin, key=key, kind="bind_move", text=text, now=ctx.now, quiet=ctx.quiet)
