"""Attachments on Telegram: every kind stored, big files refused before any download."""

from __future__ import annotations

from pathlib import Path

from storage import reports
from tests.fake_telegram import FakeTelegram
from tests.support import report_id
from tests.telegram_harness import TelegramBot, texts


async def test_a_25_mb_file_is_refused_with_the_way_out(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    big = fake.document("现场会录像.zip", size=25 * 1024 * 1024, mime="application/zip")
    out = await tg.say(zz, document=big, caption="/report 2.1 现场会录像")
    said = texts(out)
    assert "文件“现场会录像.zip”大小为 25.0MB,超过 Telegram 机器人 20MB 的接收上限" in said
    assert "自建 Bot API 服务器" in said and "压缩或拆分" in said
    assert fake.calls_to("getFile") == []  # refused on the announced size
    assert "2.1 开展观摩会" in texts(await tg.say(zz, "/todo"))  # still outstanding


async def test_with_the_upload_page_on_a_big_file_is_pointed_there(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    tg = await TelegramBot.start(
        tmp_path / "data", fake, BOT_PUBLIC_URL="https://duban.example.gov.cn"
    )
    try:
        zz = fake.user(1001)
        await tg.bind("郑州", zz)
        big = fake.document("录像.mp4", size=30 * 1024 * 1024, mime="video/mp4")
        out = await tg.say(zz, document=big)
        assert "大文件请发送 /upload 材料编号 获取网页上传链接" in texts(out)
        assert "每个不超过50MB" in texts(out)
    finally:
        await tg.stop()


async def test_the_bureau_limit_is_checked_before_downloading(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    tg = await TelegramBot.start(tmp_path / "data", fake, BOT_MAX_ATTACHMENT_MB=1)
    try:
        zz = fake.user(1001)
        await tg.bind("郑州", zz)
        doc = fake.document("台账.xlsx", b"x" * (3 * 1024 * 1024))
        out = await tg.say(zz, document=doc, caption="/report 2.1")
        assert "超过1MB的上限" in texts(out)
        assert fake.calls_to("getFile") == [] and fake.downloads == []
    finally:
        await tg.stop()


async def test_voice_video_audio_and_animation_are_kept_with_sensible_names(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    picker = (await tg.say(zz, "/report"))[-1]
    await tg.tap(zz, picker, "2.1")
    voice = await tg.say(zz, voice=fake.media("voice", b"OggS voice", mime="audio/ogg"))
    await tg.say(zz, video=fake.media("video", b"\x00\x00 ftyp video", mime="video/mp4"))
    await tg.say(
        zz, audio=fake.media("audio", b"ID3 audio", name="汇报录音.mp3", mime="audio/mpeg")
    )
    anim = fake.media("animation", b"GIF89a anim", name="动图.mp4", mime="video/mp4")
    as_document = {k: anim[k] for k in ("file_id", "file_unique_id", "file_name", "mime_type")}
    last = await tg.say(zz, animation=anim, document=as_document)  # Telegram sends both
    assert "已添加 1 个附件(共 1 个)" in texts(voice)
    assert "已添加 1 个附件(共 4 个)" in texts(last)

    done = await tg.tap(zz, last[-1], "完成")  # 完成 files it at once
    assert "附件 4 个" in texts(done)
    async with tg.app.store.read() as db:
        stored = await reports.files(db, report_id(texts(done)))
    voice_id = voice[0]["message_id"] - 1  # the user's message just before the answer
    for name in (f"voice_{voice_id}.ogg", "汇报录音.mp3", "动图.mp4"):
        assert name in [f.name for f in stored]
    assert sorted(f.mime or "" for f in stored) == [
        "audio/mpeg",
        "audio/ogg",
        "video/mp4",
        "video/mp4",
    ]


async def test_a_failed_getfile_is_retried(tg: TelegramBot, fake: FakeTelegram) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    fake.fail(502, methods={"getFile"}, times=1)
    out = await tg.say(zz, document=fake.document("方案.pdf", b"%PDF plan"), caption="/report 1")
    assert "已报送 [1]" in texts(out)
    assert [c.status for c in fake.calls_to("getFile")] == [502, 200]


async def test_a_local_bot_api_server_lifts_the_20_mb_limit(tmp_path: Path) -> None:
    async with FakeTelegram(local_dir=tmp_path / "bot-api") as fake:
        tg = await TelegramBot.start(tmp_path / "data", fake, TELEGRAM_LOCAL_MODE=True)
        try:
            zz = fake.user(1001)
            await tg.bind("郑州", zz)
            video = b"\x00\x00\x00\x18ftypmp42" + bytes(25 * 1024 * 1024)
            doc = fake.document("现场会录像.mp4", video, mime="video/mp4")
            out = await tg.say(zz, document=doc, caption="/report 2.2 现场会录像")
            assert "已报送 [2.2]" in texts(out)
            assert fake.downloads == []  # read from the server's disk, not over HTTP
            async with tg.app.store.read() as db:
                (stored,) = await reports.files(db, report_id(texts(out)))
            assert stored.size == len(video)
        finally:
            await tg.stop()
