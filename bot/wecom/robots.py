"""Group robots (群机器人): webhook sends paced to 20 a minute each, away from :00 and :30;
texts and pictures (a bulletin's board)."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.wecom.api import WeComApi
from bot.wecom.pacing import crowded_wait
from domain.clock import Clock
from schedules.delivery import RetryLater, Undeliverable
from storage import wecom
from storage.db import Store

PER_MINUTE = 20
WINDOW = timedelta(minutes=1)
PICTURE_MAX = 2 * 1024 * 1024  # a robot's image message, before base64


class RobotSender:
    """Keeps each robot under its limit; asks the outbox to come back later instead of tripping it."""

    def __init__(self, api: WeComApi, store: Store, clock: Clock, tz: ZoneInfo) -> None:
        self.api = api
        self.store = store
        self.clock = clock
        self.tz = tz
        self._sent: dict[int, deque[datetime]] = defaultdict(deque)

    def free_in(self, robot_id: int, now: datetime, needed: int) -> float:
        """Seconds until `needed` more messages fit in the robot's last minute."""
        sent = self._sent[robot_id]
        while sent and now - sent[0] >= WINDOW:
            sent.popleft()
        over = len(sent) + min(needed, PER_MINUTE) - PER_MINUTE
        if over <= 0:
            return 0.0
        oldest_to_expire = sent[min(over, len(sent)) - 1]
        return (oldest_to_expire + WINDOW - now).total_seconds() + 1.0

    async def send(self, robot_id: int, parts: list[str], pictures: Sequence[bytes] = ()) -> None:
        """Post the parts of one message and its pictures, or raise RetryLater when they cannot
        all go now."""
        async with self.store.read() as db:
            key = await wecom.robot_key(db, robot_id)
        if key is None:
            raise Undeliverable(f"robot {robot_id} was removed")
        now = self.clock.now()
        wait = crowded_wait(now, self.tz)
        if wait:
            raise RetryLater("wecom robot: staying off :00/:30", after=wait)
        wait = self.free_in(robot_id, now, len(parts) + len(pictures))
        if wait:
            raise RetryLater(f"wecom robot {robot_id}: {PER_MINUTE}/min reached", after=wait)
        for part in parts:
            self._sent[robot_id].append(now)
            await self.api.webhook_send_text(key, part)
        for picture in pictures:
            self._sent[robot_id].append(now)
            await self.api.webhook_send_image(key, picture)
