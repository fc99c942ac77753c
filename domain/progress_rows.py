"""A plan's progress as plain slotted rows (units, materials, cells, reports, files…)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.model import AssignmentState, ReportStatus, UnitKind


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: int
    code: str
    name: str
    short_name: str | None
    kind: UnitKind
    parent_id: int | None
    region_id: int | None
    path: str
    sort: int

    @property
    def label(self) -> str:
        return self.short_name or self.name


@dataclass(frozen=True, slots=True)
class MaterialCol:
    id: int
    code: str
    item_no: int
    item_title: str
    title: str
    due_date: date | None
    window_start: date | None
    deadline_kind: str
    targets: dict[str, int]
    target_unit: str | None


@dataclass(frozen=True, slots=True)
class Cell:
    """One unit × material as it stands."""

    unit_id: int
    material_id: int
    state: AssignmentState
    due_at: datetime | None
    submitted_at: datetime | None
    reported_count: int
    na_reason: str | None


@dataclass(frozen=True, slots=True)
class ReportLine:
    id: int
    unit_id: int
    material_id: int
    submitted_at: datetime
    contact: str | None
    count: int | None
    note: str | None
    status: ReportStatus
    reviewer: str | None
    reviewed_at: datetime | None
    return_reason: str | None
    files: str  # attachment names, "; "-joined


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    unit_id: int | None
    actor: str | None
    action: str
    subject: str | None
    detail: str  # JSON text as stored


@dataclass(frozen=True, slots=True)
class AcceptedFile:
    """An attachment of an accepted report, with where its bytes are."""

    report_id: int
    unit_id: int
    material_id: int
    reviewed_at: datetime | None
    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class UnitActivity:
    """Per-unit facts the assessment needs beyond the matrix."""

    reports: int = 0  # reports made, not withdrawn
    returns: int = 0  # reports sent back
    noticed: int = 0  # materials announced for 签收
    acked: int = 0  # of which acknowledged
