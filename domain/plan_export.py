"""A stored plan written back as the YAML plan file an admin edits and re-imports.

The series of a recurring material (`3.1/06` … `3.1/12`) becomes its one material again with
its original expression (`每月5日前`), so that re-importing expands it into the same periods.
Codes are not written: the importer numbers materials by their order, which is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

import yaml

from domain.model import UnitKind
from domain.periods import series_of

_KIND_ORDER = [kind.value for kind in UnitKind]


class StoredPlan(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def short(self) -> str | None: ...
    @property
    def year(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def document(self) -> str | None: ...
    @property
    def issued_on(self) -> date | None: ...
    @property
    def notes(self) -> list[str]: ...
    @property
    def reminders(self) -> dict[str, Any]: ...
    @property
    def assessment(self) -> dict[str, Any]: ...


class StoredItem(Protocol):
    @property
    def no(self) -> int: ...
    @property
    def title(self) -> str: ...


class StoredMaterial(Protocol):
    @property
    def item_no(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def deadline_expr(self) -> str: ...
    @property
    def targets(self) -> dict[str, int]: ...
    @property
    def target_unit(self) -> str | None: ...
    @property
    def applies_to(self) -> list[str]: ...
    @property
    def text_only(self) -> bool: ...
    @property
    def moved_from(self) -> date | None: ...


def plan_yaml(
    plan: StoredPlan,
    items: Sequence[StoredItem],
    materials: Sequence[StoredMaterial],
    addressed_units: Sequence[str] = (),
) -> str:
    """The plan file of a stored plan: header, then items with their materials in order."""
    return dump(plan_document(plan, items, materials, addressed_units))


def dump(document: dict[str, Any]) -> str:
    """YAML with Chinese as it is written, keys in the plan file's order."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def plan_document(
    plan: StoredPlan,
    items: Sequence[StoredItem],
    materials: Sequence[StoredMaterial],
    addressed_units: Sequence[str] = (),
) -> dict[str, Any]:
    """The plan file's content as `yaml.safe_dump` takes it; `addressed_units` (codes) when
    the plan was addressed to some units only, not every unit of its kinds."""
    kinds = [_kinds(m.applies_to) for m in materials]
    default = Counter(kinds).most_common(1)[0][0] if kinds else ()
    header: dict[str, Any] = {"code": plan.code}
    if plan.short:
        header["short"] = plan.short
    header.update(year=plan.year, title=plan.title)
    if plan.document:
        header["document"] = plan.document
    if plan.issued_on:
        header["issued"] = plan.issued_on
    if default:
        header["applies_to"] = list(default)
    if addressed_units:
        header["addressed_units"] = list(addressed_units)
    for key in ("notes", "reminders", "assessment"):
        if getattr(plan, key):
            header[key] = getattr(plan, key)
    # Not stored as such: a due date moved off a holiday says the rule was on.
    if any(m.moved_from is not None for m in materials):
        header["deadline_on_holiday"] = "next_workday"
    by_item: dict[int, list[dict[str, Any]]] = {item.no: [] for item in items}
    seen: set[tuple[int, str]] = set()
    for material in sorted(materials, key=lambda m: (m.item_no, m.seq)):
        base, period = series_of(material.code)
        if (material.item_no, base) in seen:
            continue  # a later period of a series already written
        seen.add((material.item_no, base))
        by_item.setdefault(material.item_no, []).append(_material(material, period, default))
    titles = {item.no: item.title for item in items}
    return {
        "plan": header,
        "items": [
            {"no": no, "title": titles.get(no, ""), "materials": written}
            for no, written in sorted(by_item.items())
            if written
        ],
    }


def _material(
    material: StoredMaterial, period: str | None, default: tuple[str, ...]
) -> dict[str, Any]:
    title = material.title
    if period is not None and title.endswith("）"):  # "…（2016年6月）" added by the expansion
        title = title.rpartition("（")[0]
    out: dict[str, Any] = {"title": title, "deadline": material.deadline_expr}
    if material.targets:
        out["target"] = dict(sorted(material.targets.items(), key=lambda kv: _rank(kv[0])))
    if material.target_unit:
        out["target_unit"] = material.target_unit
    kinds = _kinds(material.applies_to)
    if kinds != default:
        out["applies_to"] = list(kinds)
    if material.text_only:
        out["text_only"] = True
    return out


def _kinds(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values), key=_rank))


def _rank(kind: str) -> int:
    return _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)
