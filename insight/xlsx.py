"""The Excel export: progress matrix, reports, targets, overdue, ranking and audit trail sheets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from domain.model import Light
from domain.palette import PALETTE, Colour
from domain.progress_rows import UnitRow
from insight import xlsx_rows as rows
from insight.progress import Progress
from insight.score import Score
from insight.xlsx_rows import (
    AUDIT_KEYS,
    REPORT_KEYS,
)
from insight.xlsx_stream import PALETTE_ROW, LongSheet, column_letter, splice
from locales import Translator


def _fill(colour: Colour) -> PatternFill:
    """The board's colour, as a paler tint; hatched where the board hatches."""
    if colour.hatch:
        return PatternFill("lightUp", fgColor=colour.hatch.lstrip("#"), bgColor=colour.tint)
    return PatternFill("solid", fgColor=colour.tint)


FILLS = {light: _fill(colour) for light, colour in PALETTE.items()}
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="center")


@dataclass(frozen=True)
class Rendered:
    """A sheet's rows being written to `path` by another process; `finish` waits, gives the count."""

    path: Path
    finish: Callable[[], int]


@dataclass
class ExportData:
    progress: Progress
    scores: list[Score]
    units: dict[int, UnitRow]  # every unit in scope, by id
    reports: list[Rendered]  # one per sheet: past Excel's rows per sheet, the rows go on
    audit: list[Rendered]  # in a second sheet, a third…
    title: str
    scope: str


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    units: int
    materials: int
    reports: int
    audit: int
    overdue: int
    report_sheets: int = 1
    audit_sheets: int = 1
    size: int = 0  # bytes of the workbook written


def _lay_out(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    widths: Sequence[float],
    palette: Sequence[str],
) -> Worksheet:
    """Header row, widths, frozen header, filter and the palette row the streamer reads."""
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for col, width in enumerate(widths, 1):
        cell = ws.cell(row=1, column=col)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        ws.column_dimensions[column_letter(col)].width = width
    for col, key in enumerate(palette, 1):
        cell = ws.cell(row=PALETTE_ROW, column=col)
        if key in FILLS:
            cell.fill = FILLS[Light(key)]
        elif key == "percent":
            cell.number_format = "0%"
        elif key == "bold":
            cell.font = BOLD
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{column_letter(len(headers))}1"
    return ws


def _cols(t: Translator, *keys: str) -> list[str]:
    return [t(f"insight.col_{k}") for k in keys]


def _parts(title: str, t: Translator, parts: list[Rendered]) -> list[str]:
    """The sheet titles of a long sheet's parts: 报送明细, 报送明细(2)…"""
    return [title] + [
        t("export_scale.sheet_part", sheet=title, part=k) for k in range(2, len(parts) + 1)
    ]


def _long(title: str, source: Rendered, width: int) -> LongSheet:
    return LongSheet(title, (), width, prerendered=source.path, finish=source.finish)


def write_export(data: ExportData, t: Translator, out: Path) -> ExportSummary:
    """Write the workbook to `out`; every sheet's rows are streamed, so memory stays flat."""
    p = data.progress
    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    tail = _cols(t, "accepted", "applicable", "rate", "pending", "overdue", "score", "rank", "flag")
    matrix = [*_cols(t, "unit", "group"), *(f"{m.code} {m.title}" for m in p.materials), *tail]
    ws = _lay_out(
        wb,
        t("insight.sheet_progress"),
        matrix,
        [20, 10, *([11] * len(p.materials)), *([8] * len(tail))],
        rows.PALETTE,
    )
    ws.row_dimensions[1].height = 96
    ws.freeze_panes = "C2"
    # Printed, the matrix fits one landscape page wide with its header on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    report_cols = _cols(t, *REPORT_KEYS)
    report_titles = _parts(t("insight.sheet_reports"), t, data.reports)
    for title in report_titles:
        widths = [9, 20, 8, 36, 17, 12, 7, 36, 9, 12, 17, 30, 40]
        _lay_out(wb, title, report_cols, widths, ())
    target_cols = _cols(
        t, "unit", "code", "material", "target", "reported", "progress", "rate", "state"
    )
    _lay_out(wb, t("insight.sheet_targets"), target_cols, [20, 8, 40, 8, 9, 12, 9, 12], ["percent"])
    overdue_cols = _cols(t, "unit", "code", "material", "due", "days_overdue", "state")
    _lay_out(wb, t("insight.sheet_overdue"), overdue_cols, [20, 8, 40, 16, 10, 12], ())
    rank_cols = _cols(
        t,
        "rank",
        "unit",
        "score",
        "completeness",
        "timeliness",
        "first_pass",
        "ack",
        "award",
        "flag",
    )
    _lay_out(
        wb, t("insight.sheet_ranking"), rank_cols, [7, 20, 8, 11, 11, 12, 11, 22, 7], ["percent"]
    )
    audit_cols = _cols(t, *AUDIT_KEYS)
    audit_titles = _parts(t("insight.sheet_audit"), t, data.audit)
    for title in audit_titles:
        _lay_out(wb, title, audit_cols, [17, 20, 16, 24, 14, 50], ())
    wb.properties.title = data.title
    wb.properties.subject = data.scope

    sheets = [
        LongSheet(
            t("insight.sheet_progress"),
            (),
            len(matrix),
            rows.PALETTE,
            filtered=len(p.units),
            xml=rows.progress_rows_xml(t, p, data.scores, data.units),
        ),
        *(
            _long(title, part, len(report_cols))
            for title, part in zip(report_titles, data.reports, strict=True)
        ),
        LongSheet(
            t("insight.sheet_targets"),
            (),
            len(target_cols),
            ["percent"],
            xml=rows.target_rows_xml(t, p),
        ),
        LongSheet(
            t("insight.sheet_overdue"), (), len(overdue_cols), xml=rows.overdue_rows_xml(t, p)
        ),
        LongSheet(
            t("insight.sheet_ranking"),
            rows.ranking_rows(t, p, data.scores, data.units),
            len(rank_cols),
            ["percent"],
            {3: "percent", 4: "percent", 5: "percent", 6: "percent"},
        ),
        *(
            _long(title, part, len(audit_cols))
            for title, part in zip(audit_titles, data.audit, strict=True)
        ),
    ]
    laid_out = out.with_name(out.name + ".layout")
    try:
        wb.save(laid_out)
        splice(laid_out, out, sheets)
    finally:
        laid_out.unlink(missing_ok=True)
    return ExportSummary(
        path=out,
        units=len(p.units),
        materials=len(p.materials),
        reports=sum(s.written for s in sheets if s.title in report_titles),
        audit=sum(s.written for s in sheets if s.title in audit_titles),
        overdue=next(s.written for s in sheets if s.title == t("insight.sheet_overdue")),
        report_sheets=len(report_titles),
        audit_sheets=len(audit_titles),
        size=out.stat().st_size,
    )
