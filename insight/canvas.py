"""A pixel canvas over Pillow: text in the CJK font measured exactly, cells, hatching, a drawn flag."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable, Sequence
from functools import cache, partial
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageChops, ImageDraw, ImageFont

from insight.fonts import Face, charmap, cjk_font, fallback

FLAG_RED = "#d62828"
INK = "#1f2328"
BAND = 512  # rows painted at a time
HATCH_STEP = 11  # pixels between the diagonal lines of a hatched cell

# Pillow anchors for the ha / va words the board uses (matplotlib's, as it was first drawn).
_H = {"left": "l", "center": "m", "right": "r"}
_V = {"center": "m", "top": "a", "bottom": "d", "baseline": "s"}


@cache
def _font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    # Basic layout: the subset keeps no GSUB/GPOS, and the picture is the same with or without libraqm.
    return ImageFont.truetype(
        str(face.path), size, index=face.index, layout_engine=ImageFont.Layout.BASIC
    )


def release_fonts() -> None:
    _font.cache_clear()


def face_for(text: str) -> Face:
    """The bundled font, or Debian's full one when only that has every character of `text`."""
    main = Face(cjk_font())
    need = {ord(ch) for ch in text if not ch.isspace()}
    if need <= charmap(main.path):
        return main
    other = fallback()
    if other is not None and need <= charmap(other.path, other.index):
        return other
    return main


def text_width(text: str, size: float) -> float:
    """The advance width of `text` in pixels, as it will be drawn."""
    return float(_font(face_for(text), round(size)).getlength(text))


def fit(text: str, max_px: float, size: float) -> str:
    if text_width(text, size) <= max_px:
        return text
    while text and text_width(text + "…", size) > max_px:
        text = text[:-1]
    return text + "…"


def wrap(text: str, width: float, size: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if text_width(line + ch, size) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines or [""]


Paint = Callable[[ImageDraw.ImageDraw, Image.Image, int], None]


class Canvas:
    """Pixel coordinates, origin top left, on white. Drawing is recorded, then painted and
    written band by band (BAND rows at a time): a 300-unit board is 12,000 pixels tall, and the
    whole image in memory would be 50 MB."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.texts: list[str] = []
        self._ops: list[tuple[int, int, Paint]] = []  # first row, last row, how to paint

    def _add(self, y0: float, y1: float, paint: Paint) -> None:
        self._ops.append((math.floor(y0) - 1, math.ceil(y1) + 1, paint))

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float,
        color: str = INK,
        ha: str = "left",
        va: str = "center",
        rotation: int = 0,
    ) -> None:
        font = _font(face_for(s), round(size))
        self.texts.append(s)
        if rotation == 0:
            anchor = _H[ha] + _V[va]
            _, top, _, bottom = font.getbbox(s, anchor=anchor)
            self._add(
                y + top,
                y + bottom,
                lambda d, _, dy: d.text((x, y - dy), s, fill=color, font=font, anchor=anchor),
            )
            return
        # Upright text turned a quarter left (reads upwards), placed by its turned box.
        left, top, right, bottom = font.getbbox(s, anchor="ls")
        mask = Image.new("L", (int(right - left) + 2, int(bottom - top) + 2), 0)
        ImageDraw.Draw(mask).text((1 - left, 1 - top), s, fill=255, font=font, anchor="ls")
        turned = mask.rotate(rotation, expand=True)
        w, h = turned.size
        px = round({"left": x, "center": x - w / 2, "right": x - w}[ha])
        py = round({"top": y, "center": y - h / 2, "bottom": y - h, "baseline": y - h}[va])
        self._add(py, py + h, lambda _, im, dy: im.paste(color, (px, py - dy), turned))

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        x0, y0, x1, y1 = round(x), round(y), round(x + w) - 1, round(y + h) - 1
        self._add(y0, y1, lambda d, _, dy: d.rectangle((x0, y0 - dy, x1, y1 - dy), fill=fill))

    def line(self, xy: list[tuple[float, float]], fill: str, width: int) -> None:
        points = [(round(a), round(b)) for a, b in xy]
        ys = [b for _, b in points]
        self._add(
            min(ys) - width,
            max(ys) + width,
            lambda d, _, dy: d.line([(a, b - dy) for a, b in points], fill=fill, width=width),
        )

    def hatch(self, boxes: Sequence[tuple[float, float, float, float]], colour: str) -> None:
        """Diagonal lines (///) over each (x, y, w, h) box, continuing from box to box."""
        if not boxes:
            return
        w = max(round(b[2]) for b in boxes) + 2 * HATCH_STEP
        h = max(round(b[3]) for b in boxes) + 2 * HATCH_STEP
        strokes = Image.new("L", (w, h), 0)
        pen = ImageDraw.Draw(strokes)
        for k in range(-h, w + h, HATCH_STEP):
            pen.line([(k, h), (k + h, 0)], fill=255, width=1)
        for x, y, bw, bh in boxes:
            left, top = round(x), round(y)
            # The pattern repeats every HATCH_STEP both ways: crop it in phase with the canvas.
            dx, dy = left % HATCH_STEP, HATCH_STEP - top % HATCH_STEP
            cut = strokes.crop((dx, dy, dx + round(x + bw) - left, dy + round(y + bh) - top))
            self._add(top, top + cut.height, partial(_paste, colour, left, top, cut))

    def flag(self, x: float, y: float, h: float) -> None:
        """A small red flag on a pole (drawn, so it needs no emoji font), smoothed 4×."""
        k = 4
        size = (round(h * 0.9) * k, round(h + 2) * k)
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        pen = ImageDraw.Draw(layer)
        pole = round(1.2 * k)
        pen.rectangle((0, k, pole, size[1] - k), fill=INK)
        pen.polygon(
            [(pole, k), (h * 0.75 * k, (h / 4 + 1) * k), (pole, (h / 2 + 1) * k)], fill=FLAG_RED
        )
        small = layer.resize((size[0] // k, size[1] // k), Image.Resampling.LANCZOS)
        px, py = round(x - 0.6), round(y - h / 2 - 1)
        self._add(py, py + small.height, lambda _, im, dy: im.paste(small, (px, py - dy), small))

    def save(self, out: Path) -> None:
        """Paint band by band and write the PNG as it goes (rows "Up"-filtered, one zlib stream)."""
        stride = 3 * self.width
        previous = Image.new("RGB", (self.width, 1))  # PNG: zeros above the first row
        squeeze = zlib.compressobj(6)
        with out.open("wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n")
            _chunk(f, b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0))
            for top in range(0, self.height, BAND):
                rows = min(BAND, self.height - top)
                band = Image.new("RGB", (self.width, rows), "white")
                draw = ImageDraw.Draw(band)
                for y0, y1, paint in self._ops:  # in the order drawn: later covers earlier
                    if y0 < top + rows and y1 >= top:
                        paint(draw, band, top)
                # "Up": each byte minus the one above it, which turns flat colour into zeros.
                above = Image.new("RGB", (self.width, rows))
                above.paste(previous, (0, 0))
                above.paste(band.crop((0, 0, self.width, rows - 1)), (0, 1))
                data = ImageChops.subtract_modulo(band, above).tobytes()
                previous = band.crop((0, rows - 1, self.width, rows))
                packed = b"".join(
                    b"\x02" + data[r * stride : (r + 1) * stride] for r in range(rows)
                )
                _chunk(f, b"IDAT", squeeze.compress(packed))
            _chunk(f, b"IDAT", squeeze.flush())
            _chunk(f, b"IEND", b"")


def _paste(
    colour: str, left: int, top: int, mask: Image.Image, _: object, im: Image.Image, dy: int
) -> None:
    im.paste(colour, (left, top - dy), mask)


def _chunk(f: BinaryIO, kind: bytes, data: bytes) -> None:
    if kind == b"IDAT" and not data:
        return
    f.write(struct.pack(">I", len(data)) + kind + data)
    f.write(struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
