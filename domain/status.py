"""Derived facts of one unit × material: overdue, due soon, and its traffic light."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.model import AssignmentState, Light

OUTSTANDING = (AssignmentState.NOT_SUBMITTED, AssignmentState.RETURNED)


def is_overdue(state: AssignmentState, due_at: datetime | None, now: datetime) -> bool:
    return state in OUTSTANDING and due_at is not None and now > due_at


def light(
    state: AssignmentState,
    due_at: datetime | None,
    submitted_at: datetime | None,
    now: datetime,
    due_soon_days: int,
) -> Light:
    late = due_at is not None and submitted_at is not None and submitted_at > due_at
    if state is AssignmentState.NOT_APPLICABLE:
        return Light.NONE
    if state is AssignmentState.ACCEPTED:
        return Light.YELLOW if late else Light.GREEN
    if state is AssignmentState.PENDING:
        return Light.YELLOW if late else Light.NONE
    if is_overdue(state, due_at, now):
        return Light.RED
    if state is AssignmentState.RETURNED:
        return Light.YELLOW
    if due_at is not None and due_at - now <= timedelta(days=due_soon_days):
        return Light.BLUE
    return Light.NONE
