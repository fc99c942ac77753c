"""A pixel canvas over matplotlib (Agg): text in one font, measured roughly, and a drawn flag."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

DPI = 100
FLAG_RED = "#d62828"
INK = "#1f2328"


def text_width(text: str, size: float) -> float:
    """Rough advance width: CJK a full em, Latin and digits a little over half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def fit(text: str, max_px: float, size: float) -> str:
    if text_width(text, size) <= max_px:
        return text
    while text and text_width(text + "…", size) > max_px:
        text = text[:-1]
    return text + "…"


class Canvas:
    """Pixel coordinates (origin top left) over one matplotlib axes filling the figure."""

    def __init__(self, width: int, height: int, font: Path) -> None:
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(height, 0)
        self.ax.set_axis_off()
        self.font = font
        self.texts: list[str] = []
        self._props: dict[float, FontProperties] = {}

    def text(self, x: float, y: float, s: str, size: float, **kw: object) -> None:
        props = self._props.get(size)
        if props is None:
            props = self._props[size] = FontProperties(fname=self.font, size=size * 72 / DPI)
        kw.setdefault("color", INK)
        kw.setdefault("va", "center")
        self.ax.text(x, y, s, fontproperties=props, **kw)  # type: ignore[arg-type]
        self.texts.append(s)

    def flag(self, x: float, y: float, h: float) -> None:
        """A small red flag on a pole (drawn, so it needs no emoji font)."""
        self.ax.add_line(Line2D([x, x], [y + h / 2, y - h / 2], color=INK, linewidth=1.2))
        self.ax.add_patch(
            Polygon(
                [(x, y - h / 2), (x + h * 0.75, y - h / 4), (x, y)],
                closed=True,
                facecolor=FLAG_RED,
                edgecolor="none",
            )
        )


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
