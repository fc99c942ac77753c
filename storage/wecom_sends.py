"""Queries for sends that fit WeCom: media ids reused, card task ids kept, download links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import fetch_one, from_db, to_db


@dataclass(frozen=True)
class Download:
    id: int
    path: str
    name: str
    mime: str
    size: int
    expires_at: datetime


async def media_id(db: aiosqlite.Connection, sha256: str, kind: str, now: datetime) -> str | None:
    """The media id of content uploaded before and still valid at `now`."""
    row = await fetch_one(
        db,
        "SELECT media_id FROM wecom_media WHERE sha256 = ? AND kind = ? AND expires_at > ?",
        (sha256, kind, to_db(now)),
    )
    return None if row is None else str(row[0])


async def save_media(
    db: aiosqlite.Connection,
    sha256: str,
    kind: str,
    media: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await db.execute(
        "INSERT INTO wecom_media (sha256, kind, media_id, expires_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(sha256, kind) DO UPDATE SET media_id = excluded.media_id,"
        " expires_at = excluded.expires_at",
        (sha256, kind, media, to_db(expires_at)),
    )
    await db.execute("DELETE FROM wecom_media WHERE expires_at <= ?", (to_db(now),))


async def card_task(
    db: aiosqlite.Connection, digest: str, fresh: str, now: datetime, until: datetime
) -> str:
    """The task id a card with this digest was sent with while still within the duplicate
    window, else `fresh`, kept until `until`."""
    await db.execute("DELETE FROM wecom_card_tasks WHERE expires_at <= ?", (to_db(now),))
    row = await fetch_one(db, "SELECT task_id FROM wecom_card_tasks WHERE digest = ?", (digest,))
    if row is not None:
        return str(row[0])
    await db.execute(
        "INSERT INTO wecom_card_tasks (digest, task_id, expires_at) VALUES (?, ?, ?)",
        (digest, fresh, to_db(until)),
    )
    return fresh


async def download_for(
    db: aiosqlite.Connection,
    path: str,
    name: str,
    mime: str,
    size: int,
    now: datetime,
    until: datetime,
    valid_after: datetime,
) -> Download:
    """The link row for this file: one still valid at `valid_after` is reused (so a retry
    sends the same link), else a new one valid until `until`."""
    row = await fetch_one(
        db,
        "SELECT id, path, name, mime, size, expires_at FROM wecom_downloads"
        " WHERE path = ? AND size = ? AND name = ? AND expires_at > ? ORDER BY id DESC LIMIT 1",
        (path, size, name, to_db(valid_after)),
    )
    if row is None:
        row = await fetch_one(
            db,
            "INSERT INTO wecom_downloads (path, name, mime, size, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id, path, name, mime, size, expires_at",
            (path, name, mime, size, to_db(now), to_db(until)),
        )
    assert row is not None
    return _download(row)


async def download(db: aiosqlite.Connection, download_id: int) -> Download | None:
    row = await fetch_one(
        db,
        "SELECT id, path, name, mime, size, expires_at FROM wecom_downloads WHERE id = ?",
        (download_id,),
    )
    return None if row is None else _download(row)


def _download(row: aiosqlite.Row) -> Download:
    expires = from_db(row[5])
    assert expires is not None
    return Download(int(row[0]), str(row[1]), str(row[2]), str(row[3]), int(row[4]), expires)
