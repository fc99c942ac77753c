"""When the database cannot be used: a damaged file, or writes failing now; said once a minute."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

LOG_EVERY = 60.0  # seconds between two log lines about the same failing store

DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
UNWRITABLE = frozenset(
    {
        sqlite3.SQLITE_READONLY,  # the file or its directory is read-only
        sqlite3.SQLITE_FULL,  # disk full
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CANTOPEN,  # e.g. the -wal file cannot be created
        sqlite3.SQLITE_PERM,
    }
)


class StoreError(Exception):
    """The database at `path` cannot be used as it is; `detail` is what SQLite said."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = " ".join(detail.split())[:200]  # one line, whatever SQLite returned


class StoreDamaged(StoreError):
    """The file is not a sound SQLite database: it must be restored from a backup."""


class StoreUnwritable(StoreError):
    """Writing fails (read-only file, disk full, I/O error); reads may still work."""


def classify(path: Path, err: sqlite3.Error) -> StoreError | None:
    """What an SQLite error says about the store itself; None for an error of the statement."""
    code = getattr(err, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF  # extended codes (SQLITE_IOERR_WRITE…) keep the primary in the low byte
    if primary in DAMAGED:
        return StoreDamaged(path, str(err))
    if primary in UNWRITABLE:
        return StoreUnwritable(path, str(err))
    return None


class WriteHealth:
    """Whether writes work now. A failing store is logged once a minute, however many messages
    fail meanwhile, and listeners hear once when writes start failing (the admins' alarm)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failing: StoreUnwritable | None = None
        self._listeners: list[Callable[[StoreUnwritable], None]] = []
        self._failed = 0  # failed writes not yet counted in a log line
        self._logged_at: float | None = None
        self._outage_logged = False

    def subscribe(self, listener: Callable[[StoreUnwritable], None]) -> None:
        self._listeners.append(listener)

    def failed(self, failure: StoreUnwritable) -> None:
        self._failed += 1
        now = time.monotonic()
        if self._logged_at is None or now - self._logged_at >= LOG_EVERY:
            log.error(
                "cannot write %s: %s (%d failed writes; next report in %ds)",
                failure.path,
                failure.detail,
                self._failed,
                LOG_EVERY,
            )
            self._logged_at, self._failed, self._outage_logged = now, 0, True
        if self.failing is None:
            self.failing = failure
            for listener in self._listeners:
                listener(failure)

    def succeeded(self) -> None:
        if self.failing is None:
            return
        if self._outage_logged:
            log.warning("%s can be written again (%d more failed writes)", self.path, self._failed)
        self.failing, self._failed, self._outage_logged = None, 0, False
