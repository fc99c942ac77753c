"""`main.py plan export CODE FILE.yaml` and chat `/plan export`: a stored plan written back as
its plan file, which re-imports as the same plan into a fresh store, field by field (a monthly
series comes back as its one material; the holiday rule, the plan's own holiday schedules and
its addressed units come back too), written as a person writes one."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import yaml

from bot import plan_cli, units_cli
from bot.app import read_store
from domain.plan_file import Overrides, PlanFile, load_plan_file
from domain.settings import Settings
from handlers.plan_import import derived_short
from locales import Translator
from storage import holidays, plans, units
from tests.support import ROOT_PLAN, SHANGHAI, ShellBot, settings_for

NOTICE = Path(__file__).resolve().parent / "files" / "henan-2016-notice.txt"  # as received
MONTHLY = (
    "      - title: 安全生产执法情况月报\n        deadline: 每月5日前\n        text_only: true\n"
)


def zh(bot: ShellBot) -> Translator:
    return Translator("zh_CN", bot.app.settings.tz)


async def export(bot: ShellBot, name: str, path: Path) -> int:
    return await plan_cli.run_export(bot.app.settings, zh(bot), name, path)


async def import_file(bot: ShellBot, path: Path) -> int:
    return await plan_cli.run_import(bot.app.settings, zh(bot), path, Overrides(), False)


def renamed(source: Path, target: Path, code: str, short: str) -> Path:
    """The plan file under another code and short code, the rest as it is."""
    text = source.read_text("utf-8")
    text = text.replace(_code(text), f"code: {code}", 1).replace(_short(text), f"short: {short}", 1)
    target.write_text(text, encoding="utf-8")
    return target


def _code(text: str) -> str:
    return next(line.strip().split(" #")[0] for line in text.splitlines() if "code: " in line)


def _short(text: str) -> str:
    return next(line.strip().split(" #")[0] for line in text.splitlines() if "short: " in line)


async def stored(bot: ShellBot, short: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A plan's header and materials as stored, without what differs between two imports."""
    async with bot.app.store.read() as db:
        plan = next(p for p in await plans.every(db) if p.short == short)
        materials = await plans.materials(db, plan.id)
    header = plan.model_dump(exclude={"id", "code", "short", "state", "revision"})
    rows = [m.model_dump(exclude={"id", "plan_id", "item_id"}) for m in materials]
    return header, rows


async def test_the_sample_plan_round_trips(bot: ShellBot, tmp_path: Path) -> None:
    exported = tmp_path / "fw.yaml"
    assert await export(bot, "fw", exported) == 0
    text = exported.read_text("utf-8")
    assert "服务型行政执法建设工作方案" in text and "units:" not in text  # readable, no tree
    data = yaml.safe_load(text)
    assert data["plan"]["applies_to"] == ["city", "county"] and data["plan"]["short"] == "fw"
    third = data["items"][2]["materials"][1]
    assert third["applies_to"] == ["province", "city", "county"]
    assert (
        third["target"] == {"province": 50, "city": 30, "county": 50}
        and third["target_unit"] == "例"
    )
    visit = data["items"][1]["materials"]  # the notice's 图片和文字的电子版, on 2.2 and 2.3
    electronic = "图片和文字的电子版"
    assert [m.get("requirement") for m in visit] == [None, electronic, electronic]
    assert await import_file(bot, renamed(exported, tmp_path / "rt.yaml", "henan-rt", "rt")) == 0
    before, after = await stored(bot, "fw"), await stored(bot, "rt")
    assert before[0] == after[0]  # title, 文号, issue date, notes, reminders, assessment
    assert len(before[1]) == 16
    assert sum(m["requirement"] is not None for m in before[1]) == 2  # compared below too
    for old, new in zip(before[1], after[1], strict=True):
        assert old == new  # code, item, title, deadline, due date, targets, applies_to, text_only
    again = tmp_path / "rt-out.yaml"  # and the file it exports is the same file
    assert await export(bot, "rt", again) == 0
    assert renamed(again, tmp_path / "back.yaml", "henan-fwxzf", "fw").read_text("utf-8") == text


async def test_a_monthly_series_comes_back_as_one_material(bot: ShellBot, tmp_path: Path) -> None:
    text = ROOT_PLAN.read_text("utf-8").replace("code: henan-fwxzf", "code: henan-yb", 1)
    text = text.replace("short: fw", "short: yb", 1)
    anchor = "      - title: 体现服务型行政执法纳入培训考试的材料\n"
    assert anchor in text
    source = tmp_path / "yb.yaml"
    source.write_text(text.replace(anchor, anchor + MONTHLY, 1), encoding="utf-8")
    assert await import_file(bot, source) == 0
    _, first = await stored(bot, "yb")
    series = [m for m in first if m["code"].startswith("5.2/")]
    assert len(series) == 8 and series[0]["title"] == "安全生产执法情况月报（2016年5月）"
    exported = tmp_path / "yb-out.yaml"
    assert await export(bot, "henan-yb/2016", exported) == 0
    item = yaml.safe_load(exported.read_text("utf-8"))["items"][4]
    assert item["materials"][1] == {
        "title": "安全生产执法情况月报",
        "deadline": "每月5日前",
        "text_only": True,
    }
    assert await import_file(bot, renamed(exported, tmp_path / "yb2.yaml", "henan-yb2", "yb2")) == 0
    before, after = await stored(bot, "yb"), await stored(bot, "yb2")
    assert before == after


async def test_an_unknown_plan_is_refused_and_nothing_is_written(
    bot: ShellBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "none.yaml"
    assert await export(bot, "nope", target) == 2
    assert "没有名为“nope”的计划" in capsys.readouterr().err
    assert not target.exists()


async def test_a_plan_for_some_units_comes_back_for_those_units(
    bot: ShellBot, tmp_path: Path
) -> None:
    text = ROOT_PLAN.read_text("utf-8").replace(
        "  applies_to: [city, county]",
        "  applies_to: [city, county]\n  addressed_units: [zhengzhou, kaifeng]",
        1,
    )
    source = renamed_text(text, tmp_path / "some.yaml", "henan-some", "so")
    assert await import_file(bot, source) == 0
    out = tmp_path / "out.yaml"
    assert await export(bot, "so", out) == 0
    written = yaml.safe_load(out.read_text("utf-8"))
    assert written["plan"]["addressed_units"] == ["zhengzhou", "kaifeng"]
    assert await import_file(bot, renamed(out, tmp_path / "again.yaml", "henan-again", "ag")) == 0
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall(
            "SELECT p.short, COUNT(DISTINCT a.unit_id) FROM assignments a"
            " JOIN plans p ON p.id = a.plan_id WHERE p.short IN ('so', 'ag') GROUP BY p.short"
        )
    assert dict((str(r[0]), int(r[1])) for r in rows) == {"so": 2, "ag": 2}
    # The whole tree's plan names no units.
    assert await export(bot, "fw", out) == 0
    assert "addressed_units" not in yaml.safe_load(out.read_text("utf-8"))["plan"]


def renamed_text(text: str, target: Path, code: str, short: str) -> Path:
    target.write_text(text, encoding="utf-8")
    return renamed(target, target, code, short)


# --- import → export → import into a fresh store: the same plan, field by field

HOLIDAY_PLAN = """\
plan:
  code: henan-jjr
  short: jjr
  year: 2030
  title: 2030年度节假日顺延工作方案
  issued: 2030-01-10
  applies_to: [city, county]
  reminders: {before_days: [5, 1], time: "10:00"}
  deadline_on_holiday: next_workday
holidays:
  - year: 2030
    holidays:
      元旦: 2030-01-01
      劳动节: 2030-05-01..2030-05-05
      国庆节: [2030-10-01..2030-10-07]
    workdays: [2030-04-28, 2030-10-12]
  - year: 2031
    holidays: {元旦: 2031-01-01}
items:
  - no: 1
    title: 劳动节前后报送
    deadline: 5月1日
    materials:
      - title: 节前安全检查情况
      - title: 节后复工情况
        text_only: true
  - no: 2
    title: 季度报送
    materials:
      - title: 执法情况季报
        deadline: 每季度末
      - title: 半年总结
        deadline: 6月底
        applies_to: [province, city, county]
        target: {city: 3, county: 2}
        target_unit: 份
"""

RECURRING_PLAN = """\
plan:
  code: henan-yuebao
  short: yb
  year: 2016
  title: 2016年度安全生产执法月报制度
  document: 豫安监管﹝2016﹞52号
  issued: 2016-05-09
  applies_to: [city, county]
  notes: [月报按自然月统计。]
  assessment: {weights: {completeness: 60, timeliness: 40}}
items:
  - no: 1
    title: 执法月报
    deadline: 每月5日前
    applies_to: [province, city, county]
    materials:
      - title: 安全生产执法情况月报
        text_only: true
      - title: 行政处罚案件统计表
  - no: 2
    title: 季度与年度报送
    materials:
      - title: 执法检查季报
        deadline: 每季度首月10日前
      - title: 年度执法总结
        deadline: 12月20日
        target: {city: 1, county: 1}
        target_unit: 篇
"""

ADDRESSED_PLAN = """\
plan:
  code: henan-shidian
  short: sd
  year: 2030
  title: 2030年度行政执法试点工作方案
  issued: 2030-03-01
  applies_to: [city, county]
  addressed_units: [henan, zhengzhou, kaifeng, gongyi]
  deadline_on_holiday: next_workday
items:
  - no: 1
    title: 试点方案
    deadline: 9月底
    materials:
      - title: 试点工作方案
      - title: 省局试点指导意见
        applies_to: [province]
  - no: 2
    title: 试点总结
    deadline: 按要求报送
    applies_to: [city]
    materials:
      - title: 试点工作总结
"""


async def fresh_store(tmp_path: Path, name: str) -> Settings:
    """A new bureau's store with the sample plan's unit tree and nothing else."""
    settings = settings_for(tmp_path / name)
    t = Translator("zh_CN", settings.tz)
    assert await units_cli.run_import(settings, t, ROOT_PLAN) == 0
    return settings


async def snapshot(db: aiosqlite.Connection) -> dict[str, Any]:
    """Everything the store keeps of its one plan, without the row ids."""
    (plan,) = await plans.every(db)
    codes = {u.id: u.code for u in await units.all_units(db)}
    materials = await plans.materials(db, plan.id)
    code_of = {m.id: m.code for m in materials}
    rows = await db.execute_fetchall(
        "SELECT material_id, unit_id, due_date, due_at FROM assignments WHERE plan_id = ?",
        (plan.id,),
    )
    return {
        "plan": plan.model_dump(exclude={"id"}),
        "items": [item.model_dump(exclude={"id"}) for item in await plans.items(db, plan.id)],
        "materials": [m.model_dump(exclude={"id", "plan_id", "item_id"}) for m in materials],
        "assignments": sorted((code_of[r[0]], codes[r[1]], r[2], r[3]) for r in rows),
        "holidays": await holidays.every_day(db),
    }


def kept(plan: PlanFile) -> dict[str, Any]:
    """Every field of a loaded plan file that the store keeps. Left out: the unit tree (the
    bureau's, not the plan's: an export names units, it does not list them), line numbers,
    import notices, and an item's `applies_to`, which only defaults its materials'."""
    data = plan.model_dump(exclude={"units", "unit_lines", "notices", "addressed_units"})
    data["short"] = plan.short or derived_short(plan.code)  # what the store keeps without one
    data["addressed_units"] = sorted(plan.addressed_units)
    for item in data["items"]:
        del item["applies_to"]
    return data


async def round_trip(tmp_path: Path, source: Path, *, on_request: bool = False) -> str:
    """Import into one fresh store, export, import the export into another; both stores and
    both loaded files must agree on everything. Returns the exported text. `on_request`: the
    notice's deadlines naming no date were confirmed as on request."""
    t = Translator("zh_CN", SHANGHAI)
    first, second = await fresh_store(tmp_path, "first"), await fresh_store(tmp_path, "second")
    imported = await plan_cli.run_import(
        first, t, source, Overrides(), False, on_request=on_request
    )
    assert imported == 0
    exported = tmp_path / "exported.yaml"
    loaded = load_plan_file(source, on_request=on_request)
    assert await plan_cli.run_export(first, t, loaded.code, exported) == 0
    assert await plan_cli.run_import(second, t, exported, Overrides(), False) == 0
    before, after = kept(loaded), kept(load_plan_file(exported))
    for field in before:
        assert after[field] == before[field], field
    stored_before, stored_after = (
        await read_store(first, snapshot),
        await read_store(second, snapshot),
    )
    for part in stored_before:
        assert stored_after[part] == stored_before[part], part
    # Sent back in place of itself, as an admin does after editing it, it changes nothing.
    assert await plan_cli.run_import(first, t, exported, Overrides(), True) == 0
    replaced = await read_store(first, snapshot)
    assert replaced["plan"].pop("revision") == stored_before["plan"].pop("revision") + 1
    assert replaced == stored_before
    return exported.read_text("utf-8")


async def test_the_sample_plan_comes_back_as_written(tmp_path: Path) -> None:
    text = await round_trip(tmp_path, ROOT_PLAN)
    items = yaml.safe_load(text)["items"]
    # A deadline every material of an item shares is the item's, as the sample writes it.
    assert items[0] == {
        "no": 1,
        "title": "年度方案制定情况",
        "deadline": "5月底",
        "materials": [{"title": "推进服务型行政执法建设年度方案"}],
    }
    assert items[2]["deadline"] == "7月底" and "deadline" not in items[2]["materials"][1]
    assert "deadline" not in items[5] and items[5]["materials"][0]["deadline"] == "6月上旬"
    assert "deadline_on_holiday" not in text and "holidays" not in text


async def test_a_recurring_plan_comes_back_as_its_expressions(tmp_path: Path) -> None:
    source = tmp_path / "yb.yaml"
    source.write_text(RECURRING_PLAN, encoding="utf-8")
    text = await round_trip(tmp_path, source)
    first, second = yaml.safe_load(text)["items"]
    assert first["deadline"] == "每月5日前" and first["applies_to"] == [
        "province",
        "city",
        "county",
    ]
    assert [m["title"] for m in first["materials"]] == [
        "安全生产执法情况月报",
        "行政处罚案件统计表",
    ]
    assert [m["deadline"] for m in second["materials"]] == ["每季度首月10日前", "12月20日"]


async def test_holidays_and_the_holiday_rule_come_back(tmp_path: Path) -> None:
    source = tmp_path / "jjr.yaml"
    source.write_text(HOLIDAY_PLAN, encoding="utf-8")
    text = await round_trip(tmp_path, source)
    data = yaml.safe_load(text)
    assert data["plan"]["deadline_on_holiday"] == "next_workday"
    assert [schedule["year"] for schedule in data["holidays"]] == [2030, 2031]
    assert data["holidays"][0]["holidays"]["劳动节"] == "2030-05-01..2030-05-05"


async def test_a_plan_for_some_units_keeps_its_units_and_rule(tmp_path: Path) -> None:
    source = tmp_path / "sd.yaml"
    source.write_text(ADDRESSED_PLAN, encoding="utf-8")
    text = await round_trip(tmp_path, source)
    plan = yaml.safe_load(text)["plan"]
    assert plan["addressed_units"] == ["henan", "zhengzhou", "kaifeng", "gongyi"]
    assert plan["deadline_on_holiday"] == "next_workday"  # though no date moved


async def test_word_and_pdf_notices_come_back_as_their_plan_files(tmp_path: Path) -> None:
    """The seed as Word; another bureau's PDF with a 责任单位 column, 每季度末 and 长期坚持
    confirmed as on request (kept as 按要求报送（长期坚持）)."""
    from tests.notice_documents import (
        OTHER_BODY,
        OTHER_ROWS,
        seed_body,
        seed_notes,
        seed_rows,
        write_docx,
        write_pdf,
    )

    word = tmp_path / "word" / "notice.docx"
    word.parent.mkdir()
    write_docx(word, seed_body(), seed_rows(), seed_notes())
    await round_trip(word.parent, word)
    rows = [row for row in OTHER_ROWS if row[1] != "落实企业主体责任"]
    rows[-1] = [*rows[-1][:3], "9月底前"]
    pdf = tmp_path / "pdf" / "other.pdf"
    pdf.parent.mkdir()
    write_pdf(pdf, OTHER_BODY, rows)
    text = await round_trip(pdf.parent, pdf, on_request=True)
    items = yaml.safe_load(text)["items"]
    assert items[2]["deadline"] == "每季度末"
    assert items[3]["deadline"] == "按要求报送（长期坚持）"
    assert items[4]["applies_to"] == ["city"]


async def test_a_notice_as_received_comes_back_as_its_plan_file(tmp_path: Path) -> None:
    """Imported from the plain-text notice (domain.plan_text), exported as YAML, re-imported."""
    text = await round_trip(tmp_path, NOTICE)
    assert "units:" not in text and yaml.safe_load(text)["plan"]["document"]


async def test_a_store_from_before_the_rule_was_kept_gets_it_from_its_moved_dates(
    tmp_path: Path,
) -> None:
    """Migration 017: a plan stored earlier whose dates moved off a holiday had the rule on."""
    t = Translator("zh_CN", SHANGHAI)
    settings = await fresh_store(tmp_path, "old")
    source = tmp_path / "jjr.yaml"
    source.write_text(HOLIDAY_PLAN, encoding="utf-8")
    assert await plan_cli.run_import(settings, t, source, Overrides(), False) == 0
    with contextlib.closing(sqlite3.connect(settings.db_path)) as conn, conn:
        conn.execute("ALTER TABLE plans DROP COLUMN deadline_on_holiday")
        conn.execute("ALTER TABLE plans DROP COLUMN holiday_years")
        conn.execute("DELETE FROM schema_migrations WHERE version = 17")
    out = tmp_path / "out.yaml"
    assert await plan_cli.run_export(settings, t, "jjr", out) == 0
    data = yaml.safe_load(out.read_text("utf-8"))
    assert data["plan"]["deadline_on_holiday"] == "next_workday"
    assert "holidays" not in data  # which schedules were the plan's was not kept before


async def test_chat_exports_the_same_file_as_the_command_line(
    bot: ShellBot, tmp_path: Path
) -> None:
    source = tmp_path / "jjr.yaml"
    source.write_text(HOLIDAY_PLAN, encoding="utf-8")
    out = await bot.say("/plan import", as_="admin", files=[source])
    assert "jjr" in out, out
    sent = await bot.say("/plan export jjr", as_="admin")
    match = re.search(r"📎 文件 (\S+?\.yaml)\W(/.+\.yaml)\W", sent)
    assert match, sent
    chat = Path(match.group(2)).read_text("utf-8")
    assert "deadline_on_holiday: next_workday" in chat and "劳动节: 2030-05-01..2030-05-05" in chat
    cli = tmp_path / "cli.yaml"
    assert await export(bot, "jjr", cli) == 0
    assert cli.read_text("utf-8") == chat
