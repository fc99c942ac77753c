"""One conversation script, played on every channel: the core does not care which one."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.app import App
from storage import reports
from storage.db import to_db
from tests.fake_telegram import FakeTelegram
from tests.support import ShellBot, find_code, report_id
from tests.telegram_harness import TelegramBot, buttons, eventually, texts
from tests.wecom_support import WeComBot

PUSH_HEADER = "📨 推送给 "


class Chat(Protocol):
    """People by name ("admin", "zz") talking to the bot on one channel."""

    app: App

    async def say(self, who: str, text: str, photos: list[Path] | None = None) -> str:
        """What `who` sees in answer: replies, and pushes to them caused by this message."""
        ...

    async def tap(self, who: str, label: str) -> str:
        """Press the button labelled `label` in what `who` was last shown."""
        ...

    async def news(self, who: str) -> str:
        """Pushes `who` received because of what others said."""
        ...


class ShellChat:
    def __init__(self, bot: ShellBot) -> None:
        self.bot = bot
        self.app = bot.app
        self._news: dict[str, list[str]] = defaultdict(list)

    async def say(self, who: str, text: str, photos: list[Path] | None = None) -> str:
        printed = await self.bot.say(text, as_=who, files=photos)
        mine = []
        for block in printed.split("\n\n"):
            if block.startswith(PUSH_HEADER):
                header, _, rest = block.partition("\n")
                to = header.removeprefix(PUSH_HEADER).rstrip(":")
                if to != who:
                    self._news[to].append(rest)
                    continue
                block = rest
            mine.append(block)
        return "\n\n".join(mine)

    async def tap(self, who: str, label: str) -> str:
        shown = self.bot.shell.state.choices.get(who, {})
        number = next(n for n, c in shown.items() if c.label == label)
        return await self.say(who, str(number))

    async def news(self, who: str) -> str:
        return "\n\n".join(self._news.pop(who, []))


class WeComChat:
    def __init__(self, bot: WeComBot) -> None:
        self.bot = bot
        self.app = bot.app

    async def say(self, who: str, text: str, photos: list[Path] | None = None) -> str:
        return await self.bot.say(who, text, images=[p.read_bytes() for p in photos or []])

    async def tap(self, who: str, label: str) -> str:
        return await self.bot.tap(who, label)

    async def news(self, who: str) -> str:
        return self.bot.news(who)


class TelegramChat:
    def __init__(self, bot: TelegramBot, fake: FakeTelegram) -> None:
        self.bot = bot
        self.fake = fake
        self.app = bot.app
        self.people = {"admin": bot.admin, "zz": fake.user(1001, "zz")}
        self._read: dict[str, int] = {}
        self._albums = itertools.count(1)

    def _shown(self, who: str) -> list[dict[str, Any]]:
        """Messages in `who`'s private chat not read yet (an edit shows as a new output)."""
        chat = self.people[who]["id"]
        start = self._read.get(who, 0)
        self._read[who] = self.fake.mark()
        return [o.message for o in self.fake.since(start, chat)]

    async def say(self, who: str, text: str, photos: list[Path] | None = None) -> str:
        user = self.people[who]
        self._shown(who)
        if photos:
            group = f"album{next(self._albums)}"
            updates = [
                self.fake.message(
                    user,
                    photo=self.fake.photo(p.read_bytes()),
                    media_group_id=group,
                    **({"caption": text} if n == 0 else {}),
                )
                for n, p in enumerate(photos)
            ]
            await self.bot.handled(updates[-1])
        else:
            await self.bot.handled(self.fake.message(user, text))
        await self._pushed()
        return texts(self._shown(who))

    async def tap(self, who: str, label: str) -> str:
        user = self.people[who]
        chat = user["id"]
        shown = [o.message for o in self.fake.outputs if o.chat_id == chat]
        message = next(m for m in reversed(shown) if label in _labels(m))
        self._shown(who)
        await self.bot.tap(user, message, label)
        await self._pushed()
        return texts(self._shown(who))

    async def news(self, who: str) -> str:
        await self._pushed()
        return texts(self._shown(who))

    async def _pushed(self) -> None:
        """The outbox sender (a task of its own here) has delivered what is due."""

        async def drained() -> bool:
            async with self.app.store.read() as db:
                async with db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND not_before <= ?",
                    (to_db(self.bot.clock.now()),),
                ) as cur:
                    row = await cur.fetchone()
            return row is not None and row[0] == 0

        await eventually(drained)


def _labels(message: dict[str, Any]) -> list[str]:
    return [label for label, _ in buttons(message)]


@pytest.fixture(params=["shell", "telegram", "wecom"])
async def chat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Chat]:
    if request.param == "shell":
        shell = await ShellBot.start(tmp_path / "data", at="2016-05-20T09:05")
        yield ShellChat(shell)
        await shell.stop()
    elif request.param == "telegram":
        async with FakeTelegram() as fake:
            telegram = await TelegramBot.start(tmp_path / "data", fake, at="2016-05-20T09:05")
            yield TelegramChat(telegram, fake)
            await telegram.stop()
    else:
        wecom = await WeComBot.start(tmp_path / "data", at="2016-05-20T09:05")
        yield WeComChat(wecom)
        await wecom.stop()


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    made = []
    for n in (1, 2):
        path = tmp_path / f"现场照片{n}.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0 site meeting photo %d" % n)
        made.append(path)
    return made


async def test_the_same_conversation_on_every_channel(chat: Chat, photos: list[Path]) -> None:
    code = find_code(await chat.say("admin", "/invite 郑州 reporter"))
    assert "绑定成功" in await chat.say("zz", f"/bind {code}")
    todo = await chat.say("zz", "待办")
    assert "郑州市安全生产监督管理局待报送材料 16 项" in todo

    done = await chat.say("zz", "报送 2.1 已召开现场会", photos=photos)
    assert "已报送 [2.1] 开展观摩会或现场会等活动的通知" in done and "附件 2 个" in done
    number = report_id(done)

    pending = await chat.say("admin", "/pending")
    assert f"报送 #{number} · 郑州市 · [2.1]" in pending and "说明:已召开现场会" in pending
    accepted = await chat.tap("admin", "通过")
    assert f"已通过报送 #{number}(材料 2.1)" in accepted
    told = await chat.news("zz")
    assert f"您的报送 #{number}([2.1] 开展观摩会或现场会等活动的通知)已审核通过" in told

    history = await chat.say("zz", "/history")
    assert f"#{number} [2.1]" in history and "已通过" in history and "附件2个" in history
    assert "没有“/frobnicate”这个命令" in await chat.say("zz", "/frobnicate")
    assert "没有使用该命令的权限" in await chat.say("zz", "/pending")

    async with chat.app.store.read() as db:
        report = await reports.get(db, number)
        files = await reports.files(db, number)
    assert report is not None and report.note == "已召开现场会"
    assert sorted(f.size for f in files) == sorted(p.stat().st_size for p in photos)
