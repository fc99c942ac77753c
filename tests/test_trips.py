"""Trips to the database threads: a request's reads make one, each write transaction one more.

The trip counts are what the issue asks for (`/todo` one trip, a report with its file two); the
rest checks that a carried request keeps every promise of the store: a transaction commits
whole or not at all, listeners hear of it only after COMMIT, a cancelled request leaves the
store usable, and a mistake (awaiting the loop on a database thread) is named, not hung on.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Coroutine
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.messages import Incoming, IncomingFile
from handlers.router import handle
from storage import hops, processed
from storage.db import Store, fetch_all
from tests.support import ShellBot

NOW = datetime(2016, 5, 20, 1, 0, tzinfo=UTC)


def _message(text: str, *files: bytes) -> Incoming:
    def attachment(data: bytes, n: int) -> IncomingFile:
        async def read() -> AsyncIterator[bytes]:
            yield data

        return IncomingFile(name=f"附件{n}.pdf", mime="application/pdf", size=len(data), read=read)

    return Incoming(
        channel="shell",
        user_ref="zz",
        chat_ref="zz",
        text=text,
        files=tuple(attachment(data, n) for n, data in enumerate(files)),
    )


async def _trips(bot: ShellBot, text: str, *files: bytes) -> tuple[int, str]:
    store = bot.app.store
    before = store.trips
    replies = await handle(bot.app.services, _message(text, *files))
    return store.trips - before, replies[0].text


async def test_a_reporters_questions_take_one_trip(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await _trips(bot, "/todo")  # the plans and the calendar, read once per change

    trips, todo = await _trips(bot, "/todo")
    assert "待报送材料 16 项" in todo
    assert trips == 1
    trips, tasks = await _trips(bot, "/tasks")
    assert "共 9 项任务" in tasks
    assert trips == 1


async def test_a_report_with_its_file_takes_two_trips(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await _trips(bot, "/todo")

    small = b"%PDF-1.4 minutes of the site meeting\n"
    trips, done = await _trips(bot, "/report 2.1 已召开现场会", small)
    assert "已报送 [2.1]" in done and "附件 1 个" in done
    assert trips <= 2
    large = b"%PDF-1.4\n" + b"0" * 200_000  # kept as a file of its own, not in the database
    trips, done = await _trips(bot, "/report 3.1 已评查", large)
    assert "已报送 [3.1]" in done
    assert trips <= 2

    trips, todo = await _trips(bot, "/todo")
    assert "待报送材料 14 项" in todo and trips == 1


async def test_a_question_asked_by_a_command_is_still_marked(bot: ShellBot, pdf: Path) -> None:
    """Whether a command asked a question is read in its own write now, not in a trip after."""
    await bot.invite_and_bind("郑州", "zz")
    await bot.say("/report 2.1 已召开现场会", as_="zz", files=[pdf])
    admin = Incoming(channel="shell", user_ref="admin", chat_ref="admin", text="/return 1")

    asked = await handle(bot.app.services, admin)
    assert asked[-1].expects_answer  # the reason is asked for
    answered = await handle(bot.app.services, replace(admin, text="缺少签到表"))
    assert "已退回报送" in answered[0].text
    assert not answered[-1].expects_answer
    todo = await handle(bot.app.services, replace(admin, text="/todo"))
    assert not todo[-1].expects_answer


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = Store(tmp_path / "bot.db")
    await opened.open()
    async with opened.write() as db:
        await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    yield opened
    await opened.close()


async def _bodies(store: Store) -> list[str]:
    async with store.read() as db:
        return [r[0] for r in await fetch_all(db, "SELECT body FROM notes ORDER BY id")]


async def test_a_carried_transaction_is_one_trip_and_all_or_nothing(store: Store) -> None:
    async def three_notes(fail: bool) -> None:
        async with store.write() as db:
            for body in ("a", "b", "c"):
                await db.execute("INSERT INTO notes (body) VALUES (?)", (body,))
            if fail:
                raise ValueError("the third note was wrong")

    before = store.trips
    await store.carry(three_notes(fail=False))
    assert store.trips - before == 1  # BEGIN, three INSERTs and COMMIT in one trip
    with pytest.raises(ValueError):
        await store.carry(three_notes(fail=True))
    assert await _bodies(store) == ["a", "b", "c"]  # the failed one left nothing

    before = store.trips
    await three_notes(fail=False)  # not carried: a trip per statement, as before
    assert store.trips - before == 5


async def test_listeners_hear_of_a_carried_write_after_it_committed(store: Store) -> None:
    heard: list[list[str]] = []

    loop_thread = threading.get_ident()

    def listener() -> None:
        # On the loop, once COMMIT is done: another connection already sees the new row.
        assert threading.get_ident() == loop_thread
        with closing(sqlite3.connect(store.path)) as other:
            heard.append([r[0] for r in other.execute("SELECT body FROM notes")])

    store.signals.subscribe("notes", listener)

    async def note() -> None:
        async with store.write() as db:
            await db.execute("INSERT INTO notes (body) VALUES ('heard')")
            from storage import signals

            signals.emit("notes")
            assert heard == []  # not before COMMIT

    await store.carry(note())
    assert heard == [["heard"]]


async def test_a_cancelled_request_leaves_the_store_usable(store: Store) -> None:
    started = asyncio.Event()

    async def slow_write() -> None:
        async with store.write() as db:
            await db.execute("INSERT INTO notes (body) VALUES ('never')")
            await hops.to_loop()
            started.set()
            await asyncio.sleep(3600)  # cancelled here, inside the open transaction

    task = asyncio.create_task(store.carry(slow_write()))
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await _bodies(store) == []  # rolled back
    async with store.write() as db:  # the lock is free again
        await db.execute("INSERT INTO notes (body) VALUES ('after')")
    assert await _bodies(store) == ["after"]


async def test_awaiting_the_loop_on_a_database_thread_is_named(store: Store) -> None:
    async def wrong() -> None:
        async with store.read() as db:
            await fetch_all(db, "SELECT 1")
            await asyncio.to_thread(print)  # no `hops.to_loop()` first

    with pytest.raises(RuntimeError):
        await asyncio.wait_for(store.carry(wrong()), 10)
    assert await _bodies(store) == []  # and the store still answers


async def test_reads_beside_a_carried_request_see_only_committed_rows(store: Store) -> None:
    """Many requests at once, carried and not: each sees a whole transaction or none."""

    async def writer(n: int) -> None:
        async with store.write() as db:
            await db.execute("INSERT INTO notes (body) VALUES (?)", (f"{n}a",))
            await db.execute("INSERT INTO notes (body) VALUES (?)", (f"{n}b",))
            assert await processed.mark(db, "test", f"k{n}", NOW)

    async def reader() -> int:
        async with store.read() as db:
            rows = await fetch_all(db, "SELECT COUNT(*) FROM notes")
        count = int(rows[0][0])
        assert count % 2 == 0  # never half a transaction
        return count

    work: list[Coroutine[Any, Any, object]] = []
    for n in range(40):
        work.append(store.carry(writer(n)) if n % 2 else writer(n))
        work.append(store.carry(reader()) if n % 3 else reader())
    await asyncio.gather(*work)
    assert len(await _bodies(store)) == 80


async def test_a_carried_snapshot_keeps_the_reader_while_it_visits_the_loop(store: Store) -> None:
    """Reads in one snapshot agree even when the block goes back to the loop between them,
    and no other read runs inside its transaction meanwhile."""
    async with store.write() as db:
        await db.execute("INSERT INTO notes (body) VALUES ('first')")
    between = asyncio.Event()
    order: list[str] = []

    async def two_looks() -> tuple[list[str], list[str]]:
        async with store.snapshot() as db:
            before = [r[0] for r in await fetch_all(db, "SELECT body FROM notes")]
            await hops.to_loop()
            between.set()
            for _ in range(20):  # let the writer and the other reader try their turn
                await asyncio.sleep(0)
            after = [r[0] for r in await fetch_all(db, "SELECT body FROM notes")]
            order.append("snapshot done")
        return before, after

    async def meanwhile() -> None:
        await between.wait()
        async with store.write() as db:
            await db.execute("INSERT INTO notes (body) VALUES ('second')")
        assert await _bodies(store) == ["first", "second"]
        order.append("read")

    looks, _ = await asyncio.gather(store.carry(two_looks()), meanwhile())
    assert looks == (["first"], ["first"])
    assert order == ["snapshot done", "read"]


async def test_a_request_cancelled_while_waiting_for_the_reader_lets_its_write_go(
    store: Store,
) -> None:
    """Cancelled inside a write, on its way to the reader (held by another read): the write
    is rolled back and its lock let go, instead of held for ever."""
    waiting = asyncio.Event()

    async def write_then_read() -> None:
        async with store.write() as db:
            await db.execute("INSERT INTO notes (body) VALUES ('never')")
            waiting.set()
            async with store.read() as reader:  # waits: the test holds the reader
                await fetch_all(reader, "SELECT 1")

    async with store._read_lock:
        task = asyncio.create_task(store.carry(write_then_read()))
        await asyncio.wait_for(waiting.wait(), 10)
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    async def after() -> None:
        async with store.write() as db:
            await db.execute("INSERT INTO notes (body) VALUES ('after')")

    await asyncio.wait_for(after(), 10)  # not a write lock left held for ever
    assert await _bodies(store) == ["after"]


async def test_a_request_carried_within_a_carried_one_runs_in_the_same_trip(store: Store) -> None:
    async def inner() -> list[str]:
        async with store.read() as db:
            return [r[0] for r in await fetch_all(db, "SELECT body FROM notes")]

    async def outer() -> list[str]:
        async with store.read() as db:
            await fetch_all(db, "SELECT 1")
        return await store.carry(inner())

    before = store.trips
    assert await asyncio.wait_for(store.carry(outer()), 10) == []
    assert store.trips - before == 1


async def test_naming_the_plan_already_in_focus_writes_nothing(bot: ShellBot) -> None:
    admin = Incoming(channel="shell", user_ref="admin", chat_ref="admin", text="/status fw")
    store = bot.app.store

    before = store.trips
    first = await handle(bot.app.services, admin)
    assert "29个单位,已完成 0/449" in first[0].text
    assert store.trips - before == 3  # reads, the plan's focus written, reads again
    before = store.trips
    again = await handle(bot.app.services, admin)
    assert again[0].text == first[0].text
    assert store.trips - before == 1


async def test_a_message_after_the_store_closed_is_answered_with_an_error(
    bot: ShellBot,
) -> None:
    """The router never raises: a message arriving while the bot shuts down gets the
    internal-error reply, as it did before requests were carried."""
    await bot.app.store.close()
    replies = await handle(bot.app.services, _message("/todo"))
    assert replies and replies[0].is_error
    await bot.app.store.open()  # for the fixture's own close
