"""A plan file sent in chat: `/plan import` with the file previews it as a draft with buttons
发布 / 修改 / 取消; 修改 returns the YAML, a corrected file re-previews the same draft, 发布
sends the 签收 notices, 取消 removes the draft; a bad file is answered by line, storing nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from storage import contacts, drafts, plans
from tests.support import ROOT_PLAN, ShellBot

TITLE = "title: 2016年度全省安全监管系统推进服务型行政执法建设工作方案"
NOTICE = Path(__file__).resolve().parent / "files" / "henan-2016-notice.txt"  # as received


def plan_copy(tmp_path: Path, code: str, short: str, title: str, name: str) -> Path:
    """The sample plan under another code, short code and title, so it clashes with nothing."""
    text = ROOT_PLAN.read_text("utf-8")
    text = text.replace("code: henan-fwxzf", f"code: {code}").replace(
        "short: fw", f"short: {short}"
    )
    assert TITLE in text
    text = text.replace(TITLE, f"title: {title}")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def button(out: str, label: str) -> str:
    match = re.search(r"\[(\d+)\] " + label, out)
    assert match, f"no {label} button in {out!r}"
    return match.group(1)


def sent_file(out: str) -> Path:
    match = re.search(r"📎 文件 (\S+?\.yaml)\W(/.+\.yaml)\W", out)
    assert match, out
    return Path(match.group(2))


async def titles(bot: ShellBot) -> list[str]:
    async with bot.app.store.read() as db:
        return [p.title for p in await plans.every(db)]


async def rows(bot: ShellBot) -> list[int]:
    """How many items, materials and assignments the store holds."""
    counted = []
    async with bot.app.store.read() as db:
        for table in ("items", "materials", "assignments"):
            found = await db.execute_fetchall(f"SELECT COUNT(*) FROM {table}")
            counted.append(int(next(iter(found))[0]))
    return counted


async def test_an_admin_sends_a_plan_edits_it_and_publishes_it(
    bot: ShellBot, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    path = plan_copy(tmp_path, "henan-zxzz", "zx", "2016年危险化学品专项整治方案", "zx.yaml")
    out = await bot.say("/plan import", as_="admin", files=[path])
    assert "已导入草稿" in out and "2016年危险化学品专项整治方案" in out, out
    assert "豫安监管﹝2016﹞41号" in out and "简称 zx" in out
    assert re.search(r"\d+ 个事项,\d+ 项材料,发往 \d+ 个单位", out), out
    assert re.search(r"2\.1 .+ · 截止 \d+月\d+日\(周.", out), out  # dates with their weekday
    assert "另有" in out or "等" in out  # a long list is cut for a phone
    assert "发往:" in out and "郑州" in out
    for label in ("发布", "修改", "取消"):
        button(out, label)

    edit = await bot.say(button(out, "修改"), as_="admin")
    exported = sent_file(edit)
    assert exported.name.endswith(".yaml") and "henan-zxzz" in exported.read_text("utf-8")
    corrected = tmp_path / "corrected" / "henan-zxzz-2016.yaml"
    corrected.parent.mkdir()
    text = exported.read_text("utf-8").replace(
        "2016年危险化学品专项整治方案", "2016年危化品整治方案"
    )
    corrected.write_text(text, encoding="utf-8")
    again = await bot.say("/plan import", as_="admin", files=[corrected])
    assert "已用新文件更新草稿" in again and "2016年危化品整治方案" in again, again
    every = await titles(bot)
    assert "2016年危化品整治方案" in every and "2016年危险化学品专项整治方案" not in every
    assert len(every) == 2  # the sample and this one: the same draft, replaced

    published = await bot.say(button(again, "发布"), as_="admin")
    assert "已发布" in published and "1 位联系人" in published, published
    assert "新任务:2016年危化品整治方案" in bot.out.getvalue()
    assert "签收" in await bot.say("/ack zx", as_="zz")
    # Published, it is no longer a draft: neither replaced from chat nor discarded.
    refused = await bot.say("/plan import", as_="admin", files=[corrected])
    assert "plan import --replace" in refused and "2016年危化品整治方案" in str(await titles(bot))
    assert "不是草稿" in await bot.say("/plan discard zx", as_="admin")


async def test_discard_removes_a_draft(bot: ShellBot, tmp_path: Path) -> None:
    path = plan_copy(tmp_path, "henan-qt", "qt", "2016年其他工作方案", "qt.yaml")
    before = await rows(bot)
    out = await bot.say("/plan import", as_="admin", files=[path])
    assert "已导入草稿" in out, out
    assert await rows(bot) != before
    listed = await bot.say("/plans", as_="admin")
    assert "[qt] 2016年其他工作方案" in listed and "草稿" in listed, listed
    gone = await bot.say("/plan discard qt", as_="admin")  # typed, as the button says
    assert "已取消草稿" in gone, gone
    out = await bot.say("/plan import", as_="admin", files=[path])
    gone = await bot.say(button(out, "取消"), as_="admin")
    assert "已取消草稿" in gone, gone
    assert "其他工作方案" not in await bot.say("/plans", as_="admin")
    assert await titles(bot) == ["2016年度全省安全监管系统推进服务型行政执法建设工作方案"]
    assert await rows(bot) == before  # its items, materials and assignments went with it
    # The same file can be sent again afterwards.
    assert "已导入草稿" in await bot.say("/plan import", as_="admin", files=[path])


async def test_a_bad_file_gets_its_problems_by_line_and_stores_nothing(
    bot: ShellBot, tmp_path: Path
) -> None:
    path = plan_copy(tmp_path, "henan-qt", "qt", "2016年其他工作方案", "qt.yaml")
    lines = path.read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  document:"))
    lines[at] = lines[at].replace("document:", "documnet:")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = await titles(bot)
    out = await bot.say("/plan import", as_="admin", files=[path])
    assert "qt.yaml" in out and f"第{at + 1}行" in out and "documnet" in out, out
    assert "未导入任何内容" in out
    assert await titles(bot) == before


async def test_only_a_province_admin_imports(bot: ShellBot, tmp_path: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    path = plan_copy(tmp_path, "henan-qt", "qt", "2016年其他工作方案", "qt.yaml")
    before = await titles(bot)
    out = await bot.say("/plan import", as_="zz", files=[path])
    assert "已导入" not in out
    assert await titles(bot) == before
    await bot.invite_and_bind("郑州", "zzadmin", role="admin")
    out = await bot.say("/plan import", as_="zzadmin", files=[path])
    assert "已导入" not in out and await titles(bot) == before


async def test_import_without_a_file_says_how(bot: ShellBot) -> None:
    assert "连同 /plan import" in await bot.say("/plan import", as_="admin")


async def test_the_notice_as_received_is_previewed_and_published(bot: ShellBot) -> None:
    """The seed notice in plain text, sent in chat as it is: a draft, previewed, published."""
    await bot.invite_and_bind("郑州", "zz")
    notice = Path(__file__).resolve().parent / "files" / "henan-2016-notice.txt"
    out = await bot.say("/plan import", as_="admin", files=[notice])
    assert "已导入草稿" in out and "16" in out and "周二" in out, out
    short = next(line for line in out.splitlines() if "简称" in line)
    assert "doc" in short  # made up from the 文号: the notice names no code of its own
    published = await bot.say("/plan publish doc", as_="admin")
    assert "已发布" in published
    assert "【doc】" in await bot.say("/todo", as_="zz")


async def test_the_excel_sheet_is_imported_in_chat(bot: ShellBot, tmp_path: Path) -> None:
    from tests.test_plan_xlsx import workbook

    sheet = tmp_path / "细则.xlsx"
    workbook(sheet)
    out = await bot.say("/plan import", as_="admin", files=[sheet])
    assert "已导入草稿" in out and "周二" in out, out


async def admin_draft_files(bot: ShellBot) -> list[str]:
    """The names of the files waiting in the admin's report draft."""
    async with bot.app.store.read() as db:
        admin = await contacts.find(db, "shell", "admin")
        assert admin is not None
        draft = await drafts.get(db, admin.id)
    return [f.name for f in draft.files] if draft else []


async def test_a_file_sent_first_is_imported_by_plan_import_after_it(bot: ShellBot) -> None:
    """WeCom and Telegram users send the file, then the command: the file waits ten minutes."""
    await bot.invite_and_bind("郑州", "zz")
    alone = await bot.say("", as_="admin", files=[NOTICE])  # `:attach`, then the file alone
    assert "已收到文件“henan-2016-notice.txt”" in alone, alone
    assert "10 分钟内发送 /plan import" in alone
    assert "请选择要报送的材料" in alone  # it may still be a report's file: both are offered
    bot.clock.advance(timedelta(minutes=9))
    out = await bot.say("/plan import", as_="admin")
    assert "已导入草稿" in out and "9 个事项,16 项材料" in out, out
    button(out, "发布")
    assert await admin_draft_files(bot) == []  # taken out of the report draft
    again = await bot.say("/plan import", as_="admin")  # used once, not twice
    assert "连同 /plan import" in again and "已导入" not in again, again
    # A reporter's file alone is a report's, as before: no word of importing.
    reporter = await bot.say("", as_="zz", files=[NOTICE])
    assert "请选择要报送的材料" in reporter and "/plan import" not in reporter, reporter


async def test_a_file_sent_long_before_is_not_taken(bot: ShellBot) -> None:
    await bot.say("", as_="admin", files=[NOTICE])
    before = await titles(bot)
    bot.clock.advance(timedelta(minutes=11))
    out = await bot.say("/plan import", as_="admin")
    assert "“henan-2016-notice.txt”已超过 10 分钟" in out and "请重新发送" in out, out
    assert await titles(bot) == before
    assert await admin_draft_files(bot) == ["henan-2016-notice.txt"]  # still there for a report


async def test_a_yaml_file_alone_is_asked_for_with_the_command(
    bot: ShellBot, tmp_path: Path
) -> None:
    path = plan_copy(tmp_path, "henan-qt", "qt", "2016年其他工作方案", "qt.yaml")
    out = await bot.say("", as_="admin", files=[path])
    assert "“qt.yaml”" in out and "连同 /plan import 一起发送" in out, out
    assert await admin_draft_files(bot) == []


async def test_a_word_notice_with_a_deadline_naming_no_date_is_confirmed_by_publishing(
    bot: ShellBot, tmp_path: Path
) -> None:
    """持续推进 where item 2's deadline stands: the preview says it will be "on request", the
    button says 确认并发布, and publishing it is the confirmation."""
    from tests.notice_documents import seed_body, seed_notes, seed_rows, write_docx

    notice = tmp_path / "通知.docx"
    rows = seed_rows({"组织开展观摩、交流等情况/1": "持续推进"})
    write_docx(notice, seed_body(), rows, seed_notes())
    out = await bot.say("/plan import", as_="admin", files=[notice])
    assert "已导入草稿" in out and "持续推进" in out and "按“按要求报送”导入" in out, out
    assert "[" in out and "确认并发布" in out
    published = await bot.say(button(out, "确认并发布"), as_="admin")
    assert "已发布" in published, published
    async with bot.app.store.read() as db:
        stored = next(p for p in await plans.every(db) if p.code == "doc-2016-41")
        kinds = {m.code: m.deadline_kind for m in await plans.materials(db, stored.id)}
    assert {kinds["2.1"], kinds["2.2"], kinds["2.3"]} == {"on_request"}
    assert stored.state.value == "published"
