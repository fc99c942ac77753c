"""Benchmark: `/todo` for one unit and `/status` over all units on a national-scale store.

Builds 3,000 units, 30 materials, 200,000 reports and 30,000 contacts in a temp dir (through
the storage layer), then times the full router path (identify → authorise → query → render).

    python benchmarks/core_queries.py [--units 3000] [--reports 200000] [--runs 200]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime

from benchmarks.national import national_plan
from bot.app import open_app
from domain.clock import ManualClock
from domain.messages import Incoming
from domain.model import PlanState, ReportStatus, Role
from domain.settings import Settings
from handlers import router
from handlers.plan_import import import_plan
from storage import contacts, reports


async def build(
    data_dir: Path, n_units: int, n_materials: int, n_reports: int, n_contacts: int
) -> tuple[Settings, ManualClock]:
    settings = Settings(BOT_DATA_DIR=data_dir)  # type: ignore[call-arg]
    clock = ManualClock(datetime(2016, 7, 15, 2, 0, tzinfo=UTC))
    app = await open_app(settings, clock, seed_sample=False)
    plan = national_plan(n_units, n_materials, random.Random(7))
    t0 = time.perf_counter()
    done = await import_plan(app.store, plan, settings.tz, clock.now(), state=PlanState.PUBLISHED)
    print(
        f"imported {done.units} units × {done.materials} materials = {done.assignments} assignments in {time.perf_counter() - t0:.1f}s"
    )
    now = clock.now()
    t0 = time.perf_counter()
    async with app.store.write() as db:
        for i in range(n_contacts):
            c = await contacts.ensure(db, "bench", f"u{i}", None, now)
            await contacts.bind(db, c.id, 1 + (i % n_units), Role.REPORTER, now)
        rng = random.Random(7)
        total_assignments = done.assignments
        for i in range(n_reports):
            await reports.insert(
                db,
                assignment_id=1 + rng.randrange(total_assignments),
                contact_id=1 + (i % n_contacts),
                count=None,
                note=None,
                files=[],
                now=now,
            )
        for report_id in range(1, n_reports + 1):
            status = ReportStatus.RETURNED if report_id % 7 == 0 else ReportStatus.ACCEPTED
            if report_id % 3 == 0 or report_id % 7 == 0:
                await reports.set_status(
                    db,
                    report_id,
                    status,
                    expected=ReportStatus.PENDING,
                    reviewer_id=None,
                    reason=None,
                    now=now,
                )
    print(
        f"stored {n_contacts} contacts and {n_reports} reports in {time.perf_counter() - t0:.1f}s"
    )
    await app.store.close()
    return settings, clock


async def measure(settings: Settings, clock: ManualClock, runs: int) -> None:
    app = await open_app(settings, clock, seed_sample=False)
    async with app.store.write() as db:
        admin = await contacts.ensure(db, "bench", "admin", None, clock.now())
        await contacts.bind(db, admin.id, 1, Role.PROVINCE_ADMIN, clock.now())
    for label, user, text in [
        ("/todo (one unit)", "u1234", "/todo"),
        ("/status (all units)", "admin", "/status"),
    ]:
        timings = []
        for _ in range(runs):
            msg = Incoming(channel="bench", user_ref=user, chat_ref=user, text=text)
            t0 = time.perf_counter()
            replies = await router.handle(app.services, msg)
            timings.append((time.perf_counter() - t0) * 1000)
            assert replies and "错误" not in replies[0].text, replies[0].text[:200]
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{label:22s} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({runs} runs, reply {len(replies[0].text):,} chars)"
        )
    await app.store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--materials", type=int, default=30)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings, clock = asyncio.run(
            build(Path(tmp), args.units, args.materials, args.reports, args.contacts)
        )
        asyncio.run(measure(settings, clock, args.runs))


if __name__ == "__main__":
    main()
