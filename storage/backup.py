"""Online backups and restores: SQLite's backup API for the database, then the attachment files."""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from storage import hops
from storage.db import Store

DB_NAME = "bot.sqlite3"
FILES_DIR = "files"
# The scheduled backups' folders: only names of this form are ever listed or deleted, so
# nothing else kept in the backup folder is touched. A backup is written under the partial
# name and renamed once complete and checked: a complete name is always a good backup.
STAMP = "%Y%m%d-%H%M%S"
MADE = re.compile(r"duban-auto-(\d{8}-\d{6})")
PARTIAL = re.compile(r"\.duban-auto-(\d{8}-\d{6})\.partial")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    bytes: int


async def backup(store: Store, files_root: Path, dest: Path) -> BackupResult:
    """A consistent copy while the bot runs: the database snapshot first, then every file it names.

    Small attachments are inside the database and come with it. Attachment files are
    immutable and written before the rows that refer to them, so every blob in the snapshot
    is already complete on disk.
    """
    await hops.in_thread(dest.mkdir, parents=True, exist_ok=False)
    target = await aiosqlite.connect(dest / DB_NAME)
    try:
        async with store.read() as db:
            await db.backup(target)
        async with target.execute("SELECT rel_path, size, content IS NOT NULL FROM blobs") as cur:
            blobs = [(str(r[0]), int(r[1]), bool(r[2])) for r in await cur.fetchall()]
    finally:
        await target.close()
    on_disk = [rel for rel, _, inline in blobs if not inline]
    copied = await hops.in_thread(_copy_files, files_root, dest / FILES_DIR, on_disk)
    inline_bytes = sum(size for _, size, inline in blobs if inline)
    return BackupResult(path=dest, files=len(blobs), bytes=copied + inline_bytes)


def _copy_files(source: Path, dest: Path, rel_paths: list[str]) -> int:
    total = 0
    for rel in rel_paths:
        src = source / rel
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)
        total += out.stat().st_size
    return total


async def integrity(db: aiosqlite.Connection) -> str:
    """SQLite's own check: 'ok' when the database is sound."""
    async with db.execute("PRAGMA integrity_check") as cur:
        rows = await cur.fetchall()
    return "; ".join(str(r[0]) for r in rows)


async def check_backup(source: Path) -> str:
    """Integrity of a backup's database before it is restored."""
    return await check_backup_file(source / DB_NAME)


async def check_backup_file(db_path: Path) -> str:
    """Integrity of a database file that is not the bot's (a copy, a restored replica)."""
    if not await hops.in_thread(db_path.is_file):
        return "missing"
    try:
        async with aiosqlite.connect(db_path) as db:
            return await integrity(db)
    except sqlite3.DatabaseError as err:
        return str(err)


def set_aside(db_path: Path) -> None:
    """Rename a database, its WAL and Litestream's state beside it to `*.before-restore`:
    a restore can be undone, and Litestream does not take the new file for the old one."""
    litestream_state = db_path.with_name(f".{db_path.name}-litestream")
    for old in [
        *(db_path.with_name(db_path.name + s) for s in ("", "-wal", "-shm")),
        litestream_state,
    ]:
        if old.exists():
            aside = old.with_name(old.name + ".before-restore")
            if aside.is_dir():
                shutil.rmtree(aside)
            old.rename(aside)


def restore(source: Path, data_dir: Path, files_dir: Path) -> int:
    """Replace the data dir's database and files with a backup's; returns attachments restored.

    The caller makes sure the bot is stopped. The old database (and its WAL) is moved aside,
    never deleted, so a restore can itself be undone.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / DB_NAME
    set_aside(db_path)
    shutil.copy2(source / DB_NAME, db_path)
    restored = 0
    backup_files = source / FILES_DIR
    if backup_files.is_dir():
        for src in backup_files.rglob("*"):
            if src.is_file():
                out = files_dir / src.relative_to(backup_files)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, out)
                restored += 1
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        try:
            (inline,) = conn.execute(
                "SELECT COUNT(*) FROM blobs WHERE content IS NOT NULL"
            ).fetchone()
        except sqlite3.OperationalError:  # a backup from before small files were kept inside
            inline = 0
    return restored + int(inline)


class BackupFailed(Exception):
    """A scheduled backup did not complete; nothing of it is left under a complete name."""


@dataclass(frozen=True)
class Made:
    """One complete scheduled backup, with when it was taken (from its name)."""

    path: Path
    at: datetime


def made(root: Path, tz: ZoneInfo) -> list[Made]:
    """The scheduled backups in `root`, newest first (none when the folder does not exist)."""
    found = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in root.iterdir():
            match = MADE.fullmatch(entry.name)
            if match and (entry / DB_NAME).is_file():
                at = datetime.strptime(match.group(1), STAMP).replace(tzinfo=tz)
                found.append(Made(entry, at))
    return sorted(found, key=lambda m: m.at, reverse=True)


async def scheduled(store: Store, files_root: Path, root: Path, now: datetime) -> BackupResult:
    """One scheduled backup, named by `now` (the caller's zone): written under a partial name,
    integrity-checked, then renamed. Partial folders left by an earlier crash are removed."""
    stamp = now.strftime(STAMP)
    await hops.in_thread(root.mkdir, parents=True, exist_ok=True)
    await hops.in_thread(_drop_partials, root)
    partial = root / f".duban-auto-{stamp}.partial"
    try:
        result = await backup(store, files_root, partial)
        verdict = await check_backup(partial)
        if verdict != "ok":
            raise BackupFailed(f"integrity check of the copy: {verdict}")
        final = root / f"duban-auto-{stamp}"
        await hops.in_thread(partial.rename, final)
    except BaseException:
        await hops.in_thread(shutil.rmtree, partial, True)
        raise
    return BackupResult(final, result.files, result.bytes)


def prune(root: Path, tz: ZoneInfo, keep: int) -> list[Path]:
    """Delete the scheduled backups past the newest `keep`; returns what was deleted."""
    old = [m.path for m in made(root, tz)[keep:]]
    for path in old:
        shutil.rmtree(path)
    return old


def _drop_partials(root: Path) -> None:
    for entry in root.iterdir():
        if PARTIAL.fullmatch(entry.name) and entry.is_dir():
            shutil.rmtree(entry)
