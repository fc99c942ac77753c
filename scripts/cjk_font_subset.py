"""Rebuild insight/fonts/NotoSansSC-Subset.otf, the board's font, from Noto Sans CJK SC Regular.

    apt-get install fonts-noto-cjk        # Debian's package of the upstream font (OFL-1.1)
    python scripts/cjk_font_subset.py [SOURCE.ttc|SOURCE.otf]

Keeps what a board can draw: ASCII and Latin-1, general punctuation, arrows and shapes, CJK
punctuation, full-width forms, and every character of GBK — all of GB 2312 (its 6,763 hanzi,
kana, Greek, Cyrillic, box drawing) and the whole CJK Unified Ideographs block it extends to —
so any unit or material name typed on a Chinese keyboard is drawn, not boxed. Layout tables that
a left-to-right horizontal board never uses (vertical metrics, GSUB/GPOS features) are dropped.
Charstrings are desubroutinized: barely larger, and FreeType then holds less per font size.
Under the SIL Open Font License a subset is a Modified Version: it may not carry the Reserved
Font Name "Source", so it is renamed "Noto Sans SC Subset" (Google reserves no name for Noto).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "insight" / "fonts" / "NotoSansSC-Subset.otf"
DEBIAN = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans SC Subset"

RANGES = [
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x2000, 0x206F),  # general punctuation: — … “ ” ‧
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # ① ②
    (0x2500, 0x25FF),  # box drawing, blocks, shapes
    (0x3000, 0x303F),  # CJK punctuation: 、。《》【】
    (0xFF00, 0xFFEF),  # full-width forms: ,:;()%
]


def codepoints() -> set[int]:
    wanted = {cp for lo, hi in RANGES for cp in range(lo, hi + 1)}
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        for codec in ("gbk", "gb2312"):  # they differ on a few marks: 〃 ・ ―
            try:
                chr(cp).encode(codec)
            except UnicodeEncodeError:
                continue
            wanted.add(cp)
    return wanted


def source_font(path: Path) -> TTFont:
    if path.suffix.lower() == ".ttc":
        for font in TTCollection(str(path)).fonts:
            if font["name"].getDebugName(1) == "Noto Sans CJK SC":
                return font
        raise SystemExit(f"{path} holds no Noto Sans CJK SC")
    return TTFont(str(path))


def rename(font: TTFont) -> None:
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID in (3, 4):
            record.string = f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "") + "-Regular"
        elif record.nameID == 17:
            record.string = "Regular"
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [FAMILY.replace(" ", "") + "-Regular"]
        top = cff.topDictIndex[0]
        top.FullName = f"{FAMILY} Regular"
        top.FamilyName = FAMILY


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEBIAN
    font = source_font(src)
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "VORG", "vhea", "vmtx", "BASE", "DSIG"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    sub = subset.Subsetter(options)
    have = set(font.getBestCmap())
    sub.populate(unicodes=sorted(codepoints() & have))
    sub.subset(font)
    rename(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    print(
        f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB, {len(font.getBestCmap()):,} characters)"
    )


if __name__ == "__main__":
    main()
