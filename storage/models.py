"""Row models: what the store's queries return.

Each model builds its validator when first used (`defer_build`): a start-up that reads a few
kinds of row does not pay for all of them (benchmarks/startup.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.model import (
    AssignmentState,
    PlanState,
    ReportStatus,
    RequestKind,
    RequestStatus,
    Role,
    UnitKind,
)


class Unit(BaseModel, defer_build=True):
    id: int
    code: str
    name: str
    short_name: str | None
    kind: UnitKind
    parent_id: int | None
    region_id: int | None
    path: str
    retired_at: datetime | None = None  # kept for history; offered for nothing new

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class Plan(BaseModel, defer_build=True):
    id: int
    code: str
    year: int
    title: str
    document: str | None
    issued_on: date | None
    notes: list[str]
    reminders: dict[str, Any]
    assessment: dict[str, Any]
    revision: int = 0  # raised by each change in place: keys the caches of its contents
    state: PlanState = PlanState.PUBLISHED
    short: str | None = None  # set at import; `prefix` is what codes show
    kind: str = "plan"  # plan | assignment (an ad-hoc 交办)
    deadline_on_holiday: str = "keep"  # the plan file's rule: keep | next_workday
    holiday_years: list[int] = []  # years of the holiday schedules its file carried

    @property
    def prefix(self) -> str:
        """What goes before a material code beside other plans: `fw` in `fw-2.1`."""
        return self.short or f"p{self.id}"

    @property
    def is_open(self) -> bool:
        return self.state is PlanState.PUBLISHED


class Item(BaseModel, defer_build=True):
    id: int
    no: int
    title: str


class Material(BaseModel, defer_build=True):
    id: int
    plan_id: int
    item_id: int
    item_no: int
    item_title: str
    code: str
    seq: int
    title: str
    deadline_expr: str
    deadline_kind: str
    window_start: date | None
    due_date: date | None
    targets: dict[str, int]
    target_unit: str | None
    applies_to: list[str]
    text_only: bool = False  # no file needed to report it
    moved_from: date | None = None  # the plan's date, moved off a holiday (deadline_on_holiday)
    requirement: str | None = None  # 报送要求, as the plan file says it


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """One unit × material with its material's facts, as listings show it: a plain slotted
    row (no validation), as a /todo builds dozens per answer and /status thousands."""

    id: int
    plan_id: int
    unit_id: int
    material_id: int
    code: str
    item_no: int
    title: str
    deadline_expr: str
    deadline_kind: str
    window_start: date | None
    due_date: date | None
    due_at: datetime | None
    state: AssignmentState
    na_reason: str | None
    submitted_at: datetime | None
    last_report_id: int | None
    reported_count: int
    target: int | None
    target_unit: str | None
    moved_from: date | None = None  # the plan's date, when its due date was moved off a holiday


@dataclass(frozen=True, slots=True)
class UnitSummary:
    """One unit's counts over a plan: a plain slotted row, as /status builds thousands at once."""

    unit_id: int
    total: int
    done: int
    pending: int
    returned: int
    not_applicable: int
    overdue: int


class Contact(BaseModel, defer_build=True):
    id: int
    channel: str
    user_ref: str
    display_name: str | None
    unit_id: int | None
    role: Role | None
    locale: str | None
    unreachable: bool

    @property
    def registered(self) -> bool:
        return self.unit_id is not None and self.role is not None

    @property
    def label(self) -> str:
        return self.display_name or self.user_ref


class Invite(BaseModel, defer_build=True):
    id: int
    unit_id: int
    role: Role
    expires_at: datetime
    used_at: datetime | None


class StoredFile(BaseModel, defer_build=True):
    """An attachment as stored: content-addressed blob plus its sanitised name."""

    sha256: str
    name: str
    mime: str | None
    size: int
    # The bytes of a small file between its arrival and its transaction (see FileStore.save).
    content: bytes | None = Field(default=None, exclude=True, repr=False)


class Report(BaseModel, defer_build=True):
    id: int
    assignment_id: int
    unit_id: int
    material_id: int
    code: str
    title: str
    contact_id: int | None
    count: int | None
    note: str | None
    status: ReportStatus
    submitted_at: datetime
    reviewed_at: datetime | None
    reviewer_id: int | None
    return_reason: str | None
    files: list[StoredFile] = []


class Draft(BaseModel, defer_build=True):
    contact_id: int
    material_id: int | None
    count: int | None
    note: str | None
    files: list[StoredFile]
    report_id: int | None = None  # files to add to this report (`/append`), not a new report
    touched_at: datetime | None = None  # its last activity: it closes a while after


class Request(BaseModel, defer_build=True):
    id: int
    kind: RequestKind
    assignment_id: int
    unit_id: int
    code: str
    title: str
    contact_id: int | None
    reason: str
    new_due_date: date | None
    status: RequestStatus
    created_at: datetime


class Chat(BaseModel, defer_build=True):
    id: int
    channel: str
    chat_ref: str
    title: str | None
    subscribed: bool
    events: bool


class OutboxMessage(BaseModel, defer_build=True):
    id: int
    idem_key: str
    channel: str
    chat_ref: str
    contact_id: int | None
    kind: str
    body: dict[str, Any]
    status: str
    attempts: int
    not_before: datetime


class AuditEntry(BaseModel, defer_build=True):
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str | None
    action: str
    unit_id: int | None
    subject: str | None
    detail: dict[str, Any]
