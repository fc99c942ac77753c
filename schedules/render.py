"""Reminder texts: one message per contact per run over every plan, in the contact's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.messages import Choice
from domain.text import clip
from locales import Translator
from schedules import workdays
from schedules.calendar_text import due_day, holiday_text
from schedules.decide import AckStage, Bundle, Mention, Stage
from storage.owed import OwedRow

MAX_BUTTONS = 3
UNITS_NAMED = 10  # units named on one line before "等 N 个"
TITLE_LIMIT = 30


def due_text(t: Translator, owed: OwedRow) -> str:
    if owed.due is None:
        return t("sched.due_on_request")
    if owed.kind == "window" and owed.window_start is not None:
        return t("sched.due_window", start=t.day(owed.window_start), end=t.day(owed.due))
    return t("sched.due_day", due=due_day(t, owed.due))


def shown_code(code: str, prefix: str | None) -> str:
    """A material code as it can be typed back: `fw-2.1` beside other plans, else `2.1`."""
    return f"{prefix}-{code}" if prefix else code


REQUIREMENT_LIMIT = 30  # the requirement's first line, as a phone shows it beside the title


def material_line(
    t: Translator, owed: OwedRow, prefix: str | None = None, needs: bool = False
) -> str:
    """`[2.1] title`; `needs`: with the requirement's first line, for the unit that owes it."""
    code = shown_code(owed.code, prefix)
    line = t("sched.material", code=code, title=clip(owed.title, TITLE_LIMIT))
    first = (owed.requirement or "").strip().split("\n", 1)[0].strip()
    if needs and first:  # in short; `/tasks CODE` shows it whole
        line = t("needs.reminder", line=line, requirement=clip(first, REQUIREMENT_LIMIT))
    return line


def day_off_line(t: Translator, head: str, due: date) -> str:
    """A deadline on a holiday or weekend, told on the last working day before it."""
    name = workdays.holiday(due)
    if name is not None:
        holiday = holiday_text(t, name)
        return t("sched.line_last_workday_holiday", line=head, due=t.day(due), holiday=holiday)
    weekday = t(f"cal.weekday_{due.isoweekday()}")
    return t("sched.line_last_workday_weekend", line=head, due=t.day(due), weekday=weekday)


def _due_later(mention: Mention, day: date) -> bool:
    """The due-day reminder given early: the deadline falls on a day off."""
    due = mention.owed.due
    return mention.step.stage is Stage.DUE and due is not None and due > day


def mention_line(t: Translator, mention: Mention, day: date, prefix: str | None = None) -> str:
    owed, step = mention.owed, mention.step
    head = material_line(t, owed, prefix, needs=True)
    assert owed.due is not None
    if step.stage is Stage.WINDOW_OPEN:
        return t("sched.line_window", line=head, due=due_text(t, owed))
    if _due_later(mention, day):
        return day_off_line(t, head, owed.due)
    if step.stage is Stage.UPCOMING:
        return t(
            "sched.line_upcoming", line=head, due=due_text(t, owed), days=(owed.due - day).days
        )
    if step.stage is Stage.DUE:
        return t("sched.line_due_today", line=head)
    late = max(1, (day - owed.due).days)
    if step.nag:
        return t("sched.line_overdue", line=head, due=due_text(t, owed), days=late, nag=step.nag)
    return t("sched.line_overdue_plain", line=head, due=due_text(t, owed), days=late)


_SECTIONS = (
    ("sched.section_window", (Stage.WINDOW_OPEN,)),
    ("sched.section_upcoming", (Stage.UPCOMING,)),
    ("sched.section_due", (Stage.DUE,)),
    ("sched.section_overdue", (Stage.OVERDUE,)),
)


@dataclass(frozen=True, slots=True)
class Section:
    """One plan's part of a contact's reminder."""

    bundle: Bundle
    title: str  # the plan's title
    prefix: str  # the plan's short code (`fw`)
    several: bool = False  # several plans are published: codes carry the prefix (`fw-2.1`)

    @property
    def code_prefix(self) -> str | None:
        return self.prefix if self.several else None


def reminder(
    t: Translator, sections: Sequence[Section], day: date, unit_names: dict[int, str]
) -> tuple[str, list[list[Choice]]]:
    """The whole message for one contact over every plan with something to tell: per plan its
    签收, its own unit's materials, then what admins must know; each plan headed by its short
    code and title when there are several."""
    person = sections[0].bundle.person
    lines = [t("sched.header", unit=unit_names.get(person.unit_id or 0, ""))]
    headed = len(sections) > 1
    acks: list[Choice] = []
    codes: list[str] = []
    for section in sections:
        bundle, prefix = section.bundle, section.code_prefix
        if headed:
            title = clip(section.title, TITLE_LIMIT)
            lines.append(t("sched.plan_section", prefix=section.prefix, title=title))
        if bundle.ack is AckStage.NOTICE:
            lines.append(t("sched.ack_notice", title=section.title, count=bundle.ack_count))
        elif bundle.ack is AckStage.NAG:
            lines.append(t("sched.ack_nag", title=section.title, count=bundle.ack_count))
        if bundle.ack is not None:
            label = (
                t("sched.ack_plan_button", prefix=section.prefix)
                if headed
                else t("sched.ack_button")
            )
            acks.append(Choice(label, f"/ack {prefix}" if prefix else "/ack"))
        lines += _own_lines(t, bundle, day, prefix)
        if bundle.own and not headed:
            lines.append(t("sched.footer"))
        codes += [shown_code(m.owed.code, prefix) for m in bundle.own]
        lines += _admin_lines(t, bundle, unit_names, prefix)
    if headed and codes:
        lines.append(t("sched.footer"))
    buttons: list[list[Choice]] = [acks] if len(acks) == 1 else [[c] for c in acks]
    if codes:
        shown = list(dict.fromkeys(codes))[:MAX_BUTTONS]
        buttons.append(
            [Choice(t("sched.report_button", code=c), f"/report_pick {c}") for c in shown]
        )
    return "\n".join(lines), buttons


def _own_lines(t: Translator, bundle: Bundle, day: date, prefix: str | None) -> list[str]:
    lines: list[str] = []
    for key, stages in _SECTIONS:
        # "今日截止" only on the due day itself; a deadline on a day off is still upcoming.
        chosen = [
            m
            for m in bundle.own
            if (Stage.UPCOMING if _due_later(m, day) else m.step.stage) in stages
        ]
        if chosen:
            lines.append(t(key))
            lines += [mention_line(t, m, day, prefix) for m in chosen]
    return lines


def _admin_lines(
    t: Translator, bundle: Bundle, unit_names: dict[int, str], prefix: str | None
) -> list[str]:
    """What an admin must know about the units below: 抄报, nobody to tell, no contact."""
    lines: list[str] = []

    def items(mentions: list[Mention]) -> str:
        return "、".join(material_line(t, m.owed, prefix) for m in mentions)

    if bundle.escalations:
        lines.append(t("sched.section_escalate"))
        for unit_id, mentions in bundle.escalations.items():
            unit = unit_names.get(unit_id, "?")
            lines.append(t("sched.escalate_line", unit=unit, items=items(mentions)))
    if bundle.orphans:
        lines.append(t("sched.section_orphans"))
        for unit_id, mentions in bundle.orphans.items():
            unit = unit_names.get(unit_id, "?")
            lines.append(t("sched.orphan_line", unit=unit, items=items(mentions)))
    if bundle.uncontacted:
        # Units nobody could be told usually owe the same: one line per list of materials.
        lines.append(t("sched.section_uncontacted"))
        alike: dict[str, list[str]] = {}
        for unit_id, mentions in bundle.uncontacted.items():
            alike.setdefault(items(mentions), []).append(unit_names.get(unit_id, "?"))
        for listed, names in alike.items():
            units = t.listed(names, UNITS_NAMED)
            lines.append(t("sched.uncontacted_line", units=units, items=listed))
    return lines
