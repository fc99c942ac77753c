"""What a file's first bytes say about it as a picture: PNG or JPEG, and its size in pixels.

Channels show such a file as a picture (not a document to download) when it is within their
limits; the bytes decide, not the name or the stated type, which may be wrong.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PNG = "png"
JPEG = "jpeg"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic): they hold the size.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})  # markers without a length field


@dataclass(frozen=True)
class Picture:
    format: str  # PNG or JPEG
    width: int | None  # None when the header cannot be read
    height: int | None


def sniff(content: bytes) -> Picture | None:
    """The picture these bytes start, or None when they are neither PNG nor JPEG."""
    if content.startswith(_PNG_SIGNATURE):
        if len(content) >= 24 and content[12:16] == b"IHDR":
            width, height = struct.unpack(">II", content[16:24])
            return Picture(PNG, width, height)
        return Picture(PNG, None, None)
    if content.startswith(b"\xff\xd8\xff"):
        width, height = _jpeg_size(content)
        return Picture(JPEG, width, height)
    return None


def _jpeg_size(content: bytes) -> tuple[int | None, int | None]:
    at = 2
    while at + 4 <= len(content):
        if content[at] != 0xFF:
            return None, None
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _NO_LENGTH:
            at += 2
            continue
        if marker == 0xD9 or marker == 0xDA:  # end of image, or the scan: no frame header
            return None, None
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if marker in _SOF:
            if at + 9 > len(content):
                return None, None
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None, None
