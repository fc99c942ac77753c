"""Regenerate docs/board.png and docs/export.png from the 2016 sample with reports in every state.

    python scripts/insight_screenshots.py

The board is the bot's own PNG. The Excel screenshot is the workbook's first sheet as
LibreOffice prints it (needs Debian's libreoffice-calc-nogui and poppler-utils); LibreOffice
is pointed at the CJK font the project installs, so no system font is needed.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from insight.fonts import cjk_font  # noqa: E402
from tests.insight_world import build  # noqa: E402

FILE = re.compile(r"📎 \S+ (.+?)\((/[^)]+)\)")


async def outputs(tmp: Path) -> tuple[Path, Path]:
    world = await build(tmp)
    try:
        board = FILE.search(await world.bot.say("/board", as_="admin"))
        export = FILE.search(await world.bot.say("/export", as_="admin"))
    finally:
        await world.bot.stop()
    assert board and export
    return Path(board.group(2)), Path(export.group(2))


def first_page_png(xlsx: Path, tmp: Path) -> Path:
    fonts = tmp / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{cjk_font().parent}</dir><cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {"FONTCONFIG_FILE": str(fonts), "HOME": str(tmp), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(xlsx)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "110",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp / f"{xlsx.stem}.pdf"),
            str(tmp / "page"),
        ],
        check=True,
        timeout=120,
    )
    return next(tmp.glob("page*.png"))


def trimmed(path: Path, margin: int = 16) -> Image.Image:
    image = Image.open(path).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    assert box is not None
    left, top, right, bottom = box
    return image.crop(
        (
            max(0, left - margin),
            max(0, top - margin),
            min(image.width, right + margin),
            min(image.height, bottom + margin),
        )
    )


def main() -> None:
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        board, export = asyncio.run(outputs(tmp))
        shutil.copyfile(board, docs / "board.png")
        trimmed(first_page_png(export, tmp)).save(docs / "export.png", optimize=True)
    print(f"wrote {docs / 'board.png'} and {docs / 'export.png'}")


if __name__ == "__main__":
    main()
