"""Plain-text plan notices (.txt/.md): the 红头文件 as received, its 细则 table one cell a line.

What is read, and how (never guessed: what does not fit is a PlanIssue with its line):

- title: the first non-empty line; `…关于印发《X》的通知` gives X.
- 文号: the first line like `豫安监管﹝2016﹞41号`; its bracketed year is the plan's year
  (else the issue date's). The plan code is `doc-<year>-<number>` (`doc-2016-41`): a 文号 has
  no ascii spelling to derive letters from.
- issue date: the first line that is only a date, `2016年5月9日`, after the 文号.
- addressees: the line after the 文号 ending with `:`; 省辖市 / 市级 → city, 县 (省直管县(市),
  县级) → county; 处室, 总队 and 局属单位 are the bureau's own and not addressed.
- the table: after `附件`, the header cells 序号 / 事项 / 需报送的材料 / 完成时限, then per item:
  an optional 序号 (a bare number), the 事项, then either one material and its deadline, or
  materials numbered `1.` `2.`…, each optionally followed by a deadline that also holds for
  the next materials without one (a vertically merged cell). A cell where a deadline must
  stand is parsed by domain.deadlines; one it refuses is reported, as is an item without
  material. The table ends at `说明:`, whose (numbered) lines are the plan's notes.
- targets: a sentence in the text like `省局…落实行政指导案例50例以上,省辖市30例以上、县级50例以上`
  sets targets on the one material whose title ends with the counted thing (≥ 4 characters
  in common); the issuing province then owes that material too.

Units are not read: the plan addresses the bureau's stored tree.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from domain.deadlines import Deadline, parse_deadline
from domain.model import UnitKind
from domain.periods import expand
from domain.plan_model import PlanFile, PlanFileError, PlanIssue, PlanItem, PlanMaterial

_DOCUMENT = re.compile(r"^\S*?[﹝〔\[（(](\d{4})[﹞〕\]）)](\d+)号$")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_PRINTED = re.compile(r"关于印发《(.+)》的通知$")
_NUMBERED = re.compile(r"^(\d+)\s*[.．、]\s*(.+)$")
_NO = re.compile(r"^\d+$")
_ANNEX = re.compile(r"^附\s*件\s*\d*[:：]?$")
_NOTES = re.compile(r"^说\s*明\s*[:：]\s*(.*)$")
_HEADER = {"序号": "no", "事项": "title", "需报送的材料": "material", "完成时限": "deadline"}
_TARGET_KINDS = {
    "省局": UnitKind.PROVINCE,
    "省辖市": UnitKind.CITY,
    "市级": UnitKind.CITY,
    "县级": UnitKind.COUNTY,
}
_TARGET = re.compile(
    r"(省局|省辖市|市级|县级)(?:[（(][^）)]*[）)])?([^\d,，、;；。]*?)(\d+)\s*(例|个|次|篇|件)以上"
)
_SAME_ENDING = 4  # characters a counted thing and a material's title must end with alike


class _Line(NamedTuple):
    no: int  # 1-based
    text: str


class _Draft:
    def __init__(self, line: int, no: int, title: str) -> None:
        self.line = line
        self.no = no
        self.title = title
        self.materials: list[tuple[int, str, Deadline | None]] = []  # line, title, deadline


def read_text_plan(text: str, source: str) -> PlanFile:
    """Read a plain-text notice into the plan the YAML loader would give; see the module doc."""
    reader = _Reader(text)
    plan = reader.plan()
    if reader.issues or plan is None:
        raise PlanFileError(source, sorted(reader.issues, key=lambda issue: issue.line))
    return expand(plan)


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = [
            _Line(i, line.strip().replace("\u3000", " "))
            for i, line in enumerate(text.splitlines(), 1)
            if line.strip()
        ]
        self.issues: list[PlanIssue] = []
        self.year = 2000
        self.issued: date | None = None

    def add(self, line: int, key: str, /, **params: object) -> None:
        strings = {name: str(value) for name, value in params.items()}
        self.issues.append(PlanIssue(line=line, key=key, params=strings))

    def plan(self) -> PlanFile | None:
        if not self.lines:
            self.add(0, "plan_text.error.no_title")
            return None
        first = self.lines[0].text
        printed = _PRINTED.search(first)
        title = printed.group(1) if printed else first
        at = next((i for i, line in enumerate(self.lines) if _DOCUMENT.match(line.text)), None)
        document = self.lines[at].text if at is not None else None
        doc_match = _DOCUMENT.match(document) if document else None
        self.issued = self.issue_date(at or 0)
        if doc_match:
            self.year = int(doc_match.group(1))
        elif self.issued:
            self.year = self.issued.year
        else:
            self.add(0, "plan_text.error.no_year")
        code = f"doc-{self.year}-{doc_match.group(2)}" if doc_match else f"doc-{self.year}"
        applies_to = self.addressees(at)
        items, notes = self.table()
        self.targets(items)
        if self.issues:
            return None
        return PlanFile(
            code=code,
            year=self.year,
            title=title,
            document=document,
            issued=self.issued,
            notes=notes,
            items=[_with_default(item, applies_to) for item in items],
        )

    def issue_date(self, start: int) -> date | None:
        for line in self.lines[start:]:
            if m := _DATE.match(line.text):
                try:
                    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    self.add(line.no, "plan.error.not_date", field="issued", value=line.text)
                    return None
        return None

    def addressees(self, at: int | None) -> frozenset[UnitKind]:
        if at is not None and at + 1 < len(self.lines):
            line = self.lines[at + 1]
            if line.text.endswith((":", "：")):
                head = re.split("[,，]", line.text)[0]
                kinds = set()
                if "市" in head.replace("县(市)", "").replace("县（市）", ""):
                    kinds.add(UnitKind.CITY)
                if "县" in head:
                    kinds.add(UnitKind.COUNTY)
                if kinds:
                    return frozenset(kinds)
                self.add(line.no, "plan_text.error.no_addressees", text=line.text)
                return frozenset()
        self.add(at + 1 if at is not None else 0, "plan_text.error.no_addressees", text="")
        return frozenset()

    def table(self) -> tuple[list[PlanItem], list[str]]:
        annex = next((i for i, line in enumerate(self.lines) if _ANNEX.match(line.text)), None)
        start = None
        if annex is not None:
            start = next(
                (i for i in range(annex, len(self.lines)) if self.lines[i].text in _HEADER), None
            )
        if start is None:
            self.add(0, "plan_text.error.no_table")
            return [], []
        columns = []
        while start < len(self.lines) and self.lines[start].text in _HEADER:
            columns.append(_HEADER[self.lines[start].text])
            start += 1
        if "title" not in columns or "material" not in columns or "deadline" not in columns:
            self.add(self.lines[start - 1].no, "plan_text.error.header", columns="/".join(_HEADER))
            return [], []
        end = next(
            (i for i in range(start, len(self.lines)) if _NOTES.match(self.lines[i].text)),
            len(self.lines),
        )
        drafts = self.rows(self.lines[start:end])
        notes = self.notes(self.lines[end:])
        return [item for draft in drafts if (item := self.item(draft)) is not None], notes

    def deadline(self, line: _Line) -> Deadline | None:
        try:
            deadline = parse_deadline(line.text, self.year)
        except ValueError:
            wrong = "bad_recurring" if line.text.startswith("每") else "bad_deadline"
            self.add(line.no, f"plan.error.{wrong}", expr=line.text)
            return None
        if deadline.every is not None and not deadline.every.periods(self.year, self.issued):
            since = self.issued or date(self.year, 1, 1)
            self.add(line.no, "plan.error.no_periods", expr=line.text, since=since)
            return None
        if self.issued and deadline.due is not None and deadline.due < self.issued:
            suggestion = f"{deadline.due.year + 1}年{deadline.expr}"
            self.add(
                line.no,
                "plan.error.deadline_before_issue",
                expr=deadline.expr,
                due=deadline.due,
                issued=self.issued,
                suggestion=suggestion,
            )
        return deadline

    def is_deadline(self, text: str) -> bool:
        try:
            parse_deadline(text, self.year)
        except ValueError:
            return False
        return True

    def rows(self, cells: list[_Line]) -> list[_Draft]:
        drafts: list[_Draft] = []
        given_no: int | None = None
        i = 0
        while i < len(cells):
            cell = cells[i]
            if _NO.match(cell.text):
                given_no = int(cell.text)
                i += 1
                continue
            if _NUMBERED.match(cell.text) or self.is_deadline(cell.text):
                self.add(cell.no, "plan_text.error.stray_cell", text=cell.text)
                i += 1
                continue
            no = given_no if given_no is not None else len(drafts) + 1
            given_no = None
            draft = _Draft(cell.no, no, cell.text)
            drafts.append(draft)
            i += 1
            if i < len(cells) and not _NUMBERED.match(cells[i].text):
                if self.is_deadline(cells[i].text):
                    i += 1  # the item's deadline, with no material: reported with the item
                    continue
                if _NO.match(cells[i].text):
                    continue
                # one material, then the cell where its deadline must be
                material = cells[i]
                deadline = cells[i + 1] if i + 1 < len(cells) else None
                if deadline is None:
                    self.add(material.no, "plan.error.missing_deadline", code=no)
                    draft.materials.append((material.no, material.text, None))
                    i += 1
                    continue
                draft.materials.append((material.no, material.text, self.deadline(deadline)))
                i += 2
                continue
            expected = 1
            current: Deadline | None = None
            while i < len(cells) and (m := _NUMBERED.match(cells[i].text)):
                if int(m.group(1)) != expected:
                    self.add(cells[i].no, "plan_text.error.numbering", text=cells[i].text)
                expected += 1
                line = cells[i]
                i += 1
                own = None
                follows = i < len(cells) and self.is_deadline(cells[i].text)
                if follows:
                    own = self.deadline(cells[i])
                    current = own
                    i += 1
                elif current is None:
                    code = f"{no}.{expected - 1}"
                    self.add(line.no, "plan.error.missing_deadline", code=code)
                draft.materials.append((line.no, m.group(2).strip(), own or current))
        return drafts

    def item(self, draft: _Draft) -> PlanItem | None:
        if not draft.materials:
            self.add(draft.line, "plan.error.no_materials", no=draft.no)
            return None
        size = len(draft.materials)
        materials = [
            PlanMaterial(
                code=str(draft.no) if size == 1 else f"{draft.no}.{seq}",
                item_no=draft.no,
                seq=seq,
                title=title,
                deadline=deadline,
            )
            for seq, (_, title, deadline) in enumerate(draft.materials, 1)
            if deadline is not None
        ]
        if len(materials) != size:
            return None
        return PlanItem(no=draft.no, title=draft.title, materials=materials)

    def notes(self, lines: list[_Line]) -> list[str]:
        notes: list[str] = []
        for index, line in enumerate(lines):
            text = line.text
            if index == 0:
                m = _NOTES.match(text)
                text = m.group(1).strip() if m else text
                if not text:
                    continue
            elif not _NUMBERED.match(text):
                break
            numbered = _NUMBERED.match(text)
            notes.append(numbered.group(2).strip() if numbered else text)
        return notes

    def targets(self, items: list[PlanItem]) -> None:
        """Counted targets in prose, set on the one material they count; see the module doc."""
        for line in self.lines:
            found = list(_TARGET.finditer(line.text))
            if not found:
                continue
            counted = found[0].group(2)
            unit = found[0].group(4)
            targets = {_TARGET_KINDS[m.group(1)]: int(m.group(3)) for m in found}
            matching = [
                (index, seq)
                for index, item in enumerate(items)
                for seq, material in enumerate(item.materials)
                if _common_ending(counted, material.title) >= _SAME_ENDING
            ]
            if len(matching) != 1:
                continue
            index, seq = matching[0]
            item = items[index]
            material = item.materials[seq]
            changed = material.model_copy(
                update={"targets": targets, "target_unit": unit, "applies_to": frozenset(targets)}
            )
            materials = [*item.materials[:seq], changed, *item.materials[seq + 1 :]]
            items[index] = item.model_copy(update={"materials": materials})


def _with_default(item: PlanItem, applies_to: frozenset[UnitKind]) -> PlanItem:
    """The addressees are the default of every item and material; a target's kinds add to it."""
    materials = [
        m.model_copy(update={"applies_to": applies_to | m.applies_to if m.targets else applies_to})
        for m in item.materials
    ]
    return item.model_copy(update={"applies_to": applies_to, "materials": materials})


def _common_ending(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n
