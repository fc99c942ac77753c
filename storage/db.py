"""The store: a write connection and a read-only one, their locks, transactions and migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from storage import hops, signals
from storage.failures import StoreDamaged, StoreUnwritable, WriteHealth, classify

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000


def to_db(instant: datetime | None) -> str | None:
    """Store instants as sortable UTC ISO text."""
    if instant is None:
        return None
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text)  # 3.11 reads the trailing Z as UTC


async def _connect(database: str, uri: bool = False) -> aiosqlite.Connection:
    """aiosqlite.connect, except that a connection that fails to open has ended its thread.

    aiosqlite answers a failed connect by queueing its thread's stop and returning at once;
    the stop then reports to a loop that may be closed by then (`main.py` on a database it
    cannot open: a thread traceback after the one-line error)."""
    connecting = aiosqlite.connect(database, uri=uri, isolation_level=None)
    try:
        return await connecting
    except BaseException:
        await asyncio.to_thread(connecting._thread.join, 5)
        raise


class Store:
    """Owns the connections; every read and write goes through `read()` or `write()`.

    Writes share one connection serialised by one lock, so they never meet "database is
    locked" inside this process; the busy timeout covers other processes (the CLI). Reads go
    to a second, read-only connection (as datasette does): in WAL mode a reader sees only
    committed data and never waits behind a write transaction.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        self.signals = signals.Signals()  # e.g. the sender listens for committed outbox rows
        self.health = WriteHealth(path)  # writes failing now: logged once a minute, alarm
        self.trips = 0  # trips to the database threads so far (see `storage.hops`)
        self._places: hops.Places | None = None

    async def open(self) -> None:
        """Open, check and migrate; raises StoreDamaged / StoreUnwritable with one clear cause.

        On any failure every connection is closed again: an aiosqlite connection runs in a
        thread of its own that would otherwise keep the process alive after the error."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            await self._open()
        except BaseException as err:
            await self.close()
            failure = classify(self.path, err) if isinstance(err, sqlite3.Error) else None
            if failure is not None:
                raise failure from err
            raise

    async def _open(self) -> None:
        conn = await _connect(str(self.path))
        self._conn = conn
        self._count_trips(conn)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Before anything is served or migrated: a file with a few damaged pages opens and
        # answers most queries, and would go on serving (and writing) half of its data.
        # quick_check reads every page once but skips the index cross-checks of
        # integrity_check, so it stays a fraction of a second per 100 MB.
        verdict = [str(r[0]) for r in await conn.execute_fetchall("PRAGMA quick_check")]
        if verdict != ["ok"]:
            raise StoreDamaged(self.path, "; ".join(verdict))
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Each statement that fires a trigger opens a statement journal: in memory, not a file.
        await conn.execute("PRAGMA temp_store = MEMORY")
        await self._migrate()
        self._reader = await self._open_reader()
        self._count_trips(self._reader)
        self._places = hops.Places(self._reader, conn, self._read_lock)

    def _count_trips(self, conn: aiosqlite.Connection) -> None:
        """Count every trip to the connection's thread (benchmarks and tests read `trips`)."""
        trip = conn._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.trips += 1
            return await trip(fn, *args, **kwargs)

        conn._execute = counted  # type: ignore[method-assign]

    async def _open_reader(self) -> aiosqlite.Connection:
        """Read-only, autocommit: no read transaction stays open between `read()` blocks."""
        uri = self.path.resolve().as_uri() + "?mode=ro"
        reader = await _connect(uri, uri=True)
        try:
            reader.row_factory = aiosqlite.Row
            await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await reader.execute("PRAGMA temp_store = MEMORY")  # sorts and groupings
            rows = await reader.execute_fetchall("PRAGMA journal_mode")
            mode = str(next(iter(rows))[0])
            if mode != "wal":  # without WAL every read would wait behind the writer
                raise RuntimeError(f"{self.path} is in {mode} journal mode, not WAL")
        except BaseException:
            await reader.close()
            raise
        return reader

    async def close(self) -> None:
        self._places = None
        # The writer closes last: the last connection checkpoints the WAL and removes it.
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The write connection."""
        if self._conn is None:
            raise RuntimeError("store is not open")
        return self._conn

    async def carry(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` (a whole request) with as few trips to the database threads as it
        needs: its reads and each of its write transactions run on the connection's thread,
        statement after statement, instead of one trip each (see `storage.hops`)."""
        if self._places is None or hops.carried():
            # A closed store: the work meets that at its first statement, and says so as any
            # request does. A request within a request: already carried.
            return await work
        return await hops.carry(work, self._places)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The read-only connection: each statement sees what was committed when it started.

        No transaction is opened: BEGIN and ROLLBACK would be two more trips to the database
        thread for every block, and most blocks run one statement. A block whose statements
        must agree with each other under concurrent writes uses `snapshot()`. The lock keeps a
        read out of another task's open snapshot (it would see that older state)."""
        if hops.carried():
            yield await self._resident_reader()
            return
        async with self._read_lock:
            if self._reader is None:
                raise RuntimeError("store is not open")
            yield self._reader

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """One read transaction: every statement inside sees the same committed state (it
        starts at the first SELECT, after anything this task has committed)."""
        if hops.carried():
            # The lock is held for the whole block, as below, even where the block goes back
            # to the loop: another read meanwhile would run inside this transaction.
            await hops.to_loop()
            async with self._read_lock:
                with hops.reader_pinned():
                    try:
                        async with _read_transaction(await self._resident_reader()) as db:
                            yield db
                    finally:
                        await hops.to_loop()
            return
        async with self._read_lock:
            if self._reader is None:
                raise RuntimeError("store is not open")
            async with _read_transaction(self._reader) as db:
                yield db

    async def _resident_reader(self) -> aiosqlite.Connection:
        """The reader for carried code, which moves to its thread (holding the read lock)."""
        if self._reader is None:
            raise RuntimeError("store is not open")
        await hops.hop(hops.READER)
        # Quacks as aiosqlite's Connection does, for every function in storage/.
        return cast(aiosqlite.Connection, hops.Resident(self._reader, hops.READER))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction: everything inside commits together or not at all.

        What the transaction emitted (`storage.signals.emit`) is told to the listeners once it
        has committed, never before and never after a rollback. Raises StoreUnwritable when the
        database cannot be written now (read-only file, disk full, I/O error); `health` logs
        that once a minute, so callers need not log it again. Carried code (`carry`) runs the
        whole transaction on the writer's thread: one trip, however many statements."""
        carried = hops.carried()
        if carried:
            await hops.to_loop()  # the lock is the loop's
        async with self._lock:
            conn = self.conn
            if carried:
                conn = cast(aiosqlite.Connection, hops.Resident(conn, hops.WRITER))
            with signals.collecting(self.signals) as pending:
                try:
                    try:
                        await conn.execute("BEGIN IMMEDIATE")
                        try:
                            yield conn
                            await conn.execute("COMMIT")
                        except BaseException:
                            # After a failed COMMIT too; SQLite may have rolled back itself
                            # (disk full).
                            if conn.in_transaction:
                                await conn.execute("ROLLBACK")
                            raise
                    finally:
                        await hops.to_loop()  # the lock is released, and listeners run, there
                except sqlite3.Error as err:
                    failure = classify(self.path, err)
                    if not isinstance(failure, StoreUnwritable):
                        raise
                    self.health.failed(failure)
                    raise failure from err
            self.health.succeeded()
        signals.fire(pending)

    async def _migrate(self) -> None:
        conn = self.conn
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT version FROM schema_migrations") as cur:
            applied = {row[0] for row in await cur.fetchall()}
        for version, name, sql in _migrations():
            if version in applied:
                continue
            log.info("applying migration %03d_%s", version, name)
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    (version, name),
                )
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")


@asynccontextmanager
async def _read_transaction(db: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    await db.execute("BEGIN")
    try:
        yield db
    finally:
        if db.in_transaction:
            await db.execute("ROLLBACK")


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number, _, rest = name.partition("_")
        found.append((int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    return sorted(found)


def _statements(sql: str) -> list[str]:
    """Whole statements, so a trigger body's `;` or one inside a string literal never splits one."""
    found: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip():  # a last statement without its ';' (or a trailing comment)
        found.append(buffer.strip())
    return found


def qualified(columns: Sequence[str], table: str) -> str:
    """A SELECT list of `columns` taken from the table aliased `table`: "c.id, c.channel"."""
    return ", ".join(f"{table}.{column}" for column in columns)


async def fetch_all(
    db: aiosqlite.Connection, sql: str, params: Sequence[object] = ()
) -> list[aiosqlite.Row]:
    """Every row of a query in one trip to the database thread (execute + fetch + close)."""
    return list(await db.execute_fetchall(sql, params))


async def fetch_one(
    db: aiosqlite.Connection, sql: str, params: Sequence[object] = ()
) -> aiosqlite.Row | None:
    rows = await db.execute_fetchall(sql, params)
    return next(iter(rows), None)


def ids_of(value: int | Sequence[int]) -> tuple[int, ...]:
    """One id or several, as a tuple of parameters."""
    return (value,) if isinstance(value, int) else tuple(value)


def marks(ids: Sequence[object]) -> str:
    """`?, ?, ?` for an IN list (`NULL` when empty, which matches nothing)."""
    return ", ".join("?" for _ in ids) or "NULL"
