"""Online backups and restores: SQLite's backup API for the database, then the attachment files."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.db import Store

DB_NAME = "bot.sqlite3"
FILES_DIR = "files"


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
    await asyncio.to_thread(dest.mkdir, parents=True, exist_ok=False)
    target = await aiosqlite.connect(dest / DB_NAME)
    try:
        async with store.read() as db:
            await db.backup(target)
        async with target.execute("SELECT rel_path, size, content IS NOT NULL FROM blobs") as cur:
            blobs = [(str(r[0]), int(r[1]), bool(r[2])) for r in await cur.fetchall()]
    finally:
        await target.close()
    on_disk = [rel for rel, _, inline in blobs if not inline]
    copied = await asyncio.to_thread(_copy_files, files_root, dest / FILES_DIR, on_disk)
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
    db_path = source / DB_NAME
    if not db_path.is_file():
        return "missing"
    try:
        async with aiosqlite.connect(db_path) as db:
            return await integrity(db)
    except sqlite3.DatabaseError as err:
        return str(err)


def restore(source: Path, data_dir: Path, files_dir: Path) -> int:
    """Replace the data dir's database and files with a backup's; returns attachments restored.

    The caller makes sure the bot is stopped. The old database (and its WAL) is moved aside,
    never deleted, so a restore can itself be undone.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / DB_NAME
    for suffix in ("", "-wal", "-shm"):
        old = db_path.with_name(DB_NAME + suffix)
        if old.exists():
            old.rename(old.with_name(old.name + ".before-restore"))
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
