"""Benchmark: `/todo` for one unit and `/status` over all units on a national-scale store.

Builds 3,000 units, 30 materials, 200,000 reports and 30,000 contacts in a temp dir (through
the storage layer), then times the full router path (identify → authorise → query → render).
With `--plans 5` the store holds five published plans over the same units (reports spread over
all of them): `/todo` spans every plan, `/status fw` is one plan's table, and `/status` alone
lists the plans; `--monthly` gives the last plan a 每月5日前 report (12 period materials).

Then the scheduler on the same store: for each of `--days` working days from 15 July 2016,
every fire of the day (digest, reminders, bulletin) over every published plan is decided — the
store reads and `plan_day`, as a fire too late to send is decided — and the heaviest day is
then played in full (decided, rendered and queued to the outbox, as the shell's `:time` does).

    python benchmarks/core_queries.py [--units 3000] [--reports 200000] [--runs 200]
    python benchmarks/core_queries.py --plans 5 --monthly
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from benchmarks.national import PLANS, national_plans
from bot.app import App, open_app
from domain.clock import ManualClock
from domain.messages import Incoming
from domain.model import PlanState, ReportStatus, Role
from domain.settings import Settings
from handlers import router
from handlers.plan_import import import_plan
from handlers.setup import warm
from schedules import runtime, workdays
from schedules.jobs import JobEnv, Missed, Run, bulletin, digest, reminders
from schedules.policy import policy_from
from storage import acks, contacts, outbox, people, plans, reports
from storage.db import Store

START = datetime(2016, 7, 15, 2, 0, tzinfo=UTC)  # the store's "now": mid-year, things overdue


async def build(
    data_dir: Path,
    n_units: int,
    n_materials: int,
    n_reports: int,
    n_contacts: int,
    n_plans: int = 1,
    monthly: bool = False,
) -> tuple[Settings, ManualClock]:
    settings = Settings(BOT_DATA_DIR=data_dir)  # type: ignore[call-arg]
    clock = ManualClock(START)
    app = await open_app(settings, clock, seed_sample=False)
    rng = random.Random(7)
    total_assignments = 0
    plan_ids = []
    for plan in national_plans(n_plans, n_units, n_materials, rng, monthly=monthly):
        t0 = time.perf_counter()
        done = await import_plan(
            app.store, plan, settings.tz, clock.now(), state=PlanState.PUBLISHED
        )
        total_assignments += done.assignments
        plan_ids.append(done.plan_id)
        print(
            f"imported {done.short}: {done.units} units × {done.materials} materials"
            f" = {done.assignments} assignments in {time.perf_counter() - t0:.1f}s"
        )
    now = clock.now()
    t0 = time.perf_counter()
    async with app.store.write() as db:
        for i in range(n_contacts):
            c = await contacts.ensure(db, "bench", f"u{i}", None, now)
            await contacts.bind(db, c.id, 1 + (i % n_units), Role.REPORTER, now)
        rng = random.Random(7)
        for i in range(n_reports):  # assignment ids run 1.. over every plan, in import order
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
    t0 = time.perf_counter()
    late = await acknowledge(app.store, plan_ids, min(n_units, n_contacts), now)
    print(
        f"签收: every unit with a contact but {late} per plan, in {time.perf_counter() - t0:.1f}s"
    )
    await app.store.close()
    return settings, clock


async def acknowledge(store: Store, plan_ids: list[int], staffed: int, now: datetime) -> int:
    """Mid-July the plans have been out for a while: every unit with a contact has
    acknowledged (签收) each plan but one in 25, asked on the day it went out (so the scheduler
    nags those on its schedule rather than announcing every plan to everyone every day).
    Units 2..`staffed` have contact number = unit id (the root issues the plans)."""
    late = list(range(2, staffed + 1, 25))
    async with store.write() as db:
        for plan_id in plan_ids:
            for unit_id in range(2, staffed + 1):
                if unit_id % 25 != 2:
                    await acks.acknowledge(db, plan_id, unit_id, unit_id, now)
            await acks.mark_noticed(db, plan_id, late, now.date())
    return len(late)


async def measure(
    settings: Settings,
    clock: ManualClock,
    runs: int,
    shorts: list[str],
    n_contacts: int,
    rounds: int = 3,
) -> None:
    reporter = f"u{min(1234, n_contacts - 1)}"  # a county's: it owes in every plan
    app = await open_app(settings, clock, seed_sample=False)
    async with app.store.write() as db:
        for ref in ("admin", "lister"):
            admin = await contacts.ensure(db, "bench", ref, None, clock.now())
            await contacts.bind(db, admin.id, 1, Role.PROVINCE_ADMIN, clock.now())
    await warm(app.services)  # as the runner does once started
    if len(shorts) == 1:
        cases = [
            ("/todo (one unit)", reporter, "/todo"),
            ("/status (all units)", "admin", "/status"),
        ]
    else:  # `lister` never names a plan, so `/status` stays the list of plans
        cases = [
            (f"/todo (one unit, {len(shorts)} plans)", reporter, "/todo"),
            (f"/status {shorts[0]} (all units)", "admin", f"/status {shorts[0]}"),
            (f"/status ({len(shorts)} plans)", "lister", "/status"),
        ]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, user, text in cases:
        msg = Incoming(channel="bench", user_ref=user, chat_ref=user, text=text)
        statements = await _statements_of(app, msg)
        p95s, floors, ratios = [], [], []
        for _round in range(rounds):  # the request and its floor alternate, round by round
            timings = []
            before = app.store.trips
            for _ in range(runs):
                t0 = time.perf_counter()
                replies = await router.handle(app.services, msg)
                timings.append((time.perf_counter() - t0) * 1000)
                assert replies and "错误" not in replies[0].text, replies[0].text[:200]
            trips = (app.store.trips - before) / runs
            p50, p95 = _percentiles(timings)
            _floor50, floor95 = _floor(settings.data_dir / "bot.sqlite3", statements, runs)
            p95s.append(p95)
            floors.append(floor95)
            ratios.append(p95 / floor95)
        reply = replies[0].text
        print(
            f"{label:28s} p95 {_spread(p95s, '.2f')} ms (min/median/max of {rounds} rounds of"
            f" {runs}; last p50 {p50:.2f} ms; reply {len(reply):,} chars;"
            f" {trips:g} trips to the database threads per request)"
        )
        print(
            f"  floor: its {len(statements)} SQL statements alone, in sqlite3: p95"
            f" {_spread(floors, '.3f')} ms → ratio {_spread(ratios, '.1f')}×"
        )
        if text == "/todo" and len(shorts) > 1:
            shown = [s for s in shorts if f"{s}-" in reply]
            print(f"  /todo lists {reply.count(chr(10)) + 1} lines from plans {', '.join(shown)}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    await app.store.close()


def _spread(values: list[float], spec: str) -> str:
    ordered = sorted(values)
    return "/".join(format(v, spec) for v in (ordered[0], statistics.median(ordered), ordered[-1]))


def _percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


async def _statements_of(app: App, msg: Incoming) -> list[str]:
    """The SQL one request runs on the reader, as sqlite3 traces it (values bound in)."""
    seen: list[str] = []
    reader = app.store._reader
    assert reader is not None
    await reader._execute(reader._conn.set_trace_callback, seen.append)
    try:
        await router.handle(app.services, msg)
    finally:
        await reader._execute(reader._conn.set_trace_callback, None)
    return seen


def _floor(path: Path, statements: list[str], runs: int) -> tuple[float, float]:
    """The request's statements run with sqlite3 alone (each row fetched, nothing rendered):
    what the database itself costs, the floor the request is compared with."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for sql in statements:
                conn.execute(sql).fetchall()
            timings.append((time.perf_counter() - t0) * 1000)
    finally:
        conn.close()
    return _percentiles(timings)


async def decide_day(env: JobEnv, day: date) -> tuple[float, int, int]:
    """Every fire of `day` over every published plan, decided and not sent, each in its own
    transaction as `runtime` runs it: seconds taken, fires, units with something due."""
    async with env.store.read() as db:
        policies = [policy_from(plan.reminders) for plan in await plans.published(db)]
        custom = await people.custom_times(db)
    start = datetime.combine(day, clock_time(0), tzinfo=env.tz)
    fires = runtime.fires_between(env, policies, custom, start, start + timedelta(days=1))
    due = 0
    started = time.perf_counter()
    for fire in fires:
        async with env.store.write() as db:
            published = sorted(await plans.published(db), key=lambda plan: plan.id)
            runs = [
                Run(env, db, fire.at, fire.at, plan, policy, False, len(published) > 1)
                for plan in published
                if (policy := policy_from(plan.reminders)).enabled
            ]
            found: Missed = {}
            if fire.slot is not None and fire.job == runtime.REMINDERS:
                found = await reminders(runs, fire.slot)
            elif fire.slot is not None and fire.job == runtime.DIGEST:
                found = await digest(runs)
            elif fire.slot is not None:
                await bulletin(runs, fire.slot)  # found: the plans whose bulletin it was
        due += sum(len(units) for units in found.values())
    return time.perf_counter() - started, len(fires), due


async def scheduler(settings: Settings, clock: ManualClock, days: int, replay: bool = True) -> None:
    app = await open_app(settings, clock, seed_sample=False)
    env = JobEnv(app.store, clock, settings.tz, settings.locale)
    day = clock.now().astimezone(settings.tz).date()
    working: list[date] = []
    while len(working) < days:
        if workdays.is_workday(day):
            working.append(day)
        day += timedelta(days=1)
    await decide_day(env, working[0])  # warm the per-process caches of due-day schedules
    took: dict[date, float] = {}
    for day in working:
        took[day], fires, due = await decide_day(env, day)
        print(
            f"  decision {day} ({fires} fires): {took[day]:.3f} s, {due} units with something due"
        )
    worst = max(took, key=lambda d: took[d])
    print(
        f"scheduler decision, one day's fires, {len(working)} working days:"
        f" median {statistics.median(took.values()):.3f} s, worst {took[worst]:.3f} s ({worst})"
    )
    start = datetime.combine(worst, clock_time(0), tzinfo=settings.tz)
    if not replay:  # the day's messages are queued already (their keys): nothing to time
        print("scheduler: the day played in full is measured on a store's first run only")
        await app.store.close()
        return
    await runtime.skip_to(env, start)
    started = time.perf_counter()
    fires = await runtime.run_due(env, start + timedelta(days=1), simulate=True)
    played = time.perf_counter() - started
    async with app.store.read() as db:
        queued = await outbox.due(db, ["bench"], start + timedelta(days=30), 10_000_000)
    print(
        f"scheduler, {worst} played in full ({fires} fires: decided, rendered, queued):"
        f" {played:.1f} s, {len(queued)} messages queued"
    )
    await app.store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--materials", type=int, default=30)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=200, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plans", type=int, default=1, help=f"open plans, 1 to {len(PLANS)}")
    parser.add_argument("--monthly", action="store_true", help="the last plan reports monthly")
    parser.add_argument("--days", type=int, default=5, help="working days the scheduler decides")
    parser.add_argument(
        "--data",
        type=Path,
        help="keep the store in this folder; a later run with the same folder measures it again"
        " instead of building it (the other sizes are then those of the first run)",
    )
    args = parser.parse_args()
    shorts = [short for short, _title in PLANS[: args.plans]]
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        reused = (data / "bot.sqlite3").exists()
        if reused:  # built by an earlier run with --data: measure it again
            settings = Settings(BOT_DATA_DIR=data)  # type: ignore[call-arg]
            clock = ManualClock(START)
        else:
            settings, clock = asyncio.run(
                build(
                    data,
                    args.units,
                    args.materials,
                    args.reports,
                    args.contacts,
                    args.plans,
                    args.monthly,
                )
            )
        asyncio.run(measure(settings, clock, args.runs, shorts, args.contacts, args.rounds))
        asyncio.run(scheduler(settings, clock, args.days, replay=not reused))


if __name__ == "__main__":
    main()
