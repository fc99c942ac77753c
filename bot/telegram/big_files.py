"""Files over what the Bot API takes from a bot (50 MB; 2,000 MB from a local server, as
TELEGRAM_LOCAL_MODE says): a signed download link served by the bot where BOT_PUBLIC_URL is
set, as WeCom sends files over its 20 MB; without one, a line that says why the file did not
come and what would bring it. A national export reaches 353 MB at 30,000 units."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from bot.downloads import Downloads
from bot.telegram.inbound import Inbound
from domain.channels import TELEGRAM
from domain.messages import OutgoingFile, Reply
from handlers import router
from handlers.context import Services

MB = 1024 * 1024
CLOUD_LIMIT = 50 * MB  # sendDocument's limit on api.telegram.org
LOCAL_LIMIT = 2000 * MB  # a self-hosted Bot API server's


def _size(file: OutgoingFile) -> int | None:
    try:
        return Path(file.path).stat().st_size
    except OSError:
        return None  # gone: the send path says so as for any file


class BigFiles:
    """Takes the files over `limit` out of a reply and says in its text where they are."""

    def __init__(self, services: Services, downloads: Downloads, limit: int) -> None:
        self.services = services
        self.downloads = downloads
        self.limit = limit

    def with_limit(self, inbound: Inbound) -> Inbound:
        """The message told the largest file its chat can be sent, where no link can be made
        (`/export` then sends its workbook one region a file)."""
        if self.services.settings.public_url:
            return inbound
        incoming = dataclasses.replace(inbound.incoming, file_limit=self.limit)
        return dataclasses.replace(inbound, incoming=incoming)

    async def fit(self, chat_ref: str, reply: Reply) -> Reply:
        sizes = [await asyncio.to_thread(_size, f) for f in reply.files]
        big = [(f, n) for f, n in zip(reply.files, sizes, strict=True) if n and n > self.limit]
        if not big:
            return reply
        t = await router.translator_for(self.services, TELEGRAM, chat_ref)
        lines = []
        for file, size in big:
            mime = file.mime or "application/octet-stream"
            found = await self.downloads.link(file.path, file.name, mime, size)
            words = {"name": file.name, "size": f"{size / MB:.1f}", "limit": f"{self.limit / MB:g}"}
            if found is None:
                lines.append(t("telegram_big_files.no_link", **words))
            else:
                url, until = found
                lines.append(t("telegram_big_files.link", **words, until=t.moment(until), url=url))
        kept = [f for f in reply.files if all(f is not b for b, _ in big)]
        text = "\n\n".join([reply.text, *lines] if reply.text else lines)
        return dataclasses.replace(reply, text=text, files=kept)
