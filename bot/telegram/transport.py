"""PTB's Bot API requests over aiohttp: JSON bodies, one pooled session, downloads streamed.

PTB's default transport (httpx, form-encoded bodies) costs about five times the CPU per
call; a bot that makes three calls for a report with a file feels that.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One aiohttp session; `trust_env` decides whether HTTP(S)_PROXY applies."""

    def __init__(
        self,
        *,
        read_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        media_timeout: float = 120.0,
        pool_size: int = 64,
        trust_env: bool = True,
    ) -> None:
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._media_timeout = media_timeout
        self._pool_size = pool_size
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise RuntimeError("the Telegram HTTP session is not open")
        return self._session

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                trust_env=self._trust_env,
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        files = request_data.multipart_data if request_data is not None else None
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if files and request_data is not None:
            # Raw UTF-8 file names, as Telegram (and httpx) expect: "报表.xlsx", not "%E6%8A%A5…".
            body = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for part, (filename, content, mime) in files.items():
                body.add_field(part, content, filename=filename, content_type=mime)
            read = max(read or 0.0, self._media_timeout)
        elif request_data is not None:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        try:
            async with self.session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut() from err
        except aiohttp.ClientError as err:
            # Not str(err) alone: some aiohttp errors quote the URL, and it holds the token.
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err

    async def stream(self, url: str, chunk_size: int) -> AsyncIterator[bytes]:
        """GET a file in chunks; errors never quote the URL (it holds the token)."""
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._connect_timeout, sock_read=self._read_timeout
        )
        try:
            async with self.session.get(url, timeout=timeout) as response:
                if response.status != 200:
                    raise NetworkError(f"file download answered HTTP {response.status}")
                async for chunk in response.content.iter_chunked(chunk_size):
                    yield chunk
        except TimeoutError as err:
            raise TimedOut() from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err


def _seconds(value: object, default: float) -> float | None:
    """A timeout PTB passed: a number, None (no limit), or one of its defaults (ours then)."""
    # PTB marks "not given" with DefaultValue objects from a private module: told apart here
    # by type alone, so no private name is imported.
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return default
