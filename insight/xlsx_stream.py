"""Sheet rows streamed as raw XML into a workbook openpyxl laid out, so 200,000 rows take seconds.

openpyxl writes each sheet's header row, widths, filters, print settings and styles, plus a
second "palette" row whose cells only carry styles. This module then copies the package and,
in each such sheet, replaces the palette row with the streamed rows, giving a cell the style
of the palette cell it names. Writing the same rows cell by cell through openpyxl took over
ten seconds at national scale.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast
from xml.etree import ElementTree

Value = str | int | float | None
PALETTE_ROW = 2

_XML_TEXT: dict[int, str | None] = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_TEXT.update({c: None for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))})
_XML_TEXT.update({0xFFFE: None, 0xFFFF: None})
_UNSAFE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_FLUSH = 1 << 20
_CACHED = 100_000
ROW = "\x00"  # stands for the row number in a cached cell; escaping drops it from every text
_ROW_B = b"\x00"
ROW_START = f'<row r="{ROW}">'.encode()
ROW_END = b"</row>"


def column_letter(number: int) -> str:
    """1 → A, 27 → AA (openpyxl has this too, but importing it costs a fifth of a second)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Styled:
    """A value drawn with the style of palette entry `style`."""

    value: Value
    style: str


Cell = Value | Styled


@dataclass
class LongSheet:
    """Rows to stream below the header row of the sheet called `title`.

    `palette` names the styles laid out in the palette row, left to right; `column_styles`
    gives whole columns (0-based) a palette style; `filtered` limits the header's filter to
    that many rows (totals below it stay put when sorting); None filters every row.
    With `prerendered`, the rows are written by `write_rows` elsewhere: the sheet is put in
    the package last, after `finish()` says the file is complete and how many rows it holds.
    """

    title: str
    rows: Iterable[Sequence[Cell]]
    width: int
    palette: Sequence[str] = ()
    column_styles: dict[int, str] = field(default_factory=dict)
    filtered: int | None = None
    written: int = 0
    unique_columns: frozenset[int] = frozenset()  # texts that rarely repeat: not worth caching
    safe_columns: frozenset[int] = frozenset()  # texts that never need escaping (times)
    prerendered: Path | None = None  # row XML written to this file (by another process)
    finish: Callable[[], int] | None = None  # waits for that file; returns its row count
    # Rows made as XML by the sheet's own renderer (given the palette's styles), each with
    # `ROW` for its number: the cells `rows` would give, without a list of them per row.
    xml: Callable[[dict[str, str]], Iterable[bytes]] | None = None


def escape(text: str) -> str:
    """Text safe inside an XML element; characters XML 1.0 forbids are dropped."""
    return text.translate(_XML_TEXT)


def _sheet_paths(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → part name inside the package, read from the workbook's relationships."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)}
    found = {}
    for sheet in book.findall("m:sheets/m:sheet", _NS):
        target = targets[sheet.get(f"{{{_NS['r']}}}id")]
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
        found[sheet.get("name", "")] = path
    return found


def _rows_xml(sheet: LongSheet, styles: dict[str, str]) -> Iterable[bytes]:
    """Row XML, UTF-8, one bytes object per row; the hot loop of a national export, so lean.

    A cell's XML is made once per distinct value in its column (a matrix has a dozen states in
    90,000 cells, a targets sheet a few hundred counts in 240,000) with `ROW` standing for its
    row number, put in with one replace per row; ints, texts and styled texts are cached by
    value, each kind in its own dict (1, 1.0 and True are equal keys but print differently)."""
    width = sheet.width
    letters = [column_letter(i + 1) for i in range(width)]
    column = [styles.get(sheet.column_styles.get(i, ""), "") for i in range(width)]
    heads = [f'<c r="{letter}{ROW}"' for letter in letters]
    # 0: repeated text, escaped once; 1: one-of-a-kind text; 2: text that is already safe.
    mode = [
        2 if i in sheet.safe_columns else 1 if i in sheet.unique_columns else 0
        for i in range(width)
    ]
    texts: list[dict[str, bytes]] = [{"": b""} for _ in range(width)]
    numbers: list[dict[int, bytes]] = [{} for _ in range(width)]
    floats: list[dict[float, bytes]] = [{} for _ in range(width)]
    styled: list[dict[Styled, bytes]] = [{} for _ in range(width)]
    styled_floats: dict[tuple[int, str, float], bytes] = {}  # by column, style, value
    empty = [f"{h}{s}/>".encode() if s else b"" for h, s in zip(heads, column, strict=True)]
    columns = list(zip(range(width), texts, numbers, floats, styled, empty, strict=True))
    number = PALETTE_ROW
    # Cells of any kind: the loop tells them apart by class, the fastest test there is.
    rows = cast(Iterable[Sequence[Any]], sheet.rows)
    cell: bytes | None
    for row in rows:
        parts = [ROW_START]
        for (i, text_cells, int_cells, float_cells, styled_cells, none_cell), value in zip(
            columns, row, strict=False
        ):
            kind = value.__class__
            if kind is str:
                cell = text_cells.get(value)
                if cell is None:
                    cell = _text_cell(heads[i], column[i], value, mode[i])
                    if mode[i] == 0 and len(text_cells) < _CACHED:
                        text_cells[value] = cell
            elif value is None:
                cell = none_cell
            elif kind is int:
                cell = int_cells.get(value)
                if cell is None:
                    cell = f"{heads[i]}{column[i]}><v>{value}</v></c>".encode()
                    if len(int_cells) < _CACHED:
                        int_cells[value] = cell
            elif kind is Styled and value.value.__class__ is str:
                # A matrix's states: a dozen texts in 90,000 cells.
                cell = styled_cells.get(value)
                if cell is None:
                    style = styles.get(value.style, "")
                    cell = _text_cell(heads[i], style, value.value, 0)
                    if len(styled_cells) < _CACHED:
                        styled_cells[value] = cell
            elif kind is float and value:
                # Rates repeat too (1/2, 3/4…); 0.0 and -0.0 are equal keys: not cached.
                cell = float_cells.get(value)
                if cell is None:
                    cell = f"{heads[i]}{column[i]}><v>{value}</v></c>".encode()
                    if len(float_cells) < _CACHED:
                        float_cells[value] = cell
            elif kind is Styled and value.value.__class__ is float and value.value:
                key = (i, value.style, value.value)
                cell = styled_floats.get(key)
                if cell is None:
                    style = styles.get(value.style, "")
                    cell = f"{heads[i]}{style}><v>{value.value}</v></c>".encode()
                    if len(styled_floats) < _CACHED:
                        styled_floats[key] = cell
            else:
                cell = cell_xml(heads[i], column[i], value, styles)
            parts.append(cell)
        parts.append(ROW_END)
        yield b"".join(parts).replace(_ROW_B, str(number).encode())
        number += 1
    sheet.written = number - PALETTE_ROW


def cell_xml(head: str, style: str, value: Cell, styles: dict[str, str]) -> bytes:
    """One cell as `_rows_xml` writes it: `head` is `<c r="B` + `ROW` + `"`, `style` the
    column's; a styled value takes its own style, an empty plain text has no cell."""
    if value.__class__ is Styled:
        style = styles.get(value.style, "")
        value = value.value
        if value.__class__ is str:
            return _text_cell(head, style, value, 0)
    elif value.__class__ is str:
        return _text_cell(head, style, value, 0) if value else b""
    if value is None:
        return f"{head}{style}/>".encode() if style else b""
    return f"{head}{style}><v>{value}</v></c>".encode()


def _text_cell(head: str, style: str, value: str, how: int) -> bytes:
    """A text's whole cell; an empty plain text has none (a styled one keeps its style)."""
    if how == 2:
        text = f"<t>{value}</t>"
    else:
        text = text_xml(value)
    return f'{head}{style} t="inlineStr"><is>{text}</is></c>'.encode()


def text_xml(value: str) -> str:
    """`<t>` of an inline string: escaped, spaces at its ends kept."""
    # Most texts need no escaping; finding that out is far cheaper than translating them.
    text = value.translate(_XML_TEXT) if _UNSAFE.search(value) else value
    if text[:1].isspace() or text[-1:].isspace():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def splice(laid_out: Path, out: Path, sheets: list[LongSheet]) -> None:
    """Copy `laid_out` to `out`, streaming each long sheet's rows after its header row."""
    by_title = {s.title: s for s in sheets}
    with (
        zipfile.ZipFile(laid_out) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        paths = {
            path: by_title[title] for title, path in _sheet_paths(src).items() if title in by_title
        }
        later = []
        for info in src.infolist():
            sheet = paths.get(info.filename)
            if sheet is None:
                dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
            elif sheet.prerendered is not None:
                later.append((info, sheet))  # package order is free: give the other process time
            else:
                _splice_sheet(src.read(info.filename).decode("utf-8"), sheet, dst, info.filename)
        for info, sheet in later:
            if sheet.finish is not None:
                sheet.written = sheet.finish()
            _splice_sheet(src.read(info.filename).decode("utf-8"), sheet, dst, info.filename)


_PALETTE = re.compile(rf'<row r="{PALETTE_ROW}"[^>]*>(.*?)</row>|<row r="{PALETTE_ROW}"[^>]*/>')
_STYLE = re.compile(rf'<c r="([A-Z]+){PALETTE_ROW}" s="(\d+)"')


def _splice_sheet(xml: str, sheet: LongSheet, dst: zipfile.ZipFile, name: str) -> None:
    head, marker, tail = xml.partition("</sheetData>")
    if not marker:
        raise ValueError(f"{name}: no sheetData to fill")
    found = _PALETTE.search(head)
    styles: dict[str, str] = {}
    if found:
        ids = {col: s for col, s in _STYLE.findall(found.group(0))}
        for i, key in enumerate(sheet.palette):
            style = ids.get(column_letter(i + 1))
            if style is not None:
                styles[key] = f' s="{style}"'
        head = head[: found.start()] + head[found.end() :]
    # The size hint openpyxl wrote covers the laid-out rows only; it is optional, so drop it.
    head = re.sub(r'<dimension ref="[^"]*"\s*/>', "", head)
    with dst.open(name, "w", force_zip64=True) as part:
        part.write(head.encode("utf-8"))
        if sheet.prerendered is not None:
            with sheet.prerendered.open("rb") as rendered:
                shutil.copyfileobj(rendered, part, _FLUSH)
        else:
            write_rows(sheet, styles, part)
        rows = sheet.written if sheet.filtered is None else sheet.filtered
        last = f"{column_letter(sheet.width)}{max(1, 1 + rows)}"
        tail = re.sub(r'(<autoFilter ref=")A1:[A-Z]+\d+"', rf'\g<1>A1:{last}"', tail)
        part.write(marker.encode("utf-8") + tail.encode("utf-8"))


def write_rows(sheet: LongSheet, styles: dict[str, str], dest: IO[bytes]) -> None:
    """Render the sheet's rows as XML into `dest`, in chunks; sets `sheet.written`."""
    buffer: list[bytes] = []
    size = 0
    rows = _rows_xml(sheet, styles) if sheet.xml is None else _numbered(sheet, styles)
    for row in rows:
        buffer.append(row)
        size += len(row)
        if size > _FLUSH:
            dest.write(b"".join(buffer))
            buffer, size = [], 0
    dest.write(b"".join(buffer))


def _numbered(sheet: LongSheet, styles: dict[str, str]) -> Iterator[bytes]:
    """The rows of a sheet's own renderer, numbered from the palette row on."""
    assert sheet.xml is not None
    number = PALETTE_ROW
    for row in sheet.xml(styles):
        yield row.replace(_ROW_B, str(number).encode())
        number += 1
    sheet.written = number - PALETTE_ROW
