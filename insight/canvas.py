"""A pixel canvas over Pillow: text in the CJK font measured exactly, cells, hatching, a drawn flag."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from insight.fonts import Face, charmap, cjk_font, fallback

FLAG_RED = "#d62828"
INK = "#1f2328"
HATCH_STEP = 11  # pixels between the diagonal lines of a hatched cell

# Pillow anchors: matplotlib's ha / va words as the project wrote them.
_H = {"left": "l", "center": "m", "right": "r"}
_V = {"center": "m", "top": "a", "bottom": "d", "baseline": "s"}


@cache
def _font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    # Basic layout: the subset keeps no GSUB/GPOS, and the picture is the same with or without libraqm.
    return ImageFont.truetype(
        str(face.path), size, index=face.index, layout_engine=ImageFont.Layout.BASIC
    )


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


class Canvas:
    """Pixel coordinates, origin top left, on a white RGB image."""

    def __init__(self, width: int, height: int) -> None:
        self.image = Image.new("RGB", (width, height), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.texts: list[str] = []

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
            self.draw.text((x, y), s, fill=color, font=font, anchor=_H[ha] + _V[va])
            return
        # Upright text turned a quarter left (reads upwards), placed by its turned box.
        left, top, right, bottom = font.getbbox(s, anchor="ls")
        mask = Image.new("L", (int(right - left) + 2, int(bottom - top) + 2), 0)
        ImageDraw.Draw(mask).text((1 - left, 1 - top), s, fill=255, font=font, anchor="ls")
        turned = mask.rotate(rotation, expand=True)
        w, h = turned.size
        px = {"left": x, "center": x - w / 2, "right": x - w}[ha]
        py = {"top": y, "center": y - h / 2, "bottom": y - h, "baseline": y - h}[va]
        self.image.paste(color, (round(px), round(py)), turned)

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        self.draw.rectangle((round(x), round(y), round(x + w) - 1, round(y + h) - 1), fill=fill)

    def line(self, xy: list[tuple[float, float]], fill: str, width: int) -> None:
        self.draw.line([(round(a), round(b)) for a, b in xy], fill=fill, width=width)

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
            box = (dx, dy, dx + round(x + bw) - left, dy + round(y + bh) - top)
            self.image.paste(colour, (left, top), strokes.crop(box))

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
        self.image.paste(small, (round(x - 0.6), round(y - h / 2 - 1)), small)

    def save(self, out: Path) -> None:
        # Level 3: a tall board's PNG is written in a third of the default's time, ~10 % larger.
        self.image.save(out, format="PNG", compress_level=3)
