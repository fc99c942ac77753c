"""The WeCom callback URL: verification, decryption, refusals, answering at once, dedupe."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET
from tests.support import find_code
from tests.wecom_support import (
    AES_KEY,
    TOKEN,
    WeComBot,
    callback,
    encrypt,
    envelope,
    inner_xml,
    sign,
)

# Tencent's published sample (WXBizMsgCrypt Sample): token, EncodingAESKey, CorpID, and a
# URL verification and a message as WeCom's servers would send them.
VECTOR = {
    "WECOM_TOKEN": "QDG6eK",
    "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "WECOM_CORP_ID": "wx5823bf96d3bd56c7",
    "WECOM_AGENT_ID": 218,
}
VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
}
MESSAGE_QUERY = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
}
MESSAGE_BODY = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdC"
    "Upj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4X"
    "gpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+K"
    "qCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XX"
    "ZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHB"
    "ZZIs2pDBS8R07+qN+E7Q==]]></Encrypt></xml>"
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    wecom_bot = await WeComBot.start(tmp_path / "data")
    yield wecom_bot
    await wecom_bot.stop()


async def test_tencent_vector_url_verification(tmp_path: Path) -> None:
    at = datetime.fromtimestamp(int(VERIFY["timestamp"]), UTC)
    bot = await WeComBot.start(tmp_path / "data", at=at, **VECTOR)
    try:
        answer = await bot.http.get("/wecom/callback", params=VERIFY)
        assert answer.status_code == 200
        assert answer.text == "1616140317555161061"  # the decrypted echostr, as it is
    finally:
        await bot.stop()


async def test_tencent_vector_message_is_decrypted_and_answered(tmp_path: Path) -> None:
    at = datetime.fromtimestamp(int(MESSAGE_QUERY["timestamp"]), UTC)
    bot = await WeComBot.start(tmp_path / "data", at=at, **VECTOR)
    try:
        answer = await bot.http.post(
            "/wecom/callback", params=MESSAGE_QUERY, content=MESSAGE_BODY.encode()
        )
        assert answer.status_code == 200 and answer.text == ""
        await bot.settle()
        # The sample says "hello" from user "mycreate": a stranger, told how to register.
        assert "请先向管理员索取邀请码" in bot.news("mycreate")
    finally:
        await bot.stop()


async def test_url_verification_with_independent_encoder(bot: WeComBot) -> None:
    echo = encrypt("echo-4711")
    ts = str(int(bot.clock.now().timestamp()))
    params = {"msg_signature": sign(TOKEN, ts, "n1", echo), "timestamp": ts, "nonce": "n1"}
    answer = await bot.http.get("/wecom/callback", params={**params, "echostr": echo})
    assert answer.status_code == 200 and answer.text == "echo-4711"
    forged = {**params, "msg_signature": sign("wrong-token", ts, "n1", echo), "echostr": echo}
    assert (await bot.http.get("/wecom/callback", params=forged)).status_code == 403


async def test_forged_signature_is_refused_and_nothing_happens(bot: WeComBot) -> None:
    fields = bot.message("intruder", "text", Content="/start")
    answer = await bot.post(fields, signature="0" * 40)
    assert answer.status_code == 403
    # Signed with another token (someone who guessed the AES key but not the token).
    encrypted = encrypt(inner_xml(fields))
    ts = str(int(bot.clock.now().timestamp()))
    params = {
        "msg_signature": sign("not-the-token", ts, "x", encrypted),
        "timestamp": ts,
        "nonce": "x",
    }
    answer = await bot.http.post("/wecom/callback", params=params, content=envelope(encrypted))
    assert answer.status_code == 403
    await bot.settle()
    assert bot.fake.sent == []
    async with bot.app.store.read() as db:
        async with db.execute("SELECT COUNT(*) FROM contacts WHERE channel = 'wecom'") as cur:
            row = await cur.fetchone()
    assert row is not None and row[0] == 1  # only the configured admin


async def test_stale_timestamp_and_bad_bodies_are_refused(bot: WeComBot) -> None:
    fields = bot.message("someone", "text", Content="/start")
    stale = str(int(bot.clock.now().timestamp()) - 3600)
    assert (await bot.post(fields, timestamp=stale)).status_code == 403

    ts = str(int(bot.clock.now().timestamp()))

    async def raw(body: bytes) -> int:
        params = {"msg_signature": sign(TOKEN, ts, "n", "x"), "timestamp": ts, "nonce": "n"}
        return (await bot.http.post("/wecom/callback", params=params, content=body)).status_code

    assert await raw(b"<xml><Encrypt>" + b"A" * 70_000 + b"</Encrypt></xml>") == 413
    assert await raw(b"not xml at all") == 400
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>'
    )
    assert await raw(bomb) == 400
    assert (await bot.http.post("/wecom/callback")).status_code == 400
    await bot.settle()
    assert bot.fake.sent == []


async def test_a_body_in_two_packets_is_read_whole(bot: WeComBot) -> None:
    ts = str(int(bot.clock.now().timestamp()))
    params, body = callback(bot.message("split", "text", Content="你好"), ts)
    head = (
        f"POST /wecom/callback?{urlencode(params)} HTTP/1.1\r\nHost: {bot.server.host}\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    half = len(body) // 2
    reader, writer = await asyncio.open_connection(bot.server.host, bot.server.port)
    try:
        writer.write(head + body[:half])
        await writer.drain()
        # A round trip through the same server on another connection: by the time it is
        # answered, the server has taken in the first packet (the one loop reads in order).
        assert (await bot.http.get("/wecom/callback")).status_code == 400
        writer.write(body[half:])
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    assert status.split()[1] == b"200", status
    await bot.settle()
    assert "请先向管理员索取邀请码" in bot.news("split")


async def test_callback_is_answered_before_the_work_is_done(bot: WeComBot) -> None:
    bot.fake.hold_media = asyncio.Event()  # the picture's download will not finish yet
    media_id = bot.fake.add_media(b"\xff\xd8\xff a slow picture")
    answer = await bot.post(bot.message("someone", "image", PicUrl="http://p", MediaId=media_id))
    assert answer.status_code == 200 and answer.text == ""
    await asyncio.wait_for(bot.fake.media_asked.wait(), 5)  # the work goes on after answering
    bot.fake.hold_media.set()
    await bot.settle()


async def test_retried_callback_is_handled_once_even_after_restart(tmp_path: Path) -> None:
    bot = await WeComBot.start(tmp_path / "data")
    code = find_code(await bot.say("admin", "/invite 开封 reporter"))
    await bot.say("kf", f"/bind {code}")
    fields = bot.message("kf", "text", Content="/na 1 本年度未制定方案")
    # WeCom retries when it does not hear back in 5 s: the same MsgId arrives again.
    answers = await asyncio.gather(*(bot.post(fields) for _ in range(3)))
    assert all(a.status_code == 200 for a in answers)
    await bot.settle()
    assert bot.news("kf").count("已提交不适用申请 #1") == 1
    await bot.stop()

    again = await WeComBot.start(tmp_path / "data")
    try:
        assert (await again.post(fields)).status_code == 200
        await again.settle()
        assert again.fake.to("kf") == []
        pending = await again.say("admin", "/pending")
        assert pending.count("不适用申请 #1") == 1 and "#2" not in pending
    finally:
        await again.stop()


async def test_other_agents_and_odd_messages(
    bot: WeComBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    other_agent = {**bot.message("someone", "text", Content="/start"), "AgentID": AGENT_ID + 1}
    assert (await bot.post(other_agent)).status_code == 200
    location = bot.message("someone", "location", Location_X="34.7", Location_Y="113.6")
    assert (await bot.post(location)).status_code == 200
    enter = {
        "ToUserName": CORP_ID,
        "FromUserName": "someone",
        "CreateTime": int(bot.clock.now().timestamp()),
        "MsgType": "event",
        "Event": "LOCATION",  # a periodic location report (enter_agent greets: see test_wecom_menu)
        "AgentID": AGENT_ID,
    }
    assert (await bot.post(enter)).status_code == 200
    await bot.settle()
    said = bot.news("someone")
    assert "暂不支持这类消息" in said and "/upload" in said
    assert said.count("\n\n") == 0  # one answer: the other agent's message and the event are silent
    for secret in (TOKEN, SECRET, AES_KEY, *bot.fake._tokens):
        assert secret not in caplog.text
