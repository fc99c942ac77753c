"""The two long export sheets (reports, audit trail) rendered straight from stored rows.

A national export holds half a million such rows; building objects and dispatching on each
cell's type cost several times the SQL read and the compression together. Here each row is
one string built from fragments cached per distinct value (a unit's name is escaped and
wrapped once, not 60 times), instants are shifted by the hour, and the row number is put in
with one replace per row. The XML is the one `xlsx_stream.write_rows` would write for the
same cells, so the workbook reads back the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path

from domain.export_records import AuditRecord, ReportRecord
from domain.progress_rows import MaterialCol, UnitRow
from insight.xlsx_rows import NUMBERS_ONLY, LocalTime, detail_text
from insight.xlsx_stream import PALETTE_ROW, text_xml
from locales import Translator

_FLUSH = 1 << 20
# Excel's rows per sheet; one is the header, so a sheet holds this many minus one rows.
SHEET_ROWS = 1_048_576
_CACHED = 100_000
_ROW = "\x00"  # stands for the row number; escaping drops it from every text
_COUNT = f'<c r="G{_ROW}"><v>{{}}</v></c>'


def _text_cell(column: str, value: str) -> str:
    return f'<c r="{column}{_ROW}" t="inlineStr"><is>{text_xml(value)}</is></c>'


class _Cells(dict[str | None, str]):
    """Text → its whole cell in `column`, made once per distinct text; '' for no text."""

    def __init__(self, column: str) -> None:
        super().__init__({None: "", "": ""})
        self.column = column

    def __missing__(self, value: str) -> str:
        cell = _text_cell(self.column, value)
        if len(self) < _CACHED:
            self[value] = cell
        return cell


def _once(column: str) -> Callable[[str | None], str]:
    """The cell of a text that rarely repeats (a note, a file list): not worth caching."""

    head = f'<c r="{column}{_ROW}" t="inlineStr"><is>'

    def cell(value: str | None) -> str:
        return f"{head}{text_xml(value)}</is></c>" if value else ""

    return cell


def local_minutes(tz: object) -> Callable[[str], str]:
    """Stored UTC text (`2016-05-27T02:00:00.000000Z`) → local `2016-05-27 10:00`."""
    local = LocalTime(tz)  # type: ignore[arg-type]
    fixed = local._fixed
    parse = datetime.fromisoformat
    if fixed is None or fixed % timedelta(hours=1):
        return lambda text: local(parse(text)) or ""
    hours: dict[str, str] = {}

    def shifted(text: str) -> str:
        # A whole-hour offset moves only the hour: shift each stored hour once.
        hour = hours.get(text[:13])
        if hour is None:
            instant = parse(text[:13] + ":00:00+00:00") + fixed
            hour = hours[text[:13]] = instant.isoformat(" ", "hours")[:13]
        return hour + text[13:16]

    return shifted


def _time_cell(column: str, tz: object) -> Callable[[str | None], str]:
    local = local_minutes(tz)

    def cell(value: str | None) -> str:
        # Times hold digits, dashes, a space and a colon: nothing to escape.
        return (
            f'<c r="{column}{_ROW}" t="inlineStr"><is><t>{local(value)}</t></is></c>'
            if value
            else ""
        )

    return cell


def report_rows_xml(
    t: Translator,
    materials: dict[int, MaterialCol],
    units: dict[int, UnitRow],
    records: Iterable[ReportRecord],
    per_sheet: int = SHEET_ROWS - 1,
) -> Iterable[str]:
    """The reports sheet's row XML, row 2 onwards (columns as `xlsx_rows.REPORT_KEYS`);
    numbering starts again at 2 after `per_sheet` rows, where the next sheet begins."""
    unit = _Cells("B")
    unit_of = {u.id: unit[u.label] for u in units.values()}
    code, title = _Cells("C"), _Cells("D")
    material_of = {m.id: (code[m.code], title[m.title]) for m in materials.values()}
    no_material = ("", "")
    submitted, reviewed = _time_cell("E", t.tz), _time_cell("K", t.tz)
    contact, reviewer = _Cells("F"), _Cells("J")
    status_cells = _Cells("I")
    status = {
        s: status_cells[t(f"report_status.{s}")]
        for s in ("pending", "accepted", "returned", "withdrawn")
    }
    note, reason, files = _once("H"), _once("L"), _once("M")
    number, last = PALETTE_ROW, PALETTE_ROW + per_sheet - 1
    for r in records:
        code_cell, title_cell = material_of.get(r[2], no_material)
        count = r[5]
        row = (
            f'<row r="{_ROW}"><c r="A{_ROW}"><v>{r[0]}</v></c>{unit_of.get(r[1], "")}'
            f"{code_cell}{title_cell}{submitted(r[3])}{contact[r[4]]}"
            f"{'' if count is None else _COUNT.format(count)}{note(r[6])}{status[r[7]]}"
            f"{reviewer[r[8]]}{reviewed(r[9])}{reason(r[10])}{files(r[11])}</row>"
        )
        yield row.replace(_ROW, str(number))
        number = number + 1 if number < last else PALETTE_ROW


def audit_rows_xml(
    t: Translator,
    units: dict[int, UnitRow],
    records: Iterable[AuditRecord],
    per_sheet: int = SHEET_ROWS - 1,
) -> Iterable[str]:
    """The audit sheet's row XML, row 2 onwards (columns as `xlsx_rows.AUDIT_KEYS`); numbering
    starts again at 2 after `per_sheet` rows."""
    at = _time_cell("A", t.tz)
    unit = _Cells("B")
    unit_of: dict[int | None, str] = {u.id: unit[u.label] for u in units.values()}
    action_cells = _Cells("C")
    actions: dict[str, str] = {}
    subject, actor = _once("D"), _Cells("E")
    detail = _once("F")
    numbers_only = NUMBERS_ONLY.fullmatch
    number, last = PALETTE_ROW, PALETTE_ROW + per_sheet - 1
    for r in records:
        action = actions.get(r[3])
        if action is None:
            key = f"insight.action_{r[3]}"
            action = actions[r[3]] = action_cells[t(key) if t.has(key) else r[3]]
        about = numbers(r[5]) if numbers_only(r[5]) else detail(detail_text(r[5]))
        row = (
            f'<row r="{_ROW}">{at(r[0])}{unit_of.get(r[1], "")}'
            f"{action}{subject(r[4])}{actor[r[2]]}{about}</row>"
        )
        yield row.replace(_ROW, str(number))
        number = number + 1 if number < last else PALETTE_ROW


def numbers(detail: str) -> str:
    """`{"report": 12, "files": 2}` as the cell `report=12; files=2`: word characters, digits,
    `=` and `; ` only, so nothing to escape (as `detail_text` would write it)."""
    text = detail[1:-1].replace('"', "").replace(": ", "=").replace(", ", "; ")
    return f'<c r="F{_ROW}" t="inlineStr"><is><t>{text}</t></is></c>'


def part_path(dest: Path, part: int) -> Path:
    """Where the rows of the `part`th sheet (1-based) go: `dest`, then `dest.2`, `dest.3`…"""
    return dest if part == 1 else dest.with_name(f"{dest.name}.{part}")


def write_xml_rows(
    source: Iterable[str], dest: Path, per_sheet: int, max_sheets: int = 1 << 30
) -> list[int]:
    """Write row XML to `dest` (and further parts of `per_sheet` rows each, at most
    `max_sheets`) in chunks of about a megabyte; returns how many rows each part holds."""
    counts: list[int] = []
    rows: Iterator[str] = iter(source)
    while True:
        buffer: list[str] = []
        size = written = 0
        with part_path(dest, len(counts) + 1).open("wb") as f:
            for row in rows:
                buffer.append(row)
                size += len(row)
                if len(buffer) + written == per_sheet:
                    break
                if size > _FLUSH:
                    f.write("".join(buffer).encode("utf-8"))
                    written += len(buffer)
                    buffer, size = [], 0
            f.write("".join(buffer).encode("utf-8"))
        counts.append(written + len(buffer))
        full = counts[-1] == per_sheet and len(counts) < max_sheets
        following = next(rows, None) if full else None
        if following is None:
            return counts
        rows = chain((following,), rows)


def render_reports(
    t: Translator,
    materials: dict[int, MaterialCol],
    units: dict[int, UnitRow],
    records: Iterable[ReportRecord],
    dest: Path,
    per_sheet: int = SHEET_ROWS - 1,
    max_sheets: int = 1 << 30,
) -> list[int]:
    """Write the reports sheet's rows to `dest` (and `dest.2`… past a sheet's rows); returns
    how many rows each sheet holds."""
    rows = report_rows_xml(t, materials, units, records, per_sheet)
    return write_xml_rows(rows, dest, per_sheet, max_sheets)


def render_audit(
    t: Translator,
    units: dict[int, UnitRow],
    records: Iterable[AuditRecord],
    dest: Path,
    per_sheet: int = SHEET_ROWS - 1,
    max_sheets: int = 1 << 30,
) -> list[int]:
    """Write the audit sheet's rows to `dest` (and `dest.2`…); returns the rows per sheet."""
    rows = audit_rows_xml(t, units, records, per_sheet)
    return write_xml_rows(rows, dest, per_sheet, max_sheets)
