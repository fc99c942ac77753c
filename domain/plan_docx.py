"""Word plan notices (.docx): the 红头文件 with its 细则 table, as Word stores them.

The paragraphs before the table are the notice's head and body (title, 文号, addressees, date,
targets in prose), those after it may hold the 说明 notes; the table is the first one with a
header row (domain.plan_table), and the tables right after it with as many columns continue it
(a table split across pages). A vertically merged cell (`w:vMerge`) and one spanning columns
(`w:gridSpan`) are one cell at every position they cover. The paragraphs of a material cell
numbered by Word itself (`w:numPr`) count as numbered `1.` `2.`. Problems name the table's row
and column.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.table import _Cell as WordCell
from docx.text.paragraph import Paragraph

from domain.plan_model import PlanFile, PlanFileError, PlanIssue
from domain.plan_notice import Line
from domain.plan_table import Cell, distinct, is_header_texts, read_table_plan


def read_docx_plan(data: bytes, source: str, *, on_request: bool = False) -> PlanFile:
    """Read a Word notice into a plan; see the module doc."""
    try:
        document = Document(BytesIO(data))
        blocks = list(document.iter_inner_content())
    except Exception as e:  # python-docx raises zipfile, KeyError, ValueError…
        issue = PlanIssue(line=0, key="plan.error.unreadable", params={"reason": str(e) or "docx"})
        raise PlanFileError(source, [issue]) from e
    before: list[Line] = []
    after: list[Line] = []
    rows: list[list[Cell]] = []
    width = 0
    for block in blocks:
        if isinstance(block, Paragraph):
            text = _clean(block.text)
            if text:
                (after if rows else before).append(Line(0, text))
            continue
        if not rows:
            table_rows = _rows(block, 0)
            if any(is_header_texts([c.text for c in row]) for row in table_rows):
                rows, width = table_rows, len(block.columns)
            else:  # a layout table in the head (the 文号 beside 签发人): its text is head text
                before += [c.as_line() for row in table_rows for c in distinct(row)]
        elif not after and len(block.columns) == width:
            rows += _rows(block, len(rows))
    return read_table_plan(before, rows, after, source, on_request=on_request)


def _rows(table: Table, offset: int) -> list[list[Cell]]:
    """The table's rows with merged cells resolved to one Cell each."""
    cells: dict[object, Cell] = {}  # by w:tc element, kept alive so that lxml keeps its proxy
    rows: list[list[Cell]] = []
    for r, row in enumerate(table.rows, offset + 1):
        out: list[Cell] = []
        for c, word in enumerate(row.cells, 1):
            key = word._tc
            if key not in cells:
                cells[key] = Cell(_cell_text(word), r, (("row", str(r)), ("col", str(c))))
            out.append(cells[key])
        rows.append(out)
    return rows


def _cell_text(cell: WordCell) -> str:
    paragraphs = [p for p in cell.paragraphs if _clean(p.text)]
    numbered = len(paragraphs) > 1 and all(_auto_numbered(p) for p in paragraphs)
    return "\n".join(
        f"{n}.{_clean(p.text)}" if numbered else _clean(p.text) for n, p in enumerate(paragraphs, 1)
    )


def _auto_numbered(paragraph: Paragraph) -> bool:
    """Numbered by Word: a list number on the paragraph or on its style (List Number)."""
    own = paragraph._p.pPr
    if own is not None and own.find(qn("w:numPr")) is not None:
        return True
    style = paragraph.style.element.pPr if paragraph.style is not None else None
    return style is not None and style.find(qn("w:numPr")) is not None


def _clean(text: str) -> str:
    return text.replace("\u3000", " ").strip()
