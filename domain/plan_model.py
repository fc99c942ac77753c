"""Plan file models: what a checked plan file holds, and the problems found in one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.deadlines import Deadline
from domain.holiday_calendar import HolidayDay
from domain.model import UnitKind

_EN_CATALOG = Path(__file__).resolve().parent.parent / "locales" / "en" / "plan.yaml"
ALL_KINDS = frozenset(UnitKind)
# Whom a plan that does not say is addressed to: every unit under the issuing province bureau.
# The issuer owes its own plan only where the plan says so (`applies_to: [province, …]`).
BELOW_ISSUER = ALL_KINDS - {UnitKind.PROVINCE}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class PlanUnit(_Model):
    code: str
    name: str
    short: str | None = None
    kind: UnitKind
    parent: str | None = None
    region: str | None = None


class PlanTemplate(_Model):
    """A blank form a material comes with: a file beside the plan file (`templates:`)."""

    path: str  # as written, relative to the plan file (`模板/进度表.docx`)
    line: int  # where the file names it, for the problems found on import
    data: bytes | None = None  # read on import (domain.plan_templates); None: the stored one kept


class PlanMaterial(_Model):
    code: str
    item_no: int
    seq: int
    title: str
    deadline: Deadline
    targets: dict[UnitKind, int] = {}
    target_unit: str | None = None
    applies_to: frozenset[UnitKind] = ALL_KINDS
    text_only: bool = False  # reported with text or a count alone; else files are required
    moved_from: date | None = None  # the date the file set, moved off a holiday (holiday_rule)
    requirement: str | None = None  # what the report must be (加盖公章的PDF;照片不少于3张)
    templates: tuple[PlanTemplate, ...] = ()


class PlanItem(_Model):
    no: int
    title: str
    applies_to: frozenset[UnitKind] = ALL_KINDS
    materials: list[PlanMaterial]


class PlanIssue(_Model):
    line: int  # 1-based; 0 when the problem concerns the whole file
    key: str  # locale message id
    params: dict[str, str] = {}

    def render(self, catalog: Mapping[str, str]) -> str:
        return catalog[self.key].format(line=self.line, **self.params)


class PlanFile(_Model):
    code: str
    short: str | None = None  # the prefix of its codes beside other plans (`fw` → `fw-2.1`)
    year: int
    title: str
    document: str | None = None
    issued: date | None = None
    notes: list[str] = []
    reminders: dict[str, Any] = {}
    assessment: dict[str, Any] = {}
    deadline_on_holiday: str = "keep"  # or "next_workday": domain.holiday_rule
    holidays: list[HolidayDay] = []  # the file's own holiday schedules (domain.holiday_file)
    units: list[PlanUnit] = []  # none: the plan addresses the bureau's stored unit tree
    unit_lines: dict[str, int] = {}  # where each unit is in the file, to name it on import
    # Addressed to these units only (code → line), besides its kinds: a plan for some cities.
    addressed_units: dict[str, int] = {}
    items: list[PlanItem]
    # What the import should tell the operator: re-based or overridden header fields,
    # deadlines accepted although they fall before the issue date (keys plan.notice.*).
    notices: list[PlanIssue] = []

    def materials(self) -> list[PlanMaterial]:
        return [material for item in self.items for material in item.materials]


class PlanFileError(Exception):
    def __init__(self, source: str, issues: list[PlanIssue]) -> None:
        super().__init__(source, issues)
        self.source = source
        self.issues = issues

    def __str__(self) -> str:
        catalog = _english_catalog()
        return "\n".join(f"{self.source}:{i.line}: {_render(i, catalog)}" for i in self.issues)


@cache
def _english_catalog() -> dict[str, str]:
    import yaml  # here: only a problem shown outside the chat reads it

    try:
        catalog = yaml.safe_load(_EN_CATALOG.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return catalog if isinstance(catalog, dict) else {}


def _render(issue: PlanIssue, catalog: Mapping[str, str]) -> str:
    try:
        return issue.render(catalog)
    except (KeyError, IndexError, ValueError, AttributeError):
        return f"{issue.key} {issue.params}"
