"""Telegram's updates checked one by one before anything reads them.

PTB parses a getUpdates batch as a whole: one update it cannot read (no `date`) fails the
batch, which is then fetched again forever, and PTB logs the raw batch (people's messages,
invite codes) at CRITICAL each time. It also takes any type where an id belongs
(`"from": {"id": "1001x"}`). Here each update is parsed on its own and the fields this
channel relies on are checked; a bad one is named by its update id and the field at fault,
never by its content.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from telegram import Bot, Message, Update

log = logging.getLogger(__name__)

_FIELD = re.compile(r"[a-z_]{1,40}")


def parse(raw: object, bot: Bot | None) -> Update | str:
    """The update, or what is wrong with it: a field's name or an error's kind, nothing sent."""
    if not isinstance(raw, dict):
        return "not an object"
    try:
        update = Update.de_json(raw, bot)
        if update is None:
            return "empty"
        wrong = fault(update)
    except KeyError as err:
        key = err.args[0] if err.args else ""
        named = isinstance(key, str) and _FIELD.fullmatch(key)
        return f"{key} is missing" if named else "a field is missing"
    except Exception as err:  # PTB raises whatever its constructors raise on bad data
        return f"unreadable ({type(err).__name__})"
    return update if wrong is None else f"{wrong} has the wrong type"


def fault(update: Update) -> str | None:
    """The first field this channel relies on that does not have Telegram's type, if any."""
    checks: list[tuple[str, Any, type | tuple[type, ...]]] = [("update_id", update.update_id, int)]
    user = update.effective_user
    if user is not None:
        checks += [("from.id", user.id, int), ("from.is_bot", user.is_bot, bool)]
        checks += [("from.language_code", user.language_code, (str, type(None)))]
    chat = update.effective_chat
    if chat is not None:
        checks += [("chat.id", chat.id, int), ("chat.type", chat.type, str)]
    message = update.message or update.edited_message
    if message is not None:
        checks += _message_checks(message)
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None:
            checks.append(("reply_to_message.from.id", replied.from_user.id, int))
    query = update.callback_query
    if query is not None:
        checks += [("callback_query.data", query.data, (str, type(None)))]
        if query.message is not None:
            checks.append(("callback_query.message.message_id", query.message.message_id, int))
    for name, value, kind in checks:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return name
    return None


def _message_checks(message: Message) -> list[tuple[str, Any, type | tuple[type, ...]]]:
    optional_text = (str, type(None))
    return [
        ("message.message_id", message.message_id, int),
        ("message.date", message.date, datetime),
        ("message.text", message.text, optional_text),
        ("message.caption", message.caption, optional_text),
        ("message.media_group_id", message.media_group_id, optional_text),
        ("message.migrate_to_chat_id", message.migrate_to_chat_id, (int, type(None))),
    ]


def update_id_of(raw: object) -> int | None:
    """The update id of a raw update, when it has a usable one."""
    value = raw.get("update_id") if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Skipped:
    """Updates skipped on arrival: the next getUpdates offset must pass them."""

    def __init__(self) -> None:
        self.below = 0  # every update id below this was skipped or handed on

    def add(self, update_id: int | None, reason: str) -> None:
        if update_id is None or update_id >= self.below:  # not reported before
            report_skipped(update_id, reason, "on arrival")
        if update_id is not None:
            self.below = max(self.below, update_id + 1)


def report_skipped(update_id: int | None, reason: str, where: str) -> None:
    """One line per skipped update: which one and why, never what it says."""
    shown = str(update_id) if update_id is not None else "without an id"
    log.warning("telegram update %s skipped %s: %s", shown, where, reason)
