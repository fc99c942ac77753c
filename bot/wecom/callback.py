"""The WeCom callback URL: GET verification and POSTed encrypted XML, written down and
answered 200 at once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.wecom import envelope, mapping
from bot.wecom.crypto import CallbackCrypto, CryptoError
from bot.wecom.mapping import Inbound
from domain.clock import Clock

log = logging.getLogger(__name__)

PATH = "/wecom/callback"
MAX_BODY = 64 * 1024  # a WeCom callback is a few KB; anything larger is not one
SKEW = 300  # seconds allowed between WeCom's timestamp and ours (WECOM_CALLBACK_SKEW_SECONDS)


class CallbackRoutes:
    """Checks, decrypts and hands each callback on to be written down; the work itself happens
    after answering."""

    def __init__(
        self,
        crypto: CallbackCrypto,
        clock: Clock,
        agent_id: int,
        accept: Callable[[Inbound], Awaitable[None]],
        max_skew: int = SKEW,
    ) -> None:
        self.crypto = crypto
        self.clock = clock
        self.agent_id = str(agent_id)
        self.accept = accept
        self.max_skew = max_skew
        self._skew_told = False  # a clock refusal was logged and no callback got in since

    def routes(self) -> list[web.RouteDef]:
        return [web.get(PATH, self.verify), web.post(PATH, self.receive)]

    def _signed(self, request: web.Request) -> tuple[str, str, str] | web.Response:
        """(signature, timestamp, nonce), or 400 when one is missing or malformed."""
        query = request.query
        sig, ts, nonce = query.get("msg_signature"), query.get("timestamp"), query.get("nonce")
        if not sig or not ts or not nonce or len(sig) > 64 or len(nonce) > 64:
            return web.Response(status=400, text="bad request")
        if not ts.isdigit() or len(ts) > 12:
            return web.Response(status=400, text="bad request")
        return sig, ts, nonce

    def _stale(self, ts: str) -> web.Response | None:
        """403 when a signed timestamp is further from our clock than allowed (a replay, or a
        wrong clock here); checked after the signature so that only WeCom's own can say so."""
        ahead = round(self.clock.now().timestamp() - int(ts))
        if abs(ahead) <= self.max_skew:
            self._skew_told = False
            return None
        if self._skew_told:
            log.debug("wecom callback refused: timestamp %+d s off", -ahead)
        else:
            # Without NTP every message is refused, and silently so from WeCom's side: say it
            # once, plainly, with the fix; again only after a callback has got through.
            self._skew_told = True
            log.error(
                "wecom callback refused: its timestamp is %d s %s this server's clock "
                "(allowed ±%d s, WECOM_CALLBACK_SKEW_SECONDS). If every message is refused, "
                "this server's clock is wrong: synchronise it with NTP/chrony (an intranet time "
                "source will do) and check with `python main.py doctor`. Further refusals are "
                "not logged until a callback is accepted.",
                abs(ahead),
                "behind" if ahead > 0 else "ahead of",
                self.max_skew,
            )
        return web.Response(status=403, text="stale")

    async def verify(self, request: web.Request) -> web.Response:
        """URL verification: answer the decrypted echostr exactly as it is."""
        signed = self._signed(request)
        if isinstance(signed, web.Response):
            return signed
        sig, ts, nonce = signed
        echostr = request.query.get("echostr", "")
        if not echostr or len(echostr) > 1024:
            return web.Response(status=400, text="bad request")
        if not self.crypto.signature_ok(sig, ts, nonce, echostr):
            log.warning("wecom URL verification refused: bad signature")
            return web.Response(status=403, text="forbidden")
        stale = self._stale(ts)
        if stale is not None:
            return stale
        try:
            plain = self.crypto.decrypt_echo(sig, ts, nonce, echostr)
        except CryptoError:
            return web.Response(status=400, text="bad request")
        return web.Response(body=plain.encode("utf-8"), content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        signed = self._signed(request)
        if isinstance(signed, web.Response):
            return signed
        sig, ts, nonce = signed
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        raw = await _body(request)
        if raw is None:
            return web.Response(status=413, text="too large")
        try:
            encrypted = envelope.fields(raw).get("Encrypt", "")
        except envelope.XmlError:
            return web.Response(status=400, text="bad request")
        if not encrypted:
            return web.Response(status=400, text="bad request")
        if not self.crypto.signature_ok(sig, ts, nonce, encrypted):
            log.warning("wecom callback refused: bad signature")
            return web.Response(status=403, text="forbidden")
        stale = self._stale(ts)
        if stale is not None:
            return stale
        try:
            fields = envelope.fields(self.crypto.decrypt(sig, ts, nonce, encrypted))
        except (CryptoError, envelope.XmlError):
            return web.Response(status=400, text="bad request")
        if fields.get("AgentID", self.agent_id) not in (self.agent_id, ""):
            return web.Response(text="")
        inbound = mapping.parse(fields)
        if inbound is not None:
            try:
                await self.accept(inbound)
            except Exception:
                # Not written down: no 200, so that WeCom sends it again.
                log.exception("wecom callback not saved")
                return web.Response(status=503, text="unavailable")
        # WeCom waits 5 s and then retries: answer at once, empty, and work afterwards.
        return web.Response(text="")


async def _body(request: web.Request) -> bytes | None:
    """The whole body, however many packets it came in; None when it is over MAX_BODY."""
    body = bytearray()
    while len(body) <= MAX_BODY:
        chunk = await request.content.read(MAX_BODY + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return None
