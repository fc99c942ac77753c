"""WeCom's server API over httpx: access token, messages, cards, media, app chats, robots."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiofiles
import httpx

from bot.wecom.api_error import InvalidUser, WeComError
from domain.clock import Clock

log = logging.getLogger(__name__)
# Request URLs carry the access token and robot keys: httpx must not log them at INFO.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

TOKEN_INVALID = 40014
TOKEN_EXPIRED = 42001
NETWORK = -1
TOKEN_MARGIN = timedelta(minutes=5)
# message/send's enable_duplicate_check drops a request whose JSON equals one sent within the
# interval (WeCom allows at most four hours): a retry after a send whose answer was lost or
# never recorded is then not seen twice, as long as it comes within this window.
DUPLICATE_WINDOW = timedelta(hours=4)


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise WeComError(NETWORK, f"http {response.status_code}, not JSON") from None
    if not isinstance(data, dict):
        raise WeComError(NETWORK, "unexpected answer")
    return data


def _check(data: dict[str, Any]) -> dict[str, Any]:
    code = int(data.get("errcode", 0) or 0)
    if code != 0:
        raise WeComError(code, str(data.get("errmsg", ""))[:200])
    return data


class WeComApi:
    """One per app: caches the access token and refreshes it once when WeCom rejects it."""

    def __init__(
        self,
        base_url: str,
        corp_id: str,
        secret: str,
        agent_id: int,
        clock: Clock,
        timeout: float = 20.0,
    ) -> None:
        self.agent_id = agent_id
        self._corp_id = corp_id
        self._secret = secret
        self._clock = clock
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._token: str | None = None
        self._expires: datetime | None = None
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self._client.aclose()

    async def access_token(self, rejected: str | None = None) -> str:
        """The cached token, fetched when missing, near expiry, or just rejected by WeCom."""
        async with self._lock:
            now = self._clock.now()
            fresh = self._expires is not None and now < self._expires
            if self._token and fresh and self._token != rejected:
                return self._token
            params = {"corpid": self._corp_id, "corpsecret": self._secret}
            data = _check(await self._request("GET", "/cgi-bin/gettoken", params=params))
            self._token = str(data["access_token"])
            lifetime = timedelta(seconds=int(data.get("expires_in", 7200)))
            self._expires = now + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            return self._token

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as err:
            raise WeComError(NETWORK, f"network: {type(err).__name__}") from None
        return _body(response)

    async def call(
        self,
        method: str,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        upload: tuple[str, bytes, str] | None = None,
    ) -> dict[str, Any]:
        """Call an access-token API; a rejected token is refreshed and the call repeated once."""
        token = await self.access_token()
        for attempt in range(2):
            kwargs: dict[str, Any] = {"params": {**(params or {}), "access_token": token}}
            if payload is not None:
                kwargs["content"] = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
            if upload is not None:
                kwargs["files"] = {"media": upload}
            data = await self._request(method, path, **kwargs)
            code = int(data.get("errcode", 0) or 0)
            if code in (TOKEN_INVALID, TOKEN_EXPIRED) and attempt == 0:
                log.info("wecom access token rejected (%d), refreshing once", code)
                token = await self.access_token(rejected=token)
                continue
            return _check(data)
        raise AssertionError("unreachable")

    # --- messages ---
    async def send(
        self, touser: str, message: dict[str, Any], *, duplicate_check: bool = False
    ) -> None:
        """message/send to one member; `message` holds msgtype and its part. With
        `duplicate_check`, WeCom drops it if the identical request came within the window."""
        payload: dict[str, Any] = {"touser": touser, "agentid": self.agent_id, **message}
        if duplicate_check:
            payload["enable_duplicate_check"] = 1
            payload["duplicate_check_interval"] = int(DUPLICATE_WINDOW.total_seconds())
        data = await self.call("POST", "/cgi-bin/message/send", payload=payload)
        invalid = "|".join(str(data[k]) for k in ("invaliduser", "unlicenseduser") if data.get(k))
        if invalid:
            raise InvalidUser(invalid)

    async def send_text(self, touser: str, text: str) -> None:
        await self.send(touser, {"msgtype": "text", "text": {"content": text}})

    async def send_markdown(self, touser: str, text: str) -> None:
        await self.send(touser, {"msgtype": "markdown", "markdown": {"content": text}})

    async def send_media(self, touser: str, kind: str, media_id: str) -> None:
        """kind is 'file' or 'image'."""
        await self.send(touser, {"msgtype": kind, kind: {"media_id": media_id}})

    async def send_card(self, touser: str, card: dict[str, Any]) -> None:
        await self.send(touser, {"msgtype": "template_card", "template_card": card})

    async def update_card_buttons(self, userid: str, response_code: str, replace_name: str) -> None:
        """Replace a clicked card's buttons with one disabled label (response_code: once, 72 h)."""
        await self.call(
            "POST",
            "/cgi-bin/message/update_template_card",
            payload={
                "userids": [userid],
                "agentid": self.agent_id,
                "response_code": response_code,
                "button": {"replace_name": replace_name},
            },
        )

    # --- media ---
    async def upload_media(self, kind: str, name: str, path: Path, mime: str) -> str:
        """media/upload; returns the media_id (valid three days)."""
        async with aiofiles.open(path, "rb") as source:
            content = await source.read()
        return await self.upload_bytes(kind, name, content, mime)

    async def upload_bytes(self, kind: str, name: str, content: bytes, mime: str) -> str:
        data = await self.call(
            "POST", "/cgi-bin/media/upload", params={"type": kind}, upload=(name, content, mime)
        )
        return str(data["media_id"])

    async def media_chunks(self, media_id: str) -> AsyncIterator[bytes]:
        """media/get, streamed; an error answer (JSON instead of bytes) raises WeComError."""
        token = await self.access_token()
        for attempt in range(2):
            params = {"access_token": token, "media_id": media_id}
            try:
                async with self._client.stream("GET", "/cgi-bin/media/get", params=params) as r:
                    kind = r.headers.get("content-type", "")
                    if r.status_code != 200 or kind.startswith(("application/json", "text/")):
                        try:
                            data = json.loads(await r.aread())
                        except ValueError:
                            raise WeComError(NETWORK, f"http {r.status_code}") from None
                        code = int(data.get("errcode", 0) or 0)
                        if code in (TOKEN_INVALID, TOKEN_EXPIRED) and attempt == 0:
                            token = await self.access_token(rejected=token)
                            continue
                        raise WeComError(code or NETWORK, str(data.get("errmsg", ""))[:200])
                    async for chunk in r.aiter_bytes(256 * 1024):
                        yield chunk
                    return
            except httpx.HTTPError as err:
                raise WeComError(NETWORK, f"network: {type(err).__name__}") from None

    # --- app group chats and group robots ---
    async def appchat_create(self, name: str, owner: str, users: list[str], chatid: str) -> str:
        data = await self.call(
            "POST",
            "/cgi-bin/appchat/create",
            payload={"name": name, "owner": owner, "userlist": users, "chatid": chatid},
        )
        return str(data.get("chatid", chatid))

    async def appchat_send_text(self, chatid: str, text: str) -> None:
        await self.call(
            "POST",
            "/cgi-bin/appchat/send",
            payload={"chatid": chatid, "msgtype": "text", "text": {"content": text}},
        )

    async def webhook_send_text(self, key: str, text: str) -> None:
        await self.webhook_send(key, {"msgtype": "text", "text": {"content": text}})

    async def webhook_send_image(self, key: str, picture: bytes) -> None:
        """A picture to a group robot, inline (base64 and its MD5; WeCom takes up to 2 MB)."""
        image = {
            "base64": base64.b64encode(picture).decode("ascii"),
            "md5": hashlib.md5(picture).hexdigest(),  # WeCom's checksum, not a security use
        }
        await self.webhook_send(key, {"msgtype": "image", "image": image})

    async def webhook_send(self, key: str, message: dict[str, Any]) -> None:
        """A group robot's webhook: no access token, the key is the credential."""
        payload = json.dumps(message, ensure_ascii=False).encode("utf-8")
        _check(
            await self._request(
                "POST",
                "/cgi-bin/webhook/send",
                params={"key": key},
                content=payload,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        )
