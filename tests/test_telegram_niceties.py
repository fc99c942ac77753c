"""Telegram niceties: questions as ForceReply, invite QR codes, edited commands, scoped menus."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from PIL import Image

from domain import qr_code
from storage import telegram as store_telegram
from storage.db import Store
from tests.fake_telegram import FakeTelegram
from tests.support import ShellBot, find_code, local, report_id
from tests.telegram_harness import TelegramBot, texts

GROUP = -100_700
ASK = {"force_reply": True, "selective": True}


async def _report(tg: TelegramBot, fake: FakeTelegram, user: dict, code: str = "6.1") -> int:
    doc = fake.document(f"{code}.pdf", b"%PDF " + code.encode())
    return report_id(texts(await tg.say(user, document=doc, caption=f"/report {code} 已制定")))


def _markup_of(fake: FakeTelegram, message: dict) -> dict | None:
    """The reply_markup the bot sent with a message (a ForceReply is not kept on it)."""
    found = [
        c.params.get("reply_markup")
        for c in fake.calls_to("sendMessage")
        if c.params["chat_id"] == str(message["chat"]["id"])
        and message["text"].split()[-1] in c.params["text"]
    ]
    assert found, message
    return found[-1]


def _asking(messages: list[dict], text: str) -> dict:
    found = [m for m in messages if text in (m.get("text") or "")]
    assert found, texts(messages)
    return found[-1]


async def test_a_reason_asked_after_a_tap_opens_the_keyboard_and_a_plain_answer_completes_it(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    rid = await _report(tg, fake, zz)
    item = _asking(await tg.say(tg.admin, "/pending"), f"报送 #{rid}")
    asked = _asking(await tg.tap(tg.admin, item, "退回"), f"请回复退回报送 #{rid} 的原因")
    assert _markup_of(fake, asked) == ASK
    assert asked["message_id"] != item["message_id"]  # an edit cannot carry a ForceReply
    assert "reply_markup" not in fake.messages[(item["chat"]["id"], item["message_id"])]
    returned = await tg.say(tg.admin, "缺少正式印发的文件")  # typed, not as a reply
    assert f"已退回报送 #{rid}" in texts(returned)
    assert all(_markup_of(fake, m) != ASK for m in returned)


async def test_in_a_group_the_question_is_for_the_admin_and_the_reply_answers_it(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    first, second = await _report(tg, fake, zz, "1"), await _report(tg, fake, zz)
    group = fake.group(GROUP, "工作群")

    out = await tg.say(tg.admin, f"/return {first}", chat=group)
    asked = _asking(out, f"请回复退回报送 #{first} 的原因")
    assert asked["chat"]["id"] == GROUP and _markup_of(fake, asked) == ASK
    command = fake.messages[(GROUP, asked["reply_to_message"]["message_id"])]
    assert command["from"]["id"] == tg.admin["id"]  # selective: only the asker's keyboard opens
    answered = await tg.say(tg.admin, "盖章页缺失", chat=group, reply_to=asked)
    assert f"已退回报送 #{first}" in texts(answered)

    # A tapped button in a group has no message of the admin's to reply to: the admin is named.
    listed = await tg.say(tg.admin, "/pending")
    item = _asking(listed, f"报送 #{second}")
    moved = dict(item, chat=group)
    fake.messages[(GROUP, item["message_id"])] = moved
    mark = len(fake.calls_to("sendMessage"))
    asked = _asking(await tg.tap(tg.admin, moved, "退回"), f"请回复退回报送 #{second} 的原因")
    assert _markup_of(fake, asked) == ASK
    sent = fake.calls_to("sendMessage")[mark:]
    assert any(f'href="tg://user?id={tg.admin["id"]}"' in c.params["text"] for c in sent)
    answered = await tg.say(tg.admin, "附件不全", chat=group, reply_to=asked)
    assert f"已退回报送 #{second}" in texts(answered)


def _modules(png: bytes, size: int) -> tuple[tuple[bool, ...], ...]:
    """Read a QR picture back: the centre pixel of each module, dark or not."""
    picture = Image.open(io.BytesIO(png)).convert("L")
    assert picture.size == ((size + 2 * qr_code.BORDER) * qr_code.SCALE,) * 2
    pixels = picture.tobytes()  # one byte per pixel, row by row
    width, step = picture.size[0], qr_code.SCALE

    def dark(x: int, y: int) -> bool:
        cx, cy = ((qr_code.BORDER + i) * step + step // 2 for i in (x, y))
        return pixels[cy * width + cx] < 128

    return tuple(tuple(dark(x, y) for x in range(size)) for y in range(size))


async def test_invite_in_chat_sends_the_deep_link_and_its_qr_code(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    out = await tg.say(tg.admin, "/invite 郑州 reporter")
    [photo] = [m for m in out if "photo" in m]
    code = find_code(photo["caption"])
    link = f"https://t.me/duban_test_bot?start={code}"  # the name from getMe
    assert link in photo["caption"]
    [call] = fake.calls_to("sendPhoto")
    name, png = call.uploads["photo"]
    assert name.endswith(".png") and png.startswith(b"\x89PNG\r\n\x1a\n")
    expected = qr_code.matrix(link)
    assert _modules(png, len(expected)) == expected  # the picture is the link's QR code

    zz = fake.user(1001, "张伟")
    assert "绑定成功" in texts(await tg.say(zz, f"/start {code}"))  # what scanning it sends


def _edit(fake: FakeTelegram, message: dict, text: str) -> dict:
    """Telegram's edited_message update: the same message, new text."""
    edited = dict(message, text=text, edit_date=message["date"] + 30)
    if text.startswith("/"):
        length = len(text.split()[0])
        edited["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    else:
        edited.pop("entities", None)
    return {"edited_message": edited}


async def test_a_command_edited_before_the_bot_got_to_it_is_handled_as_edited(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    first = await TelegramBot.start(tmp_path / "data", fake)
    zz = fake.user(1001)
    await first.bind("郑州", zz)
    await first.stop()
    # The bot was down: the typo and its correction wait together (here in the inbox).
    typo = fake.message(zz, "/statr", push=False) | {"update_id": 700_001}
    fixed = _edit(fake, typo["message"], "/start") | {"update_id": 700_002}
    store = Store(tmp_path / "data" / "bot.sqlite3")
    await store.open()
    async with store.write() as db:
        rows = [(u["update_id"], json.dumps(u)) for u in (typo, fixed)]
        await store_telegram.inbox_save(db, rows, local("2016-05-20T09:00"))
    await store.close()

    mark = fake.mark()
    second = await TelegramBot.start(tmp_path / "data", fake)
    try:
        await fake.expect(1001, "您已绑定为郑州")
        await second.channel.lanes.idle()
        said = texts([o.message for o in fake.since(mark)])
        assert "没有“/statr”这个命令" not in said and said.count("您已绑定为") == 1
    finally:
        await second.stop()


async def test_an_edit_after_the_answer_is_not_applied_and_chatter_edited_into_a_command_is(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    said = fake.message(zz, "/start")
    await tg.handled(said)
    mark = fake.mark()
    await tg.handled(fake.push(_edit(fake, said["message"], "/help")))
    out = [o.message for o in fake.since(mark)]
    assert len(out) == 1 and "修改后的内容不会生效" in out[0]["text"]

    group = fake.group(GROUP, "工作群")
    chatter = fake.message(zz, "大家好", chat=group)
    await tg.handled(chatter)
    mark = fake.mark()
    await tg.handled(fake.push(_edit(fake, chatter["message"], "大家好,明天交")))
    assert fake.since(mark) == []  # still chatter: left alone
    await tg.handled(fake.push(_edit(fake, chatter["message"], "/start@duban_test_bot")))
    assert "您已绑定为郑州" in texts([o.message for o in fake.since(mark)])


def _menu(fake: FakeTelegram, scope: dict, language: str = "") -> list[str] | None:
    commands = fake.commands.get(f"{json.dumps(scope, sort_keys=True)}|{language}")
    return None if commands is None else [c["command"] for c in commands]


async def test_menus_follow_a_persons_role_and_groups_have_their_own(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    groups = {"type": "all_group_chats"}
    await fake.wait_for(lambda: _menu(fake, groups, "en"))
    in_groups = _menu(fake, groups)
    assert in_groups is not None and {"status", "todo", "subscribe"} <= set(in_groups)
    assert "invite" not in in_groups

    zz = fake.user(1001)
    own = {"type": "chat", "chat_id": 1001}
    await tg.bind("郑州", zz)
    assert _menu(fake, own) is None  # a reporter has everyone's menu
    await tg.bind("郑州", zz, "admin")  # promoted
    promoted = _menu(fake, own)
    assert promoted is not None and {"pending", "return", "invite"} <= set(promoted)
    await tg.bind("郑州", zz, "reporter")  # demoted
    assert _menu(fake, own) is None
    [deleted] = fake.calls_to("deleteMyCommands")[-1:]
    assert deleted.params["scope"] == own


async def test_the_shell_shows_the_link_and_the_qr_file_when_the_bots_name_is_set(
    tmp_path: Path,
) -> None:
    plain = await ShellBot.start(tmp_path / "plain")
    try:
        out = await plain.say("/invite 郑州 reporter")
        assert find_code(out) and "t.me" not in out and ".png" not in out
    finally:
        await plain.stop()
    named = await ShellBot.start(tmp_path / "named", TELEGRAM_BOT_USERNAME="@duban_bot")
    try:
        out = await named.say("/invite 郑州 reporter")
        link = f"https://t.me/duban_bot?start={find_code(out)}"
        assert link in out
        [png] = [Path(p) for p in re.findall(r"(/[^()()\s]+\.png)", out)]
        assert png.read_bytes() == qr_code.png(link)
    finally:
        await named.stop()
