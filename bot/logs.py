"""Logging set-up: structured key=value lines, with secrets and invite codes masked everywhere."""

from __future__ import annotations

import json
import logging
import re

# Telegram bot tokens (also inside Bot API URLs), invite codes, WeCom access tokens and robot keys,
# and anything passed as secret=/key=/token= in a URL.
_PATTERNS = [
    (re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}"), "<telegram-token>"),
    # Codes are taken in any case (handlers.invites.canonical), so people type them lower-case.
    (re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", re.I), "<invite-code>"),
    (
        re.compile(
            r"((?:access_token|secret|key|token|corpsecret|sig|signature)=)[^&\s\"']+", re.I
        ),
        r"\1<redacted>",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Applied to every handler, so no library (httpx logs full URLs) can leak a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class KeyValueFormatter(logging.Formatter):
    """One line per event: `time level logger msg="…"`, easy to grep and to ship."""

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} level={record.levelname.lower()}"
            f" logger={record.name} msg={json.dumps(record.getMessage(), ensure_ascii=False)}"
        )
        if record.exc_info:
            line += " exc=" + json.dumps(
                redact(self.formatException(record.exc_info)), ensure_ascii=False
            )
        return line


def configure(level: int) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; Bot API URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # aiosqlite logs SQL parameters at DEBUG: robot webhook keys and signing keys among them.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
