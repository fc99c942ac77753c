"""What a WeCom error code means for the outbox: retry, back off, give up, or fix the set-up."""

from __future__ import annotations

from bot.wecom.api import InvalidUser, WeComError
from schedules.delivery import DeliveryError, RetryLater, Undeliverable, Unreachable

# 45009: API frequency limit; 45033: too many concurrent calls. WeCom asks for a minute's rest.
RATE_LIMITED = frozenset({45009, 45033})
RATE_BACKOFF = 60.0

# Set-up mistakes only an administrator can fix; the message keeps being retried meanwhile.
# All but 60011 stop every send of the app, so the whole channel waits; 60011 concerns only
# the one recipient outside the visible range, so only that chat backs off.
CONFIG_PROBLEMS = {
    60020: "wecom.config_ip",
    60011: "wecom.config_range",
    40001: "wecom.config_secret",
    40013: "wecom.config_corp",
}
CONFIG_RETRY = 600.0
OUT_OF_RANGE = 60011

# The member cannot receive this app's messages (left, unknown id, outside the visible range).
MEMBER_GONE = frozenset({40003, 60111, 81013})

# Requests that will not succeed as they are (bad media, empty or over-long content, a robot
# whose webhook was deleted).
BAD_REQUEST = frozenset({40007, 40008, 40058, 44004, 45002, 93000, 93004})

# In English for the server log: what to change, where.
LOG_FIXES = {
    60020: "this server's public IP is not in the app's trusted IPs: WeCom admin console → "
    "App Management → the app → Trusted Enterprise IPs (企业可信IP), add it",
    60011: "the recipient is outside the app's visible range: WeCom admin console → "
    "App Management → the app → Visible Range (可见范围), add the members or departments",
    40001: "WECOM_SECRET is wrong: copy the app's Secret from App Management → the app",
    40013: "WECOM_CORP_ID is wrong: copy the Corp ID from My Company → Company Information",
}


def delivery_error(err: WeComError) -> DeliveryError:
    """The outbox's view of a failed WeCom call (-1 and unknown codes: back off and retry)."""
    detail = str(err)
    if isinstance(err, InvalidUser) or err.code in MEMBER_GONE:
        return Unreachable(detail)
    if err.code in RATE_LIMITED:
        return RetryLater(detail, after=RATE_BACKOFF)
    if err.code in CONFIG_PROBLEMS:
        if err.code == OUT_OF_RANGE:
            return DeliveryError(detail)
        return RetryLater(detail, after=CONFIG_RETRY)
    if err.code in BAD_REQUEST:
        return Undeliverable(detail)
    return DeliveryError(detail)
