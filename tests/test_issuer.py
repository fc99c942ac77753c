"""The issuing province is not a debtor of its own plan: no 签收, no 抄报 to itself, no rank,
not named in its own bulletins; it is reminded only of what the plan says it owes (3.2)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import pushes
from tests.bulletin_support import document_lines
from tests.support import NOTICE_PDF, ShellBot

CODE = re.compile(r"\[(\d+(?:\.\d+)?)\]")


@pytest.fixture
async def year(tmp_path: Path) -> AsyncIterator[ShellBot]:
    bot = await ShellBot.start(tmp_path / "data", schedules=True)
    await bot.invite_and_bind("省局", "sj")  # a reporter of the issuing province
    await bot.invite_and_bind("郑州", "zz")
    await bot.shell.handle_line(":group 全省安监工作群")
    assert "本群已订阅" in await bot.say("/subscribe", as_="admin")
    await bot.shell.handle_line(":private")
    yield bot
    await bot.stop()


async def delivered(bot: ShellBot, user: str, kind: str) -> list[str]:
    async with bot.app.store.read() as db:
        return [p.text for p in await pushes.log(db, kind) if p.chat_ref == user]


def escalated(text: str) -> str:
    """The 抄报 section of a reminder: what the admin is told about units above it."""
    return text.split("📣 抄报", 1)[1] if "📣 抄报" in text else ""


async def test_the_province_owes_only_its_own_target_and_is_never_judged(year: ShellBot) -> None:
    bot = year
    await bot.say(":time 2016-05-23T09:30")
    assert "请签收" in "".join(await delivered(bot, "zz", "reminder"))
    assert "请签收" not in "".join(await delivered(bot, "sj", "reminder"))
    assert "没有待签收的通知" in await bot.say("/ack", as_="sj")
    todo = await bot.say("/todo", as_="sj")
    assert "待报送材料 1 项" in todo and "3.2 评查行政指导案卷的结果" in todo
    digest = "".join(await delivered(bot, "admin", "digest"))
    assert "省局" not in digest

    # 郑州 reports 3.2; the province never does. Past its deadline (31 July) and 抄报 day.
    await bot.say(":time 2016-07-25T10:00")
    assert "已报送" in await bot.say("/report 3.2 35 例", as_="zz", files=[NOTICE_PDF])
    await bot.say(":time 2016-08-16T10:00")

    told = await delivered(bot, "sj", "reminder")
    assert told and {code for text in told for code in CODE.findall(text)} == {"3.2"}
    assert any("已逾期" in text for text in told)  # nagged like anyone for what it owes
    to_admin = await delivered(bot, "admin", "reminder")
    assert any("· 郑州市" in escalated(text) for text in to_admin)  # 郑州 owes 1, 2.1…
    assert not [text for text in to_admin if "省局" in escalated(text)]

    overdue = await bot.say("/overdue 3.2", as_="admin")  # /overdue by material, one tap on
    assert "省局" in overdue  # the fact stays visible
    ranking = await bot.say("/rank", as_="admin")
    assert not re.search(r"^\d+\. 省局 ", ranking, re.M) and "省局" not in ranking
    document = document_lines(await bot.say("/bulletin", as_="admin"))
    judged = "\n".join(document[document.index("三、按时完成到期任务的单位") :])
    assert "郑州市:" in judged and "省局" not in judged
    weekly = [
        p.text
        for p in await delivered_all(bot, "group:全省安监工作群")
        if "工作进度周报" in p.text and "8月15日" in p.text
    ]
    assert len(weekly) == 1 and "郑州市" in weekly[0] and "省局" not in weekly[0]


async def delivered_all(bot: ShellBot, chat: str) -> list[pushes.Delivered]:
    async with bot.app.store.read() as db:
        return [p for p in await pushes.log(db) if p.chat_ref == chat]
