"""Reporting from WeCom: pictures joined to the command, cards and numbered choices, review."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from domain.messages import Reply
from storage import reports, wecom
from tests.support import find_code, report_id, stored_bytes
from tests.wecom_support import WeComBot

PHOTO_A = b"\xff\xd8\xff\xe0 site meeting, photo one"
PHOTO_B = b"\xff\xd8\xff\xe0 site meeting, photo two"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    wecom_bot = await WeComBot.start(tmp_path / "data")
    code = find_code(await wecom_bot.say("admin", "/invite 郑州 reporter"))
    assert "绑定成功" in await wecom_bot.say("zz", f"/bind {code}")
    yield wecom_bot
    await wecom_bot.stop()


async def stored_files(bot: WeComBot, number: int) -> list[bytes]:
    async with bot.app.store.read() as db:
        report = await reports.get(db, number)
        files = await reports.files(db, number)
    assert report is not None
    return [await stored_bytes(bot.app.services.files, f.sha256) for f in files]


async def test_full_report_with_two_images(bot: WeComBot) -> None:
    todo = await bot.say("zz", "待办")  # a Chinese alias, no slash
    assert "待报送材料 16 项" in todo
    done = await bot.say("zz", "报送 2.1 已召开现场会", images=[PHOTO_A, PHOTO_B])
    assert "已报送 [2.1]" in done and "附件 2 个" in done
    assert done.count("已报送") == 1  # one report, not one per picture
    number = report_id(done)
    assert sorted(await stored_files(bot, number)) == sorted([PHOTO_A, PHOTO_B])
    assert "2.1 开展观摩会" not in await bot.say("zz", "/todo")


async def test_pictures_first_then_the_command(bot: WeComBot) -> None:
    for photo in (PHOTO_A, PHOTO_B):
        media_id = bot.fake.add_media(photo)
        await bot.post(bot.message("zz", "image", PicUrl="http://p", MediaId=media_id))
    done = await bot.say("zz", "/report 2.2 观摩会图片")
    assert "已报送 [2.2]" in done and "附件 2 个" in done
    assert sorted(await stored_files(bot, report_id(done))) == sorted([PHOTO_A, PHOTO_B])


async def test_pictures_alone_start_the_button_flow(bot: WeComBot) -> None:
    media_id = bot.fake.add_media(PHOTO_A)
    await bot.post(bot.message("zz", "image", PicUrl="http://p", MediaId=media_id))
    await bot.settle()
    asked = bot.news("zz")
    # Sixteen materials do not fit a card: they are numbered, answered by typing the number.
    assert "已收到 1 个附件" in asked and "[2] 6.1 年度方案" in asked
    step = await bot.say("zz", "2")
    assert "报送 [6.1]" in step and "[完成]" in step  # now a template card
    done = await bot.tap("zz", "完成")  # 完成 files it at once
    assert "[已报送 [6.1]" in done  # the tapped card's buttons give way to the outcome
    assert "附件 1 个" in done


async def test_admin_accepts_on_the_card_and_the_card_is_updated(bot: WeComBot) -> None:
    number = report_id(await bot.say("zz", "报送 2.1 已召开现场会", images=[PHOTO_A]))
    pending = await bot.say("admin", "/pending")
    assert f"报送 #{number}" in pending and "[通过]  [退回]" in pending
    card = bot.last_card_with("admin", "通过")
    accepted = await bot.tap("admin", "通过")
    assert "已通过报送" in accepted
    (update,) = bot.fake.card_updates
    assert update["response_code"] == card.response_code and update["userids"] == ["admin"]
    assert update["button"]["replace_name"].startswith("✅ 已通过")
    assert "已审核通过" in bot.news("zz")
    # A second tap on the same card, seconds later (a stale client), changes nothing.
    bot.clock.advance(timedelta(seconds=5))
    again = await bot.tap("admin", "通过")
    assert "不在待审核状态" in again


async def test_long_pushes_are_split_at_2048_bytes(bot: WeComBot) -> None:
    lines = [f"第{i}项:郑州市安全生产监督管理局报送情况良好,已按时完成。" for i in range(1, 41)]
    before = len(bot.fake.to("zz"))
    await bot.channel.deliver("zz", Reply("\n".join(lines)))
    texts = [s.body["text"]["content"] for s in bot.fake.to("zz")[before:]]
    assert len(texts) == 2  # two messages' worth still goes as text
    assert all(len(t.encode()) <= 2048 for t in texts)
    assert "\n".join(texts).splitlines() == lines  # cut between lines, nothing lost


async def test_longer_pushes_are_a_summary_and_the_whole_text_as_a_file(bot: WeComBot) -> None:
    lines = [f"第{i}项:郑州市安全生产监督管理局报送情况良好,已按时完成。" for i in range(1, 101)]
    before = len(bot.fake.to("zz"))
    await bot.channel.deliver("zz", Reply("\n".join(lines)))
    summary, file = bot.fake.to("zz")[before:]
    head = summary.body["text"]["content"]
    assert len(head.encode()) <= 2048 and head.startswith(lines[0])
    assert "全文共 100 行,见附件“全文.txt”" in head
    name, content = bot.fake.uploads[file.body["file"]["media_id"]]
    assert name == "全文.txt" and content.decode("utf-8").splitlines() == lines


async def test_expired_token_is_refreshed_once(bot: WeComBot) -> None:
    calls = bot.fake.token_calls
    assert calls == 1  # cached since the first message
    bot.fake.expire_token()
    assert "待报送材料" in await bot.say("zz", "/todo")
    assert bot.fake.token_calls == calls + 1
    assert [code for _, code in bot.fake.rejected] == [42001]
    await bot.say("zz", "/todo")
    assert bot.fake.token_calls == calls + 1


async def test_voice_and_video_become_attachments(bot: WeComBot) -> None:
    voice = bot.fake.add_media(b"#!AMR\n voice note", "audio/amr")
    video = bot.fake.add_media(b"\x00\x00\x00\x18ftypmp42 video", "video/mp4")
    await bot.post(bot.message("zz", "voice", MediaId=voice, Format="amr"))
    await bot.post(bot.message("zz", "video", MediaId=video, ThumbMediaId="thumb"))
    done = await bot.say("zz", "报送 2.2 现场录音和视频")
    assert "已报送 [2.2]" in done and "附件 2 个" in done
    async with bot.app.store.read() as db:
        names = sorted(f.name for f in await reports.files(db, report_id(done)))
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["amr", "mp4"]


async def test_a_token_is_renewed_before_it_expires(bot: WeComBot) -> None:
    calls = bot.fake.token_calls
    bot.clock.advance(timedelta(hours=2))  # WeCom tokens live 7,200 s
    assert "待报送材料" in await bot.say("zz", "/todo")
    assert bot.fake.token_calls == calls + 1 and bot.fake.rejected == []


async def test_held_pictures_survive_a_restart(tmp_path: Path) -> None:
    first = await WeComBot.start(tmp_path / "data", window=60)
    code = find_code(await first.say("admin", "/invite 郑州 reporter"))
    await first.say("zz", f"/bind {code}")
    await first.post(first.message("zz", "text", Content="报送 2.1 已召开现场会"))
    for photo in (PHOTO_A, PHOTO_B):
        media_id = first.fake.add_media(photo)
        await first.post(first.message("zz", "image", PicUrl="http://p", MediaId=media_id))
    await first.channel.inbox.settled(batches=False)  # downloaded and held; window still open
    assert len(await held(first, "zz")) == 3
    await first.stop()

    second = await WeComBot.start(tmp_path / "data")
    try:
        await second.settle()
        done = second.news("zz")
        assert "已报送 [2.1]" in done and "附件 2 个" in done
        assert sorted(await stored_files(second, report_id(done))) == sorted([PHOTO_A, PHOTO_B])
        assert await held(second, "zz") == []
    finally:
        await second.stop()


async def held(bot: WeComBot, user: str) -> list[wecom.BatchItem]:
    async with bot.app.store.read() as db:
        return await wecom.held(db, user)
