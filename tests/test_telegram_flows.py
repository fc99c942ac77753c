"""The real bot through the fake Bot API: registration, /todo, buttons, albums, review."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from bot import cli
from storage import contacts, reports
from tests.fake_telegram import FakeTelegram
from tests.support import find_code, report_id, stored_bytes
from tests.telegram_harness import TelegramBot, buttons, texts


def _last_with(messages: list[dict], text: str) -> dict:
    found = [m for m in messages if text in (m.get("text") or "")]
    assert found, texts(messages)
    return found[-1]


async def test_invite_prints_a_deep_link_that_binds(
    tg: TelegramBot, fake: FakeTelegram, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    assert await asyncio.to_thread(cli.main, ["invite", "郑州", "--role", "reporter"]) == 0
    printed = capsys.readouterr().out
    code = find_code(printed)
    assert f"https://t.me/duban_test_bot?start={code}" in printed  # username from getMe

    zz = fake.user(1001, "张伟")
    out = await tg.say(zz, f"/start {code}")  # what Telegram sends when the link is opened
    assert "绑定成功:您现在是郑州市安全生产监督管理局的填报员" in texts(out)
    async with tg.app.store.read() as db:
        found = await contacts.find(db, "telegram", "1001")
    assert found is not None and found.display_name == "张伟"


async def test_todo_lists_outstanding_materials_with_report_buttons(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    out = await tg.say(zz, "/todo")
    todo = _last_with(out, "待报送材料 16 项")
    assert ("报送 1", "/report_pick 1") in buttons(todo)
    assert ("报送 6.1", "/report_pick 6.1") in buttons(todo)


async def test_report_by_buttons_with_an_album_and_a_pdf(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    picker = _last_with(await tg.say(zz, "/report"), "请选择要报送的材料")
    step = (await tg.tap(zz, picker, "2.1"))[0]
    assert step["message_id"] == picker["message_id"]  # the picker became the next step
    assert "现在请发送附件" in step["text"]
    assert [label for label, _ in buttons(step)] == ["完成", "取消"]

    shots = [bytes([0xFF, 0xD8, 0xFF, i]) + b"site photo " * (500 + i) for i in range(3)]
    mark = fake.mark()
    album = [
        fake.message(zz, photo=fake.photo(shot), media_group_id="A1", **extra)
        for shot, extra in zip(shots, [{}, {"caption": "观摩会现场"}, {}], strict=True)
    ]
    await tg.handled(album[-1])
    said = fake.since(mark, zz["id"])
    assert [o.message["text"] for o in said] == [
        "已添加 3 个附件(共 3 个)。继续发送,或点击“完成”。"
    ]

    pdf = b"%PDF-1.4 notice of the site meeting\n" * 40
    added = await tg.say(zz, document=fake.document("观摩会通知.pdf", pdf, mime="application/pdf"))
    assert "已添加 1 个附件(共 4 个)" in texts(added)

    done = (await tg.tap(zz, added[-1], "完成"))[0]  # 完成 files it at once
    assert done["message_id"] == added[-1]["message_id"]  # the tapped card became the receipt
    assert "已报送 [2.1]" in done["text"] and "附件 4 个" in done["text"]
    assert [label for label, _ in buttons(done)] == ["撤回"]  # the undo of 完成

    async with tg.app.store.read() as db:
        stored = await reports.files(db, report_id(done["text"]))
        filed = await reports.get(db, report_id(done["text"]))
    assert filed is not None and filed.note == "观摩会现场"
    assert "观摩会通知.pdf" in [f.name for f in stored]
    expected = {hashlib.sha256(c).hexdigest() for c in [*shots, pdf]}
    assert {f.sha256 for f in stored} == expected  # the originals, not the thumbnails
    for f in stored:
        content = await stored_bytes(tg.app.services.files, f.sha256)
        assert hashlib.sha256(content).hexdigest() == f.sha256


async def test_a_command_in_a_photo_caption_reports_at_once(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    out = await tg.say(
        zz, photo=fake.photo(b"\xff\xd8 plan photo" * 50), caption="/report 6.1 年度方案"
    )
    assert "已报送 [6.1]" in texts(out) and "附件 1 个" in texts(out)
    assert ("撤回", f"/withdraw {report_id(texts(out))}") in buttons(out[-1])


async def test_admin_accepts_and_returns_with_buttons(tg: TelegramBot, fake: FakeTelegram) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    first = report_id(
        texts(await tg.say(zz, document=fake.document("a.pdf", b"%PDF a"), caption="/report 1"))
    )
    doc = fake.document("b.pdf", b"%PDF b")
    second = report_id(texts(await tg.say(zz, document=doc, caption="/report 6.1 已制定")))

    listing = await tg.say(tg.admin, "/pending")
    item = _last_with(listing, f"报送 #{first}")
    accepted = (await tg.tap(tg.admin, item, "通过"))[0]
    assert accepted["message_id"] == item["message_id"]
    assert f"已通过报送 #{first}" in accepted["text"] and "reply_markup" not in accepted
    await fake.expect(zz["id"], f"您的报送 #{first}([1]")

    item = _last_with(listing, f"报送 #{second}")
    _last_with(await tg.tap(tg.admin, item, "退回"), f"请回复退回报送 #{second} 的原因")  # anew
    assert "reply_markup" not in fake.messages[(tg.admin["id"], item["message_id"])]
    returned = await tg.say(tg.admin, "缺少正式印发的文件")
    assert f"已退回报送 #{second}" in texts(returned)
    told = await fake.expect(zz["id"], f"报送 #{second}")
    assert "原因:缺少正式印发的文件" in told["text"]

    stale = await tg.tap(tg.admin, item, data=f"/accept {second}")  # e.g. a second admin's copy
    assert f"报送 #{second} 不在待审核状态" in texts(stale)
