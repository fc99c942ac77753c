"""Per-chat lanes: one chat's updates are handled in order, different chats side by side."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Lanes:
    """A queue per key, each drained by its own task that ends when the queue is empty."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.pending = 0  # jobs queued or running, in all lanes
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, key: str, job: Job) -> None:
        self.pending += 1
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(job)
            return
        queue = self._queues[key] = deque([job])
        self._idle.clear()
        task = asyncio.create_task(self._drain(key, queue), name=f"telegram-lane-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: str, queue: deque[Job]) -> None:
        try:
            while queue:
                try:
                    await queue[0]()
                except Exception:
                    log.exception("a Telegram update could not be handled")
                queue.popleft()
                self.pending -= 1
        finally:
            del self._queues[key]
            if not self._queues:
                self._idle.set()

    @property
    def busy(self) -> bool:
        return bool(self._queues)

    async def idle(self) -> None:
        """Wait until every queued job has run."""
        await self._idle.wait()
