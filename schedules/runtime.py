"""Running the jobs: every fire time since the last run, in order; live under APScheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from domain.model import Role
from locales import Translator
from schedules import jobs, workdays
from schedules.jobs import JobEnv, Run
from schedules.outbox import queue
from schedules.policy import DEFAULT, ReminderPolicy, parse_clock, policy_from
from storage import people, plans, schedule_marks, units
from storage.failures import StoreUnwritable
from storage.models import Plan

log = logging.getLogger(__name__)

REMINDERS, DIGEST, BULLETIN = "reminders", "digest", "bulletin"
JOB_IDS = (DIGEST, REMINDERS, BULLETIN)  # also the order of jobs due at the same minute
FIRST_SLOT, LAST_SLOT = time(8, 0), time(20, 30)  # contacts may pick a half hour in between
MISSED_LISTED = 30
# Older missed runs are only counted: a demo database reopened years later must start quickly.
DECIDE_MISSED_WITHIN = timedelta(days=31)

Deliver = Callable[[], Awaitable[object] | object]


@dataclass(frozen=True, order=True)
class Fire:
    at: datetime
    order: int
    job: str
    slot: time | None = None


def slots(policy: ReminderPolicy, custom: set[str]) -> list[time]:
    """Reminder times in use: the plan's, and any a contact chose."""
    found = {policy.time}
    for text in custom:
        try:
            found.add(parse_clock(text))
        except ValueError:
            log.warning("ignoring stored reminder time %r", text)
    return sorted(found)


def fires_between(
    env: JobEnv, policy: ReminderPolicy, custom: set[str], after: datetime, until: datetime
) -> list[Fire]:
    """Every job fire time in (after, until], oldest first."""
    times = {
        DIGEST: [policy.digest_time],
        REMINDERS: slots(policy, custom),
        BULLETIN: [policy.bulletin_time],
    }
    found = []
    day: date = after.astimezone(env.tz).date()
    last = until.astimezone(env.tz).date()
    while day <= last:
        for order, job in enumerate(JOB_IDS):
            for at in times[job]:
                instant = datetime.combine(day, at, tzinfo=env.tz)
                if after < instant <= until:
                    found.append(Fire(instant, order, job, at if job == REMINDERS else None))
        day += timedelta(days=1)
    return sorted(found)


async def ensure_marks(env: JobEnv, now: datetime | None = None) -> None:
    """First start: every job counts as run up to now (nothing from before the bot existed)."""
    now = now or env.clock.now()
    async with env.store.write() as db:
        known = await schedule_marks.marks(db)
        for job in JOB_IDS:
            if job not in known:
                await schedule_marks.set_mark(db, job, now)


async def skip_to(env: JobEnv, now: datetime) -> None:
    """Count every job as run up to `now` without running it: the shell demo's return from
    the sample's calendar to the real clock does not play the years in between."""
    async with env.store.write() as db:
        for job in JOB_IDS:
            await schedule_marks.set_mark(db, job, now)


async def _active(env: JobEnv) -> tuple[Plan | None, ReminderPolicy, set[str], dict[str, datetime]]:
    async with env.store.read() as db:
        plan = await plans.active(db)
        custom = await people.custom_times(db)
        marks = await schedule_marks.marks(db)
    policy = policy_from(plan.reminders) if plan else DEFAULT
    return plan, policy, custom, marks


async def _call(deliver: Deliver | None) -> None:
    if deliver is None:
        return
    result = deliver()
    if asyncio.iscoroutine(result):
        await result


async def run_due(
    env: JobEnv, until: datetime, *, simulate: bool = False, deliver: Deliver | None = None
) -> int:
    """Run every job fire in (last mark, until]; returns how many fires ran.

    `simulate` (the shell's `:time`, tests) plays each fire at its own time: the clock is set
    to it, the job decides, and `deliver` drains the outbox before the next fire. Otherwise
    (start-up, live ticks) fires are caught up now: within the plan's catch-up window they are
    sent once; older ones are decided but only listed to the province admins as missed.
    """
    await workdays.refresh(env.store)  # holidays another process (the CLI) imported
    plan, policy, custom, marks = await _active(env)
    start = min((marks.get(job, until) for job in JOB_IDS), default=until)
    if until < start:  # the clock was moved back (a demo): rewind so time can be replayed
        async with env.store.write() as db:
            for job in JOB_IDS:
                await schedule_marks.set_mark(db, job, until)
        return 0
    fires = [
        f
        for f in fires_between(env, policy, custom, start, until)
        if f.at > marks.get(f.job, until)
    ]
    setter = getattr(env.clock, "set", None)
    missed: list[tuple[Fire, list[int]]] = []
    window = timedelta(hours=policy.catch_up_hours)
    skipped: dict[str, datetime] = {}
    older = 0
    for fire in fires:
        if simulate and setter is not None:
            setter(fire.at)
        now = fire.at if simulate else env.clock.now()
        send = simulate or now - fire.at <= window
        if not send and now - fire.at > DECIDE_MISSED_WITHIN:
            skipped[fire.job] = fire.at  # long gone: counted, not decided one by one
            older += 1
            continue
        try:
            found = await _run_one(env, fire, now, plan, policy, send)
        except StoreUnwritable:
            raise  # not the job's fault: it runs again once the store can be written
        except Exception:
            log.exception("job %s at %s failed", fire.job, fire.at.isoformat())
            async with env.store.write() as db:
                await schedule_marks.set_mark(db, fire.job, fire.at)
            continue
        if not send and found:
            missed.append((fire, found))
        if simulate:
            await _call(deliver)
    if simulate and setter is not None:
        setter(until)
    if skipped:
        async with env.store.write() as db:
            for job, at in skipped.items():
                await schedule_marks.set_mark(db, job, max(at, marks.get(job, at)))
    if (missed or skipped) and plan is not None:
        await _tell_missed(env, plan, policy, missed, env.clock.now(), older, fires[0].at)
    await _call(deliver)
    return len(fires)


async def _run_one(
    env: JobEnv,
    fire: Fire,
    now: datetime,
    plan: Plan | None,
    policy: ReminderPolicy,
    send: bool,
) -> list[int]:
    async with env.store.write() as db:
        found: list[int] = []
        if plan is not None and policy.enabled:
            run = Run(env, db, fire.at, now, plan, policy, send)
            if fire.job == REMINDERS and fire.slot is not None:
                found = await jobs.reminders(run, fire.slot)
            elif fire.job == DIGEST:
                found = await jobs.digest(run)
            elif fire.job == BULLETIN:
                found = await jobs.bulletin(run)
        await schedule_marks.set_mark(db, fire.job, fire.at)
    return found


async def _tell_missed(
    env: JobEnv,
    plan: Plan,
    policy: ReminderPolicy,
    missed: list[tuple[Fire, list[int]]],
    now: datetime,
    older: int = 0,
    since: datetime | None = None,
) -> None:
    """Runs too old to send are never dropped silently: province admins get the list."""
    async with env.store.write() as db:
        names = {u.id: u.label for u in await units.all_units(db)}
        admins = [
            p
            for p in await people.people(db)
            if p.role is Role.PROVINCE_ADMIN and not p.unreachable
        ]
        first = since or missed[0][0].at
        last = missed[-1][0].at if missed else now
        for admin in admins:
            t = env.translator_for(admin)
            lines = [
                t(
                    "sched.missed_header",
                    first=t.moment(first),
                    last=t.moment(last),
                    hours=policy.catch_up_hours,
                )
            ]
            for fire, unit_ids in missed[:MISSED_LISTED]:
                lines.append(_missed_line(t, fire, unit_ids, names))
            hidden = max(len(missed) - MISSED_LISTED, 0) + older
            if hidden:
                lines.append(t("sched.missed_more", count=hidden))
            await queue(
                db,
                admin,
                key=f"missed:{plan.id}:{first.isoformat()}:{last.isoformat()}",
                kind="missed",
                text="\n".join(lines),
                now=now,
                quiet=(policy, env.tz),
            )


def _missed_line(t: Translator, fire: Fire, unit_ids: list[int], names: dict[int, str]) -> str:
    job = t(f"sched.job_{fire.job}")
    if fire.job == BULLETIN:
        return t("sched.missed_bulletin", at=t.moment(fire.at), job=job)
    shown = t.listed([names.get(u, "?") for u in unit_ids], 10)
    return t("sched.missed_line", at=t.moment(fire.at), job=job, units=shown)


class Scheduler:
    """APScheduler in the bot's event loop: cron triggers in the bureau's zone, one id per job.

    Each trigger only calls `run_due`, so a tick that comes late, twice, or after a restart
    runs exactly the fires not yet run, and a restart catches up what it missed.
    """

    def __init__(self, env: JobEnv, on_queued: Deliver | None = None) -> None:
        self.env = env
        self.on_queued = on_queued
        self._lock = asyncio.Lock()
        self._aps: AsyncIOScheduler | None = None

    def triggers(self, policy: ReminderPolicy) -> dict[str, CronTrigger]:
        tz = self.env.tz
        return {
            REMINDERS: CronTrigger(
                hour=f"{FIRST_SLOT.hour}-{LAST_SLOT.hour}", minute="0,30", timezone=tz
            ),
            DIGEST: CronTrigger(
                hour=policy.digest_time.hour, minute=policy.digest_time.minute, timezone=tz
            ),
            BULLETIN: CronTrigger(
                hour=policy.bulletin_time.hour, minute=policy.bulletin_time.minute, timezone=tz
            ),
        }

    async def start(self) -> None:
        await ensure_marks(self.env)
        await self.tick()  # catch up on what passed while the bot was down
        _, policy, _, _ = await _active(self.env)
        self._aps = AsyncIOScheduler(timezone=self.env.tz)
        for job_id, trigger in self.triggers(policy).items():
            self._aps.add_job(
                self.tick,
                trigger,
                id=job_id,
                name=f"schedules.{job_id}",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        self._aps.start()

    async def tick(self) -> None:
        async with self._lock:
            try:
                await run_due(self.env, self.env.clock.now(), deliver=self.on_queued)
            except StoreUnwritable:
                pass  # the store logs it once a minute; the next tick catches up
            except Exception:
                log.exception("scheduled run failed")

    async def stop(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        async with self._lock:  # let a run in progress commit
            pass
