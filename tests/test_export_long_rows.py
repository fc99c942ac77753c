"""The long export sheets' fast rows are the XML the general cell streamer writes for them."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from domain.export_records import AuditRecord, ReportRecord
from domain.model import ReportStatus, UnitKind
from domain.progress_rows import AuditLine, MaterialCol, ReportLine, UnitRow
from handlers import export
from insight import xlsx_long, xlsx_rows
from insight.xlsx_stream import LongSheet, write_rows
from locales import Translator
from tests.insight_world import World, sent_file

UNITS = {
    1: UnitRow(1, "u1", "郑州市市场监督管理局", "郑州市", UnitKind.CITY, None, None, "/1/", 0),
    2: UnitRow(2, "u2", " R&D <局> ", None, UnitKind.COUNTY, 1, 1, "/1/2/", 1),
}
MATERIALS = {
    7: MaterialCol(7, "2.1", 2, "工作", "现场会 & 观摩", None, None, "fixed", {}, None),
}
PEOPLE = {1: "张伟", 2: "", 3: "admin", 4: "王\u3000", 5: "x&y"}
REPORTS: list[ReportRecord] = [
    (1, 1, 7, "2016-07-20T03:00:00.000000Z", 1, 35, "7月18日召开", "accepted", 3,
     "2016-07-21T15:59:00.000000Z", None),
    (2, 2, 7, "2016-03-13T06:30:00.000000Z", None, None, " a<b>&c\x01d ", "returned", None,
     None, "照片不清晰\x0b"),
    (3, 99, 99, "2016-11-06T06:59:00.000000Z", 2, 0, "", "pending", 4, "", ""),
    (4, 1, 7, "2016-11-06T07:00:00.000000Z", 99, None, None, "withdrawn", None, None, None),
]  # fmt: skip
FILES = {1: "现场会通知.pdf; 现场照片.jpg", 3: "x", 5: "not in this export"}
AUDIT: list[AuditRecord] = [
    ("2016-07-20T03:00:00.000000Z", 1, 1, "report", "1", '{"report": 1, "files": 2}'),
    ("2016-07-20T04:00:00.000000Z", None, None, "plan_import", None, "{}"),
    ("2016-07-20T05:00:00.000000Z", 2, 5, "unknown_action", " 2 ", '{"reason": "<不清>"}'),
    ("2016-07-20T06:00:00.000000Z", 99, None, "accept", "3", '{"a": null, "b": "c"}'),
    ("2016-07-20T07:00:00.000000Z", 1, 99, "accept", "4", "[1, 2]"),
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
            r[0], r[1], r[2], _parse(r[3]), _name(r[4]), r[5], r[6], ReportStatus(r[7]),  # type: ignore[arg-type]
            _name(r[8]), _parse(r[9]), r[10], FILES.get(r[0], ""),
        )
        for r in REPORTS
    ]  # fmt: skip
    expected = _general(
        xlsx_rows.report_rows(t, MATERIALS, UNITS, iter(lines)),
        len(xlsx_rows.REPORT_KEYS),
        xlsx_rows.REPORT_UNIQUE,
        xlsx_rows.REPORT_TIMES,
    )
    # Batches split anywhere give the same rows.
    for batches in ([(REPORTS, FILES)], [([r], FILES) for r in REPORTS]):
        fast = "".join(xlsx_long.report_rows_xml(t, MATERIALS, UNITS, PEOPLE, batches))
        assert fast == expected
    assert (
        "R&amp;D &lt;局&gt;" in fast and '<t xml:space="preserve"> a&lt;b&gt;&amp;cd </t>' in fast
    )


def _name(contact_id: int | None) -> str | None:
    return PEOPLE.get(contact_id) if contact_id is not None else None


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kolkata", "America/New_York"])
def test_audit_rows_match_the_general_streamer(zone: str) -> None:
    t = Translator("zh_CN", ZoneInfo(zone))
    lines = [AuditLine(_parse(r[0]), r[1], _name(r[2]), r[3], r[4], r[5]) for r in AUDIT]  # type: ignore[arg-type]
    expected = _general(
        xlsx_rows.audit_rows(t, UNITS, iter(lines)),
        len(xlsx_rows.AUDIT_KEYS),
        xlsx_rows.AUDIT_UNIQUE,
        xlsx_rows.AUDIT_TIMES,
    )
    fast = "".join(xlsx_long.audit_rows_xml(t, UNITS, PEOPLE, [AUDIT[:2], AUDIT[2:]]))
    assert fast == expected
    assert "report=1; files=2" in fast and "x&amp;y" in fast


def test_rows_past_a_sheet_go_on_in_the_next_numbered_from_two(tmp_path: Path) -> None:
    t = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))
    dest = tmp_path / "audit"
    assert xlsx_long.render_audit(t, UNITS, PEOPLE, [AUDIT * 3], dest, per_sheet=6) == [6, 6, 3]
    parts = [dest, tmp_path / "audit.2", tmp_path / "audit.3"]
    rows = [re.findall(r'<row r="(\d+)">', p.read_text()) for p in parts]
    assert rows == [["2", "3", "4", "5", "6", "7"]] * 2 + [["2", "3", "4"]]
    # A full last sheet opens no empty one; the sheets laid out are the most there will be.
    assert xlsx_long.render_audit(t, UNITS, PEOPLE, [AUDIT * 2], dest, per_sheet=5) == [5, 5]
    assert xlsx_long.render_audit(t, UNITS, PEOPLE, [AUDIT] * 3, dest, 5, max_sheets=2) == [5, 5]


@pytest.mark.parametrize("parallel", [False, True])
async def test_rows_past_excels_limit_go_on_in_numbered_sheets_and_the_reply_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    first = await world.bot.say("/export", as_="admin")
    assert "上限" not in first  # under the limit nothing is said
    whole = load_workbook(sent_file(first))
    # Excel's limit is 1,048,575 rows below the header; a national store at 30,000 units
    # passes it. Five rows per sheet make the same happen here.
    monkeypatch.setattr(export, "PER_SHEET", 5)
    if parallel:
        monkeypatch.setattr(export, "PARALLEL_REPORTS", 1)
    out = await world.bot.say("/export", as_="admin")
    split = load_workbook(sent_file(out))
    reports = len(list(whole["报送明细"].iter_rows())) - 1
    audit = len(list(whole["操作记录"].iter_rows())) - 1
    report_sheets, audit_sheets = -(-reports // 5), -(-audit // 5)
    assert report_sheets > 1 and audit_sheets > 1
    assert f"报送明细分在{report_sheets}张表中,操作记录分在{audit_sheets}张表中" in out
    assert "每表最多5行" in out
    names = split.sheetnames
    assert names[:3] == ["进度", "报送明细", "报送明细(2)"]
    assert names[report_sheets + 1 : report_sheets + 4] == ["目标", "逾期", "考评"]
    assert names[-audit_sheets:] == ["操作记录"] + [
        f"操作记录({k})" for k in range(2, audit_sheets + 1)
    ]
    for title, sheets in (("报送明细", report_sheets), ("操作记录", audit_sheets)):
        parts = [split[title]] + [split[f"{title}({k})"] for k in range(2, sheets + 1)]
        head = next(parts[0].iter_rows(values_only=True))
        got = []
        for part in parts:
            part_rows = list(part.iter_rows(values_only=True))
            assert part_rows[0] == head and len(part_rows) <= 6
            assert (
                part.auto_filter.ref
                == f"A1:{part.cell(1, part.max_column).column_letter}{len(part_rows)}"
            )
            got += part_rows[1:]
        assert got == list(whole[title].iter_rows(values_only=True))[1:], title
