"""Whether a database file and its attachments are what was written: for doctor and restore.

Both read the files directly, read-only, without opening a `Store` (which would migrate, i.e.
write, and refuses a damaged file): doctor must describe a broken store, and restore must
check a backup before anything of it is put in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage import hops
from storage.db import marks

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DatabaseCheck:
    verdict: str  # "ok", or what SQLite found wrong, on one line
    version: int  # the last migration applied (0 when unknown)

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


@dataclass(frozen=True)
class BadBlob:
    sha256: str
    name: str  # an attachment name that uses it, else its path under files/
    problem: str  # "changed" (bytes differ from the SHA-256 they are stored under) | "missing"


async def check_database(db_path: Path) -> DatabaseCheck:
    """SQLite's full integrity check and the schema version, without changing the file."""
    return await hops.in_thread(_check_database, db_path)


async def bad_blobs(db_path: Path, files_root: Path) -> tuple[int, list[BadBlob]]:
    """(attachments checked, those whose bytes do not hash to the SHA-256 they are kept under).

    Small ones are in `blobs.content`, the others files under `files_root`; every one is read
    and hashed, so this takes as long as reading all attachments once."""
    return await hops.in_thread(_bad_blobs, db_path, files_root)


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


def _bad_blobs(db_path: Path, files_root: Path) -> tuple[int, list[BadBlob]]:
    bad: list[tuple[str, str, str]] = []
    checked = 0
    with contextlib.closing(_connect(db_path)) as conn:
        try:
            rows = conn.execute("SELECT sha256, rel_path, content FROM blobs ORDER BY sha256")
        except sqlite3.OperationalError:  # a database from before small files were kept inside
            rows = conn.execute("SELECT sha256, rel_path, NULL FROM blobs ORDER BY sha256")
        for sha, rel_path, content in rows:
            checked += 1
            if isinstance(content, str):  # edited by hand into text: not what was stored
                actual: str | None = hashlib.sha256(content.encode()).hexdigest()
            elif content is not None:
                actual = hashlib.sha256(content).hexdigest()
            else:
                actual = _file_sha256(files_root / rel_path)
            if actual != sha:
                bad.append((sha, rel_path, "missing" if actual is None else "changed"))
        names = _names(conn, [sha for sha, _, _ in bad])
    return checked, [BadBlob(sha, names.get(sha, rel), problem) for sha, rel, problem in bad]


def _file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
    except OSError:  # missing, or unreadable: either way not the attachment recorded
        return None
    return digest.hexdigest()


def _names(conn: sqlite3.Connection, shas: list[str]) -> dict[str, str]:
    """One name people gave each blob (the attachment's, else a draft's)."""
    names: dict[str, str] = {}
    for table in ("draft_files", "attachments"):  # an attachment's name wins
        for start in range(0, len(shas), 500):
            part = shas[start : start + 500]
            for sha, name in conn.execute(
                f"SELECT sha256, MIN(name) FROM {table} WHERE sha256 IN ({marks(part)}) GROUP BY sha256",
                part,
            ):
                names[str(sha)] = str(name)
    return names
