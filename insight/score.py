"""考评: per-unit scores from completeness, timeliness, returns and acknowledgement, weighted by the plan."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.progress_rows import UnitActivity
from insight.progress import Category, Progress

log = logging.getLogger(__name__)


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completeness: float = Field(default=50, ge=0)
    timeliness: float = Field(default=30, ge=0)
    first_pass: float = Field(default=10, ge=0)
    acknowledgement: float = Field(default=10, ge=0)


class Award(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    top: int = Field(ge=1)


class AssessmentRules(BaseModel):
    """The plan file's `assessment:` mapping; every key optional."""

    model_config = ConfigDict(extra="forbid")

    weights: Weights = Field(default_factory=Weights)
    pending_credit: float = Field(
        default=0.5, ge=0, le=1
    )  # a report awaiting review counts this much
    full_late_days: int = Field(default=30, ge=1)  # this many days late leaves no timeliness credit
    awards: list[Award] = []


def rules_from(mapping: dict[str, Any]) -> AssessmentRules:
    """The plan's rules; a mapping that does not validate falls back to the defaults, logged."""
    try:
        return AssessmentRules.model_validate(mapping or {})
    except ValidationError as err:
        log.warning("plan assessment settings ignored: %s", err.errors(include_url=False))
        return AssessmentRules()


@dataclass(frozen=True)
class Score:
    unit_id: int
    rank: int
    total: float  # 0–100
    completeness: float  # 0–1
    timeliness: float
    first_pass: float | None  # None: no report made yet
    acknowledgement: float | None  # None: never asked to acknowledge (签收)
    award: str | None


def _unit_parts(
    progress: Progress, unit_id: int, rules: AssessmentRules, activity: UnitActivity
) -> tuple[float, float, float | None]:
    done = 0.0
    counted = 0
    timely = 0.0
    timed = 0
    for m in progress.materials:
        category = progress.category.get((unit_id, m.id))
        if category is None or category is Category.NOT_APPLICABLE:
            continue
        cell = progress.cells[(unit_id, m.id)]
        due_passed = cell.due_at is not None and progress.now > cell.due_at
        if category in (Category.ACCEPTED, Category.PENDING) or due_passed:
            counted += 1
            if category is Category.ACCEPTED:
                done += 1
            elif category is Category.PENDING:
                done += rules.pending_credit
            if cell.due_at is not None:
                timed += 1
                late = progress.late.get((unit_id, m.id), 0)
                timely += max(0.0, 1 - late / rules.full_late_days)
    completeness = done / counted if counted else 1.0
    timeliness = timely / timed if timed else 1.0
    if not activity.reports:
        return completeness, timeliness, None
    return completeness, timeliness, max(0.0, 1 - activity.returns / activity.reports)


def scores(
    progress: Progress,
    rules: AssessmentRules,
    activity: dict[int, UnitActivity],
) -> list[Score]:
    """Every unit of the matrix, best first; 签收 counts only for units asked to acknowledge."""
    w = rules.weights
    raw = []
    for unit in progress.units:
        act = activity.get(unit.id, UnitActivity())
        completeness, timeliness, first_pass = _unit_parts(progress, unit.id, rules, act)
        ack = min(1.0, act.acked / act.noticed) if act.noticed else None
        # A part with nothing to judge by drops out; the others are scaled up to 100.
        parts = [(w.completeness, completeness), (w.timeliness, timeliness)]
        if first_pass is not None:
            parts.append((w.first_pass, first_pass))
        if ack is not None:
            parts.append((w.acknowledgement, ack))
        weight = sum(p[0] for p in parts)
        total = 100 * sum(p[0] * p[1] for p in parts) / weight if weight else 0.0
        raw.append((unit, round(total, 1), completeness, timeliness, first_pass, ack))
    raw.sort(key=lambda r: (-r[1], r[0].sort))
    ranked: list[Score] = []
    previous: float | None = None
    rank = 0
    for position, (unit, total, completeness, timeliness, first_pass, ack) in enumerate(raw, 1):
        if total != previous:
            rank = position
            previous = total
        ranked.append(
            Score(
                unit_id=unit.id,
                rank=rank,
                total=total,
                completeness=completeness,
                timeliness=timeliness,
                first_pass=first_pass,
                acknowledgement=ack,
                award=_award(rules, rank),
            )
        )
    return ranked


def _award(rules: AssessmentRules, rank: int) -> str | None:
    for award in sorted(rules.awards, key=lambda a: a.top):
        if rank <= award.top:
            return award.title
    return None
