"""The Telegram channel: PTB's lifecycle inside our loop, updates in, replies and pushes out."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import urlsplit

from telegram import CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, TypeHandler

from bot.downloads import Downloads
from bot.telegram import menu
from bot.telegram.albums import Album, Albums
from bot.telegram.answer import answer
from bot.telegram.big_files import CLOUD_LIMIT, LOCAL_LIMIT, BigFiles
from bot.telegram.client import POLL_TIMEOUT, ChannelBot, build_application, token_of
from bot.telegram.files import Downloader
from bot.telegram.inbound import (
    CHANNEL,
    GROUP_TYPES,
    Inbound,
    from_callback,
    from_message,
    merge_album,
)
from bot.telegram.journal import Journal
from bot.telegram.lanes import Lanes
from bot.telegram.notices import Notices
from bot.telegram.render import CallbackTokens
from bot.telegram.send import TelegramSender
from bot.telegram.transport import AiohttpRequest
from domain.messages import Reply
from handlers import channel_events, router
from handlers.context import Services
from schedules.delivery import DeliveryError, RateLimits

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
CONCURRENCY = 16  # updates handled at once (across chats); the store serialises writes anyway
REMEMBERED = 10_000  # recent update ids, to drop a second delivery without a database read
BINDING_WORDS = ("/start", "/bind", "开始", "绑定")
# After these the sender's menu is set again: who they are (`/bind_confirm` too, a move) or
# their language may have changed.
MENU_WORDS = (*BINDING_WORDS, "/lang", "语言")
# What became of a message this run, for its edits: an edit of one still waiting on its lane
# replaces it; of one never for the bot (group chatter) is handled as new; of one answered
# (or started, or from before a restart) is not applied, and the sender is told so.
QUEUED, CHATTER, ANSWERED = "queued", "chatter", "answered"


class TelegramChannel:
    """A running channel (see schedules.delivery.RunningChannel) for one bot token."""

    name = CHANNEL

    def __init__(
        self,
        services: Services,
        *,
        album_wait: float = 1.0,
        retry_backoff: float = 0.5,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.services = services
        self.settings = services.settings
        # Telegram's published limits: ~30 messages/s overall (TELEGRAM_MESSAGES_PER_SECOND:
        # more for a bot with paid broadcasts), 1/s per chat, 20/min per group.
        self.limits = RateLimits(
            per_second=self.settings.telegram_messages_per_second,
            per_chat_per_second=1,
            per_group_per_minute=20,
        )
        self.journal = Journal(services.store, services.clock)
        self.application: Application = build_application(self.settings, self.journal)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        bot = self.application.bot
        assert isinstance(bot, ChannelBot)
        self.bot = bot
        self.tokens = CallbackTokens(services.store, services.clock)
        limit = LOCAL_LIMIT if self.settings.telegram_local_mode else CLOUD_LIMIT
        self.big_files = BigFiles(services, Downloads(services), limit)
        self.sender = TelegramSender(
            self.bot, self.tokens, self._migrate, backoff=retry_backoff, fit=self.big_files.fit
        )
        request = self.bot.request
        assert isinstance(request, AiohttpRequest)
        self.files = Downloader(
            self.bot, request, self.settings.telegram_local_mode, backoff=retry_backoff
        )
        self.notices = Notices(services, self.bot)
        self.lanes = Lanes()
        self.albums: Albums[Inbound] = Albums(album_wait)
        self.handled = 0  # updates finished since start (for benchmarks and health)
        self._slots = asyncio.Semaphore(concurrency)
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._messages: OrderedDict[tuple[str, int], str] = OrderedDict()  # (chat, id) → state
        self._edits: dict[tuple[str, int], Inbound] = {}  # the latest edit of a queued message
        self._menu_task: asyncio.Task[None] | None = None
        self._pulse = asyncio.Event()  # set (and replaced) whenever an update comes or goes

    # --- the Channel protocol ---
    def is_group(self, chat_ref: str) -> bool:
        return chat_ref.startswith("-")  # Telegram group and supergroup ids are negative

    async def deliver(self, chat_ref: str, reply: Reply) -> None:
        await self.sender.send_reply(chat_ref, reply)

    # --- lifecycle ---
    async def start(self) -> None:
        try:
            await self.application.initialize()  # getMe: fails fast on a wrong token
        except BaseException:
            await self.bot.close_requests()
            raise
        self.services.join_links[CHANNEL] = f"https://t.me/{self.bot.username}?start="
        for update in await self.journal.pending(self.bot):
            log.info("replaying update %s left unhandled by the last run", update.update_id)
            self._accept(update)
        await self.application.start()
        updater = self.application.updater
        assert updater is not None
        webhook = self.settings.telegram_webhook_url
        if webhook:
            await updater.start_webhook(
                listen=self.settings.telegram_webhook_listen,
                port=self.settings.telegram_webhook_port,
                url_path=urlsplit(webhook).path.lstrip("/"),
                webhook_url=webhook,
                secret_token=self._webhook_secret(),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        else:
            await updater.start_polling(
                timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
            )
        self._menu_task = asyncio.create_task(
            menu.install(self.bot, self.services.store, self.settings), name="telegram-menu"
        )

    async def stop(self) -> None:
        if self._menu_task is not None:
            self._menu_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._menu_task
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.lanes.idle()
        await self.journal.flush()
        await self.application.shutdown()

    def _webhook_secret(self) -> str:
        if self.settings.telegram_webhook_secret is not None:
            return self.settings.telegram_webhook_secret.get_secret_value()
        return hashlib.sha256(token_of(self.settings).encode()).hexdigest()[:48]

    def has_seen(self, update_id: int) -> bool:
        """Whether this run took the update in (it may still be being handled)."""
        return update_id in self._recent

    async def wait_until(self, check: Callable[[], bool]) -> None:
        """Wait until `check()` holds, re-checking whenever an update arrives or finishes."""
        while not check():
            await self._pulse.wait()

    def _changed(self) -> None:
        pulse, self._pulse = self._pulse, asyncio.Event()
        pulse.set()

    # --- updates in ---
    async def _on_update(self, update: Update, _context: object) -> None:
        self._accept(update)

    def _accept(self, update: Update) -> None:
        """Queue an update on its chat's lane; returns at once so polling goes on."""
        if update.update_id in self._recent:
            # Delivered twice in this run: not handled again, but the second getUpdates wrote
            # it to the journal again, so cross it off there once the first one is finished.
            repeat = (update.update_id,)
            self.lanes.submit(_lane_of(update), lambda: self._finish(repeat, None))
            return
        self._recent[update.update_id] = None
        if len(self._recent) > REMEMBERED:
            self._recent.popitem(last=False)
        self._changed()
        ids = (update.update_id,)
        if update.callback_query is not None:
            query = update.callback_query
            lane = str(query.message.chat.id if query.message else query.from_user.id)
            self.lanes.submit(lane, lambda: self._finish(ids, self._callback(update, query)))
        elif update.message is not None:
            self._message(update, update.message)
        elif update.edited_message is not None:
            self._edited(update, update.edited_message)
        elif update.my_chat_member is not None:
            member = update.my_chat_member
            lane = str(member.chat.id)
            self.lanes.submit(lane, lambda: self._finish(ids, self._membership(member)))
        else:
            self._skip(ids)

    def _message(self, update: Update, message: Message) -> None:
        ids = (update.update_id,)
        lane = str(message.chat.id)
        if message.migrate_to_chat_id is not None:
            new_id = str(message.migrate_to_chat_id)
            self.lanes.submit(lane, lambda: self._finish(ids, self._migrate(lane, new_id)))
            return
        inbound = from_message(update, message, self.bot.bot, self.files)
        if inbound is None:
            self._skip(ids)
            return
        group_id = message.media_group_id
        if group_id is None:
            key = (lane, message.message_id)
            if not inbound.addressed:
                self._remember(key, CHATTER)
                self._skip(ids)  # group chatter
                return
            self._remember(key, QUEUED)
            self.lanes.submit(lane, lambda: self._finish(ids, self._handle_latest(key, inbound)))
            return
        album = self.albums.add(f"{lane}:{group_id}", inbound)
        if album is not None:  # the first item: the album is handled once it is complete
            self.lanes.submit(lane, lambda: self._album(group_id, album))

    def _remember(self, key: tuple[str, int], state: str) -> None:
        self._messages[key] = state
        self._messages.move_to_end(key)
        if len(self._messages) > REMEMBERED:
            old, _ = self._messages.popitem(last=False)
            self._edits.pop(old, None)

    async def _handle_latest(self, key: tuple[str, int], inbound: Inbound) -> None:
        """A message as last edited before its turn came (under its own delivery key)."""
        self._remember(key, ANSWERED)
        edited = self._edits.pop(key, None)
        if edited is not None:
            if not edited.addressed:
                return  # edited into chatter: nothing left for the bot
            key_of_original = inbound.incoming.message_key
            inbound = replace(
                edited, incoming=replace(edited.incoming, message_key=key_of_original)
            )
        await self._handle(inbound)

    def _edited(self, update: Update, message: Message) -> None:
        ids = (update.update_id,)
        lane = str(message.chat.id)
        key = (lane, message.message_id)
        inbound = from_message(update, message, self.bot.bot, self.files)
        if inbound is None or message.media_group_id is not None:
            self._skip(ids)  # an album's item is not re-read
            return
        state = self._messages.get(key)
        if state == QUEUED:
            self._edits[key] = inbound
            self._skip(ids)
        elif not inbound.addressed:
            self._skip(ids)
        elif state == CHATTER:
            self._remember(key, ANSWERED)
            self.lanes.submit(lane, lambda: self._finish(ids, self._handle(inbound)))
        else:
            self.lanes.submit(lane, lambda: self._finish(ids, self._edit_too_late(inbound)))

    async def _edit_too_late(self, inbound: Inbound) -> None:
        outcome = await router.notice(self.services, inbound.incoming, "telegram.edit_not_applied")
        await answer(self.sender, inbound.origin, outcome.replies, _no_link, self.services.metrics)

    async def _album(self, group_id: str, album: Album[Inbound]) -> None:
        items = await album.complete()
        self.albums.forget(album)
        merged = merge_album(group_id, items)
        await self._finish(merged.update_ids, self._handle(merged) if merged.addressed else None)

    async def _finish(self, update_ids: tuple[int, ...], work: Awaitable[None] | None) -> None:
        """Run the work, then cross the updates off the journal (even if the work failed)."""
        try:
            if work is not None:
                await work
        finally:
            self.handled += len(update_ids)
            self._changed()
            self.journal.done(update_ids)
            if self.journal.due or self.lanes.pending <= 1:
                await self.journal.flush()

    def _skip(self, update_ids: tuple[int, ...]) -> None:
        self.handled += len(update_ids)
        self.journal.done(update_ids)
        self._changed()

    async def _handle(self, inbound: Inbound) -> None:
        inbound = self.big_files.with_limit(inbound)
        too_big = self.files.too_big(list(inbound.attachments))
        async with self._slots:
            if too_big and self.files.limit is not None:
                big = too_big[0]
                replies = [
                    await self.notices.too_big(inbound, big.name, big.size or 0, self.files.limit)
                ]
                contact = None
            else:
                outcome = await router.route(self.services, inbound.incoming)
                replies, contact = outcome.replies, outcome.contact
            await answer(
                self.sender,
                inbound.origin,
                replies,
                lambda: self.notices.open_private(inbound),
                self.services.metrics,
            )
        if contact is not None and inbound.incoming.text.lstrip().startswith(MENU_WORDS):
            await menu.install_for(self.bot, contact, self.settings)

    async def _callback(self, update: Update, query: CallbackQuery) -> None:
        with contextlib.suppress(DeliveryError):
            await self.sender.call(str(query.from_user.id), lambda _chat: query.answer())
        action = await self.tokens.action_for(query.data or "")
        if action is None:
            tapped = from_callback(update, query, "")
            expired = await self.notices.button_expired(tapped)
            await answer(self.sender, tapped.origin, expired, _no_link, self.services.metrics)
            return
        await self._handle(from_callback(update, query, action))

    async def _membership(self, member: ChatMemberUpdated) -> None:
        """In a private chat, blocking the bot or starting it again changes reachability."""
        if member.chat.type in GROUP_TYPES:
            return
        blocked = member.new_chat_member.status == "kicked"
        await channel_events.set_reachable(
            self.services, CHANNEL, str(member.from_user.id), not blocked
        )

    async def _migrate(self, old_id: str, new_id: str) -> None:
        await channel_events.chat_migrated(self.services, CHANNEL, old_id, new_id)


def _lane_of(update: Update) -> str:
    """The chat whose lane an update is handled on (as in `_accept`)."""
    chat = update.effective_chat
    if chat is not None:
        return str(chat.id)
    user = update.effective_user
    return str(user.id) if user is not None else "-"


async def _no_link() -> tuple[str, InlineKeyboardMarkup]:
    raise AssertionError("the channel's own notices are never private")
