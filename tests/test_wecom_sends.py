"""Sends that fit WeCom: long answers compacted, big files as links, media uploaded once,
duplicate_check closing the crash gap, one budget per member, robots with pictures."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.wecom.api import DUPLICATE_WINDOW
from domain.messages import Choice, OutgoingFile, Reply
from schedules.delivery import ChatBusy
from schedules.outbox import body
from schedules.sender import Sender
from storage import contacts, outbox
from tests.fake_wecom import ROBOT_PICTURE_MAX
from tests.support import find_code, local
from tests.wecom_support import WeComBot

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = b"\x89PNG\r\n\x1a\n a board picture"


async def bound(tmp_path: Path, **settings: Any) -> WeComBot:
    bot = await WeComBot.start(tmp_path / "data", **settings)
    code = find_code(await bot.say("admin", "/invite 郑州 reporter"))
    await bot.say("zz", f"/bind {code}")
    return bot


async def push(bot: WeComBot, key: str, reply: Reply, to: str = "zz") -> None:
    async with bot.app.store.write() as db:
        contact = await contacts.find(db, "wecom", to)
        assert contact is not None
        await outbox.enqueue(
            db,
            idem_key=key,
            channel="wecom",
            chat_ref=to,
            contact_id=contact.id,
            kind="test",
            body=body(reply.text, reply.choices, reply.files),
            now=bot.clock.now(),
        )


async def status(bot: WeComBot, key: str) -> tuple[str, int]:
    async with bot.app.store.read() as db:
        async with db.execute(
            "SELECT status, attempts FROM outbox WHERE idem_key = ?", (key,)
        ) as cur:
            found = await cur.fetchone()
    assert found is not None
    return str(found[0]), int(found[1])


def restarted(bot: WeComBot) -> Sender:
    """A new sender over the same store, as after a restart."""
    return Sender(bot.app.store, bot.clock, [bot.channel], tz=bot.app.settings.tz)


async def test_a_long_text_is_at_most_three_messages(tmp_path: Path) -> None:
    """Answers are compact (tests/test_phone_screen.py); a text still too long for WeCom, as
    the province-wide /overdue was (421 lines), goes as its first lines and 全文.txt."""
    bot = await WeComBot.start(tmp_path / "data", at="2016-12-31T20:05")  # off :00 and :30
    try:
        await bot.say("admin", "/help")
        before = len(bot.fake.to("admin"))
        lines = [
            f"  🔴 {n % 15}.1 第{n}项逾期材料 · 时限 5月31日(周二) · 已逾期213天"
            for n in range(421)
        ]
        await push(bot, "long", Reply("\n".join(["逾期:29个单位,共421项", *lines])), to="admin")
        await bot.sender.drain()
        sent = bot.fake.to("admin")[before:]
        assert len(sent) <= 3
        summary = sent[0].body["text"]["content"]
        assert summary.startswith("逾期:29个单位,共421项") and len(summary.encode()) <= 2048
        assert "全文共" in summary and "见附件“全文.txt”" in bot.news("admin")
        (file,) = [s for s in sent if s.kind == "file"]
        name, content = bot.fake.uploads[file.body["file"]["media_id"]]
        whole = content.decode("utf-8")
        assert name == "全文.txt" and whole.startswith("逾期:29个单位,共421项")
        assert sum(line.lstrip().startswith("🔴") for line in whole.splitlines()) == 421
        # A short answer is still one plain text.
        assert bot.fake.to("admin")[-1] is sent[-1]
        await bot.say("admin", "/help 审核")
        assert bot.fake.to("admin")[-1].kind == "text"
    finally:
        await bot.stop()


async def test_a_crash_after_send_repeats_the_identical_request_and_wecom_drops_it(
    tmp_path: Path,
) -> None:
    bot = await bound(tmp_path)
    try:
        sheet = tmp_path / "进度表.xlsx"
        sheet.write_bytes(b"PK\x03\x04 spreadsheet")
        reply = Reply(
            "请签收本年度任务。",
            choices=[[Choice("签收", "/ack")]],
            files=[OutgoingFile(str(sheet), sheet.name, XLSX)],
        )
        await push(bot, "crash", reply)
        before = len(bot.fake.to("zz"))
        held = asyncio.Event()
        bot.fake.hold_answers = held
        bot.fake.send_taken.clear()
        draining = asyncio.create_task(bot.sender.drain())
        await bot.fake.send_taken.wait()  # WeCom took the card; its answer never comes back
        draining.cancel()  # the bot dies here: the card is sent, its sending not recorded
        bot.fake.hold_answers = None
        held.set()
        assert await status(bot, "crash") == ("queued", 0)

        assert await restarted(bot).drain() == 1
        card, file = bot.fake.to("zz")[before:]  # seen once each
        (dropped,) = bot.fake.duplicates
        assert dropped.body == card.body  # byte for byte the same request, task_id included
        assert card.body["enable_duplicate_check"] == 1
        assert card.body["duplicate_check_interval"] == DUPLICATE_WINDOW.total_seconds() == 14400
        assert file.kind == "file" and len(bot.fake.uploads) == 1  # uploaded before the crash
        assert await status(bot, "crash") == ("sent", 1)
    finally:
        await bot.stop()


async def test_media_is_uploaded_once_across_retries(tmp_path: Path) -> None:
    bot = await bound(tmp_path)
    try:
        chart = tmp_path / "进度图.png"
        chart.write_bytes(PNG)
        await push(
            bot, "pic", Reply("本周进度", files=[OutgoingFile(str(chart), chart.name, "image/png")])
        )
        bot.fake.fail("/cgi-bin/message/send", -1, times=1)  # the text fails: all is retried
        await bot.sender.drain()
        assert await status(bot, "pic") == ("queued", 1) and len(bot.fake.uploads) == 1
        bot.clock.advance(timedelta(seconds=5))
        assert await restarted(bot).drain() == 1
        kinds = [s.kind for s in bot.fake.to("zz")[-2:]]
        assert kinds == ["text", "image"] and len(bot.fake.uploads) == 1
        (media_id,) = bot.fake.uploads
        assert bot.fake.to("zz")[-1].body["image"]["media_id"] == media_id
        # Three days later the id has expired: uploaded afresh.
        bot.clock.advance(timedelta(days=3))
        await bot.channel.deliver(
            "zz", Reply("", files=[OutgoingFile(str(chart), chart.name, "image/png")])
        )
        assert len(bot.fake.uploads) == 2
    finally:
        await bot.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_30_mb_export_goes_out_as_a_link_that_downloads_it(tmp_path: Path) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    bot = await bound(tmp_path, BOT_HTTP_PORT=port, BOT_PUBLIC_URL=public)
    try:
        export = tmp_path / "全国进度导出.xlsx"
        content = b"PK\x03\x04" + bytes(range(256)) * (30 * 4096)  # 30 MB
        export.write_bytes(content)
        reply = Reply("导出完成", files=[OutgoingFile(str(export), "全国进度导出.xlsx", XLSX)])
        await push(bot, "export", reply, to="admin")
        assert await bot.sender.drain() == 1
        assert await status(bot, "export") == ("sent", 1)  # not retried: it went, as a link
        assert bot.fake.uploads == {} and bot.fake.rejected == []
        link_text = bot.fake.to("admin")[-1].body["text"]["content"]
        assert "全国进度导出.xlsx" in link_text and "30.0 MB" in link_text
        url = link_text.rsplit("\n", 1)[-1]
        assert url.startswith(f"{public}/wecom/file/")
        async with httpx.AsyncClient(timeout=30) as http:
            got = await http.get(url)
            assert got.status_code == 200 and got.content == content
            assert "filename*=UTF-8''%E5%85%A8%E5%9B%BD" in got.headers["content-disposition"]
            forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
            assert (await http.get(forged)).status_code == 404
            # A retry sends the very same requests, link included: WeCom drops them.
            await bot.channel.deliver("admin", reply)
            assert [d.body for d in bot.fake.duplicates] == [
                s.body for s in bot.fake.to("admin")[-2:]
            ]
            bot.clock.advance(timedelta(days=3, minutes=1))
            assert (await http.get(url)).status_code == 410
    finally:
        await bot.stop()


async def test_without_a_public_url_a_big_file_is_explained_once(tmp_path: Path) -> None:
    bot = await bound(tmp_path)
    try:
        export = tmp_path / "全国进度导出.xlsx"
        export.write_bytes(b"\0" * (21 * 1024 * 1024))
        reply = Reply("导出完成", files=[OutgoingFile(str(export), export.name, XLSX)])
        await push(bot, "big", reply, to="admin")
        assert await bot.sender.drain() == 1
        assert await status(bot, "big") == ("sent", 1)
        said = bot.fake.to("admin")[-1].body["text"]["content"]
        assert "超过企业微信 20 MB 的限制" in said and "BOT_PUBLIC_URL" in said
        assert bot.fake.uploads == {}
    finally:
        await bot.stop()


async def test_replies_and_pushes_share_a_members_budget(tmp_path: Path) -> None:
    bot = await bound(tmp_path)
    try:
        before = len(bot.fake.to("zz"))
        await bot.say("zz", "/todo")
        todo = len(bot.fake.to("zz")) - before  # messages one answer takes
        bot.clock.advance(timedelta(seconds=61))
        before = len(bot.fake.to("zz"))
        for n in range(30 - todo):
            await bot.channel.deliver("zz", Reply(f"推送 {n}"))
        assert "待报送材料" in await bot.say("zz", "/todo")  # up to the 30th message
        assert len(bot.fake.to("zz")) - before == 30
        assert await bot.say("zz", "/todo") == ""  # over 30 a minute: kept for later
        try:
            await bot.channel.deliver("zz", Reply("再一条推送"))
        except ChatBusy as busy:
            assert 0 < busy.after <= 61
        else:
            raise AssertionError("a 32nd message within the minute was sent")
        bot.clock.advance(timedelta(seconds=61))
        assert await restarted(bot).drain() == 1  # the held answer, attempts not counted
        assert "待报送材料" in bot.news("zz")
        assert len(bot.fake.to("zz")) - before == 30 + todo
    finally:
        await bot.stop()


async def test_member_pushes_stay_off_the_hour_and_half_hour(tmp_path: Path) -> None:
    bot = await bound(tmp_path)
    try:
        bot.clock.set(local("2016-05-23T09:00"))
        await push(bot, "nine", Reply("九点的提醒"))
        await bot.sender.drain()
        assert await status(bot, "nine") == ("queued", 0)  # put off, no attempt counted
        assert "九点的提醒" not in bot.news("zz")
        assert "待报送材料" in await bot.say("zz", "/todo")  # answers are never held
        bot.clock.advance(timedelta(minutes=3, seconds=10))
        assert await restarted(bot).drain() == 1
        (sent,) = [s for s in bot.fake.to("zz") if s.text == "九点的提醒"]
        assert sent.at.astimezone(local("2016-05-23T09:00").tzinfo).minute not in (0, 30)
    finally:
        await bot.stop()


async def test_confidential_setting_marks_messages_safe(tmp_path: Path) -> None:
    bot = await bound(tmp_path, WECOM_SAFE=1)
    try:
        await bot.say("zz", "/todo")
        assert all(s.body.get("safe") == 1 for s in bot.fake.to("zz") if s.kind == "text")
    finally:
        await bot.stop()


async def test_a_robot_bulletin_carries_the_board_picture(tmp_path: Path) -> None:
    bot = await WeComBot.start(tmp_path / "data", at="2016-07-06T10:05")
    try:
        key = bot.fake.new_robot()
        url = f"{bot.fake.base_url}/cgi-bin/webhook/send?key={key}"
        await bot.say("admin", f"/subscribe_webhook {url} 全省安监工作群")
        await bot.say("admin", "/bulletin")
        assert "已发布" in await bot.say("admin", "/bulletin send")
        *texts, picture = bot.fake.to(f"robot:{key}")
        assert texts and all(t.kind == "text" for t in texts) and "通报" in texts[0].text
        assert picture.kind == "image" and picture.picture is not None
        assert picture.picture.startswith(b"\x89PNG") and len(picture.picture) <= ROBOT_PICTURE_MAX
    finally:
        await bot.stop()
