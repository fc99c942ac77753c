"""Plain-text plan notices (.txt/.md): the 红头文件 as received, its 细则 table one cell a line.

The head, deadlines, targets and items are read as for every notice (domain.plan_notice); the
table is found here: after `附件`, the header cells 序号 / 事项 / 需报送的材料 / 完成时限, then
per item an optional 序号 (a bare number), the 事项, then either one material and its deadline,
or materials numbered `1.` `2.`…, each optionally followed by a deadline that also holds for the
next materials without one (a vertically merged cell). A cell where a deadline must stand is
parsed by domain.deadlines (长期坚持 and the like are taken for deadlines too, to be confirmed);
one it refuses is reported by line, as is an item without material. The table ends at `说明:`,
whose (numbered) lines are the plan's notes.
"""

from __future__ import annotations

import re

from domain.deadlines import Deadline, is_standing, parse_deadline
from domain.plan_model import PlanFile
from domain.plan_notice import NOTES, NUMBERED, Draft, Line, Notice, notes_from

_NO = re.compile(r"^\d+$")
_ANNEX = re.compile(r"^附\s*件\s*\d*[:：]?$")
_HEADER = {"序号": "no", "事项": "title", "需报送的材料": "material", "完成时限": "deadline"}


def read_text_plan(text: str, source: str, *, on_request: bool = False) -> PlanFile:
    """Read a plain-text notice into the plan the YAML loader would give; see the module doc.
    `on_request`: the admin confirmed that deadlines naming no date are "on request"."""
    lines = [
        Line(i, line.strip().replace("\u3000", " "))
        for i, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]
    notice = Notice(lines, on_request=on_request)
    head = notice.head()
    drafts, notes = _table(notice)
    return notice.plan(head, drafts, notes, source)


def _table(notice: Notice) -> tuple[list[Draft], list[str]]:
    lines = notice.lines
    annex = next((i for i, line in enumerate(lines) if _ANNEX.match(line.text)), None)
    start = None
    if annex is not None:
        start = next((i for i in range(annex, len(lines)) if lines[i].text in _HEADER), None)
    if start is None:
        notice.add(None, "plan_text.error.no_table")
        return [], []
    columns = []
    while start < len(lines) and lines[start].text in _HEADER:
        columns.append(_HEADER[lines[start].text])
        start += 1
    if "title" not in columns or "material" not in columns or "deadline" not in columns:
        notice.add(lines[start - 1], "plan_text.error.header", columns="/".join(_HEADER))
        return [], []
    end = next(
        (i for i in range(start, len(lines)) if NOTES.match(lines[i].text)),
        len(lines),
    )
    return _rows(notice, lines[start:end]), notes_from(lines[end:])


def _is_deadline(notice: Notice, text: str) -> bool:
    if is_standing(text):
        return True
    try:
        parse_deadline(text, notice.year)
    except ValueError:
        return False
    return True


def _rows(notice: Notice, cells: list[Line]) -> list[Draft]:
    drafts: list[Draft] = []
    given_no: int | None = None
    i = 0
    while i < len(cells):
        cell = cells[i]
        if _NO.match(cell.text):
            given_no = int(cell.text)
            i += 1
            continue
        if NUMBERED.match(cell.text) or _is_deadline(notice, cell.text):
            notice.add(cell, "plan_text.error.stray_cell", text=cell.text)
            i += 1
            continue
        no = given_no if given_no is not None else len(drafts) + 1
        given_no = None
        draft = Draft(cell, no, cell.text)
        drafts.append(draft)
        i += 1
        if i < len(cells) and not NUMBERED.match(cells[i].text):
            if _is_deadline(notice, cells[i].text):
                i += 1  # the item's deadline, with no material: reported with the item
                continue
            if _NO.match(cells[i].text):
                continue
            # one material, then the cell where its deadline must be
            material = cells[i]
            deadline = cells[i + 1] if i + 1 < len(cells) else None
            if deadline is None:
                notice.add(material, "plan.error.missing_deadline", code=no)
                draft.materials.append((material, material.text, None))
                i += 1
                continue
            draft.materials.append((material, material.text, notice.deadline(deadline)))
            i += 2
            continue
        expected = 1
        current: Deadline | None = None
        while i < len(cells) and (m := NUMBERED.match(cells[i].text)):
            if int(m.group(1)) != expected:
                notice.add(cells[i], "plan_text.error.numbering", text=cells[i].text)
            expected += 1
            line = cells[i]
            i += 1
            own = None
            if i < len(cells) and _is_deadline(notice, cells[i].text):
                own = notice.deadline(cells[i])
                current = own
                i += 1
            elif current is None:
                notice.add(line, "plan.error.missing_deadline", code=f"{no}.{expected - 1}")
            draft.materials.append((line, m.group(2).strip(), own or current))
    return drafts
