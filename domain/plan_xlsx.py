"""Excel plan notices (.xlsx): the 细则 sheet as received, merged cells understood.

The first sheet is turned into the plain-text notice domain.plan_text reads, one cell a line,
and every problem is reported by the sheet's row (`line`) with its cell (`cell` param):

- the rows above the header row are the notice's head (title, 文号, addressees, date): each
  non-empty cell is a line;
- the header row holds 序号 and 完成时限 (or 时限), with 事项 (or 工作任务) and 需报送的材料 (or
  材料); other columns (责任单位) are ignored, and the header repeated further down is skipped;
- an item runs from its 事项 cell over the rows that cell is merged across (or that leave 序号
  and 事项 blank); each of its rows with a material is one material, numbered `1.` `2.`…, and a
  deadline cell merged over several rows gives them one deadline;
- the table ends at a row starting with 说明; it and the rows after it are the notes.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import NamedTuple

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from domain.deadlines import parse_deadline
from domain.plan_model import PlanFile, PlanFileError, PlanIssue
from domain.plan_text import read_text_plan

_COLUMNS = {
    "序号": "no",
    "事项": "title",
    "工作任务": "title",
    "需报送的材料": "material",
    "材料": "material",
    "完成时限": "deadline",
    "时限": "deadline",
}
_CANONICAL = {"no": "序号", "title": "事项", "material": "需报送的材料", "deadline": "完成时限"}
_NOTES = re.compile(r"^说\s*明")
_NUMBERING = re.compile(r"^\d+\s*[.．、]\s*")
_SPACES = re.compile(r"[\s\u3000]+")


class _Cell(NamedTuple):
    row: int
    ref: str  # "B7": the merged range's top-left cell for a merged one
    text: str


class _Sheet:
    """Cell texts with merged ranges resolved to their top-left cell."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    self.origin[(row, col)] = (merged.min_row, merged.min_col)

    def cell(self, row: int, col: int) -> _Cell:
        top, left = self.origin.get((row, col), (row, col))
        cell = self.sheet.cell(top, left)
        return _Cell(top, cell.coordinate, _text(cell.value))

    def continued(self, row: int, col: int) -> bool:
        """Whether (row, col) lies in a merged range below its first row."""
        return self.origin.get((row, col), (row, col))[0] != row


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def _name(text: str) -> str:
    return _SPACES.sub("", text)


def read_xlsx_plan(data: bytes, source: str) -> PlanFile:
    """Read the first sheet of a workbook into the plan the text reader would give."""
    try:
        book = load_workbook(BytesIO(data), read_only=False, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException…
        issue = PlanIssue(line=0, key="plan.error.unreadable", params={"reason": str(e) or "xlsx"})
        raise PlanFileError(source, [issue]) from e
    return _Builder(_Sheet(book.worksheets[0])).read(source)


class _Builder:
    def __init__(self, sheet: _Sheet) -> None:
        self.sheet = sheet
        self.lines: list[str] = []
        self.cells: list[_Cell | None] = []  # per synthetic line (1-based: index + 1)
        self.issues: list[PlanIssue] = []
        self.refused: set[str] = set()  # deadline cells refused here
        self.unset: set[int] = set()  # lines of materials under such a cell

    def emit(self, text: str, cell: _Cell | None) -> int:
        for part in text.splitlines() or [text]:
            if part.strip():
                self.lines.append(part.strip())
                self.cells.append(cell)
        return len(self.lines)

    def read(self, source: str) -> PlanFile:
        ws = self.sheet.sheet
        header_row, columns = self.header()
        if header_row is None:
            issue = PlanIssue(line=0, key="plan_text.error.no_table")
            raise PlanFileError(source, [issue])
        for row in range(1, header_row):
            for col in range(1, ws.max_column + 1):
                if not self.sheet.continued(row, col) and (cell := self.sheet.cell(row, col)).text:
                    if (row, col) in self.sheet.origin and self.sheet.origin[(row, col)][1] != col:
                        continue  # merged across columns: read once
                    self.emit(cell.text, cell)
        self.emit("附件", None)
        for key, col in sorted(columns.items(), key=lambda kv: kv[1]):
            self.emit(_CANONICAL[key], self.sheet.cell(header_row, col))
        self.table(header_row + 1, columns)
        try:
            plan = read_text_plan("\n".join(self.lines), source)
        except PlanFileError as e:
            issues = [self.located(i) for i in e.issues if not self.hidden(i)]
            raise PlanFileError(source, _sorted(self.issues + issues)) from e
        if self.issues:
            raise PlanFileError(source, _sorted(self.issues))
        return plan

    def hidden(self, issue: PlanIssue) -> bool:
        return issue.key == "plan.error.missing_deadline" and issue.line in self.unset

    def located(self, issue: PlanIssue) -> PlanIssue:
        if not 0 < issue.line <= len(self.cells) or (cell := self.cells[issue.line - 1]) is None:
            return issue.model_copy(update={"line": 0})
        params = {**issue.params, "cell": cell.ref}
        return issue.model_copy(update={"line": cell.row, "params": params})

    def header(self) -> tuple[int | None, dict[str, int]]:
        ws = self.sheet.sheet
        for row in range(1, ws.max_row + 1):
            columns = self.columns(row)
            if {"no", "deadline"} <= columns.keys():
                return row, columns
        return None, {}

    def columns(self, row: int) -> dict[str, int]:
        columns: dict[str, int] = {}
        for col in range(1, self.sheet.sheet.max_column + 1):
            key = _COLUMNS.get(_name(_text(self.sheet.sheet.cell(row, col).value)))
            if key and key not in columns:
                columns[key] = col
        return columns

    def table(self, start: int, columns: dict[str, int]) -> None:
        ws = self.sheet.sheet
        no_col, title_col = columns["no"], columns.get("title")
        material_col, deadline_col = columns.get("material"), columns["deadline"]
        seq = 0
        last_deadline: str | None = None
        for row in range(start, ws.max_row + 1):
            texts = [self.sheet.cell(row, c).text for c in range(1, ws.max_column + 1)]
            first = next((t for t in texts if t), "")
            if not first:
                continue
            if _NOTES.match(first):
                self.notes(row)
                return
            if {"no", "deadline"} <= self.columns(row).keys():
                continue  # the header repeated on a new page
            no = self.sheet.cell(row, no_col)
            title = self.sheet.cell(row, title_col) if title_col else _Cell(row, "", "")
            starts = (title.text and not self.sheet.continued(row, title_col or 0)) or (
                no.text and not self.sheet.continued(row, no_col)
            )
            if starts:
                seq = 0
                last_deadline = None
                if no.text and not self.sheet.continued(row, no_col):
                    self.emit(no.text, no)
                self.emit(title.text, title)
            material = self.sheet.cell(row, material_col) if material_col else None
            deadline = self.sheet.cell(row, deadline_col)
            if (
                material is None
                or not material.text
                or self.sheet.continued(row, material_col or 0)
            ):
                if starts and deadline.text and self.readable(deadline):
                    self.emit(deadline.text, deadline)  # an item's deadline without material
                continue
            seq += 1
            line = self.emit(f"{seq}.{_NUMBERING.sub('', material.text)}", material)
            if deadline.text and deadline.ref != last_deadline:
                last_deadline = deadline.ref
                if self.readable(deadline):
                    self.emit(deadline.text, deadline)
                else:
                    self.refused.add(deadline.ref)
            if deadline.ref in self.refused:
                self.unset.add(line)

    def readable(self, cell: _Cell) -> bool:
        """A deadline cell the text reader would take for a cell of another kind is refused here."""
        try:
            parse_deadline(cell.text, 2000)
        except ValueError:
            wrong = "bad_recurring" if cell.text.startswith("每") else "bad_deadline"
            params = {"expr": cell.text, "cell": cell.ref}
            self.issues.append(PlanIssue(line=cell.row, key=f"plan.error.{wrong}", params=params))
            return False
        return True

    def notes(self, start: int) -> None:
        ws = self.sheet.sheet
        for row in range(start, ws.max_row + 1):
            for col in range(1, ws.max_column + 1):
                if not self.sheet.continued(row, col):
                    origin = self.sheet.origin.get((row, col), (row, col))
                    if origin[1] != col:
                        continue
                    cell = self.sheet.cell(row, col)
                    if cell.text:
                        self.emit(cell.text, cell)


def _sorted(issues: list[PlanIssue]) -> list[PlanIssue]:
    return sorted(issues, key=lambda issue: issue.line)
