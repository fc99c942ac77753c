"""Whether a database file is sound, read as it is: for doctor.

Read directly, read-only, without opening a `Store` (which would migrate, i.e. write, and
refuses a damaged file): doctor must describe a broken store.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DatabaseCheck:
    verdict: str  # "ok", or what SQLite found wrong, on one line
    version: int  # the last migration applied (0 when unknown)

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


async def check_database(db_path: Path) -> DatabaseCheck:
    """SQLite's full integrity check and the schema version, without changing the file."""
    return await asyncio.to_thread(_check_database, db_path)


def _connect(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True)


def _check_database(db_path: Path) -> DatabaseCheck:
    try:
        with contextlib.closing(_connect(db_path)) as conn:
            found = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
            verdict = "ok" if found == ["ok"] else "; ".join(found)
            try:
                (version,) = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
            except sqlite3.OperationalError:  # no such table: not one of our databases
                version = 0
    except sqlite3.Error as err:
        return DatabaseCheck(" ".join(str(err).split()), 0)
    return DatabaseCheck(" ".join(verdict.split())[:300], int(version or 0))
