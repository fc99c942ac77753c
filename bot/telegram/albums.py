"""Albums: the messages of one media group, gathered until the chat falls quiet."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, TypeVar

T = TypeVar("T")


class Album(Generic[T]):
    """Items of one media group; `complete()` returns them once none came for `quiet` s."""

    def __init__(self, key: str, quiet: float, first: T) -> None:
        self.key = key
        self.quiet = quiet
        self.items: list[T] = [first]
        self.closed = False
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()
        self._arrived = asyncio.Event()

    def add(self, item: T) -> None:
        self.items.append(item)
        self._last = self._loop.time()
        self._arrived.set()

    async def complete(self) -> list[T]:
        # Telegram sends an album as separate messages with no "last one" marker.
        while (remaining := self._last + self.quiet - self._loop.time()) > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
        self.closed = True
        return self.items


class Albums(Generic[T]):
    def __init__(self, quiet: float) -> None:
        self.quiet = quiet
        self._open: dict[str, Album[T]] = {}

    def add(self, key: str, item: T) -> Album[T] | None:
        """The new album when `item` starts one (handle it once complete), else None."""
        album = self._open.get(key)
        if album is not None and not album.closed:
            album.add(item)
            return None
        album = self._open[key] = Album(key, self.quiet, item)
        return album

    def forget(self, album: Album[T]) -> None:
        if self._open.get(album.key) is album:
            del self._open[album.key]
