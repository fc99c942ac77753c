"""Channel reachability for `doctor`: Telegram's getMe, never quoting a secret (WeCom's checks
are in bot/wecom/doctor.py)."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.telegram.client import api_urls, is_loopback, token_of
from domain.settings import Settings

TIMEOUT = 10.0


@dataclass(frozen=True)
class Reach:
    """`ok`; `who` names the account reached; `problem` says what went wrong when not ok."""

    channel: str
    ok: bool
    who: str = ""
    problem: str = ""
    detail: str = ""

    @property
    def key(self) -> str:
        """The locale key of the doctor's line."""
        return f"doctor.{self.channel}_{self.problem or 'ok'}"


async def configured(settings: Settings) -> list[Reach]:
    """Reachability of every networked channel whose credentials are set."""
    found = []
    if settings.telegram_bot_token is not None:
        found.append(await telegram(settings))
    return found


async def telegram(settings: Settings) -> Reach:
    """Ask the configured Bot API who the bot is (getMe)."""
    api, _ = api_urls(settings)
    token = token_of(settings)
    url = api.replace("{token}", token) if "{token}" in api else f"{api}{token}"
    data = await _get_json("telegram", f"{url}/getMe", None, trust_env=not is_loopback(api))
    if isinstance(data, Reach):
        return data
    if data.get("ok") and isinstance(data.get("result"), dict):
        return Reach("telegram", True, who="@" + str(data["result"].get("username", "")))
    code = int(data.get("error_code") or 0)
    return Reach("telegram", False, problem="rejected", detail=str(code or "?"))


async def _get_json(
    channel: str, url: str, params: dict[str, str] | None, trust_env: bool
) -> dict | Reach:
    """The JSON answer, or a Reach saying why there is none (no URL: it may hold a secret)."""
    limits = aiohttp.ClientTimeout(total=TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=limits, trust_env=trust_env) as session:
            async with session.get(url, params=params) as response:
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    return Reach(channel, False, problem="bad_answer", detail=str(response.status))
    except TimeoutError:
        return Reach(channel, False, problem="unreachable", detail="timeout")
    except aiohttp.ClientError as err:
        return Reach(channel, False, problem="unreachable", detail=type(err).__name__)
    if not isinstance(data, dict):
        return Reach(channel, False, problem="bad_answer", detail=str(response.status))
    return data
