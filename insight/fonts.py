"""The CJK font the board draws with, and a check that it covers every character drawn."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

# mplfonts ships Noto Sans CJK SC inside its wheel, so `pip install -e .` is the whole install.
_BUNDLED = "NotoSansCJKsc-Regular.otf"
# Used only when the wheel's font is missing: Debian's fonts-noto-cjk / fonts-wqy-zenhei.
_SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Source Han Sans SC")
_PROBE = "河南省安全生产监督管理局进度通报逾期"


class FontMissing(Exception):
    """No font on this machine draws Chinese."""


@cache
def cjk_font() -> Path:
    """The font file to draw Chinese with; raises FontMissing when there is none."""
    try:
        from mplfonts.conf import FONT_DIR

        bundled = Path(FONT_DIR) / _BUNDLED
        if bundled.is_file():
            return bundled
    except ImportError:
        pass
    for family in _SYSTEM_FAMILIES:
        props = font_manager.FontProperties(family=family)
        try:
            found = Path(font_manager.findfont(props, fallback_to_default=False))
        except ValueError:
            continue
        if not missing_glyphs(found, _PROBE):
            return found
    raise FontMissing("no CJK font: pip install mplfonts, or apt-get install fonts-noto-cjk")


@cache
def _charmap(path: Path) -> frozenset[int]:
    return frozenset(FT2Font(str(path)).get_charmap())


def family_name(path: Path) -> str:
    return str(FT2Font(str(path)).family_name)


def missing_glyphs(path: Path, *texts: str) -> set[str]:
    """Characters of `texts` the font has no glyph for (they would be drawn as boxes)."""
    have = _charmap(path)
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in have}
