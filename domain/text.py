"""Bounding text shown back to people: one ellipsis rule for every answer, push and card."""

from __future__ import annotations


def clip(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters with "…", so a 10,000-character note never floods a chat."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
