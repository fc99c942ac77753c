"""A plan notice sent first, `/plan import` after: the file waits a few minutes in the chat.

Over WeCom and Telegram a file often comes on its own, the command a moment later. A file sent
alone is kept in the report draft, as any file sent alone is (it may well be a report's); a
province admin's reply names `/plan import` when the file looks like a notice, and a bare
`/plan import` within `RECENT_FILE` takes the file that came last, once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from domain.messages import IncomingFile, Reply
from domain.model import Role
from handlers.context import Context
from handlers.errors import UserError
from handlers.reporting import add_to_draft, draft_with_files, owed_choices, start_draft
from storage import drafts
from storage.drafts import DraftFile
from storage.files import FileRejected

# How long a file sent alone waits for `/plan import`: longer, and a bare `/plan import` could
# take a report's file sent days ago.
RECENT_FILE = timedelta(minutes=10)
# What a notice arrives as: the reply to such a file sent alone by a province admin names
# `/plan import` (any other file is still taken: the loader then says it cannot read it).
PLAN_SUFFIXES = frozenset({".docx", ".pdf", ".xlsx", ".txt", ".md", ".yaml", ".yml"})
NAME_CHARS = 60


def minutes() -> int:
    return int(RECENT_FILE.total_seconds() // 60)


def plan_like(ctx: Context) -> str | None:
    """The name of the message's last file a province admin may mean as a plan notice."""
    if ctx.role is not Role.PROVINCE_ADMIN:
        return None
    names = [Path(f.name or "").name for f in ctx.msg.files]
    return next((n for n in reversed(names) if Path(n).suffix.lower() in PLAN_SUFFIXES), None)


async def kept(ctx: Context, name: str) -> Reply:
    """Files sent alone by a province admin, one like a notice: kept as for a report (joining
    an open draft, or asking which material), even when nothing is owed; the reply first says
    that `/plan import` takes it."""
    hint = ctx.t("plan_recent.kept", name=name[:NAME_CHARS], minutes=minutes())
    try:
        reply = await add_to_draft(ctx)
        if reply is None and ctx.unit is not None and await owed_choices(ctx):
            reply = await start_draft(ctx)
        if reply is None:
            await draft_with_files(ctx)
            return Reply(hint)
    except FileRejected as err:
        if err.reason != "type" or Path(err.name).suffix.lower() not in PLAN_SUFFIXES:
            raise
        # A plan file no report takes (YAML): it can come only with the command.
        raise UserError("plan_recent.with_command", name=err.name[:NAME_CHARS]) from err
    return replace(reply, text=f"{hint}\n{reply.text}")


async def recent(ctx: Context) -> DraftFile | None:
    """The file this person sent last on its own, if within `RECENT_FILE` and not imported;
    None when there is none at all (handlers.plan_link says what works instead)."""
    async with ctx.read() as db:
        last = await drafts.last_file(db, ctx.contact.id)
    if last is None:
        return None
    if last.sent_at is None or ctx.now - last.sent_at > RECENT_FILE:
        raise UserError("plan_recent.too_old", name=last.file.name[:NAME_CHARS], minutes=minutes())
    return last


def incoming(ctx: Context, taken: DraftFile) -> IncomingFile:
    """The kept file, read again from the store as if it came with the command."""
    stored = taken.file
    return IncomingFile(stored.name, stored.mime, stored.size, ctx.app.files.reader(stored))


async def used(ctx: Context, taken: DraftFile) -> None:
    """Imported: out of the draft, so that a second bare `/plan import` does not take it."""
    async with ctx.write() as db:
        await drafts.take_file(db, ctx.contact.id, taken.id)
