"""The two long export sheets (reports, audit trail) rendered straight from stored rows.

A national export holds half a million such rows; building objects and dispatching on each
cell's type cost several times the SQL read and the compression together. Here each row is
one byte string joined from UTF-8 fragments cached per distinct value (a unit's name is
escaped, wrapped and encoded once, not 60 times), instants are shifted by the hour, and the
row number is put in with one replace per row. Joining bytes rather than text saves widening
ASCII to the width of the Chinese around it and encoding it all again (a third of the time).
The XML is the one `xlsx_stream.write_rows` would write for the same cells, so the workbook
reads back the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from domain.export_records import AuditRecord, ReportBatch
from domain.progress_rows import MaterialCol, UnitRow
from insight.xlsx_rows import NUMBERS_ONLY, LocalTime, detail_text
from insight.xlsx_stream import PALETTE_ROW, text_xml
from locales import Translator

_FLUSH = 1 << 20
_BATCH = 2000  # rows rendered between writes
# Excel's rows per sheet; one is the header, so a sheet holds this many minus one rows.
SHEET_ROWS = 1_048_576
_CACHED = 100_000
_ROW = "\x00"  # stands for the row number; escaping drops it from every text
_ROW_B = b"\x00"
_END = b"</t></is></c>"
_ROW_END = b"</row>"


def _text_cell(column: str, value: str) -> bytes:
    return f'<c r="{column}{_ROW}" t="inlineStr"><is>{text_xml(value)}</is></c>'.encode()


class _Cells(dict[str | None, bytes]):
    """Text → its whole cell in `column`, made once per distinct text; empty for no text."""

    def __init__(self, column: str) -> None:
        super().__init__({None: b"", "": b""})
        self.column = column

    def __missing__(self, value: str) -> bytes:
        cell = _text_cell(self.column, value)
        if len(self) < _CACHED:
            self[value] = cell
        return cell


class _People(dict[int | None, bytes]):
    """A contact id → the cell of their name in `column`, made once per person."""

    def __init__(self, column: str, names: dict[int, str]) -> None:
        super().__init__({None: b""})
        self.column = column
        self.names = names

    def __missing__(self, contact_id: int) -> bytes:
        name = self.names.get(contact_id)
        cell = _text_cell(self.column, name) if name else b""
        if len(self) < _CACHED:
            self[contact_id] = cell
        return cell


def _once(column: str) -> Callable[[str], bytes]:
    """The cell of a text that rarely repeats (a note, a file list): not worth caching."""

    head = f'<c r="{column}{_ROW}" t="inlineStr"><is>'

    def cell(value: str) -> bytes:
        return f"{head}{text_xml(value)}</is></c>".encode()

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


class _Times(dict[str, bytes]):
    """The start of a time cell in `column`, up to the local hour (`…<t>2016-05-27 10`), by
    the stored text's first 13 characters (`2016-05-27T02`): a zone a whole number of hours
    from UTC all year moves only the hour. In other zones the key is the stored minute and
    the value runs to the local minute. A row adds `text[self.cut:16]` and `_END`."""

    def __init__(self, column: str, tz: object) -> None:
        super().__init__()
        self.local = local_minutes(tz)
        fixed = LocalTime(tz)._fixed  # type: ignore[arg-type]
        self.cut = 13 if fixed is not None and not fixed % timedelta(hours=1) else 16
        self.head = f'<c r="{column}{_ROW}" t="inlineStr"><is><t>'

    def __missing__(self, key: str) -> bytes:
        # Times hold digits, dashes, a space and a colon: nothing to escape.
        stamp = f"{(key + ':00')[:16]}:00+00:00"
        cell = self[key] = f"{self.head}{self.local(stamp)[: self.cut]}".encode()
        return cell


class _Numbered:
    """Rows given their numbers (2 onwards, from 2 again where a sheet ends), handed on in lists
    of at most `_BATCH` that never run past the end of a sheet."""

    def __init__(self, per_sheet: int) -> None:
        self.number, self.last = PALETTE_ROW, PALETTE_ROW + per_sheet - 1
        self.rows: list[bytes] = []

    def numbered(self, made: list[bytes]) -> Iterator[list[bytes]]:
        number, last, rows = self.number, self.last, self.rows
        add = rows.append
        for row in made:
            add(row.replace(_ROW_B, b"%d" % number))
            if number == last:
                yield rows
                rows = []
                add = rows.append
                number = PALETTE_ROW
            else:
                number += 1
                if len(rows) == _BATCH:
                    yield rows
                    rows = []
                    add = rows.append
        self.number, self.rows = number, rows

    def rest(self) -> Iterator[list[bytes]]:
        if self.rows:
            yield self.rows


def report_rows_xml(
    t: Translator,
    materials: dict[int, MaterialCol],
    units: dict[int, UnitRow],
    people: dict[int, str],
    batches: Iterable[ReportBatch],
    per_sheet: int = SHEET_ROWS - 1,
) -> Iterator[str]:
    """The reports sheet's row XML, row 2 onwards (columns as `xlsx_rows.REPORT_KEYS`);
    numbering starts again at 2 after `per_sheet` rows, where the next sheet begins."""
    for batch in report_xml_batches(t, materials, units, people, batches, per_sheet):
        yield b"".join(batch).decode()


def report_xml_batches(
    t: Translator,
    materials: dict[int, MaterialCol],
    units: dict[int, UnitRow],
    people: dict[int, str],
    batches: Iterable[ReportBatch],
    per_sheet: int = SHEET_ROWS - 1,
) -> Iterator[list[bytes]]:
    """`report_rows_xml` as lists of UTF-8 rows; a list never runs past the end of a sheet."""
    unit = _Cells("B")
    unit_of = {u.id: unit[u.label] for u in units.values()}
    code, title = _Cells("C"), _Cells("D")
    material_of = {m.id: code[m.code] + title[m.title] for m in materials.values()}
    submitted, reviewed = _Times("E", t.tz), _Times("K", t.tz)
    cut = submitted.cut
    contact, reviewer = _People("F", people), _People("J", people)
    status_cells = _Cells("I")
    status = {
        s: status_cells[t(f"report_status.{s}")]
        for s in ("pending", "accepted", "returned", "withdrawn")
    }
    note, reason, files = _once("H"), _once("L"), _once("M")
    sheets = _Numbered(per_sheet)
    for records, attached in batches:
        named = attached.get
        made: list[bytes] = []
        add = made.append
        for r in records:
            count, when, seen, text, why, names = r[5], r[3], r[9], r[6], r[10], named(r[0])
            row = b"".join(
                (
                    b'<row r="\x00"><c r="A\x00"><v>%d</v></c>' % r[0],
                    unit_of.get(r[1], b""),
                    material_of.get(r[2], b""),
                    submitted[when[:cut]],
                    when[cut:16].encode(),
                    _END,
                    contact[r[4]],
                    b"" if count is None else b'<c r="G\x00"><v>%d</v></c>' % count,
                    note(text) if text else b"",
                    status[r[7]],
                    reviewer[r[8]],
                    reviewed[seen[:cut]] + seen[cut:16].encode() + _END if seen else b"",
                    reason(why) if why else b"",
                    files(names) if names else b"",
                    _ROW_END,
                )
            )
            add(row)
        yield from sheets.numbered(made)
    yield from sheets.rest()


def audit_rows_xml(
    t: Translator,
    units: dict[int, UnitRow],
    people: dict[int, str],
    batches: Iterable[list[AuditRecord]],
    per_sheet: int = SHEET_ROWS - 1,
) -> Iterator[str]:
    """The audit sheet's row XML, row 2 onwards (columns as `xlsx_rows.AUDIT_KEYS`); numbering
    starts again at 2 after `per_sheet` rows."""
    for batch in audit_xml_batches(t, units, people, batches, per_sheet):
        yield b"".join(batch).decode()


class _Actions(dict[str, bytes]):
    """An action's cell: its catalogue name where there is one, else the stored word."""

    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.t = t
        self.cells = _Cells("C")

    def __missing__(self, action: str) -> bytes:
        key = f"insight.action_{action}"
        cell = self[action] = self.cells[self.t(key) if self.t.has(key) else action]
        return cell


_SUBJECT = f'<c r="D{_ROW}" t="inlineStr"><is><t>'.encode()


def audit_xml_batches(
    t: Translator,
    units: dict[int, UnitRow],
    people: dict[int, str],
    batches: Iterable[list[AuditRecord]],
    per_sheet: int = SHEET_ROWS - 1,
) -> Iterator[list[bytes]]:
    """`audit_rows_xml` as lists of UTF-8 rows; a list never runs past the end of a sheet."""
    at = _Times("A", t.tz)
    cut = at.cut
    unit = _Cells("B")
    unit_of: dict[int | None, bytes] = {u.id: unit[u.label] for u in units.values()}
    actions = _Actions(t)
    subject, actor = _once("D"), _People("E", people)
    detail = _once("F")
    numbers_only = NUMBERS_ONLY.fullmatch
    sheets = _Numbered(per_sheet)
    for records in batches:
        made: list[bytes] = []
        add = made.append
        for r in records:
            when, about, what = r[0], r[5], r[4]
            if about == "{}":
                cell = b""
            elif numbers_only(about):
                cell = numbers(about)
            else:
                text = detail_text(about)
                cell = detail(text) if text else b""
            row = b"".join(
                (
                    b'<row r="\x00">',
                    at[when[:cut]],
                    when[cut:16].encode(),
                    _END,
                    unit_of.get(r[1], b""),
                    actions[r[3]],
                    # Most subjects are a report's number: nothing to escape, no spaces at the ends.
                    (_SUBJECT + what.encode() + _END if what.isdigit() else subject(what))
                    if what
                    else b"",
                    actor[r[2]],
                    cell,
                    _ROW_END,
                )
            )
            add(row)
        yield from sheets.numbered(made)
    yield from sheets.rest()


def numbers(detail: str) -> bytes:
    """`{"report": 12, "files": 2}` as the cell `report=12; files=2`: word characters, digits,
    `=` and `; ` only, so nothing to escape (as `detail_text` would write it)."""
    text = detail[1:-1].replace('"', "").replace(": ", "=").replace(", ", "; ")
    return f'<c r="F{_ROW}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def part_path(dest: Path, part: int) -> Path:
    """Where the rows of the `part`th sheet (1-based) go: `dest`, then `dest.2`, `dest.3`…"""
    return dest if part == 1 else dest.with_name(f"{dest.name}.{part}")


def write_xml_batches(
    batches: Iterable[list[bytes]], dest: Path, per_sheet: int, max_sheets: int = 1 << 30
) -> list[int]:
    """Write lists of row XML, none running past a sheet's end, to `dest` (and `dest.2`…
    once a part holds `per_sheet` rows; at most `max_sheets`) in chunks of about a megabyte;
    returns how many rows each part holds."""
    counts = [0]
    f = part_path(dest, 1).open("wb")
    try:
        buffer: list[bytes] = []
        size = 0
        for batch in batches:
            if counts[-1] == per_sheet:
                if len(counts) == max_sheets:
                    break
                f.write(b"".join(buffer))
                buffer, size = [], 0
                f.close()
                f = part_path(dest, len(counts) + 1).open("wb")
                counts.append(0)
            chunk = b"".join(batch)
            buffer.append(chunk)
            size += len(chunk)
            counts[-1] += len(batch)
            if size > _FLUSH:
                f.write(b"".join(buffer))
                buffer, size = [], 0
        f.write(b"".join(buffer))
    finally:
        f.close()
    return counts


def render_reports(
    t: Translator,
    materials: dict[int, MaterialCol],
    units: dict[int, UnitRow],
    people: dict[int, str],
    batches: Iterable[ReportBatch],
    dest: Path,
    per_sheet: int = SHEET_ROWS - 1,
    max_sheets: int = 1 << 30,
) -> list[int]:
    """Write the reports sheet's rows to `dest` (and `dest.2`… past a sheet's rows); returns
    how many rows each sheet holds."""
    rows = report_xml_batches(t, materials, units, people, batches, per_sheet)
    return write_xml_batches(rows, dest, per_sheet, max_sheets)


def render_audit(
    t: Translator,
    units: dict[int, UnitRow],
    people: dict[int, str],
    batches: Iterable[list[AuditRecord]],
    dest: Path,
    per_sheet: int = SHEET_ROWS - 1,
    max_sheets: int = 1 << 30,
) -> list[int]:
    """Write the audit sheet's rows to `dest` (and `dest.2`…); returns the rows per sheet."""
    rows = audit_xml_batches(t, units, people, batches, per_sheet)
    return write_xml_batches(rows, dest, per_sheet, max_sheets)
