"""The report window: a report command and the media sent around it become one message.

WeCom delivers every picture as a message of its own, so `报送 2.1 …` followed (or preceded)
by two photos arrives as three callbacks. They are held, in the store, until the user has
been quiet for the window, then handed to the router together as one report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from domain.channels import WECOM
from domain.messages import Incoming, IncomingFile
from handlers.router import split_command
from storage import blobs, wecom
from storage.db import Store
from storage.files import FileStore
from storage.models import StoredFile

CHANNEL = WECOM


def starts_report(text: str) -> bool:
    """`/report CODE …`, `报送 2.1 …`, `追加到 #3`: a command that pictures may follow (those
    arriving later join the draft it opens: handlers.report_drafts)."""
    command, args, _ = split_command(text)
    return command is not None and command.name in ("report", "append") and bool(args.strip())


class ReportWindow:
    """Held messages per user, and the quiet-time timer that hands them on."""

    def __init__(
        self, store: Store, files: FileStore, seconds: float, on_due: Callable[[str], None]
    ) -> None:
        self.store = store
        self.files = files
        self.seconds = seconds
        self.on_due = on_due
        self._timers: dict[str, asyncio.TimerHandle] = {}

    @property
    def waiting(self) -> bool:
        return bool(self._timers)

    async def hold(
        self, user: str, key: str, text: str | None, file: StoredFile | None, now: datetime
    ) -> None:
        """Keep a message for the batch; recorded as handled in the same transaction."""
        async with self.store.write() as db:
            if await wecom.hold(db, user, key, text, file, now) and file is not None:
                await blobs.record(db, [file], self.files.relative, now)  # small bytes kept
        self.restart(user)

    async def holds_text(self, user: str) -> bool:
        async with self.store.read() as db:
            return any(item.text for item in await wecom.held(db, user))

    def restart(self, user: str) -> None:
        old = self._timers.pop(user, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self._timers[user] = loop.call_later(self.seconds, self._due, user)

    def _due(self, user: str) -> None:
        self._timers.pop(user, None)
        self.on_due(user)

    def cancel(self, user: str) -> None:
        handle = self._timers.pop(user, None)
        if handle is not None:
            handle.cancel()

    def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    async def take(self, user: str) -> tuple[Incoming, int] | None:
        """The held messages as one incoming message, and the last held id; None if none."""
        self.cancel(user)
        async with self.store.read() as db:
            items = await wecom.held(db, user)
        if not items:
            return None
        text = next((item.text for item in items if item.text), "")
        files = tuple(
            IncomingFile(
                name=item.file.name,
                mime=item.file.mime,
                size=item.file.size,
                read=self.files.reader(item.file),
            )
            for item in items
            if item.file is not None
        )
        msg = Incoming(
            channel=CHANNEL,
            user_ref=user,
            chat_ref=user,
            text=text,
            files=files,
            message_key=f"batch:{items[0].msg_key}",
        )
        return msg, items[-1].id

    async def release(self, user: str, up_to_id: int, key: str, now: datetime) -> None:
        async with self.store.write() as db:
            await wecom.release(db, user, up_to_id, key, now)

    async def users(self) -> list[str]:
        async with self.store.read() as db:
            return await wecom.users_holding(db)
