"""The store on a real SQLite file: migrations split into whole statements, reads beside writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from storage import processed
from storage.db import Store, _statements, fetch_all

MIGRATION = """\
-- A note; with a semicolon; in the comment
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE log (note_id INTEGER, what TEXT);
CREATE TRIGGER notes_logged AFTER INSERT ON notes BEGIN
    INSERT INTO log (note_id, what) VALUES (NEW.id, 'added');
    INSERT INTO log (note_id, what) VALUES (NEW.id, 'counted');
END;
INSERT INTO notes (body) VALUES ('first line;
second line');
CREATE INDEX log_note ON log(note_id)
"""


async def test_a_migration_splits_into_whole_statements(tmp_path: Path) -> None:
    statements = _statements(MIGRATION)

    assert statements == [
        "-- A note; with a semicolon; in the comment\n"
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
        "CREATE TABLE log (note_id INTEGER, what TEXT);",
        "CREATE TRIGGER notes_logged AFTER INSERT ON notes BEGIN\n"
        "    INSERT INTO log (note_id, what) VALUES (NEW.id, 'added');\n"
        "    INSERT INTO log (note_id, what) VALUES (NEW.id, 'counted');\n"
        "END;",
        "INSERT INTO notes (body) VALUES ('first line;\nsecond line');",
        "CREATE INDEX log_note ON log(note_id)",
    ]
    async with aiosqlite.connect(tmp_path / "split.sqlite3") as db:
        for statement in statements:
            await db.execute(statement)
        assert await fetch_all(db, "SELECT body FROM notes") == [("first line;\nsecond line",)]
        assert await fetch_all(db, "SELECT what FROM log ORDER BY rowid") == [
            ("added",),
            ("counted",),
        ]


async def test_a_read_does_not_wait_behind_an_open_write(tmp_path: Path) -> None:
    store = Store(tmp_path / "data" / "bot.sqlite3")
    await store.open()
    now = datetime(2016, 5, 30, 1, 0, tzinfo=UTC)
    try:
        async with store.write() as db:
            await processed.mark(db, "shell", "committed", now)
        inside = asyncio.Event()
        release = asyncio.Event()

        async def writer() -> None:
            async with store.write() as db:
                await processed.mark(db, "shell", "uncommitted", now)
                inside.set()
                await release.wait()

        async def reader() -> tuple[bool, bool]:
            async with store.read() as db:
                return (
                    await processed.seen(db, "shell", "committed"),
                    await processed.seen(db, "shell", "uncommitted"),
                )

        writing = asyncio.create_task(writer())
        try:
            await asyncio.wait_for(inside.wait(), timeout=10)
            seen = await asyncio.wait_for(reader(), timeout=10)
            assert not writing.done()  # the write transaction stayed open throughout
        finally:
            release.set()
            await asyncio.wait_for(writing, timeout=10)
        assert seen == (True, False)
        assert await reader() == (True, True)  # this task sees the write just committed
    finally:
        await store.close()


async def test_a_snapshot_sees_one_state_while_a_write_commits_between_its_reads(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "bot.sqlite3")
    await store.open()
    now = datetime(2016, 5, 30, 1, 0, tzinfo=UTC)
    try:
        async with store.snapshot() as db:
            before = await processed.seen(db, "shell", "late")
            async with store.write() as wdb:
                await processed.mark(wdb, "shell", "late", now)
            during = await processed.seen(db, "shell", "late")
        async with store.read() as db:
            after = await processed.seen(db, "shell", "late")
        assert (before, during, after) == (False, False, True)
    finally:
        await store.close()
