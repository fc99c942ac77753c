"""Excel plan notices (.xlsx): the 细则 sheet as received, merged cells understood.

The first sheet's rows become the table domain.plan_table reads (the rows above its header row
are the notice's head: title, 文号, addressees, date); a merged range is one cell at every
position it covers. Problems name the sheet's row and cell (`D7`, a merged range by its
top-left cell).
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from domain.plan_model import PlanFile, PlanFileError, PlanIssue
from domain.plan_table import Cell, read_table_plan


def read_xlsx_plan(data: bytes, source: str, *, on_request: bool = False) -> PlanFile:
    """Read the first sheet of a workbook into a plan; see the module doc."""
    try:
        book = load_workbook(BytesIO(data), read_only=False, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException…
        issue = PlanIssue(line=0, key="plan.error.unreadable", params={"reason": str(e) or "xlsx"})
        raise PlanFileError(source, [issue]) from e
    sheet = book.worksheets[0]
    merged: dict[tuple[int, int], Cell] = {}
    for span in sheet.merged_cells.ranges:
        cell = _cell(sheet.cell(span.min_row, span.min_col).value, span.min_row, span.min_col)
        for row in range(span.min_row, span.max_row + 1):
            for col in range(span.min_col, span.max_col + 1):
                merged[(row, col)] = cell
    rows = [
        [
            merged.get((r, c)) or _cell(sheet.cell(r, c).value, r, c)
            for c in range(1, sheet.max_column + 1)
        ]
        for r in range(1, sheet.max_row + 1)
    ]
    return read_table_plan([], rows, [], source, on_request=on_request)


def _cell(value: object, row: int, col: int) -> Cell:
    if value is None:
        text = ""
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value).replace("\u3000", " ").strip()
    return Cell(text, row, (("cell", f"{get_column_letter(col)}{row}"),))
