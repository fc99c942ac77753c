"""What every reader of a plan notice shares, whatever the file: the head, deadlines, items.

A notice (红头文件) is read from its lines (text) or cells (tables) into the plan the YAML
loader gives. Never guessed: what does not fit is a PlanIssue naming its line, or its table
cell (`cell` for a sheet, `row`/`col` and maybe `page` for a Word or PDF table).

- title: the first line like `…关于印发《X》的通知` gives X; else the first line that is not
  the issuer's banner (`…文件`) or the 文号.
- 文号: the first line like `豫安监管﹝2016﹞41号`; its bracketed year is the plan's year (else the
  issue date's). The plan code is `doc-<year>-<number>` (`doc-2016-41`).
- issue date: the first line that is only a date, `2016年5月9日`, after the 文号.
- addressees: the first line after the 文号 ending with `:`; 省辖市 / 市级 → city, 县 (省直管县
  (市), 县级) → county; 处室, 总队 and 局属单位 are the bureau's own and not addressed. A table's
  责任单位 cell names an item's units the same way (省局 alone: the bureau itself).
- deadlines: domain.deadlines; an expression naming no date (长期坚持) is an error unless the
  admin confirmed such ones as "on request" (`on_request`), then a notice.
- targets: a sentence like `省局…落实行政指导案例50例以上,省辖市30例以上、县级50例以上` sets
  targets on the one material whose title ends with the counted thing (≥ 4 characters in
  common); the issuing province then owes that material too.

Units are not read: the plan addresses the bureau's stored tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from domain.deadlines import Deadline, confirmable, on_request_instead, parse_deadline
from domain.model import UnitKind
from domain.periods import expand
from domain.plan_model import PlanFile, PlanFileError, PlanIssue, PlanItem, PlanMaterial

_DOCUMENT = re.compile(r"^\S*?[﹝〔\[（(](\d{4})[﹞〕\]）)](\d+)号$")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_PRINTED = re.compile(r"关于印发《(.+)》的通知$")
_BANNER = re.compile(r"文\s*件$")
NUMBERED = re.compile(r"^(\d+)\s*[.．、]\s*(.+)$")
NOTES = re.compile(r"^说\s*明\s*[:：]?\s*(.*)$")
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
_OWN_OFFICES = re.compile(r"处室|[^,，、]*处$|总队|局属")
_COUNTY_CITY = re.compile(r"县\s*[（(][^）)]*[）)]")  # 县(市)、县（市、区）: counties only


class Line(NamedTuple):
    no: int  # the text line or the table row: what a problem is sorted by and named with
    text: str
    at: tuple[tuple[str, str], ...] = ()  # where in a table: (("cell", "D7"),) or row/col/page


@dataclass
class Draft:
    """One item as a reader found it, before its deadlines and codes are checked."""

    at: Line
    no: int
    title: str
    materials: list[tuple[Line, str, Deadline | None]] = field(default_factory=list)
    kinds: frozenset[UnitKind] | None = None  # from its 责任单位 cell, else the addressees'
    requirements: dict[int, str] = field(default_factory=dict)  # material index → 报送要求


class Head(NamedTuple):
    code: str
    title: str
    document: str | None
    addressed: frozenset[UnitKind]


def kinds_named(text: str) -> frozenset[UnitKind]:
    """The kinds of units a 主送 line or 责任单位 cell names; empty when it names none."""
    parts = [p for p in re.split("[,，、;；]", _COUNTY_CITY.sub("县", text)) if p.strip()]
    kinds: set[UnitKind] = set()
    for part in parts:
        if _OWN_OFFICES.search(part.strip()):
            continue
        if "县" in part:
            kinds.add(UnitKind.COUNTY)
        if "市" in part:
            kinds.add(UnitKind.CITY)
    if not kinds and any(p.strip().startswith("省") for p in parts):
        kinds.add(UnitKind.PROVINCE)  # 省局, 省安全监管局: the bureau itself
    return frozenset(kinds)


class Notice:
    """The reading of one notice: its lines (head and prose), problems and notices so far."""

    def __init__(self, lines: list[Line], *, on_request: bool = False) -> None:
        self.lines = lines
        self.on_request = on_request
        self.issues: list[PlanIssue] = []
        self.notices: list[PlanIssue] = []
        self.year = 2000
        self.issued: date | None = None

    def add(self, at: Line | None, key: str, /, **params: object) -> None:
        self.issues.append(_issue(at, key, params))

    def head(self) -> Head:
        """Title, 文号, year, issue date and addressees from the lines; problems added."""
        lines = self.lines
        if not lines:
            self.add(None, "plan_text.error.no_title")
            return Head("doc", "", None, frozenset())
        at = next((i for i, line in enumerate(lines) if _DOCUMENT.match(line.text)), None)
        document = lines[at].text if at is not None else None
        doc_match = _DOCUMENT.match(document) if document else None
        self.issued = self.issue_date(at or 0)
        if doc_match:
            self.year = int(doc_match.group(1))
        elif self.issued:
            self.year = self.issued.year
        else:
            self.add(None, "plan_text.error.no_year")
        code = f"doc-{self.year}-{doc_match.group(2)}" if doc_match else f"doc-{self.year}"
        return Head(code, self.title(), document, self.addressees(at))

    def title(self) -> str:
        for line in self.lines:
            if printed := _PRINTED.search(line.text):
                return printed.group(1)
        for line in self.lines:
            if not _BANNER.search(line.text) and not _DOCUMENT.match(line.text):
                return line.text
        return self.lines[0].text

    def issue_date(self, start: int) -> date | None:
        for line in self.lines[start:]:
            if m := _DATE.match(line.text):
                try:
                    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    self.add(line, "plan.error.not_date", field="issued", value=line.text)
                    return None
        return None

    def addressees(self, at: int | None) -> frozenset[UnitKind]:
        following = self.lines[at + 1 : at + 4] if at is not None else []
        line = next((line for line in following if line.text.endswith((":", "："))), None)
        if line is None:
            after = self.lines[at + 1] if at is not None and at + 1 < len(self.lines) else None
            self.add(after, "plan_text.error.no_addressees", text="")
            return frozenset()
        kinds = kinds_named(re.split("[,，]", line.text)[0]) - {UnitKind.PROVINCE}
        if not kinds:
            self.add(line, "plan_text.error.no_addressees", text=line.text)
        return kinds

    def deadline(self, cell: Line) -> Deadline | None:
        """The deadline a cell states, checked against the issue date; None (and a problem)
        when it states none."""
        try:
            deadline = parse_deadline(cell.text, self.year)
        except ValueError:
            if confirmable(cell.text):
                if self.on_request:
                    deadline = on_request_instead(cell.text)
                    self.notices.append(_issue(cell, "plan.notice.on_request", {"expr": cell.text}))
                    return deadline
                self.add(cell, "plan.error.unknown_deadline", expr=cell.text)
                return None
            wrong = "bad_recurring" if cell.text.startswith("每") else "bad_deadline"
            self.add(cell, f"plan.error.{wrong}", expr=cell.text)
            return None
        if deadline.every is not None and not deadline.every.periods(self.year, self.issued):
            since = self.issued or date(self.year, 1, 1)
            self.add(cell, "plan.error.no_periods", expr=cell.text, since=since)
            return None
        if self.issued and deadline.due is not None and deadline.due < self.issued:
            suggestion = f"{deadline.due.year + 1}年{deadline.expr}"
            self.add(
                cell,
                "plan.error.deadline_before_issue",
                expr=deadline.expr,
                due=deadline.due,
                issued=self.issued,
                suggestion=suggestion,
            )
        return deadline

    def plan(self, head: Head, drafts: list[Draft], notes: list[str], source: str) -> PlanFile:
        """The plan the drafts make, or PlanFileError with every problem found."""
        items = [item for draft in drafts if (item := self.item(draft, head.addressed))]
        self.targets(items)
        if self.issues:
            raise PlanFileError(source, sorted(self.issues, key=lambda issue: issue.line))
        plan = PlanFile(
            code=head.code,
            year=self.year,
            title=head.title,
            document=head.document,
            issued=self.issued,
            notes=notes,
            items=items,
            notices=self.notices,
        )
        return expand(plan)

    def item(self, draft: Draft, addressed: frozenset[UnitKind]) -> PlanItem | None:
        if not draft.materials:
            self.add(draft.at, "plan.error.no_materials", no=draft.no)
            return None
        kinds = draft.kinds if draft.kinds is not None else addressed
        size = len(draft.materials)
        materials = [
            PlanMaterial(
                code=str(draft.no) if size == 1 else f"{draft.no}.{seq}",
                item_no=draft.no,
                seq=seq,
                title=title,
                deadline=deadline,
                applies_to=kinds,
                requirement=draft.requirements.get(seq - 1),
            )
            for seq, (_, title, deadline) in enumerate(draft.materials, 1)
            if deadline is not None
        ]
        if len(materials) != size:
            return None
        return PlanItem(no=draft.no, title=draft.title, applies_to=kinds, materials=materials)

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
            owed = material.applies_to | frozenset(targets)
            changed = material.model_copy(
                update={"targets": targets, "target_unit": unit, "applies_to": owed}
            )
            materials = [*item.materials[:seq], changed, *item.materials[seq + 1 :]]
            items[index] = item.model_copy(update={"materials": materials})


def notes_from(lines: list[Line]) -> list[str]:
    """The 说明 line and the numbered lines after it: the plan's notes."""
    notes: list[str] = []
    for index, line in enumerate(lines):
        text = line.text
        if index == 0:
            m = NOTES.match(text)
            text = m.group(1).strip() if m else text
            if not text:
                continue
        elif not NUMBERED.match(text):
            break
        numbered = NUMBERED.match(text)
        notes.append(numbered.group(2).strip() if numbered else text)
    return notes


def _issue(at: Line | None, key: str, params: dict[str, object]) -> PlanIssue:
    strings = {name: str(value) for name, value in params.items()}
    if at is None:
        return PlanIssue(line=0, key=key, params=strings)
    return PlanIssue(line=at.no, key=key, params={**strings, **dict(at.at)})


def _common_ending(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n
