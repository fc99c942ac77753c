"""Pictures arrive as pictures on Telegram: the board as a photo, a report's photos as one album,
other files as documents, and a picture Telegram would refuse as a photo as a document."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image

from domain.messages import Choice, OutgoingFile, Reply
from domain.pictures import JPEG, PNG, sniff
from tests.fake_telegram import FakeTelegram
from tests.support import report_id
from tests.telegram_harness import TelegramBot, buttons, texts


def picture(size: tuple[int, int], kind: str = "PNG", colour: int = 0) -> bytes:
    out = io.BytesIO()
    mode = "RGB" if kind == "JPEG" else "1"
    Image.new(mode, size, (colour, 90, 160) if mode == "RGB" else 1).save(out, kind)
    return out.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> OutgoingFile:
    path = tmp_path / name
    path.write_bytes(content)
    mime = {"png": "image/png", "jpg": "image/jpeg"}.get(name.rpartition(".")[2])
    return OutgoingFile(str(path), name, mime or "application/pdf")


async def test_board_arrives_as_a_photo(tg: TelegramBot, fake: FakeTelegram) -> None:
    out = await tg.say(tg.admin, "/board")
    assert [c.status for c in fake.calls_to("sendPhoto")] == [200]
    assert fake.calls_to("sendDocument") == []
    name, content = fake.calls_to("sendPhoto")[0].uploads["photo"]
    assert name.endswith(".png") and content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "photo" in out[-1] and "进度看板" in texts(out)


async def test_a_reports_three_photos_come_to_the_reviewer_as_one_album(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    shots = [picture((640, 480), "JPEG", colour=40 * i) for i in range(3)]
    album = [fake.message(zz, photo=fake.photo(s), media_group_id="R1") for s in shots[:-1]]
    album.append(
        fake.message(zz, photo=fake.photo(shots[-1]), media_group_id="R1", caption="/report 6.1")
    )
    await tg.handled(album[-1])
    done = await fake.expect(1001, "已报送 [6.1]")
    report = report_id(done["text"])

    before = len(fake.calls)
    out = await tg.say(tg.admin, f"/report_detail {report}")
    calls = [c for c in fake.calls[before:] if c.method.startswith("send")]
    assert [c.method for c in calls] == ["sendmediagroup"]  # the text is the album's caption
    (group,) = calls
    assert [item["type"] for item in group.params["media"]] == ["photo"] * 3
    assert sorted(content for _, content in group.uploads.values()) == sorted(shots)
    photos = [m for m in out if "photo" in m]
    assert len(photos) == 3 and len({m["media_group_id"] for m in photos}) == 1
    assert f"报送 #{report}" in texts(out)


async def test_photos_go_as_an_album_and_other_files_as_documents_with_the_buttons(
    tg: TelegramBot, fake: FakeTelegram, tmp_path: Path
) -> None:
    fake.user(1001)
    files = [
        write(tmp_path, "现场1.jpg", picture((800, 600), "JPEG", 10)),
        write(tmp_path, "方案.pdf", b"%PDF-1.4 the plan"),
        write(tmp_path, "现场2.png", picture((600, 800))),
        write(tmp_path, "现场3.jpg", picture((800, 600), "JPEG", 200)),
    ]
    reply = Reply("报送 #7 的附件", choices=[[Choice("通过", "/accept 7")]], files=files)
    mark = fake.mark()
    await tg.channel.deliver("1001", reply)
    await fake.wait_for(lambda: len(fake.since(mark)) == 4)
    sent = [o.message for o in fake.since(mark)]
    assert ["photo" in m for m in sent] == [True, True, True, False]
    assert sent[0]["caption"] == "报送 #7 的附件"  # the album's caption
    assert sent[3]["document"]["file_name"] == "方案.pdf"
    assert buttons(sent[3]) == [("通过", "/accept 7")]  # an album takes no buttons
    (group,) = fake.calls_to("sendMediaGroup")
    assert [name for name, _ in group.uploads.values()] == ["现场1.jpg", "现场2.png", "现场3.jpg"]

    # Photos only, with buttons: the album first, then the text carrying the buttons.
    mark = fake.mark()
    only = Reply("请审核", choices=reply.choices, files=[files[0], files[2]])
    await tg.channel.deliver("1001", only)
    await fake.wait_for(lambda: len(fake.since(mark)) == 3)
    sent = [o.message for o in fake.since(mark)]
    assert ["photo" in m for m in sent] == [True, True, False]
    assert sent[2]["text"] == "请审核" and buttons(sent[2]) == [("通过", "/accept 7")]


async def test_pictures_telegram_refuses_as_photos_go_as_documents(
    tg: TelegramBot, fake: FakeTelegram, tmp_path: Path
) -> None:
    fake.user(1001)
    # Over 10 MB; a strip 25 times longer than wide; width + height over 10000.
    big = picture((64, 64)) + b"\0" * (10 * 1024 * 1024)
    files = [
        write(tmp_path, "big.png", big),
        write(tmp_path, "strip.png", picture((100, 2500))),
        write(tmp_path, "huge.png", picture((6000, 4500))),
        write(tmp_path, "fake.png", b"\x89PNG\r\n\x1a\n not a picture"),
    ]
    for file in files:
        await tg.channel.deliver("1001", Reply(file.name, files=[file]))
    assert fake.calls_to("sendPhoto") == [] and fake.calls_to("sendMediaGroup") == []
    sent = [c.uploads["document"][0] for c in fake.calls_to("sendDocument")]
    assert sent == ["big.png", "strip.png", "huge.png", "fake.png"]

    # Telegram refuses a photo the bot thought fine: the same file goes as a document.
    fake.fail(400, methods={"sendPhoto"}, description="Bad Request: IMAGE_PROCESS_FAILED")
    board = write(tmp_path, "board.png", picture((1080, 1600)))
    await tg.channel.deliver("1001", Reply("看板", files=[board]))
    assert [c.status for c in fake.calls_to("sendPhoto")] == [400]
    assert fake.calls_to("sendDocument")[-1].uploads["document"][0] == "board.png"


def test_sniff_reads_png_and_jpeg_sizes() -> None:
    assert sniff(picture((300, 200))) == sniff(picture((300, 200), "PNG"))
    png = sniff(picture((300, 200)))
    assert png is not None and (png.format, png.width, png.height) == (PNG, 300, 200)
    jpeg = picture((640, 360), "JPEG")
    exif = b"Exif\0\0" + b"x" * 3000  # an APP1 segment before the frame header
    with_exif = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + jpeg[2:]
    for content in (jpeg, with_exif):
        found = sniff(content)
        assert found is not None and (found.format, found.width, found.height) == (JPEG, 640, 360)
    assert sniff(b"%PDF-1.4") is None
    truncated = sniff(jpeg[:20])
    assert truncated is not None and truncated.width is None
