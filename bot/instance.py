"""One running bot per data folder: an OS lock on `BOT_DATA_DIR/.lock`, which holds its PID.

Taken by the long-running commands (`serve`, `telegram`, `wecom`, `shell`) and by `restore`:
two pollers would fight over Telegram's getUpdates (409) and two outbox drainers would send
every push twice. One-shot commands (`plan import`, `invite`, `backup`, `doctor` …) take no
lock: they run beside the bot, and SQLite orders their writes. The kernel drops the lock
when the process ends however it ends, so a crash leaves nothing to clean up; the file stays.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from domain.settings import Settings
from locales import Translator, locale_for

NAME = ".lock"


class AlreadyRunning(Exception):
    """Another process holds the data folder's lock."""

    def __init__(self, path: Path, pid: str) -> None:
        super().__init__(f"{path} is held by process {pid or '?'}")
        self.path = path
        self.pid = pid


class InstanceLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def take(cls, data_dir: Path) -> InstanceLock:
        """Lock `data_dir` for this process, or raise AlreadyRunning naming the holder's PID."""
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise AlreadyRunning(path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


@contextlib.contextmanager
def held(data_dir: Path) -> Iterator[InstanceLock]:
    lock = InstanceLock.take(data_dir)
    try:
        yield lock
    finally:
        lock.release()


def running_failure(err: AlreadyRunning) -> str:
    """The one line an entry point prints when another process holds the data folder."""
    settings = Settings()
    t = Translator(locale_for(configured=settings.locale), settings.tz)
    return t("instance.running", pid=err.pid or "?", path=err.path.parent)
