"""The scheduled jobs: each decides what is due at one fire time over every published plan and
writes it to the outbox, one reminder and one digest per person whatever the number of plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from domain.clock import Clock
from domain.messages import Choice
from domain.model import Role
from domain.text import clip
from locales import Speaker, Translator
from schedules import render, snooze, workdays
from schedules.decide import AckInfo, AckStage, Bundle, Staff, candidate_dues, plan_day
from schedules.outbox import Chat, queue
from schedules.policy import ReminderPolicy
from schedules.quiet import deliver_after_all
from storage import (
    acks,
    broadcasts,
    digest_state,
    owed,
    people,
    progress,
    reports,
    requests,
    units,
)
from storage.db import Store
from storage.models import Plan, Report, Request, Unit
from storage.owed import OwedRow
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
    """One published plan at one firing of a job, inside the transaction that also moves the
    job's mark. A fire runs every published plan; jobs merge their messages per person."""

    env: JobEnv
    db: aiosqlite.Connection
    fire: datetime  # when the job was due
    now: datetime  # when it runs: later than `fire` when caught up after downtime
    plan: Plan
    policy: ReminderPolicy
    send: bool = True  # False: too late to send; only decide, so admins can be told it was missed
    several: bool = False  # several plans are published: codes carry the plan's prefix

    @property
    def day(self) -> date:
        return self.fire.astimezone(self.env.tz).date()

    @property
    def quiet(self) -> tuple[ReminderPolicy, ZoneInfo]:
        return self.policy, self.env.tz

    @property
    def prefix(self) -> str | None:
        """What goes before this plan's codes: `fw` beside other published plans, else none."""
        return self.plan.prefix if self.several else None


Missed = dict[int, list[int]]  # plan id → units that had something due at a fire too late to send


def slot_of(person: Person, policy: ReminderPolicy) -> str:
    return person.at_time or f"{policy.time:%H:%M}"


def released(runs: Sequence[Run], kind: str) -> datetime:
    """When a message over these plans may go out: after the quiet hours of every one of them."""
    first = runs[0]
    return deliver_after_all(first.now, [run.policy for run in runs], first.env.tz, kind)


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


def _remind_key(person: Person, runs: Sequence[Run], day: date, wanted: str) -> str:
    """One reminder per person per day: plans reminding at a later time than the person's first
    add their own key, so changing /remind during the day never brings the same one twice."""
    first = min(slot_of(person, run.policy) for run in runs)
    return f"remind:{day.isoformat()}" + ("" if wanted == first else f":{wanted}")


async def reminders(runs: Sequence[Run], slot: time) -> Missed:
    """Deadline reminders, 签收 notices, escalations for contacts whose time is `slot`, over
    every published plan: one message per contact, a section per plan.

    Returns, per plan too late to send, the units that had something due (the missed list)."""
    if not runs or not workdays.is_workday(runs[0].day):
        return {}
    first = runs[0]
    day, db, env = first.day, first.db, first.env
    staff = Staff.of(await people.people(db), day)
    paths, names = await units.paths_and_labels(db)
    wanted = f"{slot:%H:%M}"
    missed: Missed = {}
    told: dict[int, list[tuple[Run, Bundle]]] = {}  # contact id → each plan's bundle
    for run in runs:
        policy = run.policy
        outstanding = await owed.owed(
            db, run.plan.id, candidate_dues(policy, day), window_starts_opening(day), env.tz
        )
        ack_infos = await _ack_infos(db, run.plan.id) if policy.ack else {}
        decided = plan_day(policy, day, staff, paths, outstanding, ack_infos)
        if not run.send:
            missed[run.plan.id] = sorted(
                u for u, ms in decided.by_unit.items() if any(m.heard_by_unit for m in ms)
            )
            continue
        for bundle in decided.bundles.values():
            if slot_of(bundle.person, policy) == wanted:
                told.setdefault(bundle.person.id, []).append((run, bundle))
    noticed: dict[int, set[int]] = {}
    for parts in told.values():
        person = parts[0][1].person
        t = env.translator_for(person)
        sections = [
            render.Section(bundle, run.plan.title, run.plan.prefix, run.several)
            for run, bundle in parts
        ]
        text, buttons = render.reminder(t, sections, day, names)
        key = _remind_key(person, runs, day, wanted)
        at = released([run for run, _ in parts], "reminder")
        dues = [m.owed.due for _, bundle in parts for m in bundle.own if m.owed.due is not None]
        later = snooze.choices(t, key, day, at, min(dues, default=None), env.tz)
        await queue(
            db,
            person,
            key=key,
            kind="reminder",
            text=text,
            now=first.now,
            not_before=at,
            choices=[*buttons, later] if later else buttons,
        )
        for run, bundle in parts:
            if bundle.ack is AckStage.NOTICE and person.unit_id is not None:
                noticed.setdefault(run.plan.id, set()).add(person.unit_id)
    for plan_id, unit_ids in noticed.items():
        await acks.mark_noticed(db, plan_id, sorted(unit_ids), day)
    return missed


def _scope(admin: Person, by_id: dict[int, Unit]) -> tuple[str, int | None]:
    """Path prefix an admin oversees, and their own unit when it is excluded from review."""
    if admin.role is Role.PROVINCE_ADMIN or admin.unit_id not in by_id:
        return "/", None
    return by_id[admin.unit_id].path, admin.unit_id


@dataclass
class _DigestPlan:
    """What one plan brings to the digest: read once per fire, shared by every admin."""

    run: Run
    newly: list[OwedRow]  # newly overdue
    unacked: set[int]
    waiting: list[Report]  # awaiting review anywhere: each admin is shown those in scope
    asked: list[Request]


async def digest(runs: Sequence[Run]) -> Missed:
    """Each working morning, one message per admin over every published plan: what awaits
    their review, and what became overdue in scope; a section per plan with something to say.

    Sent only when its facts changed since the last one the admin was sent (a new report to
    review, a new overdue, a unit newly 签收), saying first what changed; on the weekly day
    (`digest_weekday`) even without change. The facts are kept with the queued message."""
    if not runs or not workdays.is_workday(runs[0].day):
        return {}
    first = runs[0]
    day, db, tz = first.day, first.db, first.env.tz
    # Newly overdue since the previous working day's digest, at this fire's time of day.
    since = datetime.combine(
        workdays.on_or_before(day - timedelta(days=1)),
        first.fire.astimezone(tz).time(),
        tzinfo=tz,
    )
    missed: Missed = {}
    plans: list[_DigestPlan] = []
    for run in runs:
        newly = await owed.overdue_since(db, run.plan.id, since, run.fire, tz)
        if not run.send:
            missed[run.plan.id] = sorted({o.unit_id for o in newly})
            continue
        unacked = await acks.unacknowledged_units(db, run.plan.id) if run.policy.ack else set()
        waiting = await reports.pending_under(db, run.plan.id, "/", None)
        asked = await requests.pending_under(db, run.plan.id, "/", None)
        plans.append(_DigestPlan(run, newly, unacked, waiting, asked))
    if not plans:
        return missed
    weekly = any(
        p.run.policy.digest_weekday and is_bulletin_day(day, p.run.policy.digest_weekday)
        for p in plans
    )
    # A plan closed since, or without 签收, has no unit to acknowledge: nobody 签收 there.
    acking = {p.run.plan.id for p in plans if p.run.policy.ack}
    by_id = {u.id: u for u in await units.all_units(db)}
    everyone = await people.people(db)
    said = await digest_state.last(db)
    staffed = {p.unit_id for p in everyone}
    for admin in everyone:
        if admin.role not in ADMIN_ROLES or admin.unreachable:
            continue
        if admin.away_from and admin.away_to and admin.away_from <= day <= admin.away_to:
            continue
        path, own = _scope(admin, by_id)
        t = first.env.translator_for(admin)
        sections: list[tuple[Run, list[str], bool]] = []
        facts: set[str] = set()
        news = False  # something to review or newly overdue: a first digest is worth sending
        for part in plans:
            section = _digest_section(t, part, path, own, by_id, staffed)
            facts |= section.facts
            news = news or section.news
            if section.lines:
                sections.append((part.run, section.lines, section.reviews))
        before = said.get(admin.id)
        change = _change_line(t, before, facts, acking)
        if not sections or not (change or weekly or (before is None and news)):
            continue
        headed = len(sections) > 1
        header = "sched.digest_weekly_header" if weekly else "sched.digest_header"
        lines = [change] if change else []
        lines.append(t(header, day=t.day(day)))
        for run, body, _ in sections:
            if headed:
                title = clip(run.plan.title, render.TITLE_LIMIT)
                lines.append(t("sched.plan_section", prefix=run.plan.prefix, title=title))
            lines += body
        buttons = [
            [
                Choice(
                    t("sched.digest_pending_plan_button", prefix=run.plan.prefix)
                    if headed
                    else t("sched.digest_pending_button"),
                    f"/pending {run.prefix}" if run.prefix else "/pending",
                )
            ]
            for run, _, waiting in sections
            if waiting
        ]
        queued = await queue(
            db,
            admin,
            key=f"digest:{day.isoformat()}",
            kind="digest",
            text="\n".join(lines),
            now=first.now,
            not_before=released([run for run, _, _ in sections], "digest"),
            choices=buttons,
        )
        if queued:
            await digest_state.remember(db, admin.id, day, frozenset(facts))
    return missed


def _change_line(
    t: Translator, before: frozenset[str] | None, facts: set[str], acking: set[int]
) -> str | None:
    """What changed since the last digest: new overdue, new to review, newly 签收 in the plans
    that still ask for it (`acking`); None when nothing did (or there was no digest before:
    nothing to compare with)."""
    if before is None:
        return None
    added = facts - before
    late = sum(1 for f in added if f.startswith("o"))
    review = sum(1 for f in added if f[0] in "rq")
    acked = sum(
        1 for f in before - facts if f.startswith("a") and int(f[1:].split(":")[0]) in acking
    )
    parts = [
        t(key, count=count)
        for key, count in (
            ("sched.digest_change_overdue", late),
            ("sched.digest_change_review", review),
            ("sched.digest_change_acked", acked),
        )
        if count
    ]
    return t("sched.digest_changes", changes=t.join(parts)) if parts else None


@dataclass(frozen=True)
class _Section:
    """One plan's part of an admin's digest."""

    lines: list[str]  # empty: nothing to say in this plan
    reviews: bool  # reports or requests await the admin's review
    news: bool  # something to review or newly overdue
    facts: frozenset[str]  # what it says, compared with the last digest's


def _digest_section(
    t: Translator,
    part: _DigestPlan,
    path: str,
    own: int | None,
    by_id: dict[int, Unit],
    staffed: set[int | None],
) -> _Section:
    """One plan's lines of an admin's digest and the facts they state."""
    prefix = part.run.prefix
    plan_id = part.run.plan.id

    def in_scope(unit_id: int) -> bool:
        unit = by_id.get(unit_id)
        return unit is not None and unit.path.startswith(path) and unit_id != own

    waiting = [r for r in part.waiting if in_scope(r.unit_id)]
    asked = [q for q in part.asked if in_scope(q.unit_id)]
    late = [o for o in part.newly if in_scope(o.unit_id)]
    not_acked = [u for u in part.unacked if in_scope(u) and u in staffed]
    facts = frozenset(
        [f"r{r.id}" for r in waiting]
        + [f"q{q.id}" for q in asked]
        + [f"o{o.assignment_id}" for o in late]
        + [f"a{plan_id}:{u}" for u in not_acked]
    )
    news = bool(waiting or asked or late)
    # No contact at all: nobody was reminded or could 签收, so it takes a phone call.
    behind = part.unacked | {o.unit_id for o in late}
    unstaffed = [
        u.label for u in by_id.values() if u.id in behind and u.id not in staffed and in_scope(u.id)
    ]
    if not (news or not_acked or unstaffed):
        return _Section([], False, False, facts)
    lines = []
    if waiting or asked:
        lines.append(t("sched.digest_waiting", reports=len(waiting), requests=len(asked)))
        for r in waiting[:DIGEST_LISTED]:
            unit = by_id.get(r.unit_id)
            lines.append(
                t(
                    "sched.digest_report",
                    id=r.id,
                    unit=unit.label if unit else "?",
                    code=render.shown_code(r.code, prefix),
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
                    line=render.material_line(t, o, prefix),
                )
            )
        lines += t.rest(len(late), DIGEST_LATE_LISTED)
    if not_acked:
        lines.append(t("sched.digest_unacked", count=len(not_acked)))
    if unstaffed:
        names = t.listed(unstaffed, DIGEST_NAMED)
        lines.append(t("sched.digest_uncontacted", count=len(unstaffed), names=names))
    return _Section(lines, bool(waiting or asked), news, facts)


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


async def bulletin(runs: Sequence[Run], slot: time) -> Missed:
    """The weekly progress bulletin of the published plans whose bulletin falls at this fire,
    one message to every subscribed group (a section per plan), scoped by its subscriber."""
    due = [
        run
        for run in runs
        if run.policy.bulletin_time == slot
        and is_bulletin_day(run.day, run.policy.bulletin_weekday)
    ]
    missed: Missed = {run.plan.id: [0] for run in due if not run.send}
    due = [run for run in due if run.send]
    if not due:
        return missed
    db = due[0].db
    by_id = {u.id: u for u in await units.all_units(db)}
    audiences = await broadcasts.audiences(db)
    t = due[0].env.translator_for()
    first = due[0]
    for audience in audiences:
        # One message per group however many plans are open (each 交办 is a plan of its own).
        texts = [await bulletin_text(run, t, audience.path, by_id) for run in due]
        await queue(
            db,
            Chat(audience.channel, audience.chat_ref, str(audience.chat_id)),
            key=f"bulletin:{first.day.isoformat()}:{slot.strftime('%H:%M')}",
            kind="bulletin",
            text="\n\n".join(texts),
            now=first.now,
            quiet=first.quiet,
        )
    return missed


async def bulletin_text(run: Run, t: Translator, path: str, by_id: dict[int, Unit]) -> str:
    sums = await progress.totals(run.db, run.plan.id, run.fire, path)
    done, total = sums.done, sums.total - sums.not_applicable
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
                code=render.shown_code(s.code, run.prefix),
                title=clip(s.title, render.TITLE_LIMIT),
                due=t.day(s.due),
                units=s.units,
            )
            for s in soon
        ]
    # Named in the plan's order; the issuing root is never named in its own bulletin.
    overdue = await progress.late_units(run.db, run.plan.id, run.fire, path)
    finished = set(await broadcasts.finished_on_time(run.db, run.plan.id, path))
    addressed = [u for u in by_id.values() if u.parent_id is not None]
    late = [u.label for u in addressed if u.id in overdue]
    if late:
        lines.append(t("sched.bulletin_overdue", count=len(late), names=t.join(late)))
    on_time = [u.label for u in addressed if u.id in finished]
    if on_time:
        lines.append(t("sched.bulletin_finished", count=len(on_time), names=t.join(on_time)))
    return "\n".join(lines)
