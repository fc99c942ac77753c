"""Bounding text shown back to people: one ellipsis rule for every answer, push and card."""

from __future__ import annotations

import re


def clip(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters with "…", so a 10,000-character note never floods a chat."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# An ANSI escape sequence (colours, cursor moves, window titles): removed whole, not just its ESC.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# C0/C1 controls except tab and newline, and the invisible marks that reorder or hide text:
# bidi embeddings, overrides and isolates, zero-width joiners, the BOM.
_UNSEEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def clean(text: str) -> str:
    """Text a person typed, without control characters, escape sequences or bidi overrides,
    so what an admin reads is what was written (file names have their own rules)."""
    return _UNSEEN.sub("", _ANSI.sub("", text))
