"""A file over what a Telegram bot may send (50 MB; a national export is 353 MB) goes as a
signed download link when BOT_PUBLIC_URL is set, and is explained when it is not."""

from __future__ import annotations

import io
import itertools
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


def units_in(content: bytes) -> list[str]:
    """The units of a workbook's progress sheet, above its totals."""
    rows = load_workbook(io.BytesIO(content))["进度"].iter_rows(min_row=2, values_only=True)
    return list(itertools.takewhile(bool, (row[0] for row in rows)))


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
    assert "/export 市名" in answer  # the way to a smaller file
    assert LINK.search(answer) is None


async def test_without_a_public_url_an_export_over_the_limit_comes_one_region_a_file(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    await tg.say(tg.admin, "/export")
    (first,) = fake.calls_to("sendDocument")
    whole = newest_export(tg).stat().st_size
    # The whole workbook is over it, a city's is not (with room for the few bytes a workbook's
    # size moves between builds: the times in its zip entries).
    tg.channel.big_files.limit = whole - 200
    answer = texts(await tg.say(tg.admin, "/export"))
    sent = fake.calls_to("sendDocument")[1:]
    names = [call.uploads["document"][0] for call in sent]
    # The province's own, and its 28 children two by two (a reply takes 20 files at most).
    assert len(names) == 15 and len(set(names)) == 15, names
    assert names[0].startswith("进度导出-省局本级-") and "-郑州市等2个地区-" in names[1]
    assert "已按地区分为 15 个文件发送" in answer and "超过 Telegram 机器人" not in answer
    parts = [units_in(call.uploads["document"][1]) for call in sent]
    everyone = units_in(first.uploads["document"][1])
    assert len(everyone) == 29 and sorted(u for p in parts for u in p) == sorted(everyone)
    assert all(len(call.uploads["document"][1]) < whole for call in sent)
