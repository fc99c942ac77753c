"""The long export sheets' fast rows are the XML the general cell streamer writes for them."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from domain.model import ReportStatus, UnitKind
from domain.progress_rows import AuditLine, MaterialCol, ReportLine, UnitRow
from insight import xlsx_long, xlsx_rows
from insight.xlsx_stream import LongSheet, write_rows
from locales import Translator
from storage.insight import AuditRecord, ReportRecord

UNITS = {
    1: UnitRow(1, "u1", "郑州市市场监督管理局", "郑州市", UnitKind.CITY, None, None, "/1/", 0),
    2: UnitRow(2, "u2", " R&D <局> ", None, UnitKind.COUNTY, 1, 1, "/1/2/", 1),
}
MATERIALS = {
    7: MaterialCol(7, "2.1", 2, "工作", "现场会 & 观摩", None, None, "fixed", {}, None),
}
REPORTS: list[ReportRecord] = [
    (1, 1, 7, "2016-07-20T03:00:00.000000Z", "张伟", 35, "7月18日召开", "accepted", "admin",
     "2016-07-21T15:59:00.000000Z", None, "现场会通知.pdf; 现场照片.jpg"),
    (2, 2, 7, "2016-03-13T06:30:00.000000Z", None, None, " a<b>&c\x01d ", "returned", None,
     None, "照片不清晰\x0b", ""),
    (3, 99, 99, "2016-11-06T06:59:00.000000Z", "", 0, "", "pending", "王\u3000", None, "", "x"),
]  # fmt: skip
AUDIT: list[AuditRecord] = [
    ("2016-07-20T03:00:00.000000Z", 1, "张伟", "report", "1", '{"report": 1, "files": 2}'),
    ("2016-07-20T04:00:00.000000Z", None, None, "plan_import", None, "{}"),
    ("2016-07-20T05:00:00.000000Z", 2, "x&y", "unknown_action", " 2 ", '{"reason": "<不清>"}'),
    ("2016-07-20T06:00:00.000000Z", 99, None, "accept", "3", '{"a": null, "b": "c"}'),
    ("2016-07-20T07:00:00.000000Z", 1, None, "accept", "4", "[1, 2]"),
]


def _general(lines: object, width: int, unique: frozenset[int], safe: frozenset[int]) -> str:
    sheet = LongSheet("", lines, width, unique_columns=unique, safe_columns=safe)  # type: ignore[arg-type]
    out = io.BytesIO()
    write_rows(sheet, {}, out)
    return out.getvalue().decode("utf-8")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# Shanghai shifts by whole hours; Kolkata by half an hour; New York has summer time.
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kolkata", "America/New_York"])
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_report_rows_match_the_general_streamer(zone: str, locale: str) -> None:
    t = Translator(locale, ZoneInfo(zone))
    lines = [
        ReportLine(
            r[0], r[1], r[2], _parse(r[3]), r[4], r[5], r[6], ReportStatus(r[7]), r[8],  # type: ignore[arg-type]
            _parse(r[9]), r[10], r[11],
        )
        for r in REPORTS
    ]  # fmt: skip
    expected = _general(
        xlsx_rows.report_rows(t, MATERIALS, UNITS, iter(lines)),
        len(xlsx_rows.REPORT_KEYS),
        xlsx_rows.REPORT_UNIQUE,
        xlsx_rows.REPORT_TIMES,
    )
    fast = "".join(xlsx_long.report_rows_xml(t, MATERIALS, UNITS, REPORTS))
    assert fast == expected
    assert (
        "R&amp;D &lt;局&gt;" in fast and '<t xml:space="preserve"> a&lt;b&gt;&amp;cd </t>' in fast
    )


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kolkata", "America/New_York"])
def test_audit_rows_match_the_general_streamer(zone: str) -> None:
    t = Translator("zh_CN", ZoneInfo(zone))
    lines = [AuditLine(_parse(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in AUDIT]  # type: ignore[arg-type]
    expected = _general(
        xlsx_rows.audit_rows(t, UNITS, iter(lines)),
        len(xlsx_rows.AUDIT_KEYS),
        xlsx_rows.AUDIT_UNIQUE,
        xlsx_rows.AUDIT_TIMES,
    )
    fast = "".join(xlsx_long.audit_rows_xml(t, UNITS, AUDIT))
    assert fast == expected
    assert "report=1; files=2" in fast


def test_rows_are_counted_as_written() -> None:
    t = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))
    out = io.BytesIO()
    assert xlsx_long.write_xml_rows(xlsx_long.audit_rows_xml(t, UNITS, AUDIT * 3000), out) == 15000
    assert out.getvalue().decode().count("<row ") == 15000
