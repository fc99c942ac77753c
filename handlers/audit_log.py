"""`/log UNIT`: a unit's history from the audit trail — who did what, and when."""

from __future__ import annotations

from domain.messages import Reply
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import resolve_unit
from storage import audit
from storage.models import AuditEntry

LISTED = 30


def describe(ctx: Context, entry: AuditEntry) -> str:
    """One line: when, who, what (localized), on what, and the detail that matters."""
    key = f"insight.action_{entry.action}"
    action = ctx.t(key) if ctx.t.has(key) else entry.action
    parts = [ctx.t.moment(entry.at), entry.actor_label or ctx.t("insight.log_system"), action]
    if entry.subject:
        parts.append(clip(entry.subject, 40))
    detail = entry.detail
    for field in ("report", "request", "bulletin"):
        if field in detail:
            parts.append(f"#{detail[field]}")
    if detail.get("reason"):
        parts.append(ctx.t("insight.log_reason", reason=clip(str(detail["reason"]), 80)))
    if detail.get("files"):
        parts.append(ctx.t("insight.log_files", count=detail["files"]))
    if detail.get("groups"):
        parts.append(ctx.t("insight.log_groups", count=detail["groups"]))
    return " · ".join(parts)


async def log(ctx: Context, args: str) -> Reply:
    """`/log 郑州`: the most recent changes for one unit in the asker's scope, newest first."""
    query = args.strip()
    if not query:
        raise UserError("insight.log_usage")
    unit = await resolve_unit(ctx, query)
    async with ctx.read() as db:
        entries = await audit.of_unit(db, unit.id, LISTED)
    if not entries:
        return Reply(ctx.t("insight.log_none", unit=unit.name), private=True)
    lines = [ctx.t("insight.log_header", unit=unit.name, count=len(entries))]
    lines += [describe(ctx, e) for e in entries]
    return Reply("\n".join(lines), private=True)
