"""The WeCom API client and channel pieces against the fake server; the `wecom` runner."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot import runner
from bot.wecom.api import WeComApi, WeComError
from bot.wecom.mapping import card, fits_card, split_text
from domain.clock import ManualClock
from domain.messages import Choice, OutgoingFile, Reply
from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET, FakeWeCom
from tests.support import local, settings_for
from tests.wecom_support import AES_KEY, TOKEN, WeComBot, encrypt, sign


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    clock = ManualClock(local("2016-05-20T09:05"))
    server = FakeWeCom(now=clock.now)
    await server.start()
    yield server
    await server.stop()


def api_for(fake: FakeWeCom, secret: str = SECRET) -> WeComApi:
    return WeComApi(fake.base_url, CORP_ID, secret, AGENT_ID, ManualClock(local("2016-05-20")))


async def test_one_token_for_many_concurrent_calls(fake: FakeWeCom) -> None:
    api = api_for(fake)
    try:
        await asyncio.gather(*(api.send_text("zz", f"第{n}条") for n in range(8)))
        assert fake.token_calls == 1 and len(fake.to("zz")) == 8
        await api.send_markdown("zz", "**本周进度** 80%")
        assert fake.to("zz")[-1].body["markdown"]["content"] == "**本周进度** 80%"
    finally:
        await api.close()


async def test_wrong_secret_and_missing_media_are_errors(fake: FakeWeCom) -> None:
    api = api_for(fake, secret="not-the-secret")
    with pytest.raises(WeComError) as wrong:
        await api.send_text("zz", "x")
    assert wrong.value.code == 40001 and "not-the-secret" not in str(wrong.value)
    await api.close()
    api = api_for(fake)
    try:
        with pytest.raises(WeComError) as missing:
            async for _ in api.media_chunks("no-such-media"):
                pass
        assert missing.value.code == 40007
        fake.expire_token()
        media_id = fake.add_media(b"\xff\xd8\xff picture")
        got = b"".join([chunk async for chunk in api.media_chunks(media_id)])
        assert got == b"\xff\xd8\xff picture"  # the expired token was refreshed once
    finally:
        await api.close()


async def test_files_and_pictures_go_out_as_media(tmp_path: Path) -> None:
    bot = await WeComBot.start(tmp_path / "data")
    try:
        sheet = tmp_path / "进度表.xlsx"
        sheet.write_bytes(b"PK\x03\x04 spreadsheet")
        chart = tmp_path / "进度图.png"
        chart.write_bytes(b"\x89PNG\r\n\x1a\n chart")
        files = [
            OutgoingFile(str(sheet), sheet.name, "application/vnd.ms-excel"),
            OutgoingFile(str(chart), chart.name, "image/png"),
        ]
        await bot.channel.deliver("admin", Reply("本周进度", files=files))
        kinds = [s.kind for s in bot.fake.to("admin")]
        assert kinds == ["text", "file", "image"]
        uploaded = {name: data for name, data in bot.fake.uploads.values()}
        assert uploaded == {"进度表.xlsx": sheet.read_bytes(), "进度图.png": chart.read_bytes()}
    finally:
        await bot.stop()


def test_cards_hold_short_texts_and_six_short_buttons() -> None:
    choices = [Choice("通过", "/accept 3"), Choice("退回", "/return 3")]
    built = card("报送 #3 待审核\n附件2个", choices)
    assert built is not None
    assert built["main_title"] == {"title": "报送 #3 待审核"}
    assert built["sub_title_text"] == "附件2个"
    assert [b["key"] for b in built["button_list"]] == ["/accept 3", "/return 3"]
    assert card("很长的说明" * 40, choices) is None  # sent as text, the buttons after it
    # A key that carries a long note typed with the command does not fit a card: numbered text.
    assert fits_card(choices)
    assert not fits_card([Choice("zx-2.1", "/report zx-2.1 " + "情况说明" * 100)])
    assert split_text("  \n ") == []
    assert split_text("a" * 5000) == ["a" * 2048, "a" * 2048, "a" * 904]


async def test_python_main_wecom_serves_the_callback(tmp_path: Path) -> None:
    fake = FakeWeCom(now=ManualClock(local("2016-05-20")).now)
    await fake.start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_for(
        tmp_path / "data",
        WECOM_CORP_ID=CORP_ID,
        WECOM_AGENT_ID=AGENT_ID,
        WECOM_SECRET=SECRET,
        WECOM_TOKEN=TOKEN,
        WECOM_AES_KEY=AES_KEY,
        WECOM_API_BASE_URL=fake.base_url,
        BOT_HTTP_HOST="127.0.0.1",
        BOT_HTTP_PORT=port,
    )
    assert "wecom" in runner.configured_channels(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(runner.run(settings, ["wecom"], stop))
    echo = encrypt("ready")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as web:
            async with asyncio.timeout(15):  # up once the app has opened its store
                while True:
                    ts = str(int(time.time()))  # the runner uses the system clock
                    params = {"msg_signature": sign(TOKEN, ts, "n", echo), "timestamp": ts}
                    try:
                        answer = await web.get(
                            "/wecom/callback", params={**params, "nonce": "n", "echostr": echo}
                        )
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.02)
        assert answer.status_code == 200 and answer.text == "ready"
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
        await fake.stop()
