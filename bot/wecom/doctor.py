"""`doctor`'s WeCom checks: the credentials (gettoken), this server's clock against WeCom's
`Date` header and the callback's allowed skew, trusted IPs (60020) and the app's visible range
(agent/get). Each finding carries its fix; no secret is ever quoted."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot.finding import Finding
from domain.settings import Settings

TIMEOUT = 10.0
DRIFT = 30  # seconds off WeCom's clock worth a warning even while callbacks still get in
IP_REFUSED = 60020
FROM_IP = re.compile(r"from ip:\s*([0-9A-Fa-f.:]+)")


class _Answer:
    """A JSON answer and the moment WeCom says it was sent (its Date header)."""

    def __init__(self, data: dict[str, Any], date: datetime | None) -> None:
        self.data = data
        self.date = date
        self.code = int(data.get("errcode", 0) or 0)


async def findings(settings: Settings, now: Callable[[], datetime]) -> list[Finding]:
    """What doctor says about WeCom; empty when WECOM_CORP_ID or WECOM_SECRET is unset."""
    if not settings.wecom_corp_id or settings.wecom_secret is None:
        return []
    base = settings.wecom_api_base_url.rstrip("/")
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as client:
        params = {
            "corpid": settings.wecom_corp_id,
            "corpsecret": settings.wecom_secret.get_secret_value(),
        }
        token = await _get(client, "/cgi-bin/gettoken", params, now)
        if isinstance(token, Finding):
            return [token]
        found = [_clock(token, now(), settings.wecom_callback_skew_seconds)]
        if token.code == IP_REFUSED:
            return [*found, _ip(token)]
        if token.code != 0 or not token.data.get("access_token"):
            return [*found, Finding("problem", "doctor.wecom_rejected", {"detail": token.code})]
        found.append(Finding("ok", "doctor.wecom_ok", {"who": settings.wecom_corp_id}))
        if settings.wecom_agent_id is None:
            return found
        agent = await _get(
            client,
            "/cgi-bin/agent/get",
            {
                "access_token": str(token.data["access_token"]),
                "agentid": str(settings.wecom_agent_id),
            },
            now,
        )
        return [*found, _agent(agent, settings.wecom_agent_id)]


async def _get(
    client: httpx.AsyncClient, path: str, params: dict[str, str], now: Callable[[], datetime]
) -> _Answer | Finding:
    try:
        response = await client.get(path, params=params)
    except httpx.HTTPError as err:  # the message may hold the URL, and so the secret
        return Finding("problem", "doctor.wecom_unreachable", {"detail": type(err).__name__})
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Finding("problem", "doctor.wecom_bad_answer", {"detail": response.status_code})
    return _Answer(data, _date(response.headers.get("date")))


def _date(header: str | None) -> datetime | None:
    if not header:
        return None
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else None


def _clock(answer: _Answer, here: datetime, allowed: int) -> Finding:
    """This server's clock against WeCom's: the callback refuses timestamps beyond `allowed`."""
    if answer.date is None:
        return Finding("warning", "doctor.wecom_clock_unknown", {"allowed": allowed})
    # Date is WeCom's time cut to the whole second: on average half a second behind.
    ahead = round((here - answer.date).total_seconds() - 0.5)
    params: dict[str, object] = {
        "seconds": abs(ahead),
        "minutes": round(abs(ahead) / 60),
        "allowed": allowed,
    }
    direction = "ahead" if ahead > 0 else "behind"
    if abs(ahead) > allowed:
        return Finding("problem", f"doctor.wecom_clock_refused_{direction}", params)
    if abs(ahead) > DRIFT:
        return Finding("warning", f"doctor.wecom_clock_drift_{direction}", params)
    return Finding("ok", "doctor.wecom_clock_ok", params)


def _ip(answer: _Answer) -> Finding:
    found = FROM_IP.search(str(answer.data.get("errmsg", "")))
    if found is None:
        return Finding("problem", "doctor.wecom_ip_refused", {"code": answer.code})
    return Finding(
        "problem", "doctor.wecom_ip_refused_named", {"code": answer.code, "ip": found.group(1)}
    )


def _agent(answer: _Answer | Finding, agent_id: int) -> Finding:
    """The app itself: reachable from this IP, enabled, visible to someone."""
    if isinstance(answer, Finding):
        return answer
    if answer.code == IP_REFUSED:
        return _ip(answer)
    if answer.code != 0:
        return Finding(
            "problem", "doctor.wecom_agent_rejected", {"agent": agent_id, "code": answer.code}
        )
    data = answer.data
    name = str(data.get("name", "")) or str(agent_id)
    if int(data.get("close", 0) or 0):
        return Finding("problem", "doctor.wecom_agent_closed", {"name": name})
    users = _list(data, "allow_userinfos", "user")
    parties = _list(data, "allow_partys", "partyid")
    tags = _list(data, "allow_tags", "tagid")
    if not (users or parties or tags):
        return Finding("problem", "doctor.wecom_range_empty", {"name": name})
    return Finding(
        "ok",
        "doctor.wecom_range",
        {"name": name, "users": len(users), "parties": len(parties), "tags": len(tags)},
    )


def _list(data: dict[str, Any], outer: str, inner: str) -> list[Any]:
    """agent/get nests each part of the range one level deep: {"allow_partys": {"partyid": [1]}}."""
    part = data.get(outer)
    found = part.get(inner) if isinstance(part, dict) else None
    return found if isinstance(found, list) else []
