"""Materials that say what they need (issue 17): a plan file's `requirement:` and `templates:`
imported (and refused by line), shown by `/tasks 2.1`, sent by `/template 2.1`, carried by
reminders in short, exported beside the plan file and re-imported, changed by a replacement."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot import plan_cli
from domain.plan_file import Overrides, load_plan
from locales import Translator
from storage import material_templates, plans, pushes
from tests.support import ROOT_PLAN, SHANGHAI, ShellBot, stored_bytes

FORM = b"PK\x03\x04 a blank form for the notice of a site visit"
ANCHOR = "      - title: 开展观摩会或现场会等活动的通知\n"
NEEDS = (
    "        requirement: |\n"
    "          加盖公章的PDF(通知正式文本)\n"
    "          照片不少于3张\n"
    "        templates: [模板/观摩通知.docx]\n"
)
ZH = Translator("zh_CN", SHANGHAI)


def write_plan(folder: Path, needs: str = NEEDS, form: bytes | None = FORM) -> Path:
    """The sample plan with 2.1 asking for a stamped PDF and photos, its form beside it."""
    text = ROOT_PLAN.read_text("utf-8")
    assert ANCHOR in text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.yaml"
    path.write_text(text.replace(ANCHOR, ANCHOR + needs, 1), encoding="utf-8")
    if form is not None:
        (folder / "模板").mkdir(exist_ok=True)
        (folder / "模板" / "观摩通知.docx").write_bytes(form)
    return path


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ShellBot]:
    plan = write_plan(tmp_path / "source")
    shell_bot = await ShellBot.start(
        tmp_path / "data", at="2016-08-23T10:00", schedules=True, BOT_SAMPLE_PLAN=plan
    )
    yield shell_bot
    await shell_bot.stop()


async def material_21(bot: ShellBot, short: str = "fw") -> tuple[str | None, list[bytes]]:
    """2.1's requirement and its forms' bytes, as stored."""
    async with bot.app.store.read() as db:
        plan = next(p for p in await plans.every(db) if p.short == short)
        material = next(m for m in await plans.materials(db, plan.id) if m.code == "2.1")
        forms = await material_templates.of_material(db, material.id)
    return material.requirement, [
        await stored_bytes(bot.app.services.files, f.sha256) for f in forms
    ]


async def test_a_plan_file_with_requirements_and_templates_imports(bot: ShellBot) -> None:
    requirement, forms = await material_21(bot)
    assert requirement == "加盖公章的PDF(通知正式文本)\n照片不少于3张"
    assert forms == [FORM]
    async with bot.app.store.read() as db:
        plan = next(p for p in await plans.every(db) if p.short == "fw")
        by_code = {m.code: m for m in await plans.materials(db, plan.id)}
    assert by_code["2.2"].requirement == "图片和文字的电子版"  # the notice's own words
    assert by_code["1"].requirement is None


async def test_tasks_code_shows_the_requirement_and_template_sends_the_file(
    bot: ShellBot,
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    shown = await bot.say("/tasks 2.1", as_="zz")
    assert "[2.1] 开展观摩会或现场会等活动的通知" in shown
    assert "报送要求:\n加盖公章的PDF(通知正式文本)\n照片不少于3张" in shown
    assert "模板 1 个:观摩通知.docx" in shown and "/template 2.1" in shown
    assert "计划未作具体要求" in await bot.say("/任务 1", as_="zz")
    sent = await bot.say("模板 2.1", as_="zz")
    assert "材料 2.1「开展观摩会或现场会等活动的通知」的模板(1 个)见附件" in sent
    match = re.search(r"📎 文件 观摩通知\.docx[（(](.+?)[）)]\n", sent)
    assert match, sent
    assert Path(match.group(1)).read_bytes() == FORM
    assert "没有模板" in await bot.say("/template 2.2", as_="zz")
    assert "用法:/template" in await bot.say("/template", as_="zz")


async def test_templates_go_only_to_units_that_owe_the_material_and_admins(
    bot: ShellBot,
) -> None:
    await bot.invite_and_bind("省局", "sj")  # the issuer owes 2.1 not (city and county do)
    refused = await bot.say("/template 2.1", as_="sj")
    assert "本单位没有材料 2.1 的报送任务" in refused and "📎" not in refused
    sent = await bot.say("/template 2.1", as_="admin")
    assert "📎 文件 观摩通知.docx" in sent


async def test_a_reminder_carries_the_requirements_first_line(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.say(":time 2016-08-24T09:30")  # 7 days before 8月底
    async with bot.app.store.read() as db:
        texts = [p.text for p in await pushes.log(db) if p.chat_ref == "zz"]
    line = next(line for text in texts for line in text.splitlines() if "[2.1]" in line)
    # the first line only, clipped to a phone's width
    assert "(要求:加盖公章的PDF(通知正式文本))" in line and "照片" not in line
    assert "要求" not in next(line for t in texts for line in t.splitlines() if "[7]" in line)


async def test_problems_are_refused_by_line_and_nothing_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-05-20T10:00")
    try:
        needs = (
            "        requirement: " + "很长的要求" * 101 + "\n"
            "        templates: [模板/观摩通知.docx, 模板/没有.docx, ../密码.docx, 模板/程序.exe]\n"
        )
        source = write_plan(tmp_path / "bad", needs)
        text = source.read_text("utf-8").replace("code: henan-fwxzf", "code: henan-bad", 1)
        source.write_text(text.replace("short: fw", "short: bad", 1), encoding="utf-8")
        line = text.splitlines().index(ANCHOR.rstrip("\n")) + 2
        args = (bot.app.settings, ZH, source, Overrides(), False)
        assert await plan_cli.run_import(*args) == 2
        err = capsys.readouterr().err
        assert f"第{line}行" in err and "报送要求过长(505 字),最多 500 字" in err
        assert f"第{line + 1}行" in err and "“../密码.docx”应为相对于计划文件的路径" in err
        # the syntax is right: now the files (the requirement fixed)
        fixed = needs.replace("很长的要求" * 101, "加盖公章的PDF").replace(" ../密码.docx,", "")
        source.write_text(text.replace(needs, fixed, 1), encoding="utf-8")
        assert await plan_cli.run_import(*args) == 2
        err = capsys.readouterr().err
        assert f"第{line + 1}行" in err
        assert "找不到模板文件“模板/没有.docx”" in err
        assert "模板“模板/程序.exe”的文件类型不受理" in err
        async with bot.app.store.read() as db:
            assert [p.short for p in await plans.every(db)] == ["fw"]
            assert await db.execute_fetchall("SELECT * FROM material_templates") == []
    finally:
        await bot.stop()


async def test_a_template_over_the_size_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = await ShellBot.start(tmp_path / "data", BOT_MAX_ATTACHMENT_MB=1)
    try:
        source = write_plan(tmp_path / "big", form=b"x" * (1024 * 1024 + 1))
        text = source.read_text("utf-8").replace("code: henan-fwxzf", "code: henan-big", 1)
        source.write_text(text.replace("short: fw", "short: big", 1), encoding="utf-8")
        args = (bot.app.settings, ZH, source, Overrides(), False)
        assert await plan_cli.run_import(*args) == 2
        assert "模板“模板/观摩通知.docx”超过 1 MB" in capsys.readouterr().err
    finally:
        await bot.stop()


async def test_export_writes_the_forms_beside_the_file_and_it_round_trips(
    bot: ShellBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export" / "fw.yaml"
    out.parent.mkdir()
    assert await plan_cli.run_export(bot.app.settings, ZH, "fw", out) == 0
    assert "模板文件 1 个已写到" in capsys.readouterr().out
    assert (out.parent / "模板" / "观摩通知.docx").read_bytes() == FORM
    written = yaml.safe_load(out.read_text("utf-8"))["items"][1]
    assert written["materials"][0]["requirement"] == "加盖公章的PDF(通知正式文本)\n照片不少于3张"
    assert written["materials"][0]["templates"] == ["模板/观摩通知.docx"]
    assert "requirement: |" in out.read_text("utf-8")  # several lines stay lines
    text = out.read_text("utf-8").replace("code: henan-fwxzf", "code: henan-rt", 1)
    out.write_text(text.replace("short: fw", "short: rt", 1), encoding="utf-8")
    assert await plan_cli.run_import(bot.app.settings, ZH, out, Overrides(), False) == 0
    assert await material_21(bot, "rt") == await material_21(bot, "fw")


async def test_a_replacement_changes_requirement_and_templates_and_keeps_a_missing_one(
    bot: ShellBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs = NEEDS.replace("照片不少于3张", "照片不少于5张")
    source = write_plan(tmp_path / "v2", needs, b"v2")
    args = (bot.app.settings, ZH, source, Overrides(), True)
    assert await plan_cli.run_import(*args) == 0
    out = capsys.readouterr().out
    assert "~ 材料 2.1 的报送要求已更新" in out and "~ 材料 2.1 的模板已更新(1 个)" in out
    assert await material_21(bot) == ("加盖公章的PDF(通知正式文本)\n照片不少于5张", [b"v2"])
    (tmp_path / "v2" / "模板" / "观摩通知.docx").unlink()  # sent back without its form
    assert await plan_cli.run_import(*args) == 0
    assert "模板已更新" not in capsys.readouterr().out
    assert await material_21(bot) == ("加盖公章的PDF(通知正式文本)\n照片不少于5张", [b"v2"])
    source.write_text(source.read_text("utf-8").replace(needs, ""), encoding="utf-8")
    assert await plan_cli.run_import(*args) == 0
    assert "~ 材料 2.1 的模板已更新(0 个)" in capsys.readouterr().out
    assert await material_21(bot) == (None, [])


async def test_in_chat_the_export_carries_the_forms_and_a_file_alone_cannot_bring_new_ones(
    bot: ShellBot, tmp_path: Path
) -> None:
    exported = await bot.say("/plan export fw", as_="admin")
    assert "另附模板文件 1 个" in exported and "📎 文件 观摩通知.docx" in exported
    source = write_plan(tmp_path / "chat")
    text = source.read_text("utf-8").replace("code: henan-fwxzf", "code: henan-chat", 1)
    source.write_text(text.replace("short: fw", "short: chat", 1), encoding="utf-8")
    refused = await bot.say("/plan import", as_="admin", files=[source])
    assert "找不到模板文件“模板/观摩通知.docx”" in refused and "未导入任何内容" in refused


def test_an_items_requirement_and_templates_are_its_materials_defaults() -> None:
    text = ROOT_PLAN.read_text("utf-8")
    item = "    title: 推行行政指导情况\n"
    assert item in text
    given = "    requirement: 加盖公章\n    templates: [a.docx]\n"
    own = "        requirement: 另有要求\n"
    second = "      - title: 评查行政指导案卷的结果或评选出的行政指导案例\n"
    text = text.replace(item, item + given, 1).replace(second, second + own, 1)
    plan = load_plan(text)
    first, result = plan.items[2].materials
    assert (first.requirement, [t.path for t in first.templates]) == ("加盖公章", ["a.docx"])
    assert (result.requirement, [t.path for t in result.templates]) == ("另有要求", ["a.docx"])
