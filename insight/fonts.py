"""The CJK fonts the board draws with, and a check that they cover every character drawn.

The package ships Noto Sans SC Subset (OFL-1.1, insight/fonts/OFL.txt): all of GBK, so every
name typed on a Chinese keyboard. A rarer character (an Extension B place name) is drawn with
Debian's full Noto Sans CJK SC when `fonts-noto-cjk` is installed, else reported as missing.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Subset.otf"
# Debian's fonts-noto-cjk: a collection whose faces are JP, KR, SC, TC, HK (and the Mono ones).
SYSTEM = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),)
SYSTEM_FAMILY = "Noto Sans CJK SC"


class FontMissing(Exception):
    """No font on this machine draws Chinese."""


@dataclass(frozen=True)
class Face:
    """One face of a font file (a .ttc holds several)."""

    path: Path
    index: int = 0


@cache
def cjk_font() -> Path:
    """The font file the board draws with; raises FontMissing when the package lost it."""
    if not BUNDLED.is_file():
        raise FontMissing(f"{BUNDLED} is missing: reinstall the package")
    return BUNDLED


@cache
def fallback() -> Face | None:
    """Debian's full Noto Sans CJK SC, for characters the bundled subset lacks."""
    for path in SYSTEM:
        if path.is_file():
            for index in range(_faces(path)):
                if family_name(path, index) == SYSTEM_FAMILY:
                    return Face(path, index)
    return None


def family_name(path: Path, index: int = 0) -> str:
    """The family in the font's name table (ID 1, Windows Unicode English)."""
    data = _read(path)
    table = _table(data, _offset(data, index), b"name")
    if table is None:
        return ""
    _, count, strings = struct.unpack_from(">HHH", data, table)
    for k in range(count):
        platform, _, lang, name_id, length, at = struct.unpack_from(">6H", data, table + 6 + 12 * k)
        if name_id == 1 and platform == 3 and lang == 0x409:
            start = table + strings + at
            return data[start : start + length].decode("utf-16-be")
    return ""


def missing_glyphs(path: Path, *texts: str, index: int = 0) -> set[str]:
    """Characters of `texts` the font has no glyph for (they would be drawn as boxes)."""
    have = charmap(path, index)
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in have}


@cache
def charmap(path: Path, index: int = 0) -> frozenset[int]:
    """Every code point the face maps to a glyph (cmap format 12, else format 4)."""
    data = _read(path)
    cmap = _table(data, _offset(data, index), b"cmap")
    if cmap is None:
        return frozenset()
    _, count = struct.unpack_from(">HH", data, cmap)
    subtables = {}
    for k in range(count):
        platform, encoding, at = struct.unpack_from(">HHI", data, cmap + 4 + 8 * k)
        subtables[(platform, encoding)] = cmap + at
    for key in ((3, 10), (0, 4)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 12:
            return _format12(data, subtables[key])
    for key in ((3, 1), (0, 3)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 4:
            return _format4(data, subtables[key])
    return frozenset()


def _format12(data: mmap.mmap, at: int) -> frozenset[int]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    found: set[int] = set()
    for g in range(groups):
        first, last, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
        found.update(cp for cp in range(first, last + 1) if glyph + cp - first)
    return frozenset(found)


def _format4(data: mmap.mmap, at: int) -> frozenset[int]:
    (seg2,) = struct.unpack_from(">H", data, at + 6)
    segs = seg2 // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts = struct.unpack_from(f">{segs}H", data, at + 16 + seg2)
    deltas = struct.unpack_from(f">{segs}h", data, at + 16 + 2 * seg2)
    range_at = at + 16 + 3 * seg2
    offsets = struct.unpack_from(f">{segs}H", data, range_at)
    found: set[int] = set()
    for k in range(segs):
        for cp in range(starts[k], ends[k] + 1):
            if cp == 0xFFFF:
                continue
            if offsets[k] == 0:
                glyph = (cp + deltas[k]) & 0xFFFF
            else:
                where = range_at + 2 * k + offsets[k] + 2 * (cp - starts[k])
                glyph = struct.unpack_from(">H", data, where)[0]
                glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
            if glyph:
                found.add(cp)
    return frozenset(found)


@cache
def _read(path: Path) -> mmap.mmap:
    # Mapped, not read: only the tables looked at are paged in (Debian's collection is 19 MB).
    with path.open("rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _faces(path: Path) -> int:
    data = _read(path)
    return struct.unpack_from(">I", data, 8)[0] if data[:4] == b"ttcf" else 1


def _offset(data: mmap.mmap, index: int) -> int:
    if data[:4] != b"ttcf":
        return 0
    return int(struct.unpack_from(">I", data, 12 + 4 * index)[0])


def _table(data: mmap.mmap, font: int, tag: bytes) -> int | None:
    (tables,) = struct.unpack_from(">H", data, font + 4)
    for k in range(tables):
        entry = font + 12 + 16 * k
        if data[entry : entry + 4] == tag:
            return int(struct.unpack_from(">I", data, entry + 8)[0])
    return None
