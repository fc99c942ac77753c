"""WeCom's sending rules in one place: off :00 and :30, and each member's message budget."""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# WeCom's docs: most apps push at :00 and :30, so deliveries then are slow; stay off them.
CROWDED_MINUTES = (0, 30)
CROWD_MARGIN = 5.0
SPREAD_SECONDS = 120  # member pushes held off a crowded minute spread over two more minutes

# message/send to one member: at most 30 a minute and 1,000 an hour for one app; WeCom drops
# (does not refuse) what is over, so the bot counts and waits rather than finding out.
MEMBER_LIMITS = ((timedelta(minutes=1), 30), (timedelta(hours=1), 1000))


def crowded_wait(now: datetime, tz: ZoneInfo, spread_key: str | None = None) -> float:
    """Seconds until the crowded minute is over (0 when it is not :00 or :30 now); with a
    `spread_key` (a member), plus a stable share of two minutes so members do not all go
    at :01."""
    local = now.astimezone(tz)
    if local.minute not in CROWDED_MINUTES:
        return 0.0
    wait = 60.0 - local.second - local.microsecond / 1e6 + CROWD_MARGIN
    if spread_key is not None:
        digest = hashlib.sha256(spread_key.encode("utf-8")).digest()
        wait += int.from_bytes(digest[:4], "big") % SPREAD_SECONDS
    return wait


class MemberBudget:
    """Messages sent to each member in the last minute and hour, by this process: replies
    and pushes draw on the same budget."""

    def __init__(self) -> None:
        self._sent: dict[str, deque[datetime]] = defaultdict(deque)

    def free_in(self, user: str, now: datetime, needed: int) -> float:
        """Seconds until `needed` more messages to `user` fit every limit (0: now)."""
        sent = self._sent[user]
        longest = max(window for window, _ in MEMBER_LIMITS)
        while sent and now - sent[0] >= longest:
            sent.popleft()
        wait = 0.0
        for window, limit in MEMBER_LIMITS:
            recent = [at for at in sent if now - at < window]
            over = len(recent) + min(needed, limit) - limit
            if over > 0:
                oldest_to_expire = recent[min(over, len(recent)) - 1]
                wait = max(wait, (oldest_to_expire + window - now).total_seconds() + 1.0)
        return wait

    def spend(self, user: str, now: datetime, count: int = 1) -> None:
        self._sent[user].extend([now] * count)
