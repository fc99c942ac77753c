"""Reminder texts: one message per contact per run, in the contact's language."""

from __future__ import annotations

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


def material_line(t: Translator, owed: OwedRow) -> str:
    return t("sched.material", code=owed.code, title=clip(owed.title, TITLE_LIMIT))


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


def mention_line(t: Translator, mention: Mention, day: date) -> str:
    owed, step = mention.owed, mention.step
    head = material_line(t, owed)
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


def reminder(
    t: Translator,
    bundle: Bundle,
    day: date,
    unit_names: dict[int, str],
    plan_title: str,
) -> tuple[str, list[list[Choice]]]:
    """The whole message for one contact: 签收, own unit's materials, then what admins must know."""
    lines = [t("sched.header", unit=unit_names.get(bundle.person.unit_id or 0, ""))]
    buttons: list[list[Choice]] = []
    if bundle.ack is AckStage.NOTICE:
        lines.append(t("sched.ack_notice", title=plan_title, count=bundle.ack_count))
    elif bundle.ack is AckStage.NAG:
        lines.append(t("sched.ack_nag", title=plan_title, count=bundle.ack_count))
    if bundle.ack is not None:
        buttons.append([Choice(t("sched.ack_button"), "/ack")])
    for key, stages in _SECTIONS:
        # "今日截止" only on the due day itself; a deadline on a day off is still upcoming.
        chosen = [
            m
            for m in bundle.own
            if (Stage.UPCOMING if _due_later(m, day) else m.step.stage) in stages
        ]
        if chosen:
            lines.append(t(key))
            lines += [mention_line(t, m, day) for m in chosen]
    if bundle.own:
        lines.append(t("sched.footer"))
        codes = list(dict.fromkeys(m.owed.code for m in bundle.own))[:MAX_BUTTONS]
        buttons.append(
            [Choice(t("sched.report_button", code=c), f"/report_pick {c}") for c in codes]
        )
    if bundle.escalations:
        lines.append(t("sched.section_escalate"))
        for unit_id, mentions in bundle.escalations.items():
            items = "、".join(material_line(t, m.owed) for m in mentions)
            lines.append(t("sched.escalate_line", unit=unit_names.get(unit_id, "?"), items=items))
    if bundle.orphans:
        lines.append(t("sched.section_orphans"))
        for unit_id, mentions in bundle.orphans.items():
            items = "、".join(material_line(t, m.owed) for m in mentions)
            lines.append(t("sched.orphan_line", unit=unit_names.get(unit_id, "?"), items=items))
    if bundle.uncontacted:
        # Units nobody could be told usually owe the same: one line per list of materials.
        lines.append(t("sched.section_uncontacted"))
        alike: dict[str, list[str]] = {}
        for unit_id, mentions in bundle.uncontacted.items():
            items = "、".join(material_line(t, m.owed) for m in mentions)
            alike.setdefault(items, []).append(unit_names.get(unit_id, "?"))
        for items, names in alike.items():
            units = t.listed(names, UNITS_NAMED)
            lines.append(t("sched.uncontacted_line", units=units, items=items))
    return "\n".join(lines), buttons
