"""The Excel export read back with openpyxl: the matrix matches /status, and every sheet holds its facts."""

from __future__ import annotations

import re
import resource
from pathlib import Path

import pytest
from openpyxl import load_workbook

from handlers import export
from handlers.export_worker import Job, SheetProcess, Target, render_sheet
from locales import Translator
from storage import insight as snap
from storage import plans, units
from tests.insight_world import ON_TIME_OR_DONE, PLAN, World, run_cli, sent_file

STATUS_LINE = re.compile(r"^\S+ (\S+) (\d+)/(\d+)", re.M)


def rows(sheet) -> list[tuple]:  # type: ignore[no-untyped-def]
    return list(sheet.iter_rows(values_only=True))


async def test_progress_sheet_matches_status(world: World) -> None:
    out = await world.bot.say("/export", as_="admin")
    assert "全省进度导出:29个单位、16项材料、18条报送记录、48项逾期" in out
    assert "进度导出-全省-20160729.xlsx" in out
    book = load_workbook(sent_file(out))
    assert book.sheetnames == ["进度", "报送明细", "目标", "逾期", "考评", "操作记录"]
    sheet = book["进度"]
    assert sheet.freeze_panes == "C2"
    assert (
        sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}30"
    )
    header = [c.value for c in sheet[1]]
    codes = [h.split(" ", 1)[0] for h in header[2:18]]
    assert codes[:4] == ["1", "2.1", "2.2", "2.3"] and len(codes) == 16
    matrix = {r[0]: dict(zip(codes, r[2:18], strict=True)) for r in rows(sheet)[1:30]}
    tail = {r[0]: r[18:] for r in rows(sheet)[1:30]}

    status = await world.bot.say("/status", as_="admin")
    expected = {m[1]: (int(m[2]), int(m[3])) for m in STATUS_LINE.finditer(status)}
    assert len(expected) == 29
    for unit, (done, total) in expected.items():
        states = matrix[unit].values()
        assert sum(1 for s in states if s == "已通过") == done, unit
        assert sum(1 for s in states if s not in (None, "不适用")) == total, unit
        assert tail[unit][:2] == (done, total), unit

    assert matrix["郑州市"]["2.2"] == "已报送待审"
    assert matrix["郑州市"]["3.1"] == "已报送待审"
    assert matrix["郑州市"]["4.1"] == "未到期"
    assert matrix["安阳市"]["3.1"] == "将到期"
    assert matrix["开封市"]["6.1"] == "已退回"
    assert matrix["安阳市"]["6.1"] == "逾期"
    assert matrix["洛阳市"]["4.2"] == "不适用"
    assert tail["郑州市"][-1] == "红旗" and tail["开封市"][-1] is None
    # Coloured cells: accepted green, overdue red, not applicable hatched.
    row = next(r for r in sheet.iter_rows(min_row=2, max_row=30) if r[0].value == "郑州市")
    assert row[2].fill.fgColor.rgb.endswith("C6EFCE")
    zero = next(r for r in sheet.iter_rows(min_row=2, max_row=30) if r[0].value == "安阳市")
    assert zero[12].fill.fgColor.rgb.endswith("F4B6B3")  # 6.1 overdue
    # Per-material totals under the table, outside the filter.
    totals = {r[0]: r[2:18] for r in rows(sheet)[31:34]}
    # Material 1 is owed by the 28 cities and counties; the province owes only 3.2.
    assert totals["已通过"][0] == 4 and totals["应报"][0] == 28
    assert totals["应报"][codes.index("3.2")] == 29
    assert totals["应报"][codes.index("4.2")] == 27
    assert totals["完成率"][0] == pytest.approx(4 / 28)


async def test_report_target_overdue_ranking_and_audit_sheets(world: World) -> None:
    book = load_workbook(sent_file(await world.bot.say("/export", as_="admin")))
    reports = rows(book["报送明细"])
    assert reports[0][:5] == ("报送编号", "单位", "材料编号", "材料名称", "报送时间")
    assert len(reports) == 1 + len(PLAN)
    third = reports[3]
    assert third[:3] == (3, "郑州市", "2.1")
    assert third[4] == "2016-07-20 11:00" and third[5] == "张伟"
    assert third[7] == "7月18日召开全市观摩会" and third[8] == "已通过" and third[9] == "admin"
    assert third[12] == "现场会通知.pdf; 现场照片.jpg; 现场照片.jpg"
    returned = next(r for r in reports if r[11] == "照片不清晰")
    assert returned[1:3] == ("郑州市", "2.2") and returned[8] == "已退回"
    assert sum(1 for r in reports if r[8] == "已撤回") == 1

    targets = {(r[0], r[1]): r for r in rows(book["目标"])[1:]}
    assert targets[("郑州市", "3.2")][3:6] == (30, 35, "35/30例")
    assert targets[("巩义市", "3.2")][3:6] == (50, 20, "20/50例")
    assert targets[("省局", "3.2")][3] == 50
    assert len(targets) == 29

    overdue = rows(book["逾期"])[1:]
    assert len(overdue) == 48
    assert {r[0] for r in overdue} == {r[0] for r in rows(book["进度"])[1:30]} - ON_TIME_OR_DONE
    kaifeng = [r for r in overdue if r[0] == "开封市"]
    assert kaifeng == [("开封市", "6.1", kaifeng[0][2], "2016年6月10日", 49, "已退回")]

    ranking = rows(book["考评"])[1:]
    assert [r[0] for r in ranking][:2] == [1, 2] and ranking[0][1] == "巩义市"
    assert "省局" not in {r[1] for r in ranking}  # the issuer is not ranked
    assert {r[1] for r in ranking if r[8] == "红旗"} == {"郑州市", "洛阳市", "巩义市"}

    audit = rows(book["操作记录"])
    assert audit[0] == ("时间", "单位", "操作", "对象", "操作人", "详情")
    returned = next(r for r in audit if r[2] == "退回" and r[1] == "郑州市")
    assert returned[:5] == ("2016-07-21 09:05", "郑州市", "退回", "2.2", "admin")
    assert "照片不清晰" in returned[5]
    assert any(r[2] == "批准不适用" and r[1] == "洛阳市" for r in audit)


async def test_export_in_english_and_for_a_city_admin(world: World) -> None:
    await world.bot.say("/lang en", as_="admin")
    book = load_workbook(sent_file(await world.bot.say("/export", as_="admin")))
    assert book.sheetnames == [
        "Progress",
        "Reports",
        "Targets",
        "Overdue",
        "Ranking",
        "Audit trail",
    ]
    assert [c.value for c in book["Reports"][1]][:3] == ["Report", "Unit", "Code"]
    assert book["Progress"]["C3"].value in {"Accepted", "Awaiting review"}

    await world.bot.invite_and_bind("郑州市", "zzadmin", "admin")
    out = await world.bot.say("/export", as_="zzadmin")
    assert "郑州市进度导出:1个单位" in out
    book = load_workbook(sent_file(out))
    assert [r[0] for r in rows(book["进度"])[1:2]] == ["郑州市"]
    assert {r[1] for r in rows(book["报送明细"])[1:]} == {"郑州市"}
    assert {r[1] for r in rows(book["操作记录"])[1:]} == {"郑州市"}


@pytest.mark.slow
async def test_cli_export_writes_the_same_workbook(world: World, tmp_path: Path) -> None:
    data_dir = world.bot.app.settings.data_dir
    out = tmp_path / "导出" / "progress.xlsx"
    code, stdout, stderr = await run_cli(["export", str(out)], data_dir, real=True)
    assert code == 0, stderr
    assert "29个单位、16项材料、18条报送记录" in stdout
    book = load_workbook(out)
    assert len(rows(book["报送明细"])) == 1 + len(PLAN)
    code, _, stderr = await run_cli(["export", str(out), "--unit", "mars"], data_dir)
    assert code == 2 and "找不到单位“mars”" in stderr


@pytest.mark.slow
async def test_long_sheets_rendered_in_other_processes_match(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = load_workbook(sent_file(await world.bot.say("/export", as_="admin")))
    # A national store renders the two long sheets in two other processes; force that here.
    monkeypatch.setattr(export, "PARALLEL_REPORTS", 1)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    parallel = load_workbook(sent_file(await world.bot.say("/export", as_="admin")))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert after.ru_utime + after.ru_stime > before.ru_utime + before.ru_stime  # they did run
    assert parallel.sheetnames == serial.sheetnames
    for name in serial.sheetnames:
        assert rows(parallel[name]) == rows(serial[name]), name
    assert parallel["报送明细"].auto_filter.ref == f"A1:M{1 + len(PLAN)}"
    leftovers = [p.name for p in (world.bot.app.settings.data_dir / "exports").iterdir()]
    assert not [n for n in leftovers if n.endswith((".reports", ".audit", ".layout"))]


@pytest.mark.parametrize("scope", ["/", "city"])
async def test_reports_made_and_returned_counted_while_written_match_the_query(
    world: World, tmp_path: Path, scope: str
) -> None:
    # The export counts each unit's reports as it writes them rather than reading them all
    # again for the scores; the world holds accepted, returned and withdrawn ones.
    async with world.store.read() as db:
        plan = await plans.active(db)
        city = await units.by_code(db, "zhengzhou")
    assert plan is not None and city is not None
    path = "/" if scope == "/" else city.path
    t = Translator("zh_CN", world.bot.app.settings.tz)
    with snap.snapshot(world.bot.app.settings.db_path) as conn:
        written = render_sheet(conn, "reports", plan.id, plan.year, path, t, tmp_path / "r", 9, 9)
        counted = snap.activity(conn, plan.id, path, written.made)
        queried = snap.activity(conn, plan.id, path)
    assert counted == queried
    assert any(a.returns for a in queried.values())
    if scope == "/":  # a withdrawn report is written, not counted
        assert sum(written.rows) > sum(a.reports for a in queried.values())


def test_a_sheet_process_that_fails_says_why(tmp_path: Path) -> None:
    target = Target(tmp_path / "no" / "store.sqlite3", 1, 2016, "/", "zh_CN", "Asia/Shanghai", 5)
    process = SheetProcess([Job("reports", tmp_path / "rows", 1)], target)
    try:
        with pytest.raises(RuntimeError, match="unable to open database file"):
            process.counts(0)
    finally:
        process.close()
    assert process.process.returncode == 1
