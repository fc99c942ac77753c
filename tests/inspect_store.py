"""Read-only views of the whole store for drills and health checks: reports by source, blobs, outbox."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.db import fetch_all


@dataclass(frozen=True)
class SourcedReport:
    """A report, the inbound message it came from, and its attachments (sha256, size)."""

    id: int
    source_key: str | None
    unit_id: int
    code: str
    files: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class BlobRow:
    sha256: str
    size: int
    rel_path: str
    content: bytes | None  # kept in the database; None for a file on disk


async def all_reports(db: aiosqlite.Connection) -> list[SourcedReport]:
    """Every report ever stored, oldest first, with its files; [] when none."""
    rows = await fetch_all(
        db,
        "SELECT r.id, r.source_key, a.unit_id, m.code FROM reports r"
        " JOIN assignments a ON a.id = r.assignment_id JOIN materials m ON m.id = a.material_id"
        " ORDER BY r.id",
        (),
    )
    files: dict[int, list[tuple[str, int]]] = {}
    for f in await fetch_all(db, "SELECT report_id, sha256, size FROM attachments ORDER BY id", ()):
        files.setdefault(int(f["report_id"]), []).append((str(f["sha256"]), int(f["size"])))
    return [
        SourcedReport(
            id=int(r["id"]),
            source_key=r["source_key"],
            unit_id=int(r["unit_id"]),
            code=str(r["code"]),
            files=tuple(files.get(int(r["id"]), [])),
        )
        for r in rows
    ]


async def all_blobs(db: aiosqlite.Connection) -> list[BlobRow]:
    """Every recorded file content; [] when none."""
    rows = await fetch_all(
        db,
        "SELECT sha256, size, rel_path, content FROM blobs ORDER BY sha256",
        (),
    )
    return [
        BlobRow(
            sha256=str(r["sha256"]),
            size=int(r["size"]),
            rel_path=str(r["rel_path"]),
            content=None if r["content"] is None else bytes(r["content"]),
        )
        for r in rows
    ]


async def outbox_counts(db: aiosqlite.Connection) -> dict[str, int]:
    """Outbox messages by status ('queued', 'sent', 'failed'…); {} when empty."""
    rows = await fetch_all(db, "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status", ())
    return {str(r["status"]): int(r["n"]) for r in rows}
