"""The targets and overdue sheets are written by their own renderers (`LongSheet.xml`), which
must give the XML the general streamer gives for the cells of `target_rows`/`overdue_rows`."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.model import AssignmentState as S
from domain.model import UnitKind
from domain.progress_rows import Cell, MaterialCol, UnitRow
from insight import progress, score, xlsx_rows
from insight.xlsx_stream import Cell as XCell
from insight.xlsx_stream import LongSheet, write_rows
from locales import Translator

NOW = datetime(2016, 9, 15, 2, 0, tzinfo=UTC)
EARLY = datetime(2016, 6, 30, 16, 0, tzinfo=UTC)
LATE = datetime(2016, 8, 31, 16, 0, tzinfo=UTC)
UNITS = [
    UnitRow(1, "p", "省局", None, UnitKind.PROVINCE, None, None, "/1/", 1),
    UnitRow(2, "c", "郑州市局", "郑州", UnitKind.CITY, 1, 2, "/1/2/", 2),
    UnitRow(3, "x", "A&B <县> ", None, UnitKind.COUNTY, 2, 2, "/1/2/3/", 3),
    UnitRow(4, "y", "二七区", None, UnitKind.COUNTY, 2, 2, "/1/2/4/", 4),
]
MATERIALS = [
    MaterialCol(
        10, "1.1", 1, "一", "案例 & 评查", None, None, "date", {"city": 30, "county": 2}, "case"
    ),
    MaterialCol(11, "1.2", 1, "一", "制度", None, None, "date", {"county": 30.0}, None),  # type: ignore[dict-item]
    MaterialCol(12, "2.1", 2, "二", "总结", None, None, "date", {}, None),
]


def _cell(unit: int, material: int, state: S, due: datetime | None, count: int) -> Cell:
    sent = LATE if state in (S.PENDING, S.ACCEPTED) else None
    return Cell(unit, material, state, due, sent, count, None)


CELLS = [
    _cell(1, 10, S.NOT_SUBMITTED, EARLY, 0),
    _cell(2, 10, S.ACCEPTED, EARLY, 35),
    _cell(2, 12, S.NOT_SUBMITTED, LATE, 0),
    _cell(3, 10, S.RETURNED, EARLY, 2),
    _cell(3, 11, S.PENDING, None, 30),
    _cell(3, 12, S.NOT_SUBMITTED, EARLY, 0),
    _cell(4, 10, S.NOT_SUBMITTED, EARLY, 0),
    _cell(4, 11, S.NOT_SUBMITTED, LATE, 0),
    _cell(4, 12, S.NOT_APPLICABLE, EARLY, 0),
]


def _both(
    cells: Sequence[Sequence[XCell]], xml: object, width: int, palette: list[str]
) -> tuple[str, str]:
    styles = {key: f' s="{n}"' for n, key in enumerate(palette, 2)}
    targets = palette == ["percent"]
    general = LongSheet("", cells, width, palette, {6: "percent"} if targets else {})
    own = LongSheet("", (), width, palette, xml=xml)  # type: ignore[arg-type]
    out, mine = io.BytesIO(), io.BytesIO()
    write_rows(general, styles, out)
    write_rows(own, styles, mine)
    assert own.written == general.written
    return out.getvalue().decode(), mine.getvalue().decode()


def test_targets_and_overdue_rows_as_the_general_streamer_writes_them() -> None:
    p = progress.build(UNITS, MATERIALS, CELLS, NOW, 3)
    for locale in ("zh_CN", "en"):
        t = Translator(locale, ZoneInfo("Asia/Shanghai"))
        rows = list(xlsx_rows.target_rows(t, p))
        assert len(rows) == 5 and [r[3].__class__ for r in rows].count(float) == 2
        general, own = _both(rows, xlsx_rows.target_rows_xml(t, p), 8, ["percent"])
        assert own == general
        assert "A&amp;B &lt;县&gt; " in own and "<v>30.0</v>" in own and "<v>30</v>" in own
        assert t("insight.category_returned") in own
        late = list(xlsx_rows.overdue_rows(t, p))
        assert len(late) == 6
        general, own = _both(late, xlsx_rows.overdue_rows_xml(t, p), 6, [])
        assert own == general


def test_no_rows_no_xml() -> None:
    t = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))
    p = progress.build(UNITS, MATERIALS, [], NOW, 3)
    assert _both([], xlsx_rows.target_rows_xml(t, p), 8, ["percent"]) == ("", "")


def test_matrix_rows_as_the_general_streamer_writes_them() -> None:
    p = progress.build(UNITS, MATERIALS, CELLS, NOW, 3)
    scores = score.scores(p, score.rules_from({}), {})
    units = {u.id: u for u in UNITS}
    for locale in ("zh_CN", "en"):
        t = Translator(locale, ZoneInfo("Asia/Shanghai"))
        rows = list(xlsx_rows.progress_rows(t, p, scores, units))
        assert len(rows) == len(UNITS) + 4
        own_xml = xlsx_rows.progress_rows_xml(t, p, scores, units)
        general, own = _both(rows, own_xml, 13, xlsx_rows.PALETTE)
        assert own == general
        assert t("insight.category_returned") in own and "郑州" in own
