"""Files too big for the channel (WeCom over 20 MB, Telegram over 50 MB) as signed download
links served by the bot's HTTP server wherever BOT_PUBLIC_URL is set: the upload page's
signing key (BOT_UPLOAD_SECRET or the stored one), its own purpose. The route and table keep
the names they had when only WeCom used them, so links already sent keep working."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import aiofiles.os
from aiohttp import web

from handlers.context import Services
from handlers.upload_links import signing_secret
from storage import wecom_sends

# Exports are kept three days (handlers.insight_data.KEEP_EXPORTS): a link lives as long.
LIFETIME = timedelta(days=3)
# A retry within a day sends the same link (and so the same text, for duplicate_check).
REUSE_WHILE_LEFT = timedelta(days=2)
TOKEN_MAX = 200
ROUTE = "/wecom/file/{token}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mac(secret: str, payload: bytes) -> bytes:
    # Its own prefix: an upload link's token is never a download token, nor the reverse.
    return hmac.new(secret.encode("utf-8"), b"wecom-download:" + payload, hashlib.sha256).digest()


def sign(secret: str, download_id: int, expires: datetime) -> str:
    payload = json.dumps([download_id, int(expires.timestamp())], separators=(",", ":"))
    data = payload.encode("ascii")
    return f"{_b64(data)}.{_b64(_mac(secret, data))}"


def verify(secret: str, token: str) -> tuple[int, datetime] | None:
    """The download id and expiry of a token signed with `secret`; None if forged."""
    if len(token) > TOKEN_MAX or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
        if not hmac.compare_digest(given, _mac(secret, payload)):
            return None
        download_id, expires = json.loads(payload)
        return int(download_id), datetime.fromtimestamp(int(expires), UTC)
    except (ValueError, TypeError):
        return None


class Downloads:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def _secret(self) -> str:
        configured = self.services.settings.upload_secret
        async with self.services.store.write() as db:
            return await signing_secret(configured.get_secret_value() if configured else None, db)

    async def link(self, path: str, name: str, mime: str, size: int) -> tuple[str, datetime] | None:
        """The URL the file can be fetched at and until when; None without BOT_PUBLIC_URL."""
        base = self.services.settings.public_url
        if not base:
            return None
        now = self.services.clock.now()
        secret = await self._secret()
        async with self.services.store.write() as db:
            found = await wecom_sends.download_for(
                db, path, name, mime, size, now, now + LIFETIME, now + LIFETIME - REUSE_WHILE_LEFT
            )
        token = sign(secret, found.id, found.expires_at)
        return f"{base}{ROUTE.replace('{token}', token)}", found.expires_at

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROUTE, self.serve)]

    async def serve(self, request: web.Request) -> web.StreamResponse:
        claims = verify(await self._secret(), request.match_info["token"])
        if claims is None:
            raise web.HTTPNotFound()
        download_id, expires = claims
        if self.services.clock.now() >= expires:
            raise web.HTTPGone()
        async with self.services.store.read() as db:
            found = await wecom_sends.download(db, download_id)
        path = Path(found.path) if found else None
        if found is None or path is None or not await aiofiles.os.path.isfile(path):
            raise web.HTTPGone()
        return web.FileResponse(
            path,
            headers={
                "Content-Type": found.mime,
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}",
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )
