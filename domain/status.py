"""Derived facts of one unit × material: overdue, and its light; and a unit's light from its counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.model import AssignmentState, Light

OUTSTANDING = (AssignmentState.NOT_SUBMITTED, AssignmentState.RETURNED)


def is_overdue(state: AssignmentState, due_at: datetime | None, now: datetime) -> bool:
    return state in OUTSTANDING and due_at is not None and now > due_at


def is_late(due_at: datetime | None, submitted_at: datetime | None) -> bool:
    """Handed in after the deadline."""
    return due_at is not None and submitted_at is not None and submitted_at > due_at


def light(
    state: AssignmentState, due_at: datetime | None, now: datetime, due_soon_days: int
) -> Light:
    if state is AssignmentState.NOT_APPLICABLE:
        return Light.NOT_APPLICABLE
    if state is AssignmentState.ACCEPTED:
        return Light.ACCEPTED
    if state is AssignmentState.PENDING:
        return Light.PENDING
    if due_at is None:
        return Light.NOT_DUE
    if now > due_at:
        return Light.OVERDUE
    if due_at - now <= timedelta(days=due_soon_days):
        return Light.DUE_SOON
    return Light.NOT_DUE


def unit_light(total: int, done: int, pending: int, not_applicable: int, overdue: int) -> Light:
    """A unit's light from its counts: overdue first, then all accepted, then all handed in."""
    if overdue:
        return Light.OVERDUE
    if done + not_applicable == total:
        return Light.ACCEPTED
    if done + not_applicable + pending == total:
        return Light.PENDING
    return Light.NOT_DUE
