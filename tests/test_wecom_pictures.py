"""Pictures arrive as pictures on WeCom: the board as an image message; PNG and JPEG by their
bytes as images, any other file (a GIF, a document) as a file."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from domain.messages import OutgoingFile, Reply
from tests.wecom_support import ADMIN, WeComBot


def picture(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 40, 40)).save(out, kind)
    return out.getvalue()


async def test_the_board_arrives_as_an_image_message(tmp_path: Path) -> None:
    bot = await WeComBot.start(tmp_path / "data")
    try:
        said = await bot.say(ADMIN, "/board")
        assert "进度看板" in said
        image = bot.fake.to(ADMIN)[-1]
        assert image.kind == "image"
        media_id = image.body["image"]["media_id"]
        name, content = bot.fake.uploads[media_id]
        assert bot.fake.upload_types[media_id] == "image"
        assert name.endswith(".png") and content.startswith(b"\x89PNG\r\n\x1a\n")
    finally:
        await bot.stop()


async def test_the_bytes_decide_image_or_file(tmp_path: Path) -> None:
    bot = await WeComBot.start(tmp_path / "data")
    try:
        files = []
        for name, content, mime in [
            ("现场.jpg", picture("JPEG"), None),  # no stated type: still a picture
            ("动图.gif", picture("GIF"), "image/gif"),  # WeCom shows PNG and JPEG only
            ("方案.pdf", b"%PDF-1.4 plan", "application/pdf"),
        ]:
            path = tmp_path / name
            path.write_bytes(content)
            files.append(OutgoingFile(str(path), name, mime))
        await bot.channel.deliver(ADMIN, Reply("附件", files=files))
        sent = bot.fake.to(ADMIN)[-3:]
        assert [s.kind for s in sent] == ["image", "file", "file"]
        names = [bot.fake.uploads[s.body[s.kind]["media_id"]][0] for s in sent]
        assert names == ["现场.jpg", "动图.gif", "方案.pdf"]
    finally:
        await bot.stop()
