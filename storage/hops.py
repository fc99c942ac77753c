"""A request's database work in as few trips to the database threads as it needs.

aiosqlite runs every statement on its connection's own thread: a future, a hand-off to that
thread and a wake-up of the event loop per statement, about 110 µs of CPU where the indexed
query itself costs 7. `carry(coro)` runs a coroutine so that it *moves* to a connection's thread
when it first needs that connection and stays there: the statements that follow run on that
thread directly, and the rest of the coroutine with them, until it needs the event loop (a
lock, a file, the network) or the other connection. A request that reads and then writes makes
two trips: one to the reader, one to the writer for the whole transaction.

Only a coroutine that `carry` runs moves. Everything else (the scheduler, the sender, the CLI)
uses the connections as before, and `Store.read()`/`write()` decide which way by `carried()`.
Code that may run inside a carried coroutine and awaits something other than the database
calls `to_loop()` first (or uses `in_thread`); a future awaited on a database thread is a bug
this module names rather than hangs on.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import types
from collections.abc import Callable, Coroutine, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import Context, ContextVar, copy_context
from typing import Any, ParamSpec, TypeVar

import aiosqlite

P = ParamSpec("P")
T = TypeVar("T")

LOOP = "loop"
READER = "reader"
WRITER = "writer"

_carried: ContextVar[bool] = ContextVar("carried", default=False)
# True inside a carried snapshot, which holds the read lock itself for its whole block.
_pinned: ContextVar[bool] = ContextVar("reader_pinned", default=False)
_here = threading.local()  # .place: READER or WRITER while a carried coroutine runs on that thread


class _Hop:
    """What a carried coroutine yields to ask to be moved (seen only by `_carry`)."""

    __slots__ = ("to",)

    def __init__(self, to: str) -> None:
        self.to = to


def carried() -> bool:
    return _carried.get()


def place() -> str:
    """Where the running code is: LOOP, or the database thread a carried coroutine is on."""
    return getattr(_here, "place", LOOP)


@types.coroutine
def hop(to: str) -> Generator[Any, Any, None]:
    """Move the carried coroutine to `to`; nothing when it is not carried or already there."""
    if _carried.get() and place() != to:
        yield _Hop(to)


@contextmanager
def reader_pinned() -> Iterator[None]:
    """The caller holds the read lock (a snapshot, wherever its block goes): moving to the
    reader meanwhile does not take it again."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


async def to_loop() -> None:
    """Come back to the event loop before awaiting anything that is not the database."""
    await hop(LOOP)


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`asyncio.to_thread`, callable from carried code (it goes back to the loop first)."""
    await to_loop()
    return await asyncio.to_thread(fn, *args, **kwargs)


class Places:
    """The two connections a carried coroutine may move to, and the read lock it holds on the
    reader. The writer's lock is taken by `Store.write()` itself before it moves there."""

    def __init__(
        self, reader: aiosqlite.Connection, writer: aiosqlite.Connection, read_lock: asyncio.Lock
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.read_lock = read_lock


async def carry(coro: Coroutine[Any, Any, T], places: Places) -> T:
    """Run `coro`, moving it between the loop and the database threads as it asks."""
    context = copy_context()
    context.run(_carried.set, True)
    result: T = await _carry(coro, places, context)
    return result


@types.coroutine
def _carry(coro: Coroutine[Any, Any, Any], places: Places, context: Context) -> Any:
    value: Any = None
    error: BaseException | None = None
    where = LOOP
    holding = False  # the read lock, while the coroutine is on the reader
    cancelled = False
    try:
        while True:
            if where == LOOP:
                try:
                    yielded = _step(coro, context, value, error)
                except StopIteration as done:
                    if cancelled:
                        raise asyncio.CancelledError() from None
                    return done.value
                value, error = None, None
                if not isinstance(yielded, _Hop):
                    try:
                        value = yield yielded  # a future for the task to wait on
                    except BaseException as exc:
                        error = exc
                    continue
                target = yielded.to
            else:
                conn = places.reader if where == READER else places.writer
                trip = _Trip()
                try:
                    yield from conn._execute(
                        _resident, trip, coro, context, where, value, error
                    ).__await__()
                except asyncio.CancelledError:
                    cancelled = True
                    yield from _after(conn)
                finally:
                    if holding:
                        places.read_lock.release()
                        holding = False
                value, error, where = None, None, LOOP
                if trip.kind is _RAISED:
                    raise trip.payload
                if trip.kind is _DONE:
                    if cancelled:
                        raise asyncio.CancelledError()
                    return trip.payload
                if cancelled:
                    error = asyncio.CancelledError()  # unwound on the loop, moving as it asks
                    continue
                target = trip.payload
            # On the loop, bound for `target` (to the other connection: by way of the loop,
            # for its lock).
            if target == READER and not context.get(_pinned, False):
                try:
                    yield from places.read_lock.acquire().__await__()
                except asyncio.CancelledError as exc:
                    error = exc  # unwound where it is, on the loop: it may hold the write lock
                    continue
                holding = True
            where = target
    finally:
        if holding:
            places.read_lock.release()


def _step(
    coro: Coroutine[Any, Any, Any], context: Context, value: Any, error: BaseException | None
) -> Any:
    """Run the coroutine, in its own context, to what it yields next (StopIteration: done)."""
    if error is not None:
        return context.run(coro.throw, error)
    return context.run(coro.send, value)


_DONE = "done"
_MOVED = "moved"
_RAISED = "raised"


class _Trip:
    """What one trip to a database thread ended with; written on that thread."""

    __slots__ = ("kind", "payload")

    def __init__(self) -> None:
        self.kind = _RAISED
        self.payload: Any = RuntimeError("the database thread did not run the trip")


def _after(conn: aiosqlite.Connection) -> Generator[Any, Any, None]:
    """Wait until the connection's thread has finished the trip before this one. A cancelled
    task's coroutine is on that thread until its trip ends, and only then can be unwound; the
    thread runs trips in order, so an empty trip queued now ends after it."""
    while True:
        try:
            yield from conn._execute(_nothing).__await__()
            return
        except asyncio.CancelledError:
            continue


def _nothing() -> None:
    return None


def _resident(
    trip: _Trip,
    coro: Coroutine[Any, Any, Any],
    context: Context,
    where: str,
    value: Any,
    error: BaseException | None,
) -> None:
    """On the database thread: run the coroutine until it finishes or asks to move."""
    _here.place = where
    try:
        while True:
            try:
                yielded = _step(coro, context, value, error)
            except StopIteration as done:
                trip.kind, trip.payload = _DONE, done.value
                return
            except BaseException as exc:
                trip.kind, trip.payload = _RAISED, exc
                return
            value, error = None, None
            if isinstance(yielded, _Hop):
                trip.kind, trip.payload = _MOVED, yielded.to
                return
            if yielded is not None:  # `None` is a bare yield (`asyncio.sleep(0)`): go on
                error = RuntimeError(
                    f"{yielded!r} awaited on the database thread: call storage.hops.to_loop() "
                    "before awaiting anything but the database"
                )
    finally:
        _here.place = LOOP


class Resident:
    """A connection as carried code sees it: each statement moves the coroutine to the
    connection's thread if it is elsewhere, then runs there directly. The same methods as
    aiosqlite's `Connection`, so every function in storage/ takes either."""

    def __init__(self, conn: aiosqlite.Connection, where: str) -> None:
        self._aio = conn
        self._where = where

    @property
    def in_transaction(self) -> bool:
        return self._aio.in_transaction

    @property
    def total_changes(self) -> int:
        return self._aio.total_changes

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Statement:
        return _Statement(self, lambda c: _Cursor(c.execute(sql, parameters)))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Statement:
        return _Statement(self, lambda c: _Cursor(c.executemany(sql, parameters)))

    def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> _Statement:
        return _Statement(self, lambda c: c.execute(sql, parameters).fetchall())

    def execute_insert(self, sql: str, parameters: Sequence[Any] = ()) -> _Statement:
        def insert(c: sqlite3.Connection) -> Any:
            cursor = c.execute(sql, parameters)
            return cursor.execute("SELECT last_insert_rowid()").fetchone()

        return _Statement(self, insert)


class _Statement:
    """Awaitable (and `async with`-able, as aiosqlite's results are): moves, then runs."""

    __slots__ = ("_db", "_run")

    def __init__(self, db: Resident, run: Callable[[sqlite3.Connection], Any]) -> None:
        self._db = db
        self._run = run

    def __await__(self) -> Generator[Any, Any, Any]:
        yield from hop(self._db._where)
        return self._run(self._db._aio._conn)

    async def __aenter__(self) -> Any:
        return await self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Cursor:
    """A sqlite3 cursor behind aiosqlite's Cursor methods (used on its own thread)."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def description(self) -> Any:
        return self._cursor.description

    async def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()
