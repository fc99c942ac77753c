"""考评: per-unit scores from completeness, timeliness, returns and acknowledgement, weighted by the plan."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.model import Light
from domain.progress_rows import UnitActivity
from insight.progress import Progress

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
    rank: int | None  # None: not ranked, nothing to judge yet
    total: float | None  # 0–100; None: nothing due and nothing handed in
    completeness: float | None  # 0–1; None: nothing due and nothing handed in
    timeliness: float | None  # None: nothing due and nothing handed in against a deadline
    first_pass: float | None  # None: no report made yet
    acknowledgement: float | None  # None: never asked to acknowledge (签收)
    award: str | None = None
    tied: int = 1  # how many units share this rank
    at_cut: str | None = None  # an award whose last places this unit's tie straddles


def _unit_parts(
    progress: Progress, unit_id: int, rules: AssessmentRules, activity: UnitActivity
) -> tuple[float | None, float | None, float | None]:
    """Completeness, timeliness and first-pass rate; None where there is nothing to judge."""
    done = 0.0
    counted = 0
    timely = 0.0
    timed = 0
    # Run once per cell of a national matrix (90,000): attributes looked up once.
    category_of, cells, late_of, now = (
        progress.category.get,
        progress.cells,
        progress.late,
        progress.now,
    )
    pending_credit, full_late_days = rules.pending_credit, rules.full_late_days
    accepted, pending, not_applicable = Light.ACCEPTED, Light.PENDING, Light.NOT_APPLICABLE
    for m in progress.materials:
        key = (unit_id, m.id)
        category = category_of(key)
        if category is None or category is not_applicable:
            continue
        due_at = cells[key].due_at
        handed_in = category is accepted or category is pending
        if not handed_in and (due_at is None or now <= due_at):
            continue  # not due and not handed in: nothing to judge yet
        counted += 1
        if category is accepted:
            done += 1
        elif category is pending:
            done += pending_credit
        if due_at is not None:
            timed += 1
            # Overdue and still owed earns nothing: timeliness is earned by a report.
            if handed_in:
                timely += max(0.0, 1 - late_of.get(key, 0) / full_late_days)
    completeness = done / counted if counted else None
    timeliness = timely / timed if timed else None
    if not activity.reports:
        return completeness, timeliness, None
    return completeness, timeliness, max(0.0, 1 - activity.returns / activity.reports)


def scores(
    progress: Progress,
    rules: AssessmentRules,
    activity: dict[int, UnitActivity],
    recommend: bool = True,
) -> list[Score]:
    """Every unit of the matrix but the issuer, best first, unscored units last; awards only
    if `recommend`.

    The issuer (the root unit) publishes the plan: whatever it owes itself, it is not ranked
    among the units it addresses. A unit with nothing due and nothing handed in has no score
    and no rank: 签收 alone ranks nobody. Units with equal scores share a rank.
    """
    w = rules.weights
    scored: list[Score] = []
    unscored: list[Score] = []
    for unit in progress.units:
        if unit.id == progress.issuer:
            continue
        act = activity.get(unit.id, UnitActivity())
        completeness, timeliness, first_pass = _unit_parts(progress, unit.id, rules, act)
        ack = min(1.0, act.acked / act.noticed) if act.noticed else None
        if completeness is None:
            unscored.append(Score(unit.id, None, None, completeness, timeliness, first_pass, ack))
            continue
        # A part with nothing to judge by drops out; the others are scaled up to 100.
        parts = [(w.completeness, completeness)]
        for weight, part in (
            (w.timeliness, timeliness),
            (w.first_pass, first_pass),
            (w.acknowledgement, ack),
        ):
            if part is not None:
                parts.append((weight, part))
        weight = sum(p[0] for p in parts)
        total = 100 * sum(p[0] * p[1] for p in parts) / weight if weight else 0.0
        scored.append(
            Score(unit.id, None, round(total, 1), completeness, timeliness, first_pass, ack)
        )
    order = {u.id: u.sort for u in progress.units}
    scored.sort(key=lambda s: (-(s.total or 0.0), order[s.unit_id]))
    ranked: list[Score] = []
    for _, tie in groupby(scored, key=lambda s: s.total):
        members = list(tie)
        rank = len(ranked) + 1
        ranked += [replace(s, rank=rank, tied=len(members)) for s in members]
    if recommend:
        ranked = _recommend(ranked, rules, progress)
    return ranked + unscored


def _recommend(ranked: list[Score], rules: AssessmentRules, progress: Progress) -> list[Score]:
    """Fill each award's places in rank order with units that have work accepted.

    A tie is never split: units tied across an award's last place get none of it
    automatically and are marked `at_cut`, for the province to decide.
    """
    awards = sorted(rules.awards, key=lambda a: a.top)
    if not awards:
        return ranked
    eligible = {s.unit_id for s in ranked if progress.by_unit[s.unit_id].accepted > 0}
    placed = 0  # eligible units ranked above the current tie
    out: list[Score] = []
    for _, tie in groupby(ranked, key=lambda s: s.rank):
        members = list(tie)
        fit = [s for s in members if s.unit_id in eligible]
        award: str | None = None
        at_cut: str | None = None
        end = placed + len(fit)
        for candidate in awards if fit else ():
            if end <= candidate.top:
                award = candidate.title
                break
            if placed < candidate.top and at_cut is None:
                at_cut = candidate.title
        out += [
            replace(s, award=award, at_cut=at_cut) if s.unit_id in eligible else s for s in members
        ]
        placed = end
    return out
