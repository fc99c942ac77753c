"""Telegram pieces without a network: text cutting, addressing, attachments, albums, lanes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update, User

from bot.telegram.albums import Albums
from bot.telegram.client import api_urls, is_loopback
from bot.telegram.files import attachments
from bot.telegram.inbound import addressed_text
from bot.telegram.lanes import Lanes
from bot.telegram.menu import commands_for
from bot.telegram.render import CAPTION_LIMIT, TEXT_LIMIT, escape, split_text, utf16_len
from domain.model import Role
from locales import Translator
from tests.fake_telegram import FakeTelegram, check_update
from tests.support import SHANGHAI, settings_for

ME = User(7_000_001, "督办助手", is_bot=True, username="duban_test_bot")


def _message(fake: FakeTelegram, *args, **kwargs):
    update = check_update(fake.message(*args, push=False, **kwargs) | {"update_id": 1})
    assert update.message is not None
    return update.message


@given(st.lists(st.text(alphabet="报送材料ab 😀\t", max_size=300), max_size=60))
def test_split_text_keeps_every_line_and_respects_the_limit(lines: list[str]) -> None:
    text = "\n".join(lines)
    parts = split_text(text, 500)
    assert all(utf16_len(p) <= 500 for p in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)  # nothing lost
    if all(utf16_len(line) <= 500 for line in lines):  # then cut only at line ends
        kept = [line for part in parts for line in part.split("\n") if line.strip()]
        assert kept == [line for line in lines if line.strip()]


def test_split_text_counts_as_telegram_does() -> None:
    emoji = "😀" * 3000  # 6000 UTF-16 units
    assert [utf16_len(p) for p in split_text(emoji)] == [4096, 1904]
    assert split_text("短消息") == ["短消息"] and split_text("  \n ") == []
    assert len(split_text("字" * CAPTION_LIMIT, CAPTION_LIMIT)) == 1
    assert TEXT_LIMIT == 4096


def test_escape_leaves_chinese_alone() -> None:
    assert escape("a<b>&“引号” ") == "a&lt;b&gt;&amp;“引号” "


async def test_what_in_a_group_is_meant_for_the_bot() -> None:
    fake = FakeTelegram()
    zz = fake.user(1001)
    group = fake.group(-5, "群")

    def said(text: str, **fields: object) -> str | None:
        return addressed_text(_message(fake, zz, text, chat=group, **fields), ME)

    assert said("/todo") == "/todo"
    assert said("／todo") == "／todo"  # full-width slash from a Chinese keyboard
    assert said("/todo@duban_test_bot") == "/todo@duban_test_bot"
    assert said("/todo@OtherBot") is None
    assert said("今天下午开会") is None
    assert said("@duban_test_bot /status") == "/status"
    bot_msg = {
        "message_id": 9,
        "date": 0,
        "chat": group,
        "from": ME.to_dict(),
        "text": "请回复原因",
    }
    assert said("缺少签到表", reply_to=bot_msg) == "缺少签到表"
    assert addressed_text(_message(fake, zz, "随便说说"), ME) == "随便说说"  # private: all


async def test_attachments_take_the_largest_photo_and_name_the_nameless() -> None:
    fake = FakeTelegram()
    zz = fake.user(1001)
    photo = fake.photo(b"\xff\xd8" + b"p" * 1000)
    (found,) = attachments(_message(fake, zz, photo=photo))
    assert found.file_id == photo[-1]["file_id"] and found.name.endswith(".jpg")
    voice = fake.media("voice", b"OggS")
    (found,) = attachments(_message(fake, zz, voice=voice))
    assert found.name.startswith("voice_") and found.name.endswith(".ogg")
    doc = fake.document("报告.pdf", b"%PDF")
    (found,) = attachments(_message(fake, zz, document=doc, caption="/report 1"))
    assert (found.name, found.size) == ("报告.pdf", 4)


async def test_an_album_completes_when_the_chat_falls_quiet() -> None:
    albums: Albums[str] = Albums(quiet=0.05)
    album = albums.add("chat:g1", "first")
    assert album is not None
    waiting = asyncio.create_task(album.complete())
    for item in ("second", "third"):
        await asyncio.sleep(0.02)  # arriving inside the quiet window keeps it open
        assert albums.add("chat:g1", item) is None
    assert await asyncio.wait_for(waiting, 1) == ["first", "second", "third"]
    late = albums.add("chat:g1", "late")  # after completion: a new album, not lost
    assert late is not None and late.items == ["late"]


async def test_lanes_keep_each_chat_in_order_and_chats_apart() -> None:
    lanes = Lanes()
    log: list[str] = []
    gate = asyncio.Event()

    def job(name: str, wait: bool = False):
        async def run() -> None:
            if wait:
                await gate.wait()
            log.append(name)

        return run

    lanes.submit("a", job("a1", wait=True))
    lanes.submit("a", job("a2"))
    lanes.submit("b", job("b1"))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert log == ["b1"]  # chat b is not held up by chat a
    gate.set()
    await asyncio.wait_for(lanes.idle(), 1)
    assert log == ["b1", "a1", "a2"] and lanes.pending == 0


def test_menus_list_what_each_role_may_use() -> None:
    zh = Translator("zh_CN", SHANGHAI)
    reporter = {c.command for c in commands_for(Role.REPORTER, zh)}
    admin = {c.command for c in commands_for(Role.UNIT_ADMIN, zh)}
    assert {"todo", "report", "history"} <= reporter and "pending" not in reporter
    assert {"pending", "status", "invite", "subscribe"} <= admin
    assert "report_pick" not in admin  # button steps stay out of the menu
    en = {c.description for c in commands_for(Role.REPORTER, Translator("en", SHANGHAI))}
    assert en.isdisjoint({c.description for c in commands_for(Role.REPORTER, zh)})


@pytest.mark.parametrize(
    ("base", "files"),
    [
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/file/bot"),
        ("http://localhost:8081/bot", "http://localhost:8081/file/bot"),
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
    ],
)
def test_api_urls_accept_a_server_root(tmp_path: Path, base: str, files: str) -> None:
    settings = settings_for(tmp_path, TELEGRAM_API_BASE_URL=base)
    assert api_urls(settings) == (base.removesuffix("/bot") + "/bot", files)


def test_loopback_servers_are_recognised() -> None:
    assert is_loopback("http://127.0.0.1:8081/bot") and is_loopback("http://[::1]:8081/bot")
    assert is_loopback("http://localhost:8081/bot")
    assert not is_loopback("https://api.telegram.org/bot")
    assert not is_loopback("http://10.0.0.5:8081/bot")


def test_updates_with_unknown_fields_are_refused_by_the_fake() -> None:
    fake = FakeTelegram()
    zz = fake.user(1001)
    update = fake.message(zz, "/todo", push=False) | {"update_id": 3}
    assert isinstance(check_update(update), Update)
    update["message"]["captoin"] = "typo"
    with pytest.raises(AssertionError, match="captoin"):
        check_update(update)
