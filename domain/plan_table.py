"""The 细则 table of a notice, however it arrived (Word, Excel, PDF): rows of cells to a plan.

A reader of a file format gives the lines before and after the table and the table as rows of
`Cell`s, a merged cell being the same object at every position it covers. Read here:

- the header row names its columns: 序号, 事项 (or 工作任务, 任务), 需报送的材料 (or 材料), 完成时限
  (or 时限), 责任单位 (or 责任主体); it needs 完成时限 and 事项 or 需报送的材料. Rows above it are
  the notice's head; the header repeated further down (a new page) is skipped.
- an item starts where its 事项 (or 序号) cell starts; a cell merged over the rows below keeps
  them in that item. 序号 may be `1`, `1.`, `一`, `（一）`; numbering before a title (`1.`
  `（一）` `①` `一、`) is not part of it.
- each row's material cell gives its materials (one per numbered paragraph of the cell); a
  deadline cell merged over several rows gives them one deadline; an unmerged empty deadline
  cell is a problem, not "the same as above". Without a material column, the task is its own
  material.
- 报送要求 (or 材料要求) is the requirement of the row's materials (`加盖公章的PDF`).
- 责任单位 names whom the item is for (domain.plan_notice.kinds_named); empty: the addressees.
- a row starting with 说明 ends the table: it and the lines after are the notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.deadlines import Deadline
from domain.plan_checks import REQUIREMENT_CHARS
from domain.plan_model import PlanFile, PlanFileError, PlanIssue
from domain.plan_notice import NOTES, Draft, Line, Notice, kinds_named, notes_from

_COLUMNS = {
    "序号": "no",
    "编号": "no",
    "事项": "title",
    "工作任务": "title",
    "任务": "title",
    "重点任务": "title",
    "需报送的材料": "material",
    "报送材料": "material",
    "材料": "material",
    "完成时限": "deadline",
    "时限": "deadline",
    "完成时间": "deadline",
    "报送要求": "requirement",
    "材料要求": "requirement",
    "责任单位": "units",
    "责任主体": "units",
}
_SPACES = re.compile(r"[\s\u3000]+")
_CHINESE = "一二三四五六七八九十"
NUMBERING = re.compile(
    rf"^(?:\d+\s*[.．、]|[（(]\s*[\d{_CHINESE}]+\s*[）)]|[{_CHINESE}]+\s*、|[①-⑳])\s*"
)


@dataclass(eq=False)  # compared by identity: one object per cell, merged or not
class Cell:
    text: str
    line: int  # the row a problem names and is sorted by
    at: tuple[tuple[str, str], ...]  # where: (("cell", "D7"),) or (("row", …), ("col", …))

    def as_line(self) -> Line:
        return Line(self.line, self.text, self.at)


def read_table_plan(
    before: list[Line],
    rows: list[list[Cell]],
    after: list[Line],
    source: str,
    *,
    on_request: bool = False,
) -> PlanFile:
    """The plan a notice's table makes, or PlanFileError naming every problem's cell."""
    header = next((r for r, row in enumerate(rows) if _is_header(row)), None)
    if header is None:
        raise PlanFileError(source, [PlanIssue(line=0, key="plan_table.error.no_table")])
    columns = _columns(rows[header])
    head = before + [cell.as_line() for row in rows[:header] for cell in distinct(row)]
    end = next((r for r in range(header + 1, len(rows)) if _starts_notes(rows[r])), len(rows))
    notes = [cell.as_line() for row in rows[end:] for cell in distinct(row)] + after
    notice = Notice(head + notes, on_request=on_request)
    plan_head = notice.head()
    drafts = _Rows(notice, columns, rows, header).drafts(end)
    return notice.plan(plan_head, drafts, notes_from(notes), source)


def _name(text: str) -> str:
    return _SPACES.sub("", text)


def _columns(row: list[Cell]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = _COLUMNS.get(_name(cell.text))
        if key and key not in columns:
            columns[key] = index
    return columns


def _is_header(row: list[Cell]) -> bool:
    return is_header_texts([cell.text for cell in row])


def is_header_texts(texts: list[str]) -> bool:
    """Whether a row with these cell texts is the 细则 table's header."""
    keys = {_COLUMNS.get(_name(text)) for text in texts}
    return "deadline" in keys and ("title" in keys or "material" in keys)


def distinct(row: list[Cell]) -> list[Cell]:
    """A row's cells, a cell merged across columns once, empty ones left out."""
    seen: list[Cell] = []
    for cell in row:
        if cell.text and all(cell is not other for other in seen):
            seen.append(cell)
    return seen


def _starts_notes(row: list[Cell]) -> bool:
    first = next((cell.text for cell in row if cell.text), "")
    return bool(NOTES.match(first))


def _number(text: str) -> int | None:
    core = re.sub(r"[\s.．、（()）]", "", text)
    if core.isdigit():
        return int(core)
    if core and all(ch in _CHINESE for ch in core):
        if core == "十":
            return 10
        tens, _, units = core.rpartition("十")
        value = (_CHINESE.index(tens) + 1 if tens else 1) * 10 if "十" in core else 0
        return value + (_CHINESE.index(units) + 1 if units else 0)
    return None


def _title(text: str) -> str:
    return NUMBERING.sub("", " ".join(text.split())).strip()


class _Rows:
    def __init__(
        self, notice: Notice, columns: dict[str, int], rows: list[list[Cell]], header: int
    ) -> None:
        self.notice = notice
        self.columns = columns
        self.rows = rows
        self.header = header
        self.listed = "material" in columns  # else each task is its own single material
        self.above: dict[int, int] = {}  # data row → the data row above it

    def cell(self, row: int, key: str) -> Cell | None:
        col = self.columns.get(key)
        if col is None or col >= len(self.rows[row]):
            return None
        return self.rows[row][col]

    def continued(self, row: int, key: str) -> bool:
        """Whether the row's cell in this column is merged down from the row above (the header
        repeated on a new page between them)."""
        cell = self.cell(row, key)
        above = self.above.get(row)
        return cell is not None and above is not None and self.cell(above, key) is cell

    def drafts(self, end: int) -> list[Draft]:
        drafts: list[Draft] = []
        draft: Draft | None = None
        deadline: tuple[Cell, Deadline | None] | None = None  # the item's current deadline cell
        data = [
            r
            for r in range(self.header + 1, end)  # not empty, not the header again (a new page)
            if distinct(self.rows[r]) and not _is_header(self.rows[r])
        ]
        self.above = dict(zip(data[1:], data, strict=False))
        for r in data:
            row = self.rows[r]
            no, title = self.cell(r, "no"), self.cell(r, "title")
            starts = any(
                c is not None and c.text and not self.continued(r, key)
                for key, c in (("title", title), ("no", no))
            )
            if starts:
                number = _number(no.text) if no is not None and no.text else None
                first_cell = title if title is not None and title.text else no
                assert first_cell is not None
                text = _title(title.text) if title is not None else ""
                draft = Draft(first_cell.as_line(), number or len(drafts) + 1, text)
                draft.kinds = self.kinds(r)
                drafts.append(draft)
                deadline = None
            if draft is None:
                first = distinct(row)[0]
                self.notice.add(first.as_line(), "plan_text.error.stray_cell", text=first.text)
                continue
            titles = self.materials(r, starts, draft)
            if not titles:
                if not starts and (stray := self.new_cells(r)):
                    self.notice.add(stray[0].as_line(), "plan_table.error.no_material")
                continue
            due = self.cell(r, "deadline")
            if due is not None and (deadline is None or deadline[0] is not due):
                deadline = (due, self.notice.deadline(due.as_line())) if due.text else None
            requirement = self.requirement(r)
            for line, material in titles:
                if requirement:
                    draft.requirements[len(draft.materials)] = requirement
                if deadline is None:
                    code = f"{draft.no}.{len(draft.materials) + 1}" if self.listed else draft.no
                    where = due.as_line() if due is not None else line
                    self.notice.add(where, "plan.error.missing_deadline", code=code)
                draft.materials.append((line, material, deadline[1] if deadline else None))
        return drafts

    def new_cells(self, r: int) -> list[Cell]:
        """The row's own non-empty cells (not merged down from above)."""
        above = self.rows[self.above[r]] if r in self.above else []
        return [c for c in distinct(self.rows[r]) if all(c is not a for a in above)]

    def materials(self, r: int, starts: bool, draft: Draft) -> list[tuple[Line, str]]:
        """The materials this row adds to its item: one per numbered paragraph of its cell."""
        if not self.listed:
            return [(draft.at, draft.title)] if starts else []
        cell = self.cell(r, "material")
        if cell is None or not cell.text or self.continued(r, "material"):
            return []
        parts = [p.strip() for p in cell.text.splitlines() if p.strip()]
        numbered = len(parts) > 1 and all(NUMBERING.match(p) for p in parts)
        texts = [_title(p) for p in parts] if numbered else [_title(cell.text)]
        return [(cell.as_line(), text) for text in texts if text]

    def requirement(self, r: int) -> str | None:
        """The row's 报送要求 (a cell merged down holds for the rows it covers)."""
        cell = self.cell(r, "requirement")
        if cell is None or not cell.text:
            return None
        if len(cell.text) > REQUIREMENT_CHARS:
            params = {"length": len(cell.text), "limit": REQUIREMENT_CHARS}
            self.notice.add(cell.as_line(), "plan.error.requirement_too_long", **params)
            return None
        return cell.text

    def kinds(self, r: int) -> frozenset | None:
        cell = self.cell(r, "units")
        if cell is None or not cell.text:
            return None
        kinds = kinds_named(cell.text)
        if not kinds:
            self.notice.add(cell.as_line(), "plan_table.error.responsible", text=cell.text)
            return None
        return kinds
