"""WeCom test drivers: a callback encoder independent of the bot's, and a bot behind the fake.

The encoder is built on `cryptography` primitives from WeCom's published scheme, not on
wechatpy: AES-256-CBC (key = base64(EncodingAESKey + "="), IV = its first 16 bytes), PKCS#7
padded to 32-byte blocks, over random(16) + msg_len(4, network order) + msg + receiveid;
msg_signature = SHA-1 of the sorted [token, timestamp, nonce, encrypt].
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import struct
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot import http_server
from bot.app import App, open_app
from bot.wecom.adapter import WeComChannel
from domain.clock import ManualClock
from schedules.sender import Sender
from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET, FakeWeCom, Sent
from tests.support import local, settings_for

TOKEN = "callbackTokenForTests"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeCom issues them
ADMIN = "admin"


def sign(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def encrypt(plain: str, aes_key: str = AES_KEY, receive_id: str = CORP_ID) -> str:
    key = base64.b64decode(aes_key + "=")
    message = plain.encode("utf-8")
    raw = os.urandom(16) + struct.pack(">I", len(message)) + message + receive_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode("ascii")


def decrypt(encrypted: str, aes_key: str = AES_KEY) -> tuple[str, str]:
    """(message, receiveid): to read what the bot's side would see."""
    key = base64.b64decode(aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    raw = raw[: -raw[-1]]
    (length,) = struct.unpack(">I", raw[16:20])
    return raw[20 : 20 + length].decode("utf-8"), raw[20 + length :].decode("utf-8")


def inner_xml(fields: dict[str, Any]) -> str:
    parts = []
    for tag, value in fields.items():
        text = str(value)
        body = text if isinstance(value, int) else f"<![CDATA[{text}]]>"
        parts.append(f"<{tag}>{body}</{tag}>")
    return "<xml>" + "".join(parts) + "</xml>"


def envelope(encrypted: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<AgentID><![CDATA[{AGENT_ID}]]></AgentID>"
        f"<Encrypt><![CDATA[{escape(encrypted)}]]></Encrypt></xml>"
    ).encode()


def callback(
    fields: dict[str, Any], timestamp: str, signature: str | None = None
) -> tuple[dict[str, str], bytes]:
    """The query and body WeCom would POST for a message: encrypted, signed."""
    encrypted = encrypt(inner_xml(fields))
    nonce = os.urandom(6).hex()
    params = {
        "msg_signature": signature or sign(TOKEN, timestamp, nonce, encrypted),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    return params, envelope(encrypted)


class WeComBot:
    """The real app and WeCom channel on a temp dir, a fake WeCom server, a manual clock."""

    _ids = itertools.count(7_000_000_000_000_000_000)

    def __init__(
        self,
        app: App,
        clock: ManualClock,
        fake: FakeWeCom,
        channel: WeComChannel,
        server: http_server.HttpServer,
    ) -> None:
        self.app = app
        self.clock = clock
        self.fake = fake
        self.channel = channel
        self.server = server
        self.sender = Sender(app.store, clock, [channel], tz=app.settings.tz)
        self.http = httpx.AsyncClient(base_url=server.base_url, timeout=30)
        self._read: dict[str, int] = {}

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        at: str | datetime = "2016-05-20T09:05",
        window: float = 0.2,
        **settings: object,
    ) -> WeComBot:
        clock = ManualClock(local(at) if isinstance(at, str) else at)
        corp = str(settings.get("WECOM_CORP_ID", CORP_ID))
        agent = int(str(settings.get("WECOM_AGENT_ID", AGENT_ID)))
        fake = FakeWeCom(now=clock.now, corp_id=corp, agent_id=agent)
        await fake.start()
        defaults: dict[str, object] = {
            "WECOM_CORP_ID": CORP_ID,
            "WECOM_AGENT_ID": AGENT_ID,
            "WECOM_SECRET": SECRET,
            "WECOM_TOKEN": TOKEN,
            "WECOM_AES_KEY": AES_KEY,
            "WECOM_API_BASE_URL": fake.base_url,
            "WECOM_REPORT_WINDOW_SECONDS": window,
            "BOT_HTTP_HOST": "127.0.0.1",
            "BOT_HTTP_PORT": 0,
            "BOT_ADMINS": f"wecom:{ADMIN}",
        }
        config = settings_for(data_dir, **{**defaults, **settings})
        app = await open_app(config, clock, seed_sample=True)
        channel = WeComChannel.from_settings(app.services)
        server = http_server.build(app.services, [channel])
        assert server is not None
        await channel.start()
        await server.start()
        return cls(app, clock, fake, channel, server)

    async def stop(self) -> None:
        await self.http.aclose()
        await self.server.stop()
        await self.channel.stop()
        await self.app.store.close()
        await self.fake.stop()

    # --- posting callbacks ---
    def message(self, user: str, msgtype: str, **extra: Any) -> dict[str, Any]:
        return {
            "ToUserName": CORP_ID,
            "FromUserName": user,
            "CreateTime": int(self.clock.now().timestamp()),
            "MsgType": msgtype,
            **extra,
            "MsgId": next(self._ids),
            "AgentID": AGENT_ID,
        }

    async def post(
        self,
        fields: dict[str, Any],
        *,
        timestamp: str | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        ts = timestamp or str(int(self.clock.now().timestamp()))
        params, body = callback(fields, ts, signature)
        return await self.http.post("/wecom/callback", params=params, content=body)

    async def settle(self) -> None:
        """Every accepted callback handled, every batch handed on, the outbox drained."""
        await self.channel.settled()
        await self.sender.drain()

    # --- conversation ---
    def news(self, user: str) -> str:
        """What `user` received since last asked: texts, cards, and card buttons replaced."""
        seen = self._read.get(user, 0)
        sent = self.fake.to(user)
        self._read[user] = len(sent)
        lines = [s.text for s in sent[seen:]]
        return "\n\n".join(lines)

    async def say(self, user: str, text: str, images: list[bytes] | None = None) -> str:
        self.news(user)
        updates = len(self.fake.card_updates)
        response = await self.post(self.message(user, "text", Content=text))
        assert response.status_code == 200, response.text
        for data in images or []:
            media_id = self.fake.add_media(data)
            response = await self.post(
                self.message(user, "image", PicUrl="http://p", MediaId=media_id)
            )
            assert response.status_code == 200
        await self.settle()
        return self._since(user, updates)

    def _since(self, user: str, updates: int) -> str:
        replaced = [
            f"[{u['button']['replace_name']}]"
            for u in self.fake.card_updates[updates:]
            if user in u["userids"]
        ]
        return "\n\n".join([*replaced, self.news(user)]).strip()

    def last_card_with(self, user: str, label: str) -> Sent:
        for sent in reversed(self.fake.to(user)):
            if sent.kind == "template_card":
                buttons = sent.body["template_card"].get("button_list", [])
                if any(b["text"] == label for b in buttons):
                    return sent
        raise AssertionError(f"no card with {label!r} for {user}")

    async def tap(self, user: str, label: str) -> str:
        """Press a card button (as WeCom reports it), or type the number of a listed choice."""
        try:
            sent = self.last_card_with(user, label)
        except AssertionError:
            voted = self._vote_card_with(user, label)
            if voted is None:
                return await self._type_number(user, label)
            return await self._vote(user, *voted)
        card = sent.body["template_card"]
        key = next(b["key"] for b in card["button_list"] if b["text"] == label)
        self.news(user)
        updates = len(self.fake.card_updates)
        event = {
            "ToUserName": CORP_ID,
            "FromUserName": user,
            "CreateTime": int(self.clock.now().timestamp()),
            "MsgType": "event",
            "Event": "template_card_event",
            "EventKey": key,
            "TaskId": card["task_id"],
            "CardType": "button_interaction",
            "ResponseCode": sent.response_code,
            "AgentID": AGENT_ID,
        }
        response = await self.post(event)
        assert response.status_code == 200
        await self.settle()
        return self._since(user, updates)

    def _vote_card_with(self, user: str, label: str) -> tuple[Sent, str] | None:
        """The last vote card offering `label` (shown as `[n] label`, cut with … when long),
        and that option's id."""
        for sent in reversed(self.fake.to(user)):
            card = sent.body.get("template_card", {})
            for option in card.get("checkbox", {}).get("option_list", []):
                shown = str(option["text"]).partition("] ")[2]
                if shown.startswith(label) or label.startswith(shown.removesuffix("…")):
                    return sent, str(option["id"])
        return None

    async def _vote(self, user: str, sent: Sent, option_id: str) -> str:
        """Pick one option of a vote card and submit it, as WeCom reports it (nested XML)."""
        card = sent.body["template_card"]
        fields = {
            "ToUserName": CORP_ID,
            "FromUserName": user,
            "CreateTime": int(self.clock.now().timestamp()),
            "MsgType": "event",
            "Event": "template_card_event",
            "EventKey": card["submit_button"]["key"],
            "TaskId": card["task_id"],
            "CardType": "vote_interaction",
            "ResponseCode": sent.response_code,
            "AgentID": AGENT_ID,
        }
        question = escape(card["checkbox"]["question_key"])
        picked = (
            f"<SelectedItems><SelectedItem><QuestionKey><![CDATA[{question}]]></QuestionKey>"
            f"<OptionIds><OptionId><![CDATA[{option_id}]]></OptionId></OptionIds>"
            "</SelectedItem></SelectedItems>"
        )
        plain = inner_xml(fields).removesuffix("</xml>") + picked + "</xml>"
        encrypted = encrypt(plain)
        timestamp = str(int(self.clock.now().timestamp()))
        nonce = os.urandom(6).hex()
        params = {
            "msg_signature": sign(TOKEN, timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        self.news(user)
        updates = len(self.fake.card_updates)
        response = await self.http.post(
            "/wecom/callback", params=params, content=envelope(encrypted)
        )
        assert response.status_code == 200
        await self.settle()
        return self._since(user, updates)

    async def _type_number(self, user: str, label: str) -> str:
        for sent in reversed(self.fake.to(user)):
            for line in sent.text.splitlines():
                if line.endswith(f"] {label}") and line.startswith("["):
                    return await self.say(user, line[1 : line.index("]")])
        raise AssertionError(f"no choice {label!r} shown to {user}")
