"""Building the PTB application from settings: API URLs, proxies, the journaling bot."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application, ExtBot

from bot.telegram import screen
from bot.telegram.journal import Journal, JournalQueue
from bot.telegram.transport import AiohttpRequest
from domain.settings import Settings

POLL_TIMEOUT = 25  # seconds Telegram may hold a getUpdates call open

# The updates of the getUpdates call in progress, parsed one by one in `_do_post`.
_BATCH: ContextVar[list[Update] | None] = ContextVar("telegram_batch", default=None)


class ChannelBot(ExtBot[None]):
    """PTB's bot, screening and journaling each getUpdates batch, able to skip parsing answers.

    The batch is caught at `_do_post` (ExtBot's hook for wrapping API calls) while it is still
    Telegram's JSON. Each update is parsed on its own (`screen.parse`), so a malformed one is
    skipped instead of failing the batch; the good ones are written down as Telegram sent
    them before PTB's next getUpdates confirms them (writing that JSON costs a fraction of
    `Update.to_dict()`), and handed to PTB already parsed. The next call's offset passes a
    skipped update even when it was the last of its batch, so Telegram stops sending it.
    """

    def __init__(self, *args: Any, journal: Journal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self.journal = journal
            self.skipped = screen.Skipped()  # PTB's bot is frozen after __init__

    async def close_requests(self) -> None:
        """Close the HTTP sessions even when initialising failed (PTB's shutdown skips a bot
        that never finished `initialize`, leaving them open)."""
        for request in self._request:
            await request.shutdown()

    async def get_updates(
        self, offset: int | None = None, *args: Any, **kwargs: Any
    ) -> tuple[Update, ...]:
        batch: list[Update] = []
        token = _BATCH.set(batch)
        try:
            offset = max(offset or 0, self.skipped.below) or offset
            await super().get_updates(offset, *args, **kwargs)
        finally:
            _BATCH.reset(token)
        for update in batch:
            self.insert_callback_data(update)
        return tuple(batch)

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        result = await super()._do_post(endpoint, data, **kwargs)
        batch = _BATCH.get()
        if endpoint != "getUpdates" or batch is None or not isinstance(result, list):
            return result
        good = []
        for raw in result:
            parsed = screen.parse(raw, self)
            if isinstance(parsed, Update):
                batch.append(parsed)
                good.append(raw)
                continue
            self.skipped.add(screen.update_id_of(raw), parsed)
        if good:
            await self.journal.save_json(good)
        return []  # parsed above: PTB's get_updates has nothing left to parse

    async def post_unparsed(self, endpoint: str, params: dict[str, Any]) -> Any:
        """Call a Bot API method for its effect; Telegram's JSON answer comes back as it is.

        A sent message parsed into a Message (with every button of its keyboard) that nobody
        reads costs more than the rest of a /todo answer. Errors are raised exactly as by
        the typed methods (RetryAfter, Forbidden, BadRequest, ChatMigrated, …)."""
        return await self._post(endpoint, params)


def api_urls(settings: Settings) -> tuple[str, str]:
    """(Bot API base, file base), in PTB's form `…/bot` (the token is appended)."""
    api = _bot_suffix(settings.telegram_api_base_url)
    if settings.telegram_file_base_url:
        files = _bot_suffix(settings.telegram_file_base_url)
    else:
        root = api.removesuffix("/bot")
        files = f"{root}/file/bot"
    return api, files


def _bot_suffix(url: str) -> str:
    url = url.strip().rstrip("/")
    if "{token}" in url or url.endswith("/bot"):
        return url
    return f"{url}/bot"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_of(settings: Settings) -> str:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return settings.telegram_bot_token.get_secret_value()


def transport(settings: Settings, read_timeout: float = 30.0) -> AiohttpRequest:
    """A local Bot API server is reached directly, whatever HTTP(S)_PROXY says."""
    api, _ = api_urls(settings)
    return AiohttpRequest(read_timeout=read_timeout, trust_env=not is_loopback(api))


def build_application(settings: Settings, journal: Journal) -> Application:
    api, files = api_urls(settings)
    bot = ChannelBot(
        token_of(settings),
        base_url=api,
        base_file_url=files,
        request=transport(settings, read_timeout=settings.telegram_read_timeout),
        get_updates_request=transport(settings, read_timeout=10.0),
        local_mode=settings.telegram_local_mode,
        journal=journal,
    )
    return (
        Application.builder().bot(bot).update_queue(JournalQueue(journal)).job_queue(None).build()
    )


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username: from settings, else asked of Telegram; None if unknown."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if settings.telegram_bot_token is None:
        return None
    api, files = api_urls(settings)
    bot = Bot(token_of(settings), base_url=api, base_file_url=files, request=transport(settings))
    try:
        async with bot:
            return bot.username
    except TelegramError:
        return None
