"""A file over what a Telegram bot may send (50 MB; a national export is 353 MB) goes as a
signed download link when BOT_PUBLIC_URL is set, and is explained when it is not."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path

import httpx
from openpyxl import load_workbook

from bot import http_server
from bot.telegram.big_files import CLOUD_LIMIT
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import TelegramBot, texts

LINK = re.compile(r"http://127\.0\.0\.1:\d+/wecom/file/\S+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def newest_export(tg: TelegramBot) -> Path:
    folder = tg.app.settings.data_dir / "exports"
    return max(folder.glob("export-*.xlsx"), key=lambda p: p.stat().st_mtime_ns)


async def test_an_export_over_the_limit_comes_as_a_link_that_downloads_it(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    tg = await TelegramBot.start(tmp_path / "data", fake, BOT_HTTP_PORT=port, BOT_PUBLIC_URL=public)
    server = http_server.build(tg.app.services, [])
    assert server is not None and tg.channel.big_files.limit == CLOUD_LIMIT
    await server.start()
    try:
        first = await tg.say(tg.admin, "/export")  # under the limit: the file itself
        assert fake.calls_to("sendDocument") and "下载" not in texts(first)
        tg.channel.big_files.limit = 4096  # the real workbook, over a lowered limit
        sent = fake.calls_to("sendDocument")
        answer = texts(await tg.say(tg.admin, "/export"))
        assert fake.calls_to("sendDocument") == sent  # no document this time
        workbook = newest_export(tg)
        size = f"{workbook.stat().st_size / 1024 / 1024:.1f}"
        assert "导出完成" in answer or "个单位" in answer  # the export's own text is kept
        assert f"({size} MB)超过 Telegram 机器人 0.00390625 MB 的发送上限" in answer, answer
        url = LINK.search(answer)
        assert url is not None, answer
        async with httpx.AsyncClient(timeout=30) as web:
            got = await web.get(url.group(0))
        assert got.status_code == 200 and got.content == workbook.read_bytes()
        assert "filename*=UTF-8''" in got.headers["content-disposition"]
        assert "进度" in load_workbook(io.BytesIO(got.content)).sheetnames
    finally:
        await server.stop()
        await tg.stop()


async def test_without_a_public_url_the_reply_says_why_the_file_did_not_come(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    tg.channel.big_files.limit = 4096
    answer = texts(await tg.say(tg.admin, "/export"))
    assert fake.calls_to("sendDocument") == []
    assert "超过 Telegram 机器人" in answer and "BOT_PUBLIC_URL" in answer
    assert "各市账号分别导出" in answer
    assert LINK.search(answer) is None
