"""PDF plan notices with a text layer: the 细则 table found by pdfplumber, the rest as lines.

The text above the first table with a header row (domain.plan_table) is the notice's head and
body; the tables after it with as many columns continue it, one per page; text below the last
is where 说明 notes may stand. pdfplumber gives a merged cell once, at its top-left position,
with a box over the rows or columns it covers: those positions become that same cell. A cell
left empty at the top of a continued table is the cell above carried over the page break. A PDF
without text (a scan) is refused with a reply that says so; nothing is read from pictures.
Problems name the page, and the table's row and column on it.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pdfplumber

from domain.plan_model import PlanFile, PlanFileError, PlanIssue
from domain.plan_notice import Line
from domain.plan_table import NUMBERING, Cell, is_header_texts, read_table_plan

_SLACK = 1.0  # points: boxes of one grid differ by rounding


def read_pdf_plan(data: bytes, source: str, *, on_request: bool = False) -> PlanFile:
    """Read a PDF notice into a plan; see the module doc."""
    try:
        with pdfplumber.open(BytesIO(data)) as pdf:
            before, rows, after, chars = _read(pdf)
    except PlanFileError:
        raise
    except Exception as e:  # pdfminer raises PSSyntaxError, PDFSyntaxError, ValueError…
        issue = PlanIssue(line=0, key="plan.error.unreadable", params={"reason": str(e) or "pdf"})
        raise PlanFileError(source, [issue]) from e
    if not chars:
        raise PlanFileError(source, [PlanIssue(line=0, key="plan_table.error.scanned")])
    return read_table_plan(before, rows, after, source, on_request=on_request)


def _read(pdf: Any) -> tuple[list[Line], list[list[Cell]], list[Line], int]:
    before: list[Line] = []
    after: list[Line] = []
    rows: list[list[Cell]] = []
    width = 0
    chars = 0
    for number, page in enumerate(pdf.pages, 1):
        chars += len(page.chars)
        tables = [t for t in page.find_tables() if t.rows]
        if not rows:
            first = next((t for t in tables if _has_header(t)), None)
            if first is None:
                before += _lines(page)
                continue
            before += _lines(page.crop((0, 0, page.width, first.bbox[1])), page)
            found = [t for t in tables if t.bbox[1] >= first.bbox[1]]
            width = len(first.rows[0].cells)
        else:
            found = [t for t in tables if len(t.rows[0].cells) == width]
            if not found:
                after += _lines(page)
                continue
        for table in found:
            page_rows = _rows(table, number)
            if rows:
                _carry_over(rows[-1], page_rows)
            rows += page_rows
        last = found[-1]
        after = _lines(page.crop((0, last.bbox[3], page.width, page.height)), page)
    return before, rows, after, chars


def _has_header(table: Any) -> bool:
    return any(is_header_texts([t or "" for t in row]) for row in table.extract())


def _lines(page: Any, whole: Any = None) -> list[Line]:
    """The page's text as paragraphs: a line reaching the right edge of the page's text
    (`whole`: the page this part was cut from) goes on in the next (a title or sentence wrapped
    by the layout, which the readers match whole)."""
    lines = [line for line in page.extract_text_lines() if line["text"].strip()]
    if not lines:
        return []
    every = lines if whole is None else whole.extract_text_lines()
    right = max(line["x1"] for line in every)
    paragraphs: list[str] = []
    wrapped = False
    for line in lines:
        text = line["text"].strip()
        size = (line["x1"] - line["x0"]) / max(len(text), 1)
        if wrapped and paragraphs:
            paragraphs[-1] = _joined(paragraphs[-1], text)
        else:
            paragraphs.append(text)
        wrapped = line["x1"] >= right - 2 * size
    return [Line(0, text) for text in paragraphs]


def _unwrap(text: str) -> str:
    """A cell's lines as its paragraphs: a numbered line (`1.`, `①`) starts one, any other line
    goes on with the one before (wrapped by the cell's width)."""
    paragraphs: list[str] = []
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        if paragraphs and not NUMBERING.match(line):
            paragraphs[-1] = _joined(paragraphs[-1], line)
        else:
            paragraphs.append(line)
    return "\n".join(paragraphs)


def _joined(before: str, after: str) -> str:
    """Two pieces of one wrapped line: no space between Chinese characters."""
    if before[-1:].isascii() and after[:1].isascii():
        return f"{before} {after}"
    return before + after


def _rows(table: Any, page: int) -> list[list[Cell]]:
    """The table's rows, a merged cell (given once, with a box over the positions it covers)
    being the same Cell at each of them."""
    texts = table.extract()
    boxes = [row.cells for row in table.rows]
    grid: list[list[Cell]] = []
    for r, row in enumerate(boxes):
        out: list[Cell] = []
        for c, box in enumerate(row):
            owner = _owner(boxes, r, c) if box is None else None
            if box is not None:
                text = _unwrap(texts[r][c] or "")
                where = (("page", str(page)), ("row", str(r + 1)), ("col", str(c + 1)))
                out.append(Cell(text, r + 1, where))
            elif owner is not None and owner[0] < r:
                out.append(grid[owner[0]][owner[1]])
            elif owner is not None:
                out.append(out[owner[1]])
            else:
                out.append(Cell("", r + 1, (("page", str(page)), ("row", str(r + 1)))))
        grid.append(out)
    return grid


def _owner(boxes: list[list[Any]], r: int, c: int) -> tuple[int, int] | None:
    """The position of the merged cell whose box covers (r, c): up the column, then left."""
    top = _row_top(boxes, r)
    for up in range(r - 1, -1, -1):
        box = boxes[up][c] if c < len(boxes[up]) else None
        if box is not None:
            if box[3] > top + _SLACK:
                return up, c
            break
    left = _col_left(boxes, c)
    for back in range(c - 1, -1, -1):
        box = boxes[r][back]
        if box is not None:
            return (r, back) if box[2] > left + _SLACK else None
    return None


def _row_top(boxes: list[list[Any]], r: int) -> float:
    return next((b[1] for b in boxes[r] if b is not None), 0.0)


def _col_left(boxes: list[list[Any]], c: int) -> float:
    return next((row[c][0] for row in boxes if c < len(row) and row[c] is not None), 0.0)


def _carry_over(last: list[Cell], page_rows: list[list[Cell]]) -> None:
    """Empty cells at the top of a table continued on a new page: the cells above them, cut
    by the page break (a 事项 or 完成时限 merged over rows on both pages)."""
    first = next((row for row in page_rows if not is_header_texts([c.text for c in row])), None)
    if first is None or len(first) != len(last):
        return
    for c, cell in enumerate(first):
        if not cell.text:
            for row in page_rows:
                for i, other in enumerate(row):
                    if other is cell:
                        row[i] = last[c]
