"""The progress board picture: units × materials coloured by state, drawn with Pillow."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from domain.model import Light
from domain.palette import PALETTE
from insight.canvas import INK, Canvas, face_for, fit, release_fonts, text_width, wrap
from insight.fonts import cjk_font, missing_glyphs
from insight.progress import Progress
from insight.score import Score
from locales import Translator

WIDTH = 1080  # a phone screen's width in pixels: the picture is read without zooming
MARGIN = 24
NAME_W = 230
RATE_W = 84
SCORE_W = 84
ROW_H = 40

MUTED = "#5f6670"


@dataclass
class BoardPicture:
    path: Path
    width: int
    height: int
    font: Path
    texts: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # characters the font could not draw
    legend: list[tuple[Light, str]] = field(default_factory=list)  # swatches drawn, with labels
    rows: list[str] = field(default_factory=list)  # unit labels, top to bottom
    columns: list[str] = field(default_factory=list)  # material codes, left to right
    grid: tuple[float, float, float] = (0.0, 0.0, 0.0)  # left, top, column width of the cells

    def cell(self, unit: str, material: str) -> tuple[float, float, float, float]:
        """The (x, y, w, h) box of one unit's cell for one material."""
        left, top, col_w = self.grid
        i, j = self.rows.index(unit), self.columns.index(material)
        return (left + j * col_w, top + i * ROW_H, col_w, ROW_H)


def render(
    progress: Progress,
    scores: dict[int, Score],
    t: Translator,
    title: str,
    scope: str,
    out: Path,
) -> BoardPicture:
    """Draw the board for `progress` into `out` (PNG, WIDTH pixels wide)."""
    font = cjk_font()
    units, materials = progress.units, progress.materials
    n_cols = max(1, len(materials))
    grid_x = MARGIN + NAME_W
    grid_w = WIDTH - 2 * MARGIN - NAME_W - RATE_W - SCORE_W
    col_w = grid_w / n_cols
    upright = col_w >= 34
    head_h = 48 if upright else 30 + 11 * max((len(m.code) for m in materials), default=1)
    title_lines = wrap(title, WIDTH - 2 * MARGIN, 32)
    legend = _legend_items(t)
    legend_rows = _layout_legend(legend, WIDTH - 2 * MARGIN)
    top = MARGIN + 40 * len(title_lines) + 34 + 30 + 36 * len(legend_rows) + 12
    grid_top = top + head_h
    grid_bottom = grid_top + ROW_H * len(units)
    height = int(grid_bottom + 44 + 24 + 34 + 30 + MARGIN)
    c = Canvas(WIDTH, height)

    y = MARGIN + 20
    for line in title_lines:
        c.text(MARGIN, y, line, 32)
        y += 40
    whole = progress.totals()
    c.text(
        MARGIN,
        y,
        t(
            "insight.board_subtitle",
            scope=scope,
            units=len(units),
            materials=len(materials),
            at=t.moment(progress.now),
        ),
        21,
        color=MUTED,
    )
    y += 34
    c.text(
        MARGIN,
        y,
        t(
            "insight.board_summary",
            done=whole.accepted,
            total=whole.applicable,
            percent=t.percent(whole.accepted, whole.applicable),
            overdue=whole.overdue,
            flags=sum(1 for u in units if progress.praised(u.id)),
        ),
        21,
    )
    y += 30
    _draw_legend(c, legend, legend_rows, y)

    # Column headers.
    hy = grid_top - 8
    for j, m in enumerate(materials):
        cx = grid_x + (j + 0.5) * col_w
        if upright:
            c.text(cx, hy - 12, m.code, min(19, col_w * 0.45), ha="center")
        else:
            c.text(cx, hy, m.code, 15, ha="center", va="bottom", rotation=90)
    c.text(MARGIN, grid_top - 20, t("insight.board_unit"), 19, color=MUTED)
    rate_x = grid_x + grid_w + RATE_W / 2
    score_x = rate_x + RATE_W / 2 + SCORE_W / 2
    c.text(rate_x, grid_top - 20, t("insight.board_rate"), 19, color=MUTED, ha="center")
    c.text(score_x, grid_top - 20, t("insight.board_score"), 19, color=MUTED, ha="center")

    _draw_cells(c, progress, grid_x, grid_top, col_w, t("insight.returned_mark"))

    # Rows: flag, name, completion rate, score.
    for i, unit in enumerate(units):
        cy = grid_top + (i + 0.5) * ROW_H
        if i % 2 == 1:
            c.rect(MARGIN, cy - ROW_H / 2, NAME_W - 6, ROW_H, "#f6f7f9")
        indent = 18 * progress.depth.get(unit.id, 0)
        if progress.praised(unit.id):
            c.flag(MARGIN + 4 + indent, cy, 22)
        label_x = MARGIN + 24 + indent
        size = 22 if progress.depth.get(unit.id, 0) == 0 else 20
        c.text(label_x, cy, fit(unit.label, grid_x - label_x - 8, size), size)
        tally = progress.by_unit[unit.id]
        rate = tally.rate
        c.text(rate_x, cy, "—" if rate is None else f"{rate:.0%}", 20, ha="center")
        score = scores.get(unit.id)
        if score is not None:
            shown = "—" if score.total is None else f"{score.total:.1f}"
            c.text(score_x, cy, shown, 20, ha="center", color=MUTED)

    # Per-material completion under the grid.
    fy = grid_bottom + 22
    c.text(MARGIN, fy, t("insight.board_material_rate"), 18, color=MUTED)
    for j, m in enumerate(materials):
        rate = progress.by_material[m.id].rate
        label = "—" if rate is None else f"{rate * 100:.0f}"
        cx = grid_x + (j + 0.5) * col_w
        if upright:
            c.text(cx, fy, label, min(17, col_w * 0.42), ha="center")
        else:
            c.text(cx, fy - 10, label, 13, ha="center", va="top", rotation=90)
    fy = grid_bottom + 44 + 24 + 6
    c.flag(MARGIN + 4, fy, 20)
    c.text(MARGIN + 22, fy, t("insight.board_flag_note"), 18, color=MUTED)
    fy += 34
    c.text(
        MARGIN,
        fy,
        t("insight.board_footer", at=t.moment(progress.now), title=title),
        17,
        color=MUTED,
    )

    c.save(out)
    release_fonts()  # FreeType maps the font file once per size: let go until the next board
    # A text drawn with Debian's full font has all its characters there (see face_for).
    drawn = [text for text in c.texts if face_for(text).path == font]
    return BoardPicture(
        path=out,
        width=WIDTH,
        height=height,
        font=font,
        texts=c.texts,
        missing=missing_glyphs(font, *drawn),
        legend=[(key, label) for key, label in legend if isinstance(key, Light)],
        rows=[u.label for u in units],
        columns=[m.code for m in materials],
        grid=(grid_x, grid_top, col_w),
    )


def _draw_cells(
    c: Canvas, progress: Progress, x0: float, y0: float, col_w: float, mark: str
) -> None:
    units, materials = progress.units, progress.materials
    if not units or not materials:
        return
    hatched = []
    returned = []
    for i, unit in enumerate(units):
        for j, m in enumerate(materials):
            category = progress.category.get((unit.id, m.id))
            if category is None:
                continue
            box = (x0 + j * col_w, y0 + i * ROW_H, col_w, ROW_H)
            c.rect(*box, PALETTE[category].solid)
            if PALETTE[category].hatch:
                hatched.append(box)
            cell = progress.cells[(unit.id, m.id)]
            if cell.state.value == "returned":
                returned.append((i, j))
    c.hatch(hatched, PALETTE[Light.NOT_APPLICABLE].hatch or INK)
    for i, j in returned:
        c.text(
            x0 + (j + 0.5) * col_w,
            y0 + (i + 0.5) * ROW_H,
            mark,
            min(18, col_w * 0.5),
            ha="center",
            color="white",
        )
    x1 = x0 + col_w * len(materials)
    y1 = y0 + ROW_H * len(units)
    for i in range(len(units) + 1):
        c.line([(x0, y0 + i * ROW_H), (x1, y0 + i * ROW_H)], "white", 2)
    for j in range(len(materials) + 1):
        c.line([(x0 + j * col_w, y0), (x0 + j * col_w, y1)], "white", 2)
    # A darker rule where one task item ends and the next begins.
    for j in range(1, len(materials)):
        if materials[j].item_no != materials[j - 1].item_no:
            c.line([(x0 + j * col_w, y0), (x0 + j * col_w, y1)], "#7b828b", 1)


def _legend_items(t: Translator) -> list[tuple[Light | str, str]]:
    items: list[tuple[Light | str, str]] = [(x, t(f"light.{x.value}")) for x in Light]
    items.append(("returned", t("insight.board_returned_mark", mark=t("insight.returned_mark"))))
    return items


def _layout_legend(items: list[tuple[Light | str, str]], width: float) -> list[list[int]]:
    rows: list[list[int]] = [[]]
    used = 0.0
    for k, (_, label) in enumerate(items):
        need = 30 + text_width(label, 19) + 22
        if rows[-1] and used + need > width:
            rows.append([])
            used = 0
        rows[-1].append(k)
        used += need
    return rows


def _draw_legend(
    c: Canvas, items: list[tuple[Light | str, str]], rows: list[list[int]], y: float
) -> None:
    for row in rows:
        x = float(MARGIN)
        for k in row:
            key, label = items[k]
            if isinstance(key, Light):
                colour = PALETTE[key]
                c.rect(x, y - 11, 24, 22, colour.solid)
                if colour.hatch:
                    c.hatch([(x, y - 11, 24, 22)], colour.hatch)
                x += 30
            c.text(x, y, label, 19)
            x += text_width(label, 19) + 22
        y += 36
