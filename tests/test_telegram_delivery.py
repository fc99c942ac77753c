"""Sending on Telegram: long text, HTML, flood control, retries, blocked users, long buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.messages import Choice, OutgoingFile, Reply
from storage import contacts
from tests.fake_telegram import FakeTelegram
from tests.support import report_id, settings_for
from tests.telegram_harness import TelegramBot, buttons, eventually, texts


async def test_a_6000_character_message_arrives_in_two_parts_cut_at_a_line(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    lines = [
        f"{i:03d} 郑州市 [2.1] 开展观摩会或现场会等活动的通知 · 已报送 · 待审核" for i in range(150)
    ]
    text = "\n".join(lines)
    assert 5900 < len(text) < 6500
    await tg.push(str(zz["id"]), text)
    await fake.wait_for(lambda: len(fake.since(0, zz["id"])) == 2)
    parts = [o.message["text"] for o in fake.since(0, zz["id"])]
    assert all(len(p) <= 4096 for p in parts)
    assert parts[0].split("\n")[-1] in lines and parts[1].split("\n")[0] in lines
    assert "\n".join(parts) == text


async def test_html_in_user_text_is_shown_as_typed(tg: TelegramBot, fake: FakeTelegram) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    await tg.say(
        zz,
        document=fake.document("方案.pdf", b"%PDF"),
        caption="/report 6.1 <b>方案</b> & 附表 a<b",
    )
    out = await tg.say(tg.admin, "/pending")
    assert "说明:<b>方案</b> & 附表 a<b" in texts(out)  # the fake refuses malformed HTML


async def test_flood_control_pauses_every_send_for_retry_after(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    a, b = fake.user(1001), fake.user(1002)
    fake.fail(methods={"sendMessage"}, retry_after=1)
    mark = fake.mark()
    fake.message(a, "/help")
    fake.message(b, "/help")
    await fake.wait_for(lambda: len(fake.since(mark)) == 2)
    sends = fake.calls_to("sendMessage")
    refused = next(c for c in sends if c.status == 429)
    # A send already on the wire when the 429 was answered cannot have known of it; any send
    # started afterwards must wait the full retry_after.
    in_flight = 0.2
    later = [c for c in sends if c.at > refused.at + in_flight]
    assert len(later) >= 1 and all(c.at >= refused.at + 1.0 for c in later)
    assert {o.chat_id for o in fake.since(mark)} == {1001, 1002}


async def test_the_overall_send_rate_is_telegram_messages_per_second(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    with pytest.raises(ValidationError):
        settings_for(tmp_path, TELEGRAM_MESSAGES_PER_SECOND=0)
    assert settings_for(tmp_path).telegram_messages_per_second == 30  # Telegram's own limit
    bot = await TelegramBot.start(tmp_path / "data", fake, TELEGRAM_MESSAGES_PER_SECOND=5)
    try:
        chats = [fake.user(2001 + i) for i in range(5)]
        for chat in chats:  # five chats: only the overall limit applies
            await bot.push(str(chat["id"]), f"催报 {chat['id']}")
        await fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 5)
    finally:
        await bot.stop()
    starts = [c.at for c in fake.calls_to("sendMessage")]
    # 5 a second, not Telegram's default 30: the k-th send no sooner than k/5 s after the first.
    assert all(at - starts[0] >= k / 5 - 0.01 for k, at in enumerate(starts)), starts


async def test_server_errors_and_dropped_connections_are_retried(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    a = fake.user(1001)
    fake.fail(500, methods={"sendMessage"}, times=2)
    fake.fail(drop=True, methods={"sendMessage"}, times=1)
    out = await tg.say(a, "/help")
    assert len(out) == 1 and "/start" in out[0]["text"]
    assert [c.status for c in fake.calls_to("sendMessage")] == [500, 500, 0, 200]


async def test_a_user_who_blocked_the_bot_is_marked_unreachable(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    doc = fake.document("方案.pdf", b"%PDF")
    first = report_id(texts(await tg.say(zz, document=doc, caption="/report 1 方案已印发")))
    fake.block(zz["id"])

    async def unreachable() -> bool:
        async with tg.app.store.read() as db:
            found = await contacts.find(db, "telegram", "1001")
        return found is not None and found.unreachable

    assert not await unreachable()
    await tg.say(tg.admin, f"/accept {first}")  # the reporter is told: Telegram says 403
    await eventually(unreachable)
    assert [c.status for c in fake.calls_to("sendMessage") if c.params["chat_id"] == "1001"][
        -1
    ] == 403

    # Unblocking (Telegram reports it as a membership change) makes them reachable again.
    fake.unblock(zz["id"])
    bot_user = {k: fake.me[k] for k in ("id", "is_bot", "first_name", "username")}
    update = fake.push(
        {
            "my_chat_member": {
                "chat": fake.chats[1001],
                "from": zz,
                "date": 1_464_000_000,
                "old_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
                "new_chat_member": {"status": "member", "user": bot_user},
            }
        }
    )
    await tg.handled(update)
    assert not await unreachable()


async def test_a_button_action_longer_than_64_bytes_travels_as_a_token(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    action = "/report_pick " + "九" * 30  # 103 bytes
    await tg.channel.deliver("1001", Reply("请选择", choices=[[Choice("很长的按钮", action)]]))
    sent = await fake.expect(1001, "请选择")
    ((label, data),) = buttons(sent)
    assert label == "很长的按钮" and data.startswith("~") and len(data.encode()) <= 64
    out = await tg.tap(zz, sent, "很长的按钮")
    assert "九九九" in texts(out)  # the handler saw the full action (and says it is unknown)
    expired = await tg.tap(zz, sent, data="~no-such-token")
    assert texts(expired) == "这个按钮已失效,请重新发送命令。"


async def test_files_in_a_reply_go_as_documents_with_the_buttons_last(
    tg: TelegramBot, fake: FakeTelegram, tmp_path: Path
) -> None:
    fake.user(1001)
    sheet = tmp_path / "export.xlsx"
    sheet.write_bytes(b"PK\x03\x04 spreadsheet")
    short = Reply("郑州市报送明细", choices=[[Choice("通过", "/accept 1")]])
    short.files = [OutgoingFile(str(sheet), "郑州市报送明细.xlsx")]
    await tg.channel.deliver("1001", short)
    doc = await fake.expect(1001, "郑州市报送明细")
    assert doc["document"]["file_name"] == "郑州市报送明细.xlsx" and buttons(doc) == [
        ("通过", "/accept 1")
    ]
    upload = fake.calls_to("sendDocument")[-1].uploads["document"]
    assert upload == ("郑州市报送明细.xlsx", b"PK\x03\x04 spreadsheet")

    mark = fake.mark()
    long = Reply("明细\n" + "\n".join(f"第{i}行" for i in range(400)), choices=short.choices)
    long.files = short.files
    await tg.channel.deliver("1001", long)
    await fake.wait_for(lambda: any("document" in o.message for o in fake.since(mark)))
    sent = [o.message for o in fake.since(mark)]
    assert "document" not in sent[0] and sent[0]["text"].startswith("明细")  # too long to caption
    assert "caption" not in sent[-1] and buttons(sent[-1]) == [("通过", "/accept 1")]


async def test_buttons_under_a_file_are_removed_when_the_file_cannot_be_edited(
    tg: TelegramBot, fake: FakeTelegram, tmp_path: Path
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(b"%PDF notice")
    offer = Reply("请确认", choices=[[Choice("取消", "/report_cancel")]])
    offer.files = [OutgoingFile(str(pdf), "notice.pdf")]
    await tg.channel.deliver("1001", offer)
    doc = await fake.expect(1001, "请确认")
    out = await tg.tap(zz, doc, "取消")
    assert "reply_markup" not in fake.messages[(1001, doc["message_id"])]  # no live buttons
    assert "已取消本次报送" in texts(out)
