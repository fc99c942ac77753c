"""The bot's one HTTP server (aiohttp): the WeCom callback, the upload page, health and metrics
share it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web

from handlers.context import Services

log = logging.getLogger(__name__)


class HttpServer:
    """Routes are added before `start`; port 0 picks a free port (tests)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self._port = port
        # Multipart uploads are streamed, so this cap only bounds bodies read whole.
        self.web = web.Application(client_max_size=1024 * 1024)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    def add_routes(self, routes: Sequence[web.AbstractRouteDef]) -> None:
        self.web.add_routes(routes)

    @property
    def port(self) -> int:
        """The port actually listened on."""
        if self._runner is not None and self._runner.addresses:
            return int(self._runner.addresses[0][1])
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        # No access log: upload paths carry one-time tokens.
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self._port)
        await self._site.start()
        log.info("HTTP server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None


def build(
    services: Services,
    channels: Sequence[object],
    health: Sequence[web.AbstractRouteDef] = (),
) -> HttpServer | None:
    """The server for these channels' routes and the upload page, with `health` (/healthz,
    /readyz, /metrics) beside them; None when nothing needs it and BOT_HTTP_PORT is not set."""
    settings = services.settings
    routes: list[web.AbstractRouteDef] = []
    for channel in channels:
        web_routes = getattr(channel, "web_routes", None)
        if web_routes is not None:
            routes.extend(web_routes())
    if settings.public_url:
        from bot.downloads import Downloads
        from bot.upload.page import UploadPage

        routes.extend(UploadPage(services).routes())
        routes.extend(Downloads(services).routes())  # files over a channel's limit
    if not routes and not settings.http_port_set:
        return None
    server = HttpServer(settings.http_host, settings.http_port)
    server.add_routes([*routes, *health])
    return server
