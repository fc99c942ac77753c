"""A scope cut into regions, one workbook each, for a chat that cannot take the whole one."""

from __future__ import annotations

from collections.abc import Callable

from handlers.insight_data import Scope
from storage.models import Unit


def regions(
    units: list[Unit],
    scope: Scope,
    most: int,
    own: Callable[[Unit, bool], str],
    several: Callable[[list[Unit]], str],
) -> list[Scope]:
    """The parts of `scope`, together all of it and none overlapping: each child of its top
    unit with units of its own under it (a city with its counties); first, the top unit
    itself with the children that have none (a province's own directly managed units; each
    such child its own part when no child has units under it). At most `most` parts:
    neighbours in the official order share one past that. `own(top, with_children)` labels
    the first part, `several(children)` a shared one. Fewer than two parts: nothing to cut."""
    inside = [u for u in units if u.path.startswith(scope.path)]
    if scope.path == "/":
        roots = [u for u in inside if u.parent_id is None]
        top = roots[0] if len(roots) == 1 else None
    else:
        top = next((u for u in inside if u.path == scope.path), None)
    if top is None:
        return []
    children = [u for u in inside if u.parent_id == top.id]
    parents = {u.parent_id for u in inside}
    big = [c for c in children if c.id in parents]
    if not big:
        big = children  # all leaves (a city's counties): one part each
    if not big:
        return []
    kept = len(children) > len(big)
    first = Scope(scope.path, own(top, kept), top.id, without=tuple(c.path for c in big))
    per = -(-len(big) // max(1, most - 1))
    groups = [big[k : k + per] for k in range(0, len(big), per)]
    parts = [first, *(_part(group, several) for group in groups)]
    return parts if len(parts) > 1 else []


def _part(group: list[Unit], several: Callable[[list[Unit]], str]) -> Scope:
    head = group[0]
    if len(group) == 1:
        return Scope(head.path, head.label, head.id)
    more = tuple(u.path for u in group[1:])
    return Scope(head.path, several(group), head.id, more=more)
