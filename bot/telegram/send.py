"""The one Telegram send path: chunking, HTML, flood-control pauses, retries, migrations."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.client import ChannelBot
from bot.telegram.photos import REFUSED_MEDIA, groups, photo_on_disk
from bot.telegram.render import (
    CAPTION_LIMIT,
    CallbackTokens,
    Keyboard,
    as_markup,
    escape,
    split_text,
    utf16_len,
)
from domain.channels import TELEGRAM
from domain.messages import OutgoingFile, Reply
from schedules.delivery import DeliveryError, RetryLater, Undeliverable, Unreachable

log = logging.getLogger(__name__)

T = TypeVar("T")
CHANNEL = TELEGRAM
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# A question opens the phone's keyboard in reply mode; in a group only for the one asked (the
# sender of the message replied to, or the user mentioned in the text).
ASK = ForceReply(selective=True)
Markup = InlineKeyboardMarkup | ForceReply | Keyboard


def retry_seconds(err: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Every call to Telegram that sends or edits goes through `call`.

    A 429 pauses the whole bot for `retry_after` (Telegram counts per bot, not per chat);
    network errors and 5xx are retried with exponential backoff; a migrated group is
    followed and remembered; Forbidden and bad requests become delivery errors.
    """

    def __init__(
        self,
        bot: ChannelBot,
        tokens: CallbackTokens,
        migrated: Callable[[str, str], Awaitable[None]],
        *,
        attempts: int = 5,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        fit: Callable[[str, Reply], Awaitable[Reply]] | None = None,
    ) -> None:
        self.bot = bot
        self.tokens = tokens
        self.migrated = migrated  # a group became a supergroup: (old id, new id)
        self.fit = fit  # (chat, reply) → the reply with files too big to send made links
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until = max(self._paused_until, until)

    async def _wait_for_pause(self) -> None:
        loop = asyncio.get_running_loop()
        while (remaining := self._paused_until - loop.time()) > 0:
            if remaining > self.max_wait:
                raise RetryLater("paused by Telegram flood control", remaining)
            await asyncio.sleep(remaining)

    async def call(self, chat_id: str, action: Callable[[str], Awaitable[T]]) -> T:
        """Run `action(chat_id)` under the bot-wide pause, retrying what can be retried."""
        failures = 0
        while True:
            await self._wait_for_pause()
            try:
                return await action(chat_id)
            except RetryAfter as err:
                seconds = retry_seconds(err)
                self.pause(seconds)
                failures += 1
                log.warning("Telegram flood control: pausing all sends for %.0f s", seconds)
                if failures >= self.attempts:
                    raise RetryLater(str(err), seconds) from err
            except ChatMigrated as err:
                new_id = str(err.new_chat_id)
                await self.migrated(chat_id, new_id)
                chat_id = new_id
                failures += 1
                if failures >= self.attempts:
                    raise DeliveryError(str(err)) from err
            except Forbidden as err:
                raise Unreachable(str(err)) from err
            except BadRequest as err:  # a subclass of NetworkError: check it first
                raise Undeliverable(str(err)) from err
            except NetworkError as err:  # includes TimedOut and 5xx answers
                failures += 1
                delay = self.backoff * 2 ** (failures - 1)
                if failures >= self.attempts:
                    raise RetryLater(str(err), delay * 2) from err
                await asyncio.sleep(delay)
            except TelegramError as err:
                raise DeliveryError(str(err)) from err

    async def send_reply(
        self, chat_id: str, reply: Reply, reply_to: int | None = None, mention: str = ""
    ) -> None:
        """Text (split), then files; the buttons go on whatever is sent last. A question
        without buttons asks for a reply (ForceReply); `mention` (HTML) goes before the text."""
        if self.fit is not None and reply.files:
            reply = await self.fit(chat_id, reply)
        markup: Markup | None = await self.tokens.keyboard(reply.choices)
        if markup is None and reply.expects_answer:
            markup = ASK
        # Photos first (2-10 in an album), then documents; `photos` decides which is which.
        kinds = [await asyncio.to_thread(photo_on_disk, f) for f in reply.files]
        photos = [f for f, photo in zip(reply.files, kinds, strict=True) if photo]
        batches = [(group, True) for group in groups(photos)]
        batches += [([f], False) for f, photo in zip(reply.files, kinds, strict=True) if not photo]
        # An album takes no buttons: when one would come last, the text follows the files.
        text_last = markup is not None and bool(batches) and len(batches[-1][0]) > 1
        as_caption = bool(batches) and not text_last and utf16_len(reply.text) <= CAPTION_LIMIT
        chunks = [] if as_caption else split_text(reply.text)
        if not text_last:
            await self._send_chunks(chat_id, chunks, markup, reply_to, mention, bool(batches))
        for i, (batch, as_photo) in enumerate(batches):
            caption = reply.text if as_caption and i == 0 else None
            last = i == len(batches) - 1 and not text_last
            if len(batch) > 1:
                await self.send_album(chat_id, batch, caption, reply_to)
            else:
                await self.send_file(
                    chat_id, batch[0], caption, markup if last else None, reply_to, as_photo
                )
        if text_last:
            await self._send_chunks(chat_id, chunks, markup, reply_to, mention, False)

    async def _send_chunks(
        self,
        chat_id: str,
        chunks: list[str],
        markup: Markup | None,
        reply_to: int | None,
        mention: str,
        more: bool,
    ) -> None:
        """The text's parts; the buttons on the last unless `more` is sent after them."""
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1 and not more
            await self.send_text(
                chat_id, chunk, markup if last else None, reply_to, mention if i == 0 else ""
            )

    async def send_text(
        self,
        chat_id: str,
        text: str,
        markup: Markup | None = None,
        reply_to: int | None = None,
        mention: str = "",
    ) -> None:
        await self.call(
            chat_id,
            lambda chat: self.bot.post_unparsed(
                "sendMessage",
                {
                    "chat_id": chat,
                    "text": mention + escape(text),
                    "parse_mode": ParseMode.HTML,
                    "reply_markup": markup,
                    "reply_parameters": _reply_to(reply_to),
                    "link_preview_options": NO_PREVIEW,
                },
            ),
        )

    async def send_file(
        self,
        chat_id: str,
        file: OutgoingFile,
        caption: str | None,
        markup: Markup | None,
        reply_to: int | None,
        as_photo: bool = False,
    ) -> None:
        """One file: a photo when `as_photo` (a document if Telegram refuses it), else a document."""
        content = await asyncio.to_thread(Path(file.path).read_bytes)

        async def send(method: Callable[..., Awaitable[object]]) -> None:
            await self.call(
                chat_id,
                lambda chat: method(
                    chat,
                    InputFile(content, filename=file.name),
                    caption=escape(caption) if caption else None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=as_markup(markup),
                    reply_parameters=_reply_to(reply_to),
                ),
            )

        if as_photo:
            try:
                await send(self.bot.send_photo)
                return
            except Undeliverable as err:
                if not REFUSED_MEDIA.search(err.detail):
                    raise
                log.info("photo refused, sent as a document: %s", err.detail)
        await send(self.bot.send_document)

    async def send_album(
        self, chat_id: str, photos: list[OutgoingFile], caption: str | None, reply_to: int | None
    ) -> None:
        """2-10 photos as one album (sendMediaGroup), the caption under the first; one by one
        if Telegram refuses a picture in it."""
        contents = [await asyncio.to_thread(Path(f.path).read_bytes) for f in photos]
        media = [
            InputMediaPhoto(
                content,
                filename=file.name,
                caption=escape(caption) if caption and i == 0 else None,
                parse_mode=ParseMode.HTML,
            )
            for i, (file, content) in enumerate(zip(photos, contents, strict=True))
        ]
        try:
            await self.call(
                chat_id,
                lambda chat: self.bot.send_media_group(
                    chat, media, reply_parameters=_reply_to(reply_to)
                ),
            )
        except Undeliverable as err:
            if not REFUSED_MEDIA.search(err.detail):
                raise
            log.info("album refused, sent one by one: %s", err.detail)
            for i, file in enumerate(photos):
                first = caption if i == 0 else None
                await self.send_file(chat_id, file, first, None, reply_to, as_photo=True)

    async def edit_reply(self, chat_id: str, message_id: int, reply: Reply) -> bool:
        """Put the reply in place of the tapped message; False if that message cannot be edited."""
        chunks = split_text(reply.text) or [" "]
        rest = Reply("\n".join(chunks[1:]), reply.choices, reply.files)
        markup = None if rest.text or rest.files else await self.tokens.keyboard(reply.choices)
        try:
            await self.call(
                chat_id,
                lambda chat: self.bot.post_unparsed(
                    "editMessageText",
                    {
                        "chat_id": chat,
                        "message_id": message_id,
                        "text": escape(chunks[0]),
                        "parse_mode": ParseMode.HTML,
                        "reply_markup": markup,
                        "link_preview_options": NO_PREVIEW,
                    },
                ),
            )
        except Undeliverable as err:
            if "not modified" not in err.detail:
                await self.drop_buttons(chat_id, message_id)
                return False
        if rest.text or rest.files:
            await self.send_reply(chat_id, rest)
        return True

    async def drop_buttons(self, chat_id: str, message_id: int) -> None:
        """A message we cannot rewrite (a file's caption, too old) at least loses its buttons."""
        try:
            await self.call(
                chat_id,
                lambda chat: self.bot.edit_message_reply_markup(
                    chat, message_id, reply_markup=None
                ),
            )
        except DeliveryError as err:
            log.info("could not remove buttons: %s", err.detail)


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)
