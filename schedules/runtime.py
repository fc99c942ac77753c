"""Running the jobs: every fire time since the last run, in order, over every published plan;
live under APScheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from domain.metrics import Metrics
from domain.model import Role
from domain.text import clip
from locales import Translator
from schedules import jobs, workdays
from schedules.jobs import JobEnv, Run
from schedules.outbox import queue
from schedules.policy import DEFAULT, ReminderPolicy, parse_clock, policy_from
from schedules.render import TITLE_LIMIT
from storage import people, plans, schedule_marks, units
from storage.failures import StoreUnwritable
from storage.models import Plan

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

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
    slot: time | None = None  # the time of day it fires at: which plans' times it serves


def slots(policies: Sequence[ReminderPolicy], custom: set[str]) -> list[time]:
    """Reminder times in use: each published plan's, and any a contact chose."""
    found = {policy.time for policy in policies}
    for text in custom:
        try:
            found.add(parse_clock(text))
        except ValueError:
            log.warning("ignoring stored reminder time %r", text)
    return sorted(found)


def job_times(policies: Sequence[ReminderPolicy], custom: set[str]) -> dict[str, list[time]]:
    """When each job fires over these plans' policies. The digest is one message a day over
    every plan, so it fires once, at the earliest digest time; each plan's bulletin keeps its
    own time."""
    policies = list(policies) or [DEFAULT]
    return {
        DIGEST: [min(policy.digest_time for policy in policies)],
        REMINDERS: slots(policies, custom),
        BULLETIN: sorted({policy.bulletin_time for policy in policies}),
    }


def fires_between(
    env: JobEnv,
    policies: Sequence[ReminderPolicy],
    custom: set[str],
    after: datetime,
    until: datetime,
) -> list[Fire]:
    """Every job fire time in (after, until], oldest first."""
    times = job_times(policies, custom)
    found = []
    day: date = after.astimezone(env.tz).date()
    last = until.astimezone(env.tz).date()
    while day <= last:
        for order, job in enumerate(JOB_IDS):
            for at in times[job]:
                instant = datetime.combine(day, at, tzinfo=env.tz)
                if after < instant <= until:
                    found.append(Fire(instant, order, job, at))
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


@dataclass(frozen=True)
class _Plans:
    """The published plans with their policies (those with reminders on), as a run starts."""

    plans: list[Plan]
    policies: dict[int, ReminderPolicy]

    @property
    def enabled(self) -> list[ReminderPolicy]:
        return [p for p in self.policies.values() if p.enabled]


async def _published(db: aiosqlite.Connection) -> _Plans:
    # Oldest first: a message's sections keep their order from day to day as plans are added.
    found = sorted(await plans.published(db), key=lambda plan: plan.id)
    return _Plans(found, {p.id: policy_from(p.reminders) for p in found})


async def _state(env: JobEnv) -> tuple[_Plans, set[str], dict[str, datetime]]:
    async with env.store.read() as db:
        published = await _published(db)
        custom = await people.custom_times(db)
        marks = await schedule_marks.marks(db)
    return published, custom, marks


async def _call(deliver: Deliver | None) -> None:
    if deliver is None:
        return
    result = deliver()
    if asyncio.iscoroutine(result):
        await result


async def run_due(
    env: JobEnv, until: datetime, *, simulate: bool = False, deliver: Deliver | None = None
) -> int:
    """Run every job fire in (last mark, until] over every published plan; returns how many
    fires ran.

    `simulate` (the shell's `:time`, tests) plays each fire at its own time: the clock is set
    to it, the job decides, and `deliver` drains the outbox before the next fire. Otherwise
    (start-up, live ticks) fires are caught up now: within a plan's catch-up window they are
    sent once; older ones are decided but only listed to the province admins as missed.
    """
    await workdays.refresh(env.store)  # holidays another process (the CLI) imported
    published, custom, marks = await _state(env)
    start = min((marks.get(job, until) for job in JOB_IDS), default=until)
    if until < start:  # the clock was moved back (a demo): rewind so time can be replayed
        async with env.store.write() as db:
            for job in JOB_IDS:
                await schedule_marks.set_mark(db, job, until)
        return 0
    fires = [
        f
        for f in fires_between(env, published.enabled, custom, start, until)
        if f.at > marks.get(f.job, until)
    ]
    setter = getattr(env.clock, "set", None)
    missed: dict[int, list[tuple[Fire, list[int]]]] = {}
    skipped: dict[str, datetime] = {}
    older = 0
    for fire in fires:
        if simulate and setter is not None:
            setter(fire.at)
        now = fire.at if simulate else env.clock.now()
        if not simulate and now - fire.at > DECIDE_MISSED_WITHIN:
            skipped[fire.job] = fire.at  # long gone: counted, not decided one by one
            older += 1
            continue
        try:
            found = await _run_one(env, fire, now, simulate)
        except StoreUnwritable:
            raise  # not the job's fault: it runs again once the store can be written
        except Exception:
            log.exception("job %s at %s failed", fire.job, fire.at.isoformat())
            async with env.store.write() as db:
                await schedule_marks.set_mark(db, fire.job, fire.at)
            continue
        for plan_id, unit_ids in found.items():
            missed.setdefault(plan_id, []).append((fire, unit_ids))
        if simulate:
            await _call(deliver)
    if simulate and setter is not None:
        setter(until)
    if skipped:
        async with env.store.write() as db:
            for job, at in skipped.items():
                await schedule_marks.set_mark(db, job, max(at, marks.get(job, at)))
    for plan in published.plans:
        policy = published.policies[plan.id]
        told = [(f, units) for f, units in missed.get(plan.id, []) if units]
        if told or (skipped and policy.enabled):
            await _tell_missed(
                env, plan, policy, told, env.clock.now(), older, fires[0].at,
                several=len(published.plans) > 1,
            )  # fmt: skip
    await _call(deliver)
    return len(fires)


def _sent_now(policy: ReminderPolicy, fire: Fire, now: datetime, simulate: bool) -> bool:
    """Whether a fire is still sent for a plan: played in a simulation, or within the plan's
    catch-up window (else it is only decided and listed as missed)."""
    return simulate or now - fire.at <= timedelta(hours=policy.catch_up_hours)


async def _run_one(env: JobEnv, fire: Fire, now: datetime, simulate: bool) -> dict[int, list[int]]:
    """One fire over the plans published when it runs, in the transaction that moves its mark;
    per plan too late to send, the units it had something for."""
    async with env.store.write() as db:
        published = await _published(db)
        several = len(published.plans) > 1
        runs = [
            Run(
                env,
                db,
                fire.at,
                now,
                plan,
                policy,
                _sent_now(policy, fire, now, simulate),
                several,
            )
            for plan in published.plans
            if (policy := published.policies[plan.id]).enabled
        ]
        found: dict[int, list[int]] = {}
        if runs and fire.slot is not None:
            if fire.job == REMINDERS:
                found = await jobs.reminders(runs, fire.slot)
            elif fire.job == DIGEST:
                found = await jobs.digest(runs)
            elif fire.job == BULLETIN:
                found = await jobs.bulletin(runs, fire.slot)
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
    *,
    several: bool = False,
) -> None:
    """Runs too old to send are never dropped silently: province admins get the list, one
    message per plan (named when several are published)."""
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
            if several:
                title = clip(plan.title, TITLE_LIMIT)
                lines.append(t("sched.plan_section", prefix=plan.prefix, title=title))
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
    """APScheduler in the bot's event loop: a half-hourly cron trigger in the bureau's zone.

    Each trigger only calls `run_due`, so a tick that comes late, twice, or after a restart
    runs exactly the fires not yet run, and a restart catches up what it missed.
    """

    def __init__(
        self, env: JobEnv, on_queued: Deliver | None = None, metrics: Metrics | None = None
    ) -> None:
        self.env = env
        self.on_queued = on_queued
        self.metrics = metrics or Metrics()
        self._lock = asyncio.Lock()
        self._aps: AsyncIOScheduler | None = None

    def triggers(self) -> dict[str, CronTrigger]:
        """Every half hour: each plan may set its own digest, reminder and bulletin times (on
        the hour or half hour), and plans are published while the bot runs; a tick with
        nothing due reads three marks and returns."""
        # APScheduler is imported by the Scheduler alone: the shell and one-shot commands run
        # fires through run_due and never load it.
        from apscheduler.triggers.cron import CronTrigger

        return {"tick": CronTrigger(minute="0,30", timezone=self.env.tz)}

    async def start(self) -> None:
        await ensure_marks(self.env)
        await self.tick()  # catch up on what passed while the bot was down
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # see triggers()

        self._aps = AsyncIOScheduler(timezone=self.env.tz)
        for job_id, trigger in self.triggers().items():
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
            now = self.env.clock.now()
            try:
                await run_due(self.env, now, deliver=self.on_queued)
            except StoreUnwritable:
                return  # the store logs it once a minute; the next tick catches up
            except Exception:
                log.exception("scheduled run failed")
                return
            self.metrics.ticked(now.astimezone(self.env.tz))  # a run that did its work

    async def stop(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        async with self._lock:  # let a run in progress commit
            pass
