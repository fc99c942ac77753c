"""Text pieces shared by listings: lights, states, deadlines, material lines."""

from __future__ import annotations

from datetime import datetime

from domain.model import AssignmentState, Light
from domain.palette import PALETTE
from domain.plan_model import PlanIssue
from domain.status import is_late, is_overdue, light
from locales import Translator
from schedules.calendar_text import due_day
from storage.models import AssignmentRow, Material


def legend(t: Translator) -> str:
    """`🟢已通过、🔵已报送待审…`: every light with its icon, as the board and export colour it."""
    return t.join(
        t("light.legend_item", icon=PALETTE[x].icon, label=t(f"light.{x.value}")) for x in Light
    )


def deadline_text(t: Translator, row: AssignmentRow | Material, written: bool = False) -> str:
    """`5月31日(周二)` for dates, `6月1日至8月31日(周三)` for windows, `按要求报送` on request;
    a holiday is named (`6月10日(周五·端午)`) and a date moved off one says so; `written` adds
    the plan's own words (`5月31日(周二·5月底)`)."""
    if row.due_date is None:
        return t("deadline.on_request")
    expr = row.deadline_expr if written else None
    due = due_day(t, row.due_date, moved_from=row.moved_from, written=expr)
    if row.deadline_kind == "window" and row.window_start is not None:
        return t("deadline.window", start=t.day(row.window_start), end=due)
    return due


def state_text(t: Translator, state: AssignmentState) -> str:
    return t(f"state.{state.value}")


def assignment_line(
    t: Translator,
    row: AssignmentRow,
    now: datetime,
    due_soon_days: int,
    with_state: bool = True,
    code: str | None = None,
) -> str:
    """One material of a unit; `code` as it is to be typed back (`fw-2.1` beside other plans)."""
    icon = PALETTE[light(row.state, row.due_at, now, due_soon_days)].icon
    parts = [f"{icon} {code or row.code} {row.title}", t("listing.due", due=deadline_text(t, row))]
    if is_overdue(row.state, row.due_at, now) and row.due_at is not None:
        parts.append(t("listing.overdue_days", days=max(1, (now - row.due_at).days + 1)))
    handed_in = row.state in (AssignmentState.ACCEPTED, AssignmentState.PENDING)
    if handed_in and is_late(row.due_at, row.submitted_at):
        parts.append(t("light.late"))
    if with_state:
        parts.append(state_text(t, row.state))
    if row.target:
        parts.append(
            t(
                "listing.target",
                done=row.reported_count,
                target=row.target,
                unit=t.measure(row.target_unit),
            )
        )
    if row.state is AssignmentState.NOT_APPLICABLE and row.na_reason:
        parts.append(t("listing.na_reason", reason=row.na_reason))
    return " · ".join(parts)


def plan_issue_text(t: Translator, issue: PlanIssue) -> str:
    """A plan file's problem or notice with where it is: a sheet's cell, a table's row and
    column (on its page, for a PDF), or the file's line."""
    message = t(issue.key, **issue.params)
    where = issue.params
    if "cell" in where:
        return t("plan.at_cell", cell=where["cell"], message=message)
    if "row" in where and "page" in where:
        return t("plan.at_page_table", message=message, **where)
    if "row" in where:
        return t("plan.at_table", message=message, **where)
    return t("plan.at_line", line=issue.line, message=message) if issue.line else message
