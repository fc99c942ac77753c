"""The general cell streamer caches each column's cells by value: values that are equal as keys
but print differently (1, 1.0, True, 0.0, -0.0) must still come out as themselves."""

from __future__ import annotations

import io

from insight.xlsx_stream import LongSheet, Styled, write_rows


def _xml(rows: list[list[object]], column_styles: dict[int, str] | None = None) -> str:
    sheet = LongSheet("", rows, 3, column_styles=column_styles or {})  # type: ignore[arg-type]
    out = io.BytesIO()
    write_rows(sheet, {"percent": ' s="8"', "bold": ' s="9"'}, out)
    assert sheet.written == len(rows)
    return out.getvalue().decode()


def test_equal_keys_of_other_kinds_print_as_themselves() -> None:
    rows: list[list[object]] = [[1, 1.0, True], [1.0, 1, 1], [0.0, -0.0, 0], [-0.0, 0.0, 1.5]]
    assert _xml(rows) == (
        '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>1.0</v></c><c r="C2"><v>True</v></c></row>'
        '<row r="3"><c r="A3"><v>1.0</v></c><c r="B3"><v>1</v></c><c r="C3"><v>1</v></c></row>'
        '<row r="4"><c r="A4"><v>0.0</v></c><c r="B4"><v>-0.0</v></c><c r="C4"><v>0</v></c></row>'
        '<row r="5"><c r="A5"><v>-0.0</v></c><c r="B5"><v>0.0</v></c><c r="C5"><v>1.5</v></c></row>'
    )


def test_styled_and_plain_cells_keep_their_column_row_and_style() -> None:
    half = Styled(0.5, "percent")
    rows: list[list[object]] = [
        [half, half, Styled(1, "percent")],
        [Styled(1.0, "percent"), 0.5, Styled("a&b", "bold")],
        ["", None, Styled("", "bold")],
        [" x", Styled(None, "percent"), Styled("a&b", "bold")],
    ]
    assert _xml(rows, {1: "percent"}) == (
        '<row r="2"><c r="A2" s="8"><v>0.5</v></c><c r="B2" s="8"><v>0.5</v></c>'
        '<c r="C2" s="8"><v>1</v></c></row>'
        '<row r="3"><c r="A3" s="8"><v>1.0</v></c><c r="B3" s="8"><v>0.5</v></c>'
        '<c r="C3" s="9" t="inlineStr"><is><t>a&amp;b</t></is></c></row>'
        '<row r="4"><c r="B4" s="8"/><c r="C4" s="9" t="inlineStr"><is><t></t></is></c></row>'
        '<row r="5"><c r="A5" t="inlineStr"><is><t xml:space="preserve"> x</t></is></c>'
        '<c r="B5" s="8"/><c r="C5" s="9" t="inlineStr"><is><t>a&amp;b</t></is></c></row>'
    )
