"""Receiving an upload: multipart streamed to the file store, then handed in like chat files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import aiosqlite
from aiohttp import BodyPartReader, MultipartReader

from domain.messages import Incoming, IncomingFile, Reply
from handlers import router
from handlers.context import Services
from handlers.reporting import MAX_NOTE
from handlers.upload_access import LinkTarget
from schedules.outbox import queue_replies
from storage import uploads
from storage.models import Contact, StoredFile
from storage.staging import StagedFiles

CHUNK = 256 * 1024
EXTRA_PARTS = 5  # the note, and the empty part a browser sends for an unused file input


class BadUpload(Exception):
    """A form the page never sends, or more than it allows: `key` says which, for the user."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK):
        yield chunk


async def _text(part: BodyPartReader, limit: int) -> str:
    data = b""
    async for chunk in _chunks(part):
        data += chunk
        if len(data) > limit * 4:
            raise BadUpload("report.note_too_long", limit=MAX_NOTE)
    return data.decode("utf-8", errors="replace").strip()


async def read_form(
    reader: MultipartReader, files: StagedFiles, max_files: int
) -> tuple[list[StoredFile], str]:
    """Each file streamed through the store's size and type rules, kept aside; (files, note)."""
    stored: list[StoredFile] = []
    note = ""
    for _ in range(max_files + EXTRA_PARTS):
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise BadUpload("upload.bad_form")
        if part.name == "note":
            note = await _text(part, MAX_NOTE)
            if len(note) > MAX_NOTE:
                raise BadUpload("report.note_too_long", limit=MAX_NOTE)
        elif part.name == "files" and part.filename:
            if len(stored) >= max_files:
                raise BadUpload("upload.too_many", count=max_files)
            mime = part.headers.get("Content-Type")
            stored.append(await files.save(part.filename, mime, _chunks(part)))
        else:
            await part.release()
    else:
        raise BadUpload("upload.bad_form")
    if not stored:
        raise BadUpload("upload.page_pick_first")
    return stored, note


async def hand_in(
    services: Services, target: LinkTarget, stored: list[StoredFile], note: str
) -> list[Reply]:
    """The files join the chat draft for this material, or become its report; the chat is told."""
    contact, link = target.contact, target.link
    text = note if target.joins_draft else f"/report {target.material.code} {note}".strip()
    msg = Incoming(
        channel=contact.channel,
        user_ref=contact.user_ref,
        chat_ref=contact.user_ref,
        text=text,
        files=tuple(
            IncomingFile(
                name=f.name,
                mime=f.mime,
                size=f.size,
                read=services.files.reader(f),
            )
            for f in stored
        ),
        message_key=f"upload:{link.id}",
    )
    replies = await router.handle(services, msg)
    now = services.clock.now()
    async with services.store.write() as db:
        await tell(db, contact, link.id, replies, now)
        await uploads.finish(db, link.id, len(stored), now)
    return replies


async def tell(
    db: aiosqlite.Connection, contact: Contact, link_id: int, replies: list[Reply], now: datetime
) -> None:
    """What an upload's command answered, pushed to its person's chat through the outbox (in
    the caller's transaction): the page is not where they read the bot."""
    await queue_replies(db, contact, replies, key=f"upload:{link_id}", kind="upload", now=now)
