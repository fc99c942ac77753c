"""Attachments from Telegram: what a message carries, and streaming it into the file store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from telegram import Message
from telegram.error import BadRequest, NetworkError

from bot.telegram.client import ChannelBot
from bot.telegram.transport import AiohttpRequest
from domain.messages import IncomingFile
from storage.files import FileRejected, read_path

CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files unless the server is local
CHUNK = 256 * 1024
ATTEMPTS = 3


@dataclass(frozen=True)
class Attachment:
    file_id: str
    name: str
    mime: str | None
    size: int | None


def attachments(message: Message) -> list[Attachment]:
    """Documents, the largest photo, videos, voice, audio, animations and video notes."""
    n = message.message_id
    found = []
    # An animation also arrives as `document` (the same file): take it once, as the animation.
    if message.animation is not None:
        anim = message.animation
        name = anim.file_name or f"animation_{n}.mp4"
        found.append(Attachment(anim.file_id, name, anim.mime_type, anim.file_size))
    elif message.document is not None:
        doc = message.document
        name = doc.file_name or f"file_{n}"
        found.append(Attachment(doc.file_id, name, doc.mime_type, doc.file_size))
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        found.append(Attachment(largest.file_id, f"photo_{n}.jpg", "image/jpeg", largest.file_size))
    if message.video is not None:
        video = message.video
        name = video.file_name or f"video_{n}.mp4"
        found.append(Attachment(video.file_id, name, video.mime_type, video.file_size))
    if message.video_note is not None:
        note = message.video_note
        found.append(Attachment(note.file_id, f"video_{n}.mp4", "video/mp4", note.file_size))
    if message.voice is not None:
        voice = message.voice
        found.append(Attachment(voice.file_id, f"voice_{n}.ogg", voice.mime_type, voice.file_size))
    if message.audio is not None:
        audio = message.audio
        name = audio.file_name or f"audio_{n}.mp3"
        found.append(Attachment(audio.file_id, name, audio.mime_type, audio.file_size))
    return found


class Downloader:
    """Files are fetched only when the core stores them, streamed chunk by chunk."""

    def __init__(
        self, bot: ChannelBot, transport: AiohttpRequest, local_mode: bool, backoff: float = 0.5
    ) -> None:
        self.bot = bot
        self.transport = transport
        self.local_mode = local_mode
        self.backoff = backoff

    @property
    def limit(self) -> int | None:
        """Bytes the Bot API lets a bot download; None with a local server (no limit)."""
        return None if self.local_mode else CLOUD_DOWNLOAD_LIMIT

    def too_big(self, found: list[Attachment]) -> list[Attachment]:
        limit = self.limit
        return [a for a in found if limit is not None and a.size is not None and a.size > limit]

    def incoming(self, attachment: Attachment) -> IncomingFile:
        return IncomingFile(
            name=attachment.name,
            mime=attachment.mime,
            size=attachment.size,
            read=lambda: self.stream(attachment),
        )

    async def stream(self, attachment: Attachment) -> AsyncIterator[bytes]:
        path = await self._file_path(attachment)
        if self.local_mode and Path(path).is_absolute():
            async for chunk in read_path(Path(path), CHUNK):
                yield chunk
            return
        url = f"{self.bot.base_file_url}/{path}"
        started = False
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async for chunk in self.transport.stream(url, CHUNK):
                    started = True
                    yield chunk
                return
            except NetworkError:
                # Safe to retry only before the first byte reached the store.
                if started or attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(self.backoff * attempt)

    async def _file_path(self, attachment: Attachment) -> str:
        """getFile's file_path: a URL path under the file base, or a local path (local mode)."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                found = await self.bot.post_unparsed("getFile", {"file_id": attachment.file_id})
                return str(found.get("file_path") or "")
            except BadRequest as err:
                if "too big" in str(err).lower():
                    limit = (self.limit or CLOUD_DOWNLOAD_LIMIT) / 1024 / 1024
                    raise FileRejected("too_large", attachment.name, limit) from err
                raise
            except NetworkError:
                if attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(self.backoff * attempt)
        raise AssertionError("unreachable")
