"""Invite codes: creating them (chat and CLI) and binding an identity with one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from domain.messages import Reply
from domain.model import Role
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import can_see, resolve_unit
from storage import audit, contacts, invites, units
from storage.models import Unit

# Crockford base32: no I, L, O, U, so a code read aloud or typed on a phone survives.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 16  # 80 bits
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

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
    if role is Role.PROVINCE_ADMIN and ctx.role is not Role.PROVINCE_ADMIN:
        raise UserError("error.forbidden")
    if not can_see(ctx, unit):
        raise UserError("error.unit_unknown", query=parts[0][:40])
    ttl = timedelta(hours=ctx.app.settings.invite_ttl_hours)
    async with ctx.write() as db:
        issued = await issue(db, unit, role, ctx.contact.id, ctx.now, ttl)
    return Reply(
        ctx.t(
            "invite.created",
            unit=unit.name,
            role=ctx.t(f"role.{role.value}"),
            code=issued.code,
            expires=ctx.t.moment(issued.expires_at),
        ),
        private=True,
    )


async def bind_with_code(ctx: Context, raw_code: str) -> Reply:
    """Bind the sender to the invite's unit and role; single-use, expiring, rate-limited."""
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
        elif found.used_at is not None:
            problem = "bind.used"
        elif found.expires_at <= ctx.now:
            problem = "bind.expired"
        elif not await invites.consume(db, found.id, ctx.contact.id, ctx.now):
            problem = "bind.used"
        else:
            problem = ""
            await contacts.bind(db, ctx.contact.id, found.unit_id, found.role, ctx.now)
            await ctx.audit(
                db, "bind", found.unit_id, detail={"role": found.role, "channel": ctx.msg.channel}
            )
            # The router hands the channel who the sender is now (Telegram: the admin menu).
            ctx.contact = ctx.contact.model_copy(
                update={"unit_id": found.unit_id, "role": found.role}
            )
            unit = await units.get(db, found.unit_id)
    if problem:
        # The failure is recorded, so the rate limit counts it, and then reported.
        return Reply(ctx.t(problem))
    assert found is not None and unit is not None
    return Reply(
        ctx.t("bind.done", unit=unit.name, role=ctx.t(f"role.{found.role.value}")),
        private=True,
    )
