"""The rows of each export sheet, as plain values (and palette styles) ready to stream."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain.model import Light
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


def cell_text(t: Translator, progress: Progress, unit_id: int, material_id: int) -> str:
    """The state a matrix cell shows; a returned material says so whatever its deadline."""
    if progress.cells[(unit_id, material_id)].state.value == "returned":
        return t("insight.category_returned")
    return t(f"light.{progress.category[(unit_id, material_id)].value}")


def progress_rows(
    t: Translator, p: Progress, scores: list[Score], units: dict[int, UnitRow]
) -> Iterator[list[Cell]]:
    """One row per unit (states coloured), then per-material totals below a blank row."""
    ranks = {s.unit_id: s for s in scores}
    labels = {x: t(f"light.{x.value}") for x in Light}
    returned = t("insight.category_returned")
    flag = t("insight.flag_yes")
    for unit in p.units:
        head = p.head.get(unit.id)
        row: list[Cell] = [
            unit.label,
            units[head].label if head is not None and head != unit.id else None,
        ]
        for m in p.materials:
            category = p.category.get((unit.id, m.id))
            if category is None:
                row.append(None)
                continue
            text = (
                returned if p.cells[(unit.id, m.id)].state.value == "returned" else labels[category]
            )
            row.append(Styled(text, category.value))
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
    for unit in p.units:
        for m in p.materials:
            target = m.targets.get(unit.kind.value)
            if not target or (unit.id, m.id) not in p.cells:
                continue
            done = p.cells[(unit.id, m.id)].reported_count
            yield [
                unit.label,
                m.code,
                m.title,
                target,
                done,
                f"{done}/{target}{t.measure(m.target_unit)}",
                done / target,
                cell_text(t, p, unit.id, m.id),
            ]


def overdue_rows(t: Translator, p: Progress) -> Iterator[list[Cell]]:
    """Overdue materials by unit, longest overdue first within each unit."""
    for unit in p.units:
        for m, days in sorted(p.overdue_codes(unit.id), key=lambda pair: -pair[1]):
            due = p.cells[(unit.id, m.id)].due_at
            yield [
                unit.label,
                m.code,
                m.title,
                t.day(due.astimezone(t.tz).date(), with_year=True) if due else None,
                days,
                cell_text(t, p, unit.id, m.id),
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
