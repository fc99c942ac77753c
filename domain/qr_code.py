"""QR codes as PNG pictures (segno: pure Python, BSD-3-Clause)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno

SCALE = 8  # pixels per module: a phone camera reads it off another phone's screen
BORDER = 4  # the quiet zone the standard asks for, in modules


def matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The code's modules, row by row (True is dark), without the quiet zone."""
    code = _make(text)
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


def png(text: str) -> bytes:
    """A black-on-white PNG of the QR code for `text`."""
    out = io.BytesIO()
    _make(text).save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()


def _make(text: str) -> segno.QRCode:
    import segno  # here: it takes ~20 ms to load (a tenth of the shell's start), few runs use it

    return segno.make(text, error="m", micro=False)
