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
from insight.xlsx_stream import ROW, ROW_END, ROW_START, Cell, Styled, cell_xml, column_letter
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
        row += _tally_cells(p, ranks, unit.id, flag)
        yield row
    yield from _progress_footer(t, p)


def _tally_cells(p: Progress, ranks: dict[int, Score], unit_id: int, flag: str) -> list[Cell]:
    """A unit's row ends: accepted, applicable, rate, pending, overdue, score, rank, praised."""
    tally = p.by_unit[unit_id]
    score = ranks.get(unit_id)
    return [
        tally.accepted,
        tally.applicable,
        Styled(tally.rate, "percent"),
        tally.pending,
        tally.overdue,
        score.total if score else None,
        score.rank if score else None,
        flag if p.praised(unit_id) else None,
    ]


def _progress_footer(t: Translator, p: Progress) -> Iterator[list[Cell]]:
    """Below the units: a blank row, then per-material totals."""
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


def progress_rows_xml(
    t: Translator, p: Progress, scores: list[Score], units: dict[int, UnitRow]
) -> Callable[[dict[str, str]], Iterator[bytes]]:
    """`progress_rows` as row XML (`LongSheet.xml`): a material column's cells are made once
    per light (and returned or not), not looked up per cell as objects."""

    def render(styles: dict[str, str]) -> Iterator[bytes]:
        width = 2 + len(p.materials) + 8
        head = [f'<c r="{column_letter(i + 1)}{ROW}"' for i in range(width)]
        ranks = {s.unit_id: s for s in scores}
        returned = t("insight.category_returned")
        labels = {x: t(f"light.{x.value}") for x in Light}
        lit = [
            {
                (x, back): cell_xml(
                    head[j], "", Styled(returned if back else labels[x], x.value), styles
                )
                for x in Light
                for back in (False, True)
            }
            for j in range(2, 2 + len(p.materials))
        ]
        flag = t("insight.flag_yes")
        groups: dict[int, bytes] = {}
        category_of, cell_of = p.category.get, p.cells
        returned_state = AssignmentState.RETURNED
        columns = list(zip(lit, [m.id for m in p.materials], strict=True))
        tail = range(2 + len(p.materials), width)
        for unit in p.units:
            unit_id = unit.id
            parts = [ROW_START, cell_xml(head[0], "", unit.label, styles)]
            group = p.head.get(unit_id)
            if group is not None and group != unit_id:
                cell = groups.get(group)
                if cell is None:
                    cell = groups[group] = cell_xml(head[1], "", units[group].label, styles)
                parts.append(cell)
            for cells, material_id in columns:
                key = (unit_id, material_id)
                category = category_of(key)
                if category is not None:
                    parts.append(cells[category, cell_of[key].state is returned_state])
            values = _tally_cells(p, ranks, unit_id, flag)
            parts += [cell_xml(head[i], "", v, styles) for i, v in zip(tail, values, strict=True)]
            parts.append(ROW_END)
            yield b"".join(parts)
        for row in _progress_footer(t, p):
            cells_xml = [cell_xml(h, "", v, styles) for h, v in zip(head, row, strict=False)]
            yield b"".join((ROW_START, *cells_xml, ROW_END))

    return render


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


def target_rows_xml(t: Translator, p: Progress) -> Callable[[dict[str, str]], Iterator[bytes]]:
    """`target_rows` as row XML (`LongSheet.xml`): a row's target, count, progress and rate
    depend only on the target, the count and the measure, so each such run of cells is made
    once, as are a unit's, a material's and a state's cells."""

    def render(styles: dict[str, str]) -> Iterator[bytes]:
        head = [f'<c r="{letter}{ROW}"' for letter in "ABCDEFGH"]
        rate_style = styles.get("percent", "")
        text = _cell_texts(t)
        measures = {m.target_unit: t.measure(m.target_unit) for m in p.materials}
        with_targets = [m for m in p.materials if m.targets]
        material = {
            m.id: cell_xml(head[1], "", m.code, styles) + cell_xml(head[2], "", m.title, styles)
            for m in with_targets
        }
        # By the target's class too: 30 and 30.0 are one key but print differently.
        counts: dict[tuple[type, int, int, str | None], bytes] = {}
        states: dict[str, bytes] = {}
        cells = p.cells
        for unit in p.units:
            kind = unit.kind.value
            unit_cell: bytes | None = None
            for m in with_targets:
                target = m.targets.get(kind)
                key = (unit.id, m.id)
                if not target or key not in cells:
                    continue
                if unit_cell is None:
                    unit_cell = cell_xml(head[0], "", unit.label, styles)
                done = cells[key].reported_count
                run = counts.get((target.__class__, target, done, m.target_unit))
                if run is None:
                    run = counts[target.__class__, target, done, m.target_unit] = b"".join(
                        (
                            cell_xml(head[3], "", target, styles),
                            cell_xml(head[4], "", done, styles),
                            cell_xml(
                                head[5], "", f"{done}/{target}{measures[m.target_unit]}", styles
                            ),
                            cell_xml(head[6], rate_style, done / target, styles),
                        )
                    )
                shown = text(p, key)
                state = states.get(shown)
                if state is None:
                    state = states[shown] = cell_xml(head[7], "", shown, styles)
                yield b"".join((ROW_START, unit_cell, material[m.id], run, state, ROW_END))

    return render


def overdue_rows_xml(t: Translator, p: Progress) -> Callable[[dict[str, str]], Iterator[bytes]]:
    """`overdue_rows` as row XML (`LongSheet.xml`), a unit's, material's, deadline's, day
    count's and state's cells each made once."""

    def render(styles: dict[str, str]) -> Iterator[bytes]:
        head = [f'<c r="{letter}{ROW}"' for letter in "ABCDEF"]
        text = _cell_texts(t)
        material: dict[int, bytes] = {}
        due_cells: dict[datetime | None, bytes] = {}
        day_cells: dict[int, bytes] = {}
        states: dict[str, bytes] = {}
        cells = p.cells
        for unit in p.units:
            codes = p.overdue_codes(unit.id)
            if not codes:
                continue
            unit_cell = cell_xml(head[0], "", unit.label, styles)
            for m, days in sorted(codes, key=lambda pair: -pair[1]):
                key = (unit.id, m.id)
                named = material.get(m.id)
                if named is None:
                    named = material[m.id] = cell_xml(head[1], "", m.code, styles) + cell_xml(
                        head[2], "", m.title, styles
                    )
                due = cells[key].due_at
                due_cell = due_cells.get(due)
                if due_cell is None:
                    day = t.day(due.astimezone(t.tz).date(), with_year=True) if due else None
                    due_cell = due_cells[due] = cell_xml(head[3], "", day, styles)
                late = day_cells.get(days)
                if late is None:
                    late = day_cells[days] = cell_xml(head[4], "", days, styles)
                shown = text(p, key)
                state = states.get(shown)
                if state is None:
                    state = states[shown] = cell_xml(head[5], "", shown, styles)
                yield b"".join((ROW_START, unit_cell, named, due_cell, late, state, ROW_END))

    return render


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
