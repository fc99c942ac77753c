"""Admins' view of push delivery: `/pushes` — queued, sent, failed, by day, and why."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from domain import backups as backup_rules
from domain.messages import Reply
from domain.model import Role
from domain.text import clip
from handlers.context import Context
from handlers.lookup import scope_path
from storage import backup as backups
from storage import hops
from storage import pushes as store

DAYS = 14
FAILURES_LISTED = 5
STATUSES = ("queued", "sent", "failed")


async def pushes(ctx: Context, args: str) -> Reply:
    """`/pushes`: delivery state of pushes in your scope for the last two weeks."""
    tz = ctx.app.settings.tz
    today = ctx.now.astimezone(tz).date()
    since = datetime.combine(today - timedelta(days=DAYS - 1), time(0), tzinfo=tz)
    path = scope_path(ctx)
    async with ctx.read() as db:
        hours = await store.counts_by_hour(db, since, path)
        failed = await store.failures(db, since, path, FAILURES_LISTED)
        blocked = await store.unreachable(db, path)
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    for hour, status, count in hours:
        by_day[hour.astimezone(tz).date()][status] += count
    # The server's backups are the province admins' concern: one line at the end.
    backup = [await _backups(ctx)] if ctx.role is Role.PROVINCE_ADMIN else []
    if not by_day and not blocked:
        return Reply("\n".join([ctx.t("sched.pushes_none", days=DAYS), *backup]), private=True)
    lines = [ctx.t("sched.pushes_header", days=DAYS)]
    for day in sorted(by_day, reverse=True):
        counts = by_day[day]
        lines.append(
            ctx.t(
                "sched.pushes_day",
                day=ctx.t.day(day),
                sent=counts["sent"],
                queued=counts["queued"],
                failed=counts["failed"],
            )
        )
    if failed:
        lines.append(ctx.t("sched.pushes_failed_header"))
        lines += [
            ctx.t(
                "sched.pushes_failed_line",
                id=f.id,
                to=f.label or f.chat_ref,
                kind=f.kind,
                attempts=f.attempts,
                error=clip(f.error or "?", 80),
            )
            for f in failed
        ]
    if blocked:
        names = ctx.t.listed([f"{b.label}({b.unit})" for b in blocked], 20)
        lines.append(ctx.t("sched.pushes_unreachable", count=len(blocked), names=names))
    return Reply("\n".join([*lines, *backup]), private=True)


async def _backups(ctx: Context) -> str:
    """The daily backups: off, none yet, the newest and how many are kept (❌ past two days)."""
    settings = ctx.app.settings
    if settings.backup_dir is None:
        return ctx.t("backups.pushes_off")
    made = await hops.in_thread(backups.made, settings.backup_dir, settings.tz)
    if not made:
        return ctx.t("backups.pushes_none", dir=settings.backup_dir)
    key = "backups.pushes_stale" if backup_rules.stale(made[0].at, ctx.now) else "backups.pushes_ok"
    return ctx.t(key, when=ctx.t.moment(made[0].at), count=len(made))
