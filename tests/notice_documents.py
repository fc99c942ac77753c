"""Plan notices as Word and PDF store them, built for tests: the seed's notice with its 细则 table
(vertically merged 序号/事项 and deadline cells, the header repeated before item 6), and
another bureau's table (序号 / 工作任务 / 责任单位 / 完成时限)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from tests.test_plan_xlsx import HEADER, ITEMS, NOTES, UNITS

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "files" / "henan-2016-notice.txt"
FONT = "STSong-Light"  # a CID font every PDF reader has: nothing embedded, text layer kept

Row = list[str | None]  # None: merged with the cell above


def seed_body() -> list[str]:
    """The notice's paragraphs before its table: banner to 附件 and the annex title."""
    lines = [line.strip() for line in SEED.read_text("utf-8").splitlines() if line.strip()]
    return lines[: lines.index("序号")]


def seed_rows(deadlines: dict[str, str] | None = None) -> list[Row]:
    """The 细则 rows with None where a cell is merged into the one above; `deadlines` replaces
    deadline cells (`事项/n`: the n-th material's)."""
    deadlines = deadlines or {}
    rows: list[Row] = [list(HEADER)]
    for no, (title, materials) in enumerate(ITEMS, 1):
        if no == 6:
            rows.append(list(HEADER))  # the header again, at the top of a printed page
        for index, (material, deadline) in enumerate(materials):
            first = index == 0
            due = deadlines.get(f"{title}/{index + 1}", deadline) if deadline else None
            if first:
                rows.append([str(no), title, material, due, UNITS])
            else:
                rows.append([None, None, material, due, None])
    return rows


OTHER_BODY = [
    "郑州市应急管理局文件",
    "郑应急〔2017〕12号",
    "郑州市应急管理局关于印发《2017年安全生产重点工作任务分解》的通知",
    "各县（市、区）应急管理局，市局各处室：",
    "现将《2017年安全生产重点工作任务分解》印发给你们，请认真贯彻落实。",
    "2017年2月20日",
    "附件",
    "2017年安全生产重点工作任务分解",
]
OTHER_HEADER: Row = ["序号", "工作任务", "责任单位", "完成时限"]
# (序号, 工作任务, 责任单位, 完成时限): row 4 names no date, row 6 names no unit anyone owns,
# row 7 has a task but no deadline; 每季度末 is one material per quarter.
OTHER_ROWS: list[Row] = [
    OTHER_HEADER,
    ["1", "制定年度安全生产工作要点", "各县（市、区）应急管理局", "3月底前"],
    ["2", "开展安全生产大检查并报送总结", "各县（市、区）应急管理局", "6月30日前"],
    ["3", "报送安全生产统计分析", "各县（市、区）应急管理局", "每季度末"],
    ["4", "推进安全生产诚信体系建设", "各县（市、区）应急管理局", "长期坚持"],
    ["5", "报送年度工作总结", "市局", "12月底前"],
    ["6", "落实企业主体责任", "有关企业", "9月底前"],
    ["7", "组织应急演练", "各县（市、区）应急管理局", ""],
]


def write_docx(
    path: Path, body: list[str], rows: list[Row], notes: list[str] | None = None
) -> None:
    """A Word notice: body paragraphs, the table (None cells vertically merged into the cell
    above, as Word's vMerge), then the notes as paragraphs."""
    document = Document()
    for text in body:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                table.cell(r, c).text = value
    for c, first, last in _merges(rows):
        table.cell(first, c).merge(table.cell(last, c))
    for text in notes or []:
        document.add_paragraph(text)
    document.save(str(path))


def _merges(rows: list[Row]) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each cell merged down over the None cells below it."""
    spans = []
    for c in range(len(rows[0])):
        r = 0
        while r < len(rows):
            end = r
            while end + 1 < len(rows) and rows[end + 1][c] is None:
                end += 1
            if end > r:
                spans.append((c, r, end))
            r = end + 1
    return spans


def write_pdf(
    path: Path,
    body: list[str],
    rows: list[Row],
    notes: list[str] | None = None,
    *,
    page_break_before: int | None = None,
) -> None:
    """A PDF with a text layer: body paragraphs, the table with its merged cells spanned (split
    over two pages before row `page_break_before`, the header repeated), then the notes."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    style = getSampleStyleSheet()["Normal"].clone("notice", fontName=FONT, leading=14)
    story: list[object] = [Paragraph(text, style) for text in body] + [Spacer(1, 8)]
    parts = (
        [rows]
        if page_break_before is None
        else [rows[:page_break_before], rows[page_break_before:]]
    )
    for index, part in enumerate(parts):
        if index:  # the merged cells cut by the page break go on as empty cells
            story.append(PageBreak())
            part = [rows[0], [text or "" for text in part[0]], *part[1:]]
        story.append(_pdf_table(part, style))
    story += [Paragraph(text, style) for text in notes or []]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def _pdf_table(rows: list[Row], style: object) -> PdfTable:
    spans = [("SPAN", (c, first), (c, last)) for c, first, last in _merges(rows)]
    data = [[Paragraph(text or "", style) for text in row] for row in rows]
    widths = [30, 90, 200, 60, 90][: len(rows[0])]
    commands = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    return PdfTable(data, colWidths=widths, style=TableStyle(commands + spans))


def write_scanned_pdf(path: Path) -> None:
    """A PDF of a scan: lines and boxes drawn, no text."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path), pagesize=A4)
    for y in range(100, 700, 40):
        canvas.rect(60, y, 470, 30)
    canvas.showPage()
    canvas.save()


def seed_notes() -> list[str]:
    return list(NOTES)
