"""100 people reporting at once while an admin exports and draws the board: no errors, none lost."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import pytest
from openpyxl import load_workbook

from domain.messages import Incoming, IncomingFile, Reply
from handlers import router
from tests import inspect_store
from tests.support import ShellBot

UNITS = ["郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌"]
CODES = ["1", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "4.3", "5"]


def _file(i: int) -> IncomingFile:
    async def read() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield f"report {i} ".encode() * 512
            await asyncio.sleep(0)

    return IncomingFile(name=f"材料{i}.pdf", mime="application/pdf", size=None, read=read)


def _admin(text: str) -> Incoming:
    return Incoming(channel="shell", user_ref="admin", chat_ref="admin", text=text)


async def test_hundred_reporters_while_an_admin_exports_and_draws_the_board(
    bot: ShellBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    people = [f"p{i}" for i in range(100)]
    for i, user in enumerate(people):
        await bot.invite_and_bind(UNITS[i % len(UNITS)], user)
    services = bot.app.services
    reporting_done = asyncio.Event()
    started = asyncio.Event()

    async def report(i: int, user: str) -> list[Reply]:
        await started.wait()  # everyone at once, once the first export is under way
        text = f"/report {CODES[i // len(UNITS)]} 第{i}份"
        msg = Incoming(channel="shell", user_ref=user, chat_ref=user, text=text, files=(_file(i),))
        return await router.handle(services, msg)

    async def admin() -> list[Reply]:
        out: list[Reply] = []
        while not reporting_done.is_set():
            for text in ("/export", "/board", "/board 郑州", "/status"):
                handling = asyncio.create_task(router.handle(services, _admin(text)))
                started.set()
                out += await handling
        return out

    admin_task = asyncio.create_task(admin())
    reported = await asyncio.gather(*(report(i, user) for i, user in enumerate(people)))
    reporting_done.set()
    admin_replies = await admin_task

    replies = [r for batch in reported for r in batch] + admin_replies
    assert not [r.text for r in replies if r.is_error]
    assert sum("已报送 [" in r.text for batch in reported for r in batch) == 100
    assert "database is locked" not in caplog.text
    exports = [r for r in admin_replies if r.files and r.files[0].name.endswith(".xlsx")]
    boards = [r for r in admin_replies if r.files and r.files[0].name.endswith(".png")]
    assert exports and boards
    for made in exports:  # each export taken mid-burst is a complete workbook
        book = load_workbook(made.files[0].path, read_only=True)
        assert book.sheetnames == ["进度", "报送明细", "目标", "逾期", "考评", "操作记录"]
        book.close()

    final = (await router.handle(services, _admin("/export")))[0]
    counted = re.search(r"(\d+)条报送记录", final.text)
    assert counted and int(counted.group(1)) == 100, final.text
    book = load_workbook(final.files[0].path, read_only=True)
    assert len(list(book["报送明细"].iter_rows(values_only=True))) == 101  # header + 100
    book.close()
    async with bot.app.store.read() as db:
        stored = await inspect_store.all_reports(db)
    assert len(stored) == 100 and all(len(r.files) == 1 for r in stored)
