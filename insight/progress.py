"""The progress matrix: each cell's light, per-unit and per-material tallies, the plan's order."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.model import AssignmentState, Light, UnitKind
from domain.progress_rows import Cell, MaterialCol, UnitRow
from domain.status import OUTSTANDING, light

DAY = timedelta(days=1)


def categorize(cell: Cell, now: datetime, due_soon_days: int) -> Light:
    """The cell's light, as the chat lights the same material."""
    return light(cell.state, cell.due_at, now, due_soon_days)


def days_late(cell: Cell, now: datetime) -> int:
    """Whole days past the deadline: until the counted submission, or until now if still owed."""
    if cell.due_at is None or cell.state is AssignmentState.NOT_APPLICABLE:
        return 0
    if cell.state in OUTSTANDING:
        end = now
    elif cell.submitted_at is not None:
        end = cell.submitted_at
    else:
        return 0
    if end <= cell.due_at:
        return 0
    return max(1, math.ceil((end - cell.due_at) / DAY))


@dataclass
class Tally:
    accepted: int = 0
    pending: int = 0
    overdue: int = 0
    due_soon: int = 0
    not_applicable: int = 0
    returned: int = 0
    late_done: int = 0  # submitted after the deadline
    total: int = 0

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    @property
    def rate(self) -> float | None:
        return self.accepted / self.applicable if self.applicable else None

    def add(self, category: Light, returned: bool, late: bool, cells: int = 1) -> None:
        self.total += cells
        if category is Light.ACCEPTED:
            self.accepted += cells
        elif category is Light.PENDING:
            self.pending += cells
        elif category is Light.OVERDUE:
            self.overdue += cells
        elif category is Light.DUE_SOON:
            self.due_soon += cells
        elif category is Light.NOT_APPLICABLE:
            self.not_applicable += cells
        if returned:
            self.returned += cells
        if late and category in (Light.ACCEPTED, Light.PENDING):
            self.late_done += cells


@dataclass
class Progress:
    """The matrix of one scope at one instant, rows in the plan's order."""

    units: list[UnitRow]
    materials: list[MaterialCol]
    now: datetime
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    category: dict[tuple[int, int], Light] = field(default_factory=dict)
    late: dict[tuple[int, int], int] = field(default_factory=dict)  # days late; absent: 0
    by_unit: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_material: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    depth: dict[int, int] = field(default_factory=dict)  # 1: indented under its parent city
    head: dict[int, int | None] = field(default_factory=dict)  # the city a unit is grouped under
    issuer: int | None = None  # the root unit, when on the board: it publishes the plan

    def totals(self) -> Tally:
        whole = Tally()
        for t in self.by_unit.values():
            whole.accepted += t.accepted
            whole.pending += t.pending
            whole.overdue += t.overdue
            whole.due_soon += t.due_soon
            whole.not_applicable += t.not_applicable
            whole.returned += t.returned
            whole.late_done += t.late_done
            whole.total += t.total
        return whole

    def due_so_far(self) -> tuple[int, int]:
        """(applicable materials whose deadline has passed, of which accepted)."""
        due = done = 0
        for key, cell in self.cells.items():
            category = self.category[key]
            if category is Light.NOT_APPLICABLE or cell.due_at is None or cell.due_at >= self.now:
                continue
            due += 1
            done += category is Light.ACCEPTED
        return due, done

    def praised(self, unit_id: int) -> bool:
        """红旗: something accepted, nothing overdue, nothing handed in late; never the issuer,
        which hands out the flags."""
        t = self.by_unit.get(unit_id)
        return (
            unit_id != self.issuer
            and t is not None
            and t.accepted > 0
            and t.overdue == 0
            and t.late_done == 0
        )

    def overdue_codes(self, unit_id: int) -> list[tuple[MaterialCol, int]]:
        """The unit's overdue materials with days overdue, in plan order."""
        found = []
        for m in self.materials:
            if self.category.get((unit_id, m.id)) is Light.OVERDUE:
                found.append((m, self.late.get((unit_id, m.id), 0)))
        return found


def build(
    units: list[UnitRow],
    materials: list[MaterialCol],
    cells: list[Cell],
    now: datetime,
    due_soon_days: int,
) -> Progress:
    """Categorise every cell, tally rows and columns, and put units in the plan's order."""
    unit_ids = {u.id for u in units}
    material_ids = {m.id for m in materials}
    progress = Progress(units=[], materials=materials, now=now)
    cell_of, category_of, late_of = progress.cells, progress.category, progress.late
    # A national matrix has 90,000 cells but a plan a handful of deadlines: a cell's light
    # depends only on its state and deadline, and an owed cell's days late on its deadline.
    lights: dict[tuple[AssignmentState, datetime | None], Light] = {}
    owed_late: dict[datetime | None, int] = {}
    # (unit or material, light, returned, late) → cells; the tallies are made from these.
    per_unit: dict[tuple[int, Light, bool, bool], int] = defaultdict(int)
    per_material: dict[tuple[int, Light, bool, bool], int] = defaultdict(int)
    returned_state, not_applicable = AssignmentState.RETURNED, AssignmentState.NOT_APPLICABLE
    for cell in cells:
        unit_id, material_id = cell.unit_id, cell.material_id
        if unit_id not in unit_ids or material_id not in material_ids:
            continue
        key = (unit_id, material_id)
        state, due_at = cell.state, cell.due_at
        category = lights.get((state, due_at))
        if category is None:
            category = lights[state, due_at] = categorize(cell, now, due_soon_days)
        if state in OUTSTANDING:
            late = owed_late.get(due_at)
            if late is None:
                late = owed_late[due_at] = days_late(cell, now)
        else:
            # days_late, inlined: run for every handed-in cell of a national matrix.
            sent = cell.submitted_at
            if sent is None or due_at is None or state is not_applicable or sent <= due_at:
                late = 0
            else:
                late = max(1, math.ceil((sent - due_at) / DAY))
        returned = state is returned_state
        cell_of[key] = cell
        category_of[key] = category
        if late:
            late_of[key] = late  # most cells are not late: at national scale a dict of 0s is 40 MB
        per_unit[unit_id, category, returned, late > 0] += 1
        per_material[material_id, category, returned, late > 0] += 1
    for counts, tallies in ((per_unit, progress.by_unit), (per_material, progress.by_material)):
        for (owner, category, returned, late_done), n in counts.items():
            tallies[owner].add(category, returned, late_done, n)
    assigned = [u for u in units if u.id in progress.by_unit]
    progress.units, progress.depth = board_order(assigned)
    by_id = {u.id: u for u in assigned}
    progress.head = {u.id: _group_head(u, by_id) for u in assigned}
    progress.issuer = next((u.id for u in assigned if u.parent_id is None), None)
    return progress


def _group_head(unit: UnitRow, by_id: dict[int, UnitRow]) -> int | None:
    """The city a unit belongs under on the board; None for the province and its departments."""
    if unit.kind is UnitKind.CITY:
        return unit.id
    if unit.kind is UnitKind.COUNTY:
        for candidate in (unit.parent_id, unit.region_id):
            head = by_id.get(candidate) if candidate is not None else None
            if head is not None and head.kind is UnitKind.CITY:
                return head.id
        return unit.id
    return None


def board_order(units: list[UnitRow]) -> tuple[list[UnitRow], dict[int, int]]:
    """The plan's official order (units.sort), as every listing, board, export and 通报 uses;
    a unit whose parent city is on the board too is indented under it."""
    ordered = sorted(units, key=lambda u: (u.sort, u.id))
    by_id = {u.id: u for u in ordered}
    depth = {}
    for unit in ordered:
        parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
        depth[unit.id] = 1 if parent is not None and parent.parent_id is not None else 0
    return ordered, depth
