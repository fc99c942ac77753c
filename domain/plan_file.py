"""Plan files: load and check the YAML that defines one year's units, items and materials.

Format (unknown keys anywhere are errors; `?` marks an optional key)::

    plan:  {code: [a-z0-9-]+, year: 2000..2100, title, document?, issued?: date,
            applies_to?: [kind] (whom the plan is addressed to; default: all),
            notes?: [text], reminders?: {...}, assessment?: {...},
            deadline_on_holiday?: keep | next_workday (a due date on a day off moves to the
            next working day: domain.holiday_rule)}
    holidays?: {year, holidays: {name: dates}, workdays?: dates} or a list of them: holiday
             schedules stored with the plan (format: domain.holiday_file)
    units?: [{code: [a-z0-9_-]+ (unique), name, short?, kind: province|department|city|county,
             parent?: unit code (every unit but the single root), region?: unit code}]
    items: [{no: positive int (unique), title, applies_to?: [kind] (default: the plan's),
             deadline?: default for its materials,
             materials: [{title, deadline? (required unless the item has one),
                          target?: {kind: positive int}, target_unit?, applies_to?: [kind],
                          text_only?: bool (reported without a file; default: a file is needed),
                          requirement?: text (what the report must be, ≤ 500 characters, lines
                                         allowed; default: the item's),
                          templates?: [path] (blank forms beside the plan file, read on import
                                         by domain.plan_templates; default: the item's)}]}]
           (an item's requirement?/templates? are the defaults of its materials, as deadline)

Without `units:` a plan addresses the bureau's stored tree (`main.py units import`); a list
without a root adds to that tree, the codes it names outside itself checked on import.
Materials are coded "{no}.{seq}", or just "{no}" when the item has a single material.
Deadlines are 完成时限 expressions such as 5月底, 6-8月, 6月上旬 or 按要求报送; one before the
issue date is an error unless its year is written out (then a notice). A recurring deadline
(每月5日前, 每季度末, 每周五 …) turns its material into one material per period (`3.1/06`):
domain.periods.
Re-basing to another year moves the deadlines, the title's year, the 文号's bracketed year and
the issue date, each said in `PlanFile.notices`; `Overrides` gives the 文号 or date instead.
See plans/henan-2016.yaml for a commented example. A notice as received is read instead:
`.txt`/`.md` in plain text (domain.plan_text), its 细则 table in `.docx` (domain.plan_docx),
`.xlsx` (domain.plan_xlsx) or `.pdf` with a text layer (domain.plan_pdf).
"""

from __future__ import annotations

from pathlib import Path

from domain.periods import expand
from domain.plan_checks import Checker, Overrides
from domain.plan_model import (
    PlanFile,
    PlanFileError,
    PlanIssue,
    PlanItem,
    PlanMaterial,
    PlanUnit,
)
from domain.plan_text import read_text_plan

TEXT_SUFFIXES = frozenset({".txt", ".md"})
NOTICE_SUFFIXES = TEXT_SUFFIXES | {".xlsx", ".docx", ".pdf"}
# Formats bureaus send that no reader here opens: asked for again in one that is read.
_SAVE_AS = {".doc": ".docx", ".wps": ".docx", ".xls": ".xlsx", ".et": ".xlsx", ".ofd": ".pdf"}

__all__ = [
    "Overrides",
    "PlanFile",
    "PlanFileError",
    "PlanIssue",
    "PlanItem",
    "PlanMaterial",
    "PlanUnit",
    "load_plan",
    "load_plan_file",
]


def load_plan(
    text: str,
    *,
    source: str = "<plan>",
    year: int | None = None,
    given: Overrides | None = None,
) -> PlanFile:
    """Check a plan file; `year` (or `given`, the command line's header values) re-bases it."""
    if isinstance(text, bytes):  # tolerated: callers sometimes pass a file's raw content
        text = _decode(text, source)
    given = given or Overrides(year=year)
    checker = Checker()
    root = checker.compose(text)
    plan = checker.plan_file(root, given) if root is not None else None
    if checker.issues or plan is None:
        raise PlanFileError(source, sorted(checker.issues, key=lambda issue: issue.line))
    return expand(plan)


def load_plan_file(
    path: str | Path,
    *,
    year: int | None = None,
    given: Overrides | None = None,
    on_request: bool = False,
) -> PlanFile:
    """A plan file of any format this module's doc names. `on_request`: a notice's deadlines
    that name no date (长期坚持) were confirmed by the admin as "on request"."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise _unreadable(str(path), e.strerror or str(e)) from e
    suffix = Path(path).suffix.lower()
    if suffix in _SAVE_AS:
        params = {"suffix": suffix, "instead": _SAVE_AS[suffix]}
        raise PlanFileError(str(path), [PlanIssue(line=0, key="plan.error.save_as", params=params)])
    if suffix in NOTICE_SUFFIXES:  # a notice as received
        if year is not None or (given is not None and given != Overrides()):
            issue = PlanIssue(line=0, key="plan_text.error.overrides")
            raise PlanFileError(str(path), [issue])
        if suffix in TEXT_SUFFIXES:
            return read_text_plan(_decode(data, str(path)), str(path), on_request=on_request)
        return _read_notice(suffix, data, str(path), on_request)
    text = _decode(data, str(path))
    return load_plan(text, source=str(path), year=year, given=given)


def _read_notice(suffix: str, data: bytes, source: str, on_request: bool) -> PlanFile:
    # Imported here: openpyxl, python-docx and pdfplumber take a fifth of a second to load,
    # and most runs (the shell, a CLI command, a report) never read a notice.
    if suffix == ".xlsx":
        from domain.plan_xlsx import read_xlsx_plan as read
    elif suffix == ".docx":
        from domain.plan_docx import read_docx_plan as read
    else:
        from domain.plan_pdf import read_pdf_plan as read
    return read(data, source, on_request=on_request)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _unreadable(source, str(e)) from e


def _unreadable(source: str, reason: str) -> PlanFileError:
    issue = PlanIssue(line=0, key="plan.error.unreadable", params={"reason": reason})
    return PlanFileError(source, [issue])
