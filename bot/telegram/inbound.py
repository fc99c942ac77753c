"""Telegram updates as neutral messages: who, where, what text, which files, which key."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.telegram.files import Attachment, Downloader, attachments
from domain.channels import TELEGRAM
from domain.messages import ChatKind, Incoming

CHANNEL = TELEGRAM
GROUP_TYPES = {Chat.GROUP, Chat.SUPERGROUP}


@dataclass(frozen=True)
class Origin:
    """Where an update came from, so its answers land in the right place."""

    chat_id: str
    user_id: str
    group: bool
    message_id: int | None  # the asking message (groups get replies to it)
    tapped: int | None = None  # the message whose button was tapped
    language: str | None = None
    user_name: str = ""


@dataclass(frozen=True)
class Inbound:
    origin: Origin
    incoming: Incoming
    attachments: tuple[Attachment, ...] = ()
    update_ids: tuple[int, ...] = ()
    addressed: bool = True  # False: group chatter, not for the bot


def chat_kind(chat: Chat) -> ChatKind:
    return ChatKind.GROUP if chat.type in GROUP_TYPES else ChatKind.PRIVATE


def addressed_text(message: Message, me: User) -> str | None:
    """The text meant for this bot, or None when a group message is not for it.

    In private every message is. In a group: a command (to no bot or to this one), a reply
    to one of our messages (e.g. the reason asked for), or a message mentioning us."""
    text = message.text or message.caption or ""
    if chat_kind(message.chat) is ChatKind.PRIVATE:
        return text
    head = unicodedata.normalize("NFKC", text.lstrip()[:1])
    if head == "/":
        word = text.split(maxsplit=1)[0]
        _, at, bot_name = word.partition("@")
        if at and bot_name.lower() != (me.username or "").lower():
            return None
        return text
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        return text
    mention = re.compile(rf"@{re.escape(me.username or '')}\b", re.IGNORECASE)
    if me.username and mention.search(text):
        return mention.sub("", text).strip()
    return None


def from_message(update: Update, message: Message, me: User, files: Downloader) -> Inbound | None:
    """None for messages with nothing to handle (from bots, service messages, stickers)."""
    sender = message.from_user
    if sender is None or sender.is_bot:
        return None
    text = addressed_text(message, me)
    addressed = text is not None
    if text is None:
        text = message.text or message.caption or ""
    found = tuple(attachments(message))
    if not text.strip() and not found:
        return None
    group = chat_kind(message.chat) is ChatKind.GROUP
    incoming = Incoming(
        channel=CHANNEL,
        user_ref=str(sender.id),
        chat_ref=str(message.chat.id),
        chat_kind=chat_kind(message.chat),
        text=text,
        files=tuple(files.incoming(a) for a in found),
        user_name=sender.full_name,
        chat_title=message.chat.title,
        language=sender.language_code,
        message_key=str(update.update_id),
    )
    origin = Origin(
        chat_id=str(message.chat.id),
        user_id=str(sender.id),
        group=group,
        message_id=message.message_id,
        language=sender.language_code,
    )
    return Inbound(origin, incoming, found, (update.update_id,), addressed)


def from_callback(update: Update, query: CallbackQuery, action: str) -> Inbound:
    """A tapped button: its action is the text, sent by whoever tapped it."""
    message = query.message
    chat = message.chat if message is not None else None
    tapped = message.message_id if isinstance(message, Message) else None
    group = chat is not None and chat_kind(chat) is ChatKind.GROUP
    chat_id = str(chat.id) if chat is not None else str(query.from_user.id)
    incoming = Incoming(
        channel=CHANNEL,
        user_ref=str(query.from_user.id),
        chat_ref=chat_id,
        chat_kind=ChatKind.GROUP if group else ChatKind.PRIVATE,
        text=action,
        user_name=query.from_user.full_name,
        chat_title=chat.title if chat is not None else None,
        language=query.from_user.language_code,
        message_key=str(update.update_id),
        via_choice=True,
    )
    origin = Origin(
        chat_id=chat_id,
        user_id=str(query.from_user.id),
        group=group,
        message_id=tapped,
        tapped=tapped,
        language=query.from_user.language_code,
        user_name=query.from_user.full_name,
    )
    return Inbound(origin, incoming, (), (update.update_id,))


def merge_album(group_id: str, items: list[Inbound]) -> Inbound:
    """An album's messages as one: every file, the caption whichever item carries it.

    The key names the album and its first update: an item arriving after the album was
    handled starts a new one instead of being dropped as a repeat."""
    first = items[0]
    text = next((i.incoming.text for i in items if i.incoming.text.strip()), "")
    files = tuple(f for i in items for f in i.incoming.files)
    ids = tuple(u for i in items for u in i.update_ids)
    key = f"album:{group_id}:{first.incoming.message_key}"
    incoming = replace(first.incoming, text=text, files=files, message_key=key)
    found = tuple(a for i in items for a in i.attachments)
    return Inbound(first.origin, incoming, found, ids, any(i.addressed for i in items))
