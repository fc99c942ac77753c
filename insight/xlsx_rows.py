"""The rows of each export sheet, as plain values (and palette styles) ready to stream."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain.model import AssignmentState, Light
from domain.progress_rows import AuditLine, MaterialCol, ReportLine, UnitRow
from insight.xlsx_stream import Cell, Styled
from locales import Translator

if TYPE_CHECKING:  # the sheet-rendering process needs neither (insight.score imports pydantic)
    from insight.progress import Progress
    from insight.score import Score

REPORT_KEYS = (
    "report_id",
    "unit",
    "code",
    "material",
    "submitted",
    "contact",
    "count",
    "note",
    "state",
    "reviewer",
    "reviewed",
    "return_reason",
    "files",
)
AUDIT_KEYS = ("time", "unit", "action", "subject", "actor", "detail")
# Times, notes, reasons, file names and details are mostly one of a kind: not worth caching.
REPORT_UNIQUE = frozenset({7, 11, 12})
AUDIT_UNIQUE = frozenset({3, 5})
REPORT_TIMES = frozenset({4, 10})  # `2016-05-27 10:00`: nothing to escape
AUDIT_TIMES = frozenset({0})
CATEGORY_STYLES = [x.value for x in Light]
PALETTE = [*CATEGORY_STYLES, "percent", "bold"]


class LocalTime:
    """`2016-05-27 10:00` in the bureau's zone."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        # Zones without summer time (Asia/Shanghai) need no lookup per instant: a sum will do.
        probes = {
            datetime(y, m, 1, tzinfo=UTC).astimezone(tz).utcoffset()
            for y in range(2000, 2040)
            for m in (1, 7)
        }
        self._fixed: timedelta | None = probes.pop() if len(probes) == 1 else None

    def __call__(self, instant: datetime | None) -> str | None:
        if instant is None:
            return None
        if self._fixed is not None:
            return (instant + self._fixed).isoformat(" ", "minutes")[:16]
        return instant.astimezone(self.tz).isoformat(" ", "minutes")[:16]


def _cell_texts(t: Translator) -> Callable[[Progress, tuple[int, int]], str]:
    """The state a matrix cell shows; a returned material says so whatever its deadline."""
    labels = {x: t(f"light.{x.value}") for x in Light}
    returned = t("insight.category_returned")

    def text(p: Progress, key: tuple[int, int]) -> str:
        if p.cells[key].state is AssignmentState.RETURNED:
            return returned
        return labels[p.category[key]]

    return text


def progress_rows(
    t: Translator, p: Progress, scores: list[Score], units: dict[int, UnitRow]
) -> Iterator[list[Cell]]:
    """One row per unit (states coloured), then per-material totals below a blank row."""
    ranks = {s.unit_id: s for s in scores}
    returned = t("insight.category_returned")
    # 90,000 cells in a national matrix, a dozen distinct ones: each made once.
    shown = {x: Styled(t(f"light.{x.value}"), x.value) for x in Light}
    shown_returned = {x: Styled(returned, x.value) for x in Light}
    flag = t("insight.flag_yes")
    category_of, cell_of = p.category.get, p.cells
    returned_state = AssignmentState.RETURNED
    for unit in p.units:
        head = p.head.get(unit.id)
        row: list[Cell] = [
            unit.label,
            units[head].label if head is not None and head != unit.id else None,
        ]
        unit_id = unit.id
        for m in p.materials:
            key = (unit_id, m.id)
            category = category_of(key)
            if category is None:
                row.append(None)
            elif cell_of[key].state is returned_state:
                row.append(shown_returned[category])
            else:
                row.append(shown[category])
        tally = p.by_unit[unit.id]
        score = ranks.get(unit.id)
        row += [
            tally.accepted,
            tally.applicable,
            Styled(tally.rate, "percent"),
            tally.pending,
            tally.overdue,
            score.total if score else None,
            score.rank if score else None,
            flag if p.praised(unit.id) else None,
        ]
        yield row
    yield []
    whole = p.totals()
    tallies = [p.by_material[m.id] for m in p.materials]
    empty: list[Cell] = [None, None, None]
    yield [
        Styled(t("insight.col_accepted"), "bold"),
        None,
        *(x.accepted for x in tallies),
        whole.accepted,
    ]
    yield [
        Styled(t("insight.col_applicable"), "bold"),
        None,
        *(x.applicable for x in tallies),
        *empty[:1],
        whole.applicable,
    ]
    yield [
        Styled(t("insight.col_rate"), "bold"),
        None,
        *(Styled(x.rate, "percent") for x in tallies),
        *empty[:2],
        Styled(whole.rate, "percent"),
    ]


def target_rows(t: Translator, p: Progress) -> Iterator[list[Cell]]:
    """Count targets against what was reported, e.g. 行政指导案例 35/30例."""
    text = _cell_texts(t)
    measures = {m.target_unit: t.measure(m.target_unit) for m in p.materials}
    with_targets = [m for m in p.materials if m.targets]
    for unit in p.units:
        kind = unit.kind.value
        for m in with_targets:
            target = m.targets.get(kind)
            key = (unit.id, m.id)
            if not target or key not in p.cells:
                continue
            done = p.cells[key].reported_count
            yield [
                unit.label,
                m.code,
                m.title,
                target,
                done,
                f"{done}/{target}{measures[m.target_unit]}",
                done / target,
                text(p, key),
            ]


def overdue_rows(t: Translator, p: Progress) -> Iterator[list[Cell]]:
    """Overdue materials by unit, longest overdue first within each unit."""
    text = _cell_texts(t)
    days_of: dict[datetime, str] = {}  # a plan has a handful of deadlines
    for unit in p.units:
        for m, days in sorted(p.overdue_codes(unit.id), key=lambda pair: -pair[1]):
            key = (unit.id, m.id)
            due = p.cells[key].due_at
            if due is not None and due not in days_of:
                days_of[due] = t.day(due.astimezone(t.tz).date(), with_year=True)
            yield [
                unit.label,
                m.code,
                m.title,
                days_of[due] if due else None,
                days,
                text(p, key),
            ]


def ranking_rows(
    t: Translator, p: Progress, scores: list[Score], units: dict[int, UnitRow]
) -> Iterator[list[Cell]]:
    flag = t("insight.flag_yes")
    for s in scores:
        yield [
            s.rank,
            units[s.unit_id].label,
            s.total,
            s.completeness,
            s.timeliness,
            s.first_pass,
            s.acknowledgement,
            s.award or (t("insight.rank_at_cut", award=s.at_cut) if s.at_cut else None),
            flag if p.praised(s.unit_id) else None,
        ]


def report_rows(
    t: Translator,
    materials: dict[int, MaterialCol],
    units: dict[int, UnitRow],
    reports: Iterator[ReportLine],
) -> Iterator[list[Cell]]:
    """The reports sheet as cells. The export writes it with `xlsx_long.report_rows_xml`, which
    must give the XML these cells stream to (tests/test_export_long_rows.py holds it to that)."""
    status = {s: t(f"report_status.{s}") for s in ("pending", "accepted", "returned", "withdrawn")}
    local = LocalTime(t.tz)
    for r in reports:
        unit = units.get(r.unit_id)
        m = materials.get(r.material_id)
        yield [
            r.id,
            unit.label if unit else None,
            m.code if m else None,
            m.title if m else None,
            local(r.submitted_at),
            r.contact,
            r.count,
            r.note,
            status[r.status.value],
            r.reviewer,
            local(r.reviewed_at),
            r.return_reason,
            r.files,
        ]


def audit_rows(
    t: Translator, units: dict[int, UnitRow], entries: Iterator[AuditLine]
) -> Iterator[list[Cell]]:
    """The audit sheet as cells; written by `xlsx_long.audit_rows_xml` (as `report_rows`)."""
    local = LocalTime(t.tz)
    actions: dict[str, str] = {}
    for a in entries:
        action = actions.get(a.action)
        if action is None:
            key = f"insight.action_{a.action}"
            action = actions[a.action] = t(key) if t.has(key) else a.action
        unit = units.get(a.unit_id) if a.unit_id is not None else None
        yield [
            local(a.at),
            unit.label if unit else None,
            action,
            a.subject,
            a.actor,
            detail_text(a.detail),
        ]


NUMBERS_ONLY = re.compile(r'\{"\w+": -?\d+(?:, "\w+": -?\d+)*\}')


def detail_text(text: str) -> str | None:
    """`{"report": 12, "files": 2}` as `report=12; files=2`, leaving out empty values."""
    if not text or text == "{}":
        return None
    if NUMBERS_ONLY.fullmatch(text):
        # The common case ({"report": 12, "files": 2}), rewritten without a parser.
        return text[1:-1].replace('"', "").replace(": ", "=").replace(", ", "; ")
    try:
        detail = json.loads(text)
    except ValueError:
        return text
    if not isinstance(detail, dict):
        return text
    return "; ".join(f"{k}={v}" for k, v in detail.items() if v is not None) or None
