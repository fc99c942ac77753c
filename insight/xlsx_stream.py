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
from collections.abc import Callable, Iterable, Sequence
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


def _rows_xml(sheet: LongSheet, styles: dict[str, str]) -> Iterable[str]:
    """Row XML, one string per row; the hot loop of a national export, so kept lean."""
    letters = [column_letter(i + 1) for i in range(sheet.width)]
    column = [styles.get(sheet.column_styles.get(i, ""), "") for i in range(sheet.width)]
    # 0: repeated text, escaped once; 1: one-of-a-kind text; 2: text that is already safe.
    mode = [
        2 if i in sheet.safe_columns else 1 if i in sheet.unique_columns else 0
        for i in range(sheet.width)
    ]
    texts: dict[str, str] = {}  # repeated strings (names, states) are escaped once
    number = PALETTE_ROW
    # Cells of any kind: the loop tells them apart by class, the fastest test there is.
    rows = cast(Iterable[Sequence[Any]], sheet.rows)
    text: str | None
    for row in rows:
        parts = [f'<row r="{number}">']
        for letter, style, how, value in zip(letters, column, mode, row, strict=False):
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                if how == 2:
                    text = f"<t>{value}</t>"
                elif how == 1:
                    text = text_xml(value)
                else:
                    text = texts.get(value)
                    if text is None:
                        text = text_xml(value)
                        if len(texts) < _CACHED:
                            texts[value] = text
                parts.append(f'<c r="{letter}{number}"{style} t="inlineStr"><is>{text}</is></c>')
                continue
            if kind is Styled:
                style = styles.get(value.style, "")
                value = value.value
                if value.__class__ is str:
                    # A matrix's states: a dozen texts in 90,000 cells.
                    text = texts.get(value)
                    if text is None:
                        text = text_xml(value)
                        if len(texts) < _CACHED:
                            texts[value] = text
                    parts.append(
                        f'<c r="{letter}{number}"{style} t="inlineStr"><is>{text}</is></c>'
                    )
                    continue
            if value is None:
                if style:
                    parts.append(f'<c r="{letter}{number}"{style}/>')
            else:
                parts.append(f'<c r="{letter}{number}"{style}><v>{value}</v></c>')
        parts.append("</row>")
        number += 1
        yield "".join(parts)
    sheet.written = number - PALETTE_ROW


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
    buffer: list[str] = []
    size = 0
    for row in _rows_xml(sheet, styles):
        buffer.append(row)
        size += len(row)
        if size > _FLUSH:
            dest.write("".join(buffer).encode("utf-8"))
            buffer, size = [], 0
    dest.write("".join(buffer).encode("utf-8"))
