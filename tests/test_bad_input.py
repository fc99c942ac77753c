"""Bad input gets a clear localized reply, changes nothing, and never touches another user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.messages import Incoming, IncomingFile
from handlers import router
from storage import assignments, plans
from tests.support import ShellBot


async def _snapshot(bot: ShellBot) -> list[tuple[int, str]]:
    async with bot.app.store.read() as db:
        plan = await plans.active(db)
        assert plan is not None
        rows = []
        for unit_id in range(1, 30):
            rows += [
                (r.id, r.state.value) for r in await assignments.for_unit(db, plan.id, unit_id)
            ]
        async with db.execute("SELECT COUNT(*) FROM reports") as cur:
            row = await cur.fetchone()
        rows.append((-1, str(row[0] if row else 0)))
    return rows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/nonsense", "没有“/nonsense”这个命令"),
        ("/report", "请选择要报送的材料"),
        ("/report 99.9", "没有编号为“99.9”的材料"),
        ("/report 2", "请写明具体编号:2.1, 2.2, 2.3"),
        ("/report 1 abc", "需附上材料文件"),  # a document needs its file: nothing is reported
        ("/report 1; DROP TABLE reports;--", "没有编号为"),
        ("/report 1 99999999999", "数量太大"),
        ("/withdraw", "用法:/withdraw 报送编号"),
        ("/withdraw 12abc", "用法:/withdraw 报送编号"),
        ("/withdraw 424242", "找不到报送 #424242"),
        ("/extend 2.1 明年某天 原因", "无法识别日期"),
        ("/extend 2.1 2016-01-01 原因", "新日期须晚于原时限"),
        ("/na 2.1", "用法:/na 编号 原因"),
        ("/lang fr", "用法:/lang zh 或 /lang en"),
        ("/status", "没有使用该命令的权限"),
        ("x" * 10_000, "消息太长"),
        ("😀🎉 \x00\x07\x1b[31m", "没有理解您的意思"),
        ("*_[`<b>", "没有理解您的意思"),
    ],
)
async def test_bad_input_is_answered_and_changes_nothing(
    bot: ShellBot, text: str, expected: str
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    before = await _snapshot(bot)
    out = await bot.say(text, as_="zz")
    assert expected in out
    if "已报送" not in expected:
        assert await _snapshot(bot) == before


async def test_one_users_mistake_does_not_affect_another(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("开封", "kf")
    assert "请选择要报送的材料" in await bot.say("/report", as_="zz")  # zz leaves a draft open
    assert "已报送 [1]" in await bot.say("/report 1", as_="kf", files=[pdf])
    assert "没有理解" in await bot.say("随便说点什么", as_="kf")  # kf has no draft of zz's


async def test_disallowed_and_oversized_files_are_refused_whole(
    bot: ShellBot, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ")
    out = await bot.say("/report 1", as_="zz", files=[exe])
    assert "不接受文件“setup.exe”的类型" in out
    big = tmp_path / "video.mp4"
    big.write_bytes(b"\0" * (51 * 1024 * 1024))
    ok = tmp_path / "ok.pdf"
    ok.write_bytes(b"%PDF")
    out = await bot.say("/report 1", as_="zz", files=[ok, big])
    assert "超过50MB的上限" in out
    assert "待报送材料 16 项" in await bot.say("/todo", as_="zz")
    leftovers = list((bot.app.settings.files_dir / "tmp").glob("*"))
    assert leftovers == []


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd.pdf",
        "/abs/path/x.pdf",
        "nul\x00byte.pdf",
        "CON.pdf",
        "长" * 300 + ".pdf",
        "..\\win\\a.pdf",
    ],
)
async def test_hostile_file_names_are_stored_sanitised(bot: ShellBot, hostile: str) -> None:
    await bot.invite_and_bind("郑州", "zz")

    async def content() -> AsyncIterator[bytes]:
        yield b"%PDF hostile name"

    msg = Incoming(
        channel="shell",
        user_ref="zz",
        chat_ref="zz",
        text="/report 1",
        files=(IncomingFile(name=hostile, mime="application/pdf", size=None, read=content),),
    )
    replies = await router.handle(bot.app.services, msg)
    assert "已报送 [1]" in replies[0].text
    async with bot.app.store.read() as db:
        async with db.execute("SELECT name FROM attachments") as cur:
            (name,) = await cur.fetchone()  # type: ignore[misc]
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name.endswith(".pdf") and 0 < len(name) <= 120
    assert name.split(".")[0].upper() not in {"CON", "NUL"}
    stored = list(bot.app.settings.files_dir.rglob("*"))
    assert all(bot.app.settings.files_dir in p.parents for p in stored)


async def test_control_and_bidi_characters_never_reach_an_admin(bot: ShellBot) -> None:
    """Notes, reasons and names are cleaned where they come in (issue 12, row 16)."""
    await bot.invite_and_bind("郑州", "zz")
    msg = Incoming(
        channel="shell",
        user_ref="zz",
        chat_ref="zz",
        text="/na 2.1 \x1b[31m没有\u202e相关\x07事项\u2066",
        user_name="张\u202e三\x1b]0;x\x07",
    )
    await router.handle(bot.app.services, msg)
    shown = await bot.say("/pending", as_="admin")
    assert "没有相关事项" in shown
    assert not any(ch in shown for ch in "\x1b\x07\u202e\u2066")
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall("SELECT reason FROM requests")
        names = await db.execute_fetchall("SELECT display_name FROM contacts WHERE user_ref='zz'")
    assert [r[0] for r in rows] == ["没有相关事项"] and [n[0] for n in names] == ["张三"]
