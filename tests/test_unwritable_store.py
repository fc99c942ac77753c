"""A database that cannot be written: people are told, the log says it once, admins are alarmed.

Issue 12, row 22: with a read-only `bot.sqlite3` nobody got an answer and the log grew by
~60 KB/s. The write connection is made to refuse writes with `PRAGMA query_only`, which
fails exactly as a read-only file does (SQLITE_READONLY, "attempt to write a readonly
database"); running as root, a test could not make the file itself read-only.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from storage.failures import StoreUnwritable
from tests.fake_telegram import FakeTelegram
from tests.support import ShellBot, report_id
from tests.telegram_harness import TelegramBot, texts

UNAVAILABLE = "暂时无法使用:系统现在无法保存数据,这条消息未处理。请稍后再发。"


async def read_only(bot: ShellBot | TelegramBot, on: bool = True) -> None:
    await bot.app.store.conn.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


def store_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_shell_users_are_told_and_admins_alarmed_once(
    tmp_path: Path, pdf: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await ShellBot.start(tmp_path / "data")
    try:
        await bot.invite_and_bind("郑州", "zz")
        await read_only(bot)
        caplog.set_level(logging.INFO)

        first = await bot.say("/report 1 年度方案", as_="zz", files=[pdf])
        assert UNAVAILABLE in first
        (alarm,) = [part for part in first.split("\n\n") if "无法写入" in part]
        assert "admin" in alarm and str(bot.app.settings.db_path) in alarm
        assert "attempt to write a readonly database" in alarm
        for text in ["/report 1 年度方案", "/na 2.1 不适用", "随便说一句"] * 10:
            out = await bot.say(text, as_="zz")
            assert UNAVAILABLE in out and "无法写入" not in out  # the alarm came once
        assert "年度方案制定情况" in await bot.say("/tasks", as_="zz")  # reads still work

        # 32 refused messages: one line about the store, one about the alarm, no traceback.
        logged, told = store_lines(caplog)
        assert logged.getMessage().startswith(f"cannot write {bot.app.settings.db_path}")
        assert told.getMessage().startswith("told 1 admin(s)")
        assert logged.exc_info is None and told.exc_info is None

        await read_only(bot, on=False)
        accepted = await bot.say("/report 1 年度方案", as_="zz", files=[pdf])
        assert "已报送" in accepted, accepted
        assert f"#{report_id(accepted)} [1]" in await bot.say("/history", as_="zz")
        assert "can be written again" in store_lines(caplog)[-1].getMessage()
    finally:
        await bot.stop()


async def test_a_push_sent_while_unwritable_goes_out_once_and_is_recorded_later(
    tmp_path: Path, pdf: Path
) -> None:
    bot = await ShellBot.start(tmp_path / "data")
    try:
        await bot.invite_and_bind("郑州", "zz")
        number = report_id(await bot.say("/report 1 年度方案", as_="zz", files=[pdf]))
        await bot.shell.handle_line(":as admin")
        await bot.shell.handle_line(f"/return {number} 请补充盖章件")  # queued, not yet sent
        start = bot.out.tell()
        await read_only(bot)
        for _ in range(3):  # sent, but "sent" cannot be written down: never sent again
            await bot.sender.drain()
        assert bot.out.getvalue()[start:].count("请补充盖章件") == 1
        await read_only(bot, on=False)
        await bot.sender.drain()
        assert bot.out.getvalue()[start:].count("请补充盖章件") == 1
        async with bot.app.store.read() as db:
            rows = await db.execute_fetchall("SELECT status, sent_at FROM outbox")
        assert rows and all(r[0] == "sent" and r[1] for r in rows)
    finally:
        await bot.stop()


async def test_a_write_refused_inside_the_transaction_is_rolled_back(tmp_path: Path) -> None:
    """A read-only file fails at the first write statement, not at BEGIN: same outcome."""
    bot = await ShellBot.start(tmp_path / "data")
    store = bot.app.store
    try:
        with pytest.raises(StoreUnwritable) as raised:
            async with store.write() as db:
                await db.execute("UPDATE units SET name = name || '!' WHERE id = 1")
                await db.execute("PRAGMA query_only = ON")
                await db.execute("DELETE FROM units WHERE id = 1")
        assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
        assert not store.conn.in_transaction
        await read_only(bot, on=False)
        async with store.read() as db:
            (name,) = await db.execute_fetchall("SELECT name FROM units WHERE id = 1")
        assert not str(name[0]).endswith("!")
        async with store.write() as db:  # and the next write works
            await db.execute("UPDATE units SET name = name WHERE id = 1")
    finally:
        await bot.stop()


async def test_telegram_answers_and_the_log_stays_quiet(
    tmp_path: Path, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    tg = await TelegramBot.start(tmp_path / "data", fake)
    try:
        zz = fake.user(1001, "张伟")
        await tg.bind("郑州", zz)
        await read_only(tg)
        caplog.set_level(logging.INFO)

        refused = texts(await tg.say(zz, "/na 2.1 不适用"))
        assert UNAVAILABLE in refused
        alarm = await fake.expect(tg.admin["id"], "无法写入")
        assert "attempt to write a readonly database" in alarm["text"]
        assert "年度方案制定情况" in texts(await tg.say(zz, "/tasks"))
        for _ in range(5):
            assert UNAVAILABLE in texts(await tg.say(zz, "/na 2.2 不适用"))
        await asyncio.sleep(0.5)  # polling and the sender go on meanwhile: they must stay quiet
        noisy = store_lines(caplog)
        assert [r.getMessage()[:14] for r in noisy] == ["cannot write /", "told 1 admin(s"]
        assert len(fake.calls_to("sendMessage")) < 20

        await read_only(tg, on=False)
        assert "不适用" in texts(await tg.say(zz, "/na 2.1 不适用"))
    finally:
        await read_only(tg, on=False)
        await tg.stop()
