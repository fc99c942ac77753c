"""The upload page for a plan notice: one file, imported as `/plan import` with it would be.

The file is read whole (a notice is small, and the size limit is the chat's) and handed to the
same command, so the loader, the draft and the preview are the chat's own; the preview with
its buttons goes to the admin's chat through the outbox, a file it cannot read is answered on
the page and nothing is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, MultipartReader

from bot.upload.receive import EXTRA_PARTS, BadUpload, tell
from domain.file_names import sanitize_name
from domain.messages import Incoming, IncomingFile, Reply
from handlers import router
from handlers.context import Services
from handlers.upload_access import PlanTarget
from storage import uploads
from storage.files import FileRejected

CHUNK = 256 * 1024
FALLBACK_NAME = "plan.yaml"


class Notice:
    """The file the form carried: its name as sent (made safe), its type, its bytes."""

    def __init__(self, name: str, mime: str | None, data: bytes) -> None:
        self.name = name
        self.mime = mime
        self.data = data

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self.data


async def read_notice(reader: MultipartReader, limit: int) -> Notice:
    """The form's one file, refused past `limit` bytes as a chat attachment is."""
    found: Notice | None = None
    for _ in range(1 + EXTRA_PARTS):
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise BadUpload("upload.bad_form")
        if part.name != "files" or not part.filename:
            await part.release()
            continue
        if found is not None:
            raise BadUpload("plan_upload.one_file")
        name = sanitize_name(part.filename, FALLBACK_NAME)
        data = bytearray()
        while chunk := await part.read_chunk(CHUNK):
            data += chunk
            if len(data) > limit:
                raise FileRejected("too_large", name, limit / 1024 / 1024)
        found = Notice(name, part.headers.get("Content-Type"), bytes(data))
    else:
        raise BadUpload("upload.bad_form")
    if found is None:
        raise BadUpload("upload.page_pick_first")
    return found


async def import_notice(services: Services, target: PlanTarget, notice: Notice) -> list[Reply]:
    """`/plan import` with the file, as its admin; a preview is pushed to their chat and the
    link used up, a refusal (the file's problems) is left for the page to show."""
    contact = target.contact
    msg = Incoming(
        channel=contact.channel,
        user_ref=contact.user_ref,
        chat_ref=contact.user_ref,
        text="/plan import",
        files=(IncomingFile(notice.name, notice.mime, len(notice.data), notice.chunks),),
    )
    replies = await router.handle(services, msg)
    if any(reply.is_error for reply in replies):
        return replies
    now = services.clock.now()
    async with services.store.write() as db:
        await tell(db, contact, target.link.id, replies, now)
        await uploads.finish(db, target.link.id, 1, now)
    return replies
