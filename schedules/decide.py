"""Pure reminder decisions: what each outstanding material calls for on a day, and who hears it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from domain.model import Role
from schedules import workdays
from schedules.policy import ReminderPolicy
from storage.owed import OwedRow
from storage.people import Person


class Stage(StrEnum):
    WINDOW_OPEN = "window_open"  # the reporting window (6-8月) opens today
    UPCOMING = "upcoming"  # 7, 3, 1 days before
    DUE = "due"  # the due day (or the last working day before it)
    OVERDUE = "overdue"  # a nag, every N working days after the due day


class AckStage(StrEnum):
    NOTICE = "notice"  # newly published: please acknowledge (签收)
    NAG = "nag"  # still not acknowledged


@dataclass(frozen=True, slots=True)
class Step:
    stage: Stage
    nag: int = 0  # which overdue nag (1..max); 0 when the unit is not nagged that day
    escalate: bool = False  # 抄报 to the admins above the unit


@dataclass(frozen=True, slots=True)
class Mention:
    owed: OwedRow
    step: Step

    @property
    def heard_by_unit(self) -> bool:
        return self.step.stage is not Stage.OVERDUE or self.step.nag > 0


@dataclass
class Bundle:
    """Everything one contact is told in one run: a single message."""

    person: Person
    own: list[Mention] = field(default_factory=list)
    ack: AckStage | None = None
    ack_count: int = 0
    escalations: dict[int, list[Mention]] = field(default_factory=dict)  # unit id → behind on
    orphans: dict[int, list[Mention]] = field(default_factory=dict)  # unit id → nobody to tell
    # unit id → behind on, with no contact at all: never nagged, so a phone call, not a 抄报
    uncontacted: dict[int, list[Mention]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.own or self.ack or self.escalations or self.orphans or self.uncontacted)


@dataclass
class DayPlan:
    bundles: dict[int, Bundle]  # contact id → bundle
    by_unit: dict[int, list[Mention]]  # every unit with something due, reached or not
    noticed: set[int]  # units whose 签收 notice reached someone


@dataclass(frozen=True, slots=True)
class AckInfo:
    pending: int  # materials not yet acknowledged
    unnoticed: int  # of which never announced
    noticed_on: date | None  # first announcement still unanswered


@lru_cache(maxsize=8192)
def steps(
    policy: ReminderPolicy, due: date, base: date, window_start: date | None
) -> dict[date, Step]:
    """Every day something happens for one material, given its due day.

    `base` is the day overdue nags count from: the due day, or the day a late report was
    returned. Days that are not working days never carry a step.
    """
    table: dict[date, Step] = {}
    due_day = workdays.on_or_before(due)
    if window_start is not None and policy.window_notice:
        opens = workdays.on_or_after(window_start)
        if opens < due_day:
            table[opens] = Step(Stage.WINDOW_OPEN)
    for days in policy.before_days:
        day = workdays.on_or_before(due - timedelta(days=days))
        if day < due_day and (window_start is None or day >= window_start):
            table[day] = Step(Stage.UPCOMING)
    if policy.on_due_day:
        table[due_day] = Step(Stage.DUE)
    for nag in range(1, policy.overdue_max + 1):
        table[workdays.add(base, 1 + policy.overdue_every * (nag - 1))] = Step(Stage.OVERDUE, nag)
    if policy.escalate_after:
        day = workdays.add(base, 1 + policy.overdue_every * policy.escalate_after)
        nag = table[day].nag if day in table and table[day].stage is Stage.OVERDUE else 0
        table[day] = Step(Stage.OVERDUE, nag, escalate=True)
    return table


workdays.on_change(steps.cache_clear)  # another calendar: other days off


def reopened_day(owed: OwedRow) -> date | None:
    """The day a late report came back: nags start again from there."""
    if owed.returned_on is None or owed.due is None or owed.returned_on <= owed.due:
        return None
    return owed.returned_on


def step_on(policy: ReminderPolicy, owed: OwedRow, day: date) -> Step | None:
    if owed.due is None:  # 按要求报送 without a date: nothing until an admin sets one
        return None
    base = reopened_day(owed) or owed.due
    start = owed.window_start if owed.kind == "window" else None
    return steps(policy, owed.due, base, start).get(day)


def candidate_dues(policy: ReminderPolicy, day: date, horizon: int = 150) -> list[date]:
    """Due days whose schedule has a step on `day` (so the store is asked only for those)."""
    reach = max(policy.before_days, default=0) + 10
    found = []
    for offset in range(-horizon, reach + 1):
        due = day + timedelta(days=offset)
        if day in steps(policy, due, due, None):
            found.append(due)
    return found


def ack_stage(policy: ReminderPolicy, info: AckInfo, day: date) -> AckStage | None:
    if not policy.ack or info.pending == 0:
        return None
    if info.unnoticed or info.noticed_on is None or info.noticed_on == day:
        return AckStage.NOTICE
    for nag in range(1, policy.ack_max + 1):
        if workdays.add(info.noticed_on, policy.overdue_every * nag) == day:
            return AckStage.NAG
    return None


def is_away(person: Person, day: date) -> bool:
    return (
        person.away_from is not None
        and person.away_to is not None
        and person.away_from <= day <= person.away_to
    )


def ancestors(path: str) -> list[int]:
    """Unit ids above a unit, root first: `/1/5/9/` → [1, 5]."""
    return [int(p) for p in path.strip("/").split("/")[:-1] if p]


@dataclass(frozen=True)
class Staff:
    """The day's contacts by unit, and the admins who can be told today: grouped once per
    fire and shared by every plan's decision (30,000 contacts, several plans)."""

    members: dict[int, list[Person]]
    active: dict[int, list[Person]]  # members who get their reminders today
    province_admins: list[Person]
    unit_admins: dict[int, list[Person]]

    @classmethod
    def of(cls, people: Sequence[Person], day: date) -> Staff:
        members: dict[int, list[Person]] = defaultdict(list)
        active: dict[int, list[Person]] = defaultdict(list)
        province_admins: list[Person] = []
        unit_admins: dict[int, list[Person]] = defaultdict(list)
        for person in people:
            if person.unit_id is None:
                continue
            members[person.unit_id].append(person)
            if person.unreachable or is_away(person, day):
                continue
            if person.enabled:
                active[person.unit_id].append(person)
            if person.role is Role.PROVINCE_ADMIN:
                province_admins.append(person)
            elif person.role is Role.UNIT_ADMIN:
                unit_admins[person.unit_id].append(person)
        return cls(dict(members), dict(active), province_admins, dict(unit_admins))


def plan_day(
    policy: ReminderPolicy,
    day: date,
    people: Sequence[Person] | Staff,
    unit_paths: dict[int, str],
    owed: Iterable[OwedRow],
    acks: dict[int, AckInfo],
) -> DayPlan:
    """Decide one day: who is told what. No I/O; the caller renders and queues.

    `unit_paths` lists the units in the plan's order: admins read about units in that order.
    """
    by_unit: dict[int, list[Mention]] = defaultdict(list)
    # Thousands of rows share a handful of due days: decide each distinct schedule once.
    known: dict[tuple[date | None, date | None, date | None, str], Step | None] = {}
    for row in owed:
        key = (row.due, row.returned_on, row.window_start, row.kind)
        if key not in known:
            known[key] = step_on(policy, row, day)
        step = known[key]
        if step is not None:
            by_unit[row.unit_id].append(Mention(row, step))
    staff = people if isinstance(people, Staff) else Staff.of(people, day)
    members, province_admins, unit_admins = staff.members, staff.province_admins, staff.unit_admins

    bundles: dict[int, Bundle] = {}

    def bundle(person: Person) -> Bundle:
        if person.id not in bundles:
            bundles[person.id] = Bundle(person)
        return bundles[person.id]

    def admins_over(unit_id: int) -> list[Person]:
        found = {p.id: p for p in province_admins}
        for above in ancestors(unit_paths.get(unit_id, "/")):
            found.update((p.id, p) for p in unit_admins.get(above, []))
        return list(found.values())

    noticed: set[int] = set()
    order = {unit_id: n for n, unit_id in enumerate(unit_paths)}
    for unit_id in sorted(set(by_unit) | set(acks), key=lambda u: (order.get(u, len(order)), u)):
        mentions = by_unit.get(unit_id, [])
        heard = [m for m in mentions if m.heard_by_unit]
        info = acks.get(unit_id)
        ack = ack_stage(policy, info, day) if info is not None else None
        escalated = [m for m in mentions if m.step.escalate]
        everyone = members.get(unit_id, [])
        # The root issues the plan: there is nobody above it to 抄报 to, least of all itself.
        if escalated and ancestors(unit_paths.get(unit_id, "/")):
            for admin in admins_over(unit_id):
                target = bundle(admin)
                (target.escalations if everyone else target.uncontacted)[unit_id] = escalated
        if not heard and ack is None:
            continue
        active = staff.active.get(unit_id, [])
        for person in active:
            target = bundle(person)
            target.own = heard
            if ack is not None and info is not None:
                target.ack, target.ack_count = ack, info.pending
        if active and ack is not None:
            noticed.add(unit_id)
        if everyone and not active and heard:
            for admin in admins_over(unit_id):
                bundle(admin).orphans[unit_id] = heard
    return DayPlan(
        bundles={k: v for k, v in bundles.items() if v}, by_unit=dict(by_unit), noticed=noticed
    )
