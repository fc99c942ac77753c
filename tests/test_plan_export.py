"""`main.py plan export CODE FILE.yaml`: a stored plan written back as its plan file, which
re-imports as the same plan (a monthly series comes back as its one material)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import plan_cli
from domain.plan_file import Overrides
from locales import Translator
from storage import plans
from tests.support import ROOT_PLAN, ShellBot

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
    assert await import_file(bot, renamed(exported, tmp_path / "rt.yaml", "henan-rt", "rt")) == 0
    before, after = await stored(bot, "fw"), await stored(bot, "rt")
    assert before[0] == after[0]  # title, 文号, issue date, notes, reminders, assessment
    assert len(before[1]) == 16
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
