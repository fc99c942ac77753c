"""Neutral replies in Telegram's terms: HTML text chunks, inline keyboards, button data."""

from __future__ import annotations

import html
import secrets
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup

from domain.clock import Clock
from domain.messages import Choice
from storage import telegram as store_telegram
from storage.db import Store

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_LIMIT = 64  # bytes
TOKEN_MARK = "~"  # callback data that is a stored token; actions always start with "/"

# An inline keyboard as the Bot API's JSON: built per answer, PTB's objects (and their
# to_dict on sending) cost more CPU than the rest of a /todo answer.
Keyboard = dict[str, Any]
M = TypeVar("M")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of at most `limit`, cut at line ends; a longer line is cut where it must be."""
    if utf16_len(text) <= limit:
        return [text] if text.strip() else []
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut(line, limit):
            needed = utf16_len(piece) + (1 if lines else 0)
            if lines and size + needed > limit:
                chunks.append("\n".join(lines))
                lines, size, needed = [], 0, utf16_len(piece)
            lines.append(piece)
            size += needed
    if lines:
        chunks.append("\n".join(lines))
    return [c.strip("\n") for c in chunks if c.strip()]


def _cut(line: str, limit: int) -> list[str]:
    if utf16_len(line) <= limit:
        return [line]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = utf16_len(char)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return pieces


class CallbackTokens:
    """Button actions as callback data; one too long for 64 bytes is stored under a token."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def data_for(self, action: str) -> str:
        if len(action.encode()) <= CALLBACK_LIMIT and not action.startswith(TOKEN_MARK):
            return action
        token = TOKEN_MARK + secrets.token_urlsafe(12)
        async with self.store.write() as db:
            await store_telegram.callback_save(db, token, action, self.clock.now())
        return token

    async def action_for(self, data: str) -> str | None:
        """The action a tapped button stands for; None for an unknown token."""
        if not data.startswith(TOKEN_MARK):
            return data
        async with self.store.read() as db:
            return await store_telegram.callback_action(db, data)

    async def keyboard(self, rows: list[list[Choice]]) -> Keyboard | None:
        if not rows:
            return None
        return {
            "inline_keyboard": [
                [
                    {"text": choice.label, "callback_data": await self.data_for(choice.action)}
                    for choice in row
                ]
                for row in rows
                if row
            ]
        }


def as_markup(markup: Keyboard | M) -> InlineKeyboardMarkup | M:
    """PTB's object for its typed send methods (files); text goes out as the JSON itself."""
    if isinstance(markup, dict):
        return InlineKeyboardMarkup.de_json(markup, None)
    return markup
