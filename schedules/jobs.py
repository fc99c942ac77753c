"""The scheduled jobs: each decides what is due at one fire time and writes it to the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from domain.clock import Clock
from domain.messages import Choice
from domain.model import Role
from domain.text import clip
from locales import Speaker, Translator
from schedules import render, workdays
from schedules.decide import AckInfo, AckStage, candidate_dues, plan_day
from schedules.outbox import Chat, queue
from schedules.policy import ReminderPolicy
from storage import acks, assignments, broadcasts, owed, people, reports, requests, units
from storage.db import Store
from storage.models import Plan, Unit
from storage.people import Person

ADMIN_ROLES = (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN)
DIGEST_LISTED = 5
DIGEST_LATE_LISTED = 20
DIGEST_NAMED = 10


@dataclass
class JobEnv:
    """What jobs need from the app: the store, the clock, the bureau's zone and language."""

    store: Store
    clock: Clock
    tz: ZoneInfo
    locale: str

    def translator_for(self, person: Speaker | None = None) -> Translator:
        """The person's language by the one rule (`locales.locale_for`)."""
        return Translator.for_person(person, self.locale, self.tz)


@dataclass
class Run:
    """One firing of a job, inside the transaction that also moves its mark."""

    env: JobEnv
    db: aiosqlite.Connection
    fire: datetime  # when the job was due
    now: datetime  # when it runs: later than `fire` when caught up after downtime
    plan: Plan
    policy: ReminderPolicy
    send: bool = True  # False: too late to send; only decide, so admins can be told it was missed

    @property
    def day(self) -> date:
        return self.fire.astimezone(self.env.tz).date()

    @property
    def quiet(self) -> tuple[ReminderPolicy, ZoneInfo]:
        return self.policy, self.env.tz


def slot_of(person: Person, policy: ReminderPolicy) -> str:
    return person.at_time or f"{policy.time:%H:%M}"


def window_starts_opening(day: date) -> list[date]:
    """Window start days whose opening notice falls on `day` (a holiday start moves to the next working day)."""
    return [
        d for d in (day - timedelta(days=n) for n in range(30)) if workdays.on_or_after(d) == day
    ]


async def _ack_infos(db: aiosqlite.Connection, plan_id: int) -> dict[int, AckInfo]:
    raw = await acks.ack_pending(db, plan_id)
    return {
        unit_id: AckInfo(pending, unnoticed, date.fromisoformat(first) if first else None)
        for unit_id, (pending, unnoticed, first) in raw.items()
    }


async def reminders(run: Run, slot: time) -> list[int]:
    """Deadline reminders, 签收 notices, escalations for contacts whose time is `slot`.

    Returns the units that had something due (for the missed-runs list when too late)."""
    day, policy, db = run.day, run.policy, run.db
    if not workdays.is_workday(day):
        return []
    outstanding = await owed.owed(
        db, run.plan.id, candidate_dues(policy, day), window_starts_opening(day), run.env.tz
    )
    everyone = await people.people(db)
    all_units = await units.all_units(db)
    ack_infos = await _ack_infos(db, run.plan.id) if policy.ack else {}
    decided = plan_day(
        policy, day, everyone, {u.id: u.path for u in all_units}, outstanding, ack_infos
    )
    if not run.send:
        return sorted(u for u, ms in decided.by_unit.items() if any(m.heard_by_unit for m in ms))
    names = {u.id: u.label for u in all_units}
    wanted = f"{slot:%H:%M}"
    noticed: set[int] = set()
    for bundle in decided.bundles.values():
        person = bundle.person
        if slot_of(person, policy) != wanted:
            continue
        t = run.env.translator_for(person)
        text, buttons = render.reminder(t, bundle, day, names, run.plan.title)
        await queue(
            db,
            person,
            key=f"remind:{run.plan.id}:{day.isoformat()}",
            kind="reminder",
            text=text,
            now=run.now,
            quiet=run.quiet,
            choices=buttons,
        )
        if bundle.ack is AckStage.NOTICE and person.unit_id is not None:
            noticed.add(person.unit_id)
    if noticed:
        await acks.mark_noticed(db, run.plan.id, sorted(noticed), day)
    return []


def _scope(admin: Person, by_id: dict[int, Unit]) -> tuple[str, int | None]:
    """Path prefix an admin oversees, and their own unit when it is excluded from review."""
    if admin.role is Role.PROVINCE_ADMIN or admin.unit_id not in by_id:
        return "/", None
    return by_id[admin.unit_id].path, admin.unit_id


async def digest(run: Run) -> list[int]:
    """Each working morning: what awaits an admin's review, and what became overdue in scope."""
    day, db, tz = run.day, run.db, run.env.tz
    if not workdays.is_workday(day):
        return []
    since = datetime.combine(
        workdays.on_or_before(day - timedelta(days=1)), run.policy.digest_time, tzinfo=tz
    )
    newly = await owed.overdue_since(db, run.plan.id, since, run.fire, tz)
    if not run.send:
        return sorted({o.unit_id for o in newly})
    by_id = {u.id: u for u in await units.all_units(db)}
    unacked = await acks.unacknowledged_units(db, run.plan.id) if run.policy.ack else set()
    everyone = await people.people(db)
    staffed = {p.unit_id for p in everyone}
    for admin in everyone:
        if admin.role not in ADMIN_ROLES or admin.unreachable:
            continue
        if admin.away_from and admin.away_to and admin.away_from <= day <= admin.away_to:
            continue
        path, own = _scope(admin, by_id)
        waiting = await reports.pending_under(db, run.plan.id, path, own)
        asked = await requests.pending_under(db, run.plan.id, path, own)

        def in_scope(unit_id: int, path: str = path, own: int | None = own) -> bool:
            unit = by_id.get(unit_id)
            return unit is not None and unit.path.startswith(path) and unit_id != own

        late = [o for o in newly if in_scope(o.unit_id)]
        not_acked = [u for u in unacked if in_scope(u) and u in staffed]
        # No contact at all: nobody was reminded or could 签收, so it takes a phone call.
        behind = unacked | {o.unit_id for o in late}
        unstaffed = [
            u.label
            for u in by_id.values()
            if u.id in behind and u.id not in staffed and in_scope(u.id)
        ]
        if not (waiting or asked or late):
            continue
        t = run.env.translator_for(admin)
        lines = [t("sched.digest_header", day=t.day(day))]
        if waiting or asked:
            lines.append(t("sched.digest_waiting", reports=len(waiting), requests=len(asked)))
            for r in waiting[:DIGEST_LISTED]:
                unit = by_id.get(r.unit_id)
                lines.append(
                    t(
                        "sched.digest_report",
                        id=r.id,
                        unit=unit.label if unit else "?",
                        code=r.code,
                        at=t.moment(r.submitted_at),
                    )
                )
            lines += t.rest(len(waiting), DIGEST_LISTED)
        if late:
            lines.append(t("sched.digest_overdue", count=len(late)))
            for o in late[:DIGEST_LATE_LISTED]:
                unit = by_id.get(o.unit_id)
                lines.append(
                    t(
                        "sched.digest_overdue_line",
                        unit=unit.label if unit else "?",
                        line=render.material_line(t, o),
                    )
                )
            lines += t.rest(len(late), DIGEST_LATE_LISTED)
        if not_acked:
            lines.append(t("sched.digest_unacked", count=len(not_acked)))
        if unstaffed:
            names = t.listed(unstaffed, DIGEST_NAMED)
            lines.append(t("sched.digest_uncontacted", count=len(unstaffed), names=names))
        buttons = (
            [[Choice(t("sched.digest_pending_button"), "/pending")]] if waiting or asked else []
        )
        await queue(
            db,
            admin,
            key=f"digest:{run.plan.id}:{day.isoformat()}",
            kind="digest",
            text="\n".join(lines),
            now=run.now,
            quiet=run.quiet,
            choices=buttons,
        )
    return []


def is_bulletin_day(day: date, weekday: int) -> bool:
    """The configured weekday, or the first working weekday after it in the same week if it is
    a holiday: at most one bulletin a week.

    A 调休 make-up Saturday or Sunday never stands in: it is worked for the week next to it, so
    the Saturday after National Day would bring a second bulletin two days before Monday's.
    """
    if not workdays.is_workday(day):
        return False
    if day.isoweekday() == weekday:
        return True
    if day.isoweekday() < weekday or day.isoweekday() > 5:
        return False
    earlier = (day - timedelta(days=n) for n in range(1, day.isoweekday() - weekday + 1))
    return not any(workdays.is_workday(d) for d in earlier)


async def bulletin(run: Run) -> list[int]:
    """The weekly progress bulletin to every subscribed group, scoped by its subscriber."""
    day, db = run.day, run.db
    if not is_bulletin_day(day, run.policy.bulletin_weekday):
        return []
    if not run.send:
        return [0]
    by_id = {u.id: u for u in await units.all_units(db)}
    t = run.env.translator_for()
    for audience in await broadcasts.audiences(db):
        text = await bulletin_text(run, t, audience.path, by_id)
        await queue(
            db,
            Chat(audience.channel, audience.chat_ref, str(audience.chat_id)),
            key=f"bulletin:{run.plan.id}:{day.isoformat()}",
            kind="bulletin",
            text=text,
            now=run.now,
            quiet=run.quiet,
        )
    return []


async def bulletin_text(run: Run, t: Translator, path: str, by_id: dict[int, Unit]) -> str:

    sums = await assignments.summaries(run.db, run.plan.id, run.fire, path)
    done = sum(s.done for s in sums)
    total = sum(s.total - s.not_applicable for s in sums)
    lines = [
        t("sched.bulletin_header", title=run.plan.title, day=t.day(run.day)),
        t("sched.bulletin_progress", done=done, total=total, percent=t.percent(done, total)),
    ]
    soon = await broadcasts.due_between(
        run.db, run.plan.id, run.day, run.day + timedelta(days=7), path
    )
    if soon:
        lines.append(t("sched.bulletin_soon"))
        lines += [
            t(
                "sched.bulletin_soon_line",
                code=s.code,
                title=clip(s.title, render.TITLE_LIMIT),
                due=t.day(s.due),
                units=s.units,
            )
            for s in soon
        ]
    # Named in the plan's order; the issuing root is never named in its own bulletin.
    overdue = {s.unit_id for s in sums if s.overdue}
    finished = set(await broadcasts.finished_on_time(run.db, run.plan.id, path))
    addressed = [u for u in by_id.values() if u.parent_id is not None]
    late = [u.label for u in addressed if u.id in overdue]
    if late:
        lines.append(t("sched.bulletin_overdue", count=len(late), names=t.join(late)))
    on_time = [u.label for u in addressed if u.id in finished]
    if on_time:
        lines.append(t("sched.bulletin_finished", count=len(on_time), names=t.join(on_time)))
    return "\n".join(lines)
