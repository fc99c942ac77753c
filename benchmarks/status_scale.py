"""Benchmark: `/status` against its floor at 3,000 and 30,000 units (issue 18, part 2).

On a store built as `core_queries.py` builds it (30 materials a unit, 200,000 reports, 30,000
contacts; `--data DIR` keeps it for the next run, which then only measures), it times:

- one `/status` page through the full router path (identify → authorise → counters → render),
  for the province admin and for a city admin (one region's units);
- the all-units summary: every unit's counts with its overdue number, read off the counters
  (`storage.progress.summaries`, what a full table or a bulletin over everyone reads);

each against a floor measured in the same process: the same counter SQL (for a page: its
header, its rows and the units yet to 签收) run through plain sqlite3, with no thread hop,
router or rendering. For comparison it also times, through
sqlite3, the GROUP BY over every assignment that `/status` ran before the counters. Every figure
is a p95 over `--runs` calls, printed as min/median/max over `--rounds` rounds, with the load
average (the machine may be shared: say "loaded" or "quiet" when you record it).

    python benchmarks/status_scale.py --units 3000 --data /tmp/status3k
    python benchmarks/status_scale.py --units 30000 --data /tmp/status30k
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from benchmarks.core_queries import START, build
from bot.app import open_app
from domain import screen
from domain.clock import ManualClock
from domain.messages import Incoming
from domain.model import Role
from domain.settings import Settings
from handlers import router
from handlers.setup import warm
from storage import contacts, progress
from storage.db import fetch_one, to_db

# What /status ran before the counters: a GROUP BY over every assignment of the plan.
OLD_GROUP_BY = (
    "SELECT a.unit_id, COUNT(*) AS total,"
    " SUM(a.state = 'accepted') AS done, SUM(a.state = 'pending') AS pending,"
    " SUM(a.state = 'returned') AS returned,"
    " SUM(a.state = 'not_applicable') AS not_applicable,"
    " SUM(a.state IN ('not_submitted', 'returned') AND a.due_at < ?) AS overdue"
    " FROM assignments a WHERE a.plan_id = ? GROUP BY a.unit_id"
)


class Direct:
    """Plain sqlite3 where the storage functions expect aiosqlite: the same SQL, run on this
    thread (the floor: no worker-thread hop, no router, no rendering)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def execute_fetchall(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        return self.conn.execute(sql, params).fetchall()


def p95(timings: list[float]) -> float:
    timings = sorted(timings)
    return timings[max(0, int(len(timings) * 0.95) - 1)]


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> float:
    """p95 in ms of `runs` calls (after one untimed call)."""
    await call()
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - t0) * 1000)
    return p95(timings)


def spread(values: list[float]) -> str:
    return f"{min(values):7.2f} / {statistics.median(values):7.2f} / {max(values):7.2f} ms"


async def measure(settings: Settings, clock: ManualClock, runs: int, rounds: int) -> None:
    t0 = time.perf_counter()
    app = await open_app(settings, clock, seed_sample=False)  # migrates a store built before 027
    print(f"store opened (and migrated if it was older) in {time.perf_counter() - t0:.2f} s")
    now = clock.now()
    async with app.store.write() as db:
        admin = await contacts.ensure(db, "bench", "admin", None, now)
        await contacts.bind(db, admin.id, 1, Role.PROVINCE_ADMIN, now)
        city = await contacts.ensure(db, "bench", "city", None, now)
        await contacts.bind(db, city.id, 2, Role.UNIT_ADMIN, now)  # unit 2: the first region
    async with app.store.read() as db:
        plan_id, units, rows, region = [
            (await fetch_one(db, sql))[0]  # type: ignore[index]
            for sql in (
                "SELECT MIN(id) FROM plans",
                "SELECT COUNT(*) FROM units",
                "SELECT COUNT(*) FROM assignments",
                "SELECT path FROM units WHERE id = 2",
            )
        ]
    await warm(app.services)
    direct = Direct(sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True))
    floor_db: Any = direct

    async def page(user: str) -> None:
        msg = Incoming(channel="bench", user_ref=user, chat_ref=user, text="/status")
        replies = await router.handle(app.services, msg)
        assert replies and "各单位完成情况" in replies[0].text, replies[0].text[:300]

    async def page_floor(path: str) -> None:  # the page's SQL: header, rows, units behind
        await progress.totals(floor_db, plan_id, now, path)
        await progress.page(floor_db, plan_id, now, path, 0, screen.PAGE_LINES)
        await progress.unacknowledged(floor_db, plan_id, path, screen.ROW_COLUMNS)

    async def summary() -> None:
        async with app.store.read() as db:
            await progress.summaries(db, plan_id, now, "/")

    async def summary_floor() -> None:
        await progress.summaries(floor_db, plan_id, now, "/")

    async def old_group_by() -> None:
        direct.conn.execute(OLD_GROUP_BY, (to_db(now), plan_id)).fetchall()

    cases: list[tuple[str, Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]] = [
        ("/status page, province admin", lambda: page("admin"), lambda: page_floor("/")),
        ("/status page, city admin", lambda: page("city"), lambda: page_floor(region)),
        ("all-units summary", summary, summary_floor),
    ]
    print(f"{units:,} units, {rows:,} assignments; p95 of {runs} calls, {rounds} rounds")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results: dict[str, tuple[list[float], list[float]]] = {c[0]: ([], []) for c in cases}
    old: list[float] = []
    for _ in range(rounds):  # the figure and its floor alternate within each round
        for label, call, floor in cases:
            results[label][0].append(await timed(call, runs))
            results[label][1].append(await timed(floor, runs))
        old.append(await timed(old_group_by, max(5, runs // 10)))
    for label, (measured, floors) in results.items():
        ratio = statistics.median(measured) / statistics.median(floors)
        print(f"{label:30s} p95 {spread(measured)}   floor {spread(floors)}   ratio {ratio:.1f}×")
    print(f"{'before: GROUP BY (sqlite3)':30s} p95 {spread(old)}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    direct.conn.close()
    await app.store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--data",
        type=Path,
        help="keep the store in this folder; a later run with the same folder measures it again"
        " instead of building it (the sizes are then those of the first run)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        clock = ManualClock(START)
        if (data / "bot.sqlite3").exists():
            settings = Settings(BOT_DATA_DIR=data)
        else:
            data.mkdir(parents=True, exist_ok=True)
            settings, clock = asyncio.run(build(data, args.units, 30, args.reports, args.contacts))
        asyncio.run(measure(settings, clock, args.runs, args.rounds))


if __name__ == "__main__":
    main()
