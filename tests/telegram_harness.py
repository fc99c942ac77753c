"""The real bot on Telegram against the fake Bot API: app, channel and outbox sender together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.app import App, open_app
from bot.telegram.adapter import TelegramChannel
from domain.clock import ManualClock
from schedules.sender import Sender
from storage import outbox
from tests.fake_telegram import FakeTelegram
from tests.support import find_code, local, settings_for

ADMIN_ID = 900_001


def telegram_settings(data_dir: Path, fake: FakeTelegram, **overrides: object):
    return settings_for(
        data_dir,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_FILE_BASE_URL=fake.file_base_url,
        BOT_ADMINS=[f"telegram:{ADMIN_ID}"],
        **overrides,
    )


class TelegramBot:
    """Start with `await TelegramBot.start(dir, fake)`; `say`/`tap` wait until handled."""

    def __init__(self, fake: FakeTelegram, app: App, clock: ManualClock, channel: TelegramChannel):
        self.fake = fake
        self.app = app
        self.clock = clock
        self.channel = channel
        self.sender = Sender(app.store, clock, [channel])
        self._sender_task: asyncio.Task[None] | None = None
        self.admin = fake.user(ADMIN_ID, "省局管理员")

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        fake: FakeTelegram,
        at: str = "2016-05-20T09:00",
        album_wait: float = 0.15,
        **settings: object,
    ) -> TelegramBot:
        clock = ManualClock(local(at))
        app = await open_app(telegram_settings(data_dir, fake, **settings), clock, seed_sample=True)
        channel = TelegramChannel(app.services, album_wait=album_wait, retry_backoff=0.02)
        bot = cls(fake, app, clock, channel)
        await channel.start()
        bot._sender_task = asyncio.create_task(bot.sender.run(poll_seconds=0.2))
        return bot

    async def stop(self) -> None:
        await self.channel.stop()
        self.sender.stop()
        if self._sender_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender_task
        await self.app.store.close()

    async def handled(self, update: dict[str, Any], within: float = 5.0) -> None:
        """Wait until the bot took the update in and finished everything queued."""
        async with asyncio.timeout(within):
            await self.channel.wait_until(lambda: self.channel.has_seen(update["update_id"]))
            await self.channel.lanes.idle()

    async def say(self, user: dict, text: str | None = None, **fields: Any) -> list[dict]:
        """Send a message; returns what the bot sent or edited in answer (in any chat)."""
        mark = self.fake.mark()
        update = self.fake.message(user, text, **fields)
        await self.handled(update)
        return [o.message for o in self.fake.since(mark)]

    async def bind(self, unit: str, user: dict, role: str = "reporter") -> None:
        """An admin invites, the user opens the deep link (`/start CODE`)."""
        code = find_code(texts(await self.say(self.admin, f"/invite {unit} {role}")))
        assert "绑定成功" in texts(await self.say(user, f"/start {code}"))

    async def tap(self, user: dict, message: dict, label: str = "", data: str = "") -> list[dict]:
        """Tap the button labelled `label` (or one carrying `data`, live or not)."""
        mark = self.fake.mark()
        if data:
            update = self.fake.tap(user, message, data)
        else:
            update = self.fake.tap_label(user, message, label)
        await self.handled(update)
        return [o.message for o in self.fake.since(mark)]

    async def push(self, chat_ref: str, text: str, contact_id: int | None = None) -> None:
        """Queue an outbox message as a scheduled job would, and wake the sender."""
        async with self.app.store.write() as db:
            await outbox.enqueue(
                db,
                idem_key=f"test:{chat_ref}:{len(text)}:{text[:20]}",
                channel="telegram",
                chat_ref=chat_ref,
                contact_id=contact_id,
                kind="test",
                body={"text": text, "choices": []},
                now=self.clock.now(),
            )
        self.sender.wake()


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Poll `check` until it holds, failing after `within` seconds."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 - a database state has no event to wait on
            await asyncio.sleep(0.01)


def texts(messages: list[dict]) -> str:
    return "\n---\n".join(m.get("text") or m.get("caption") or "" for m in messages)


def buttons(message: dict) -> list[tuple[str, str]]:
    """(label, callback data or url) of every button under a message."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data") or b.get("url", "")) for row in rows for b in row]
