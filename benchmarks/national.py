"""The national-scale plan the benchmarks share: a root, 10 regions of ~300 counties each."""

from __future__ import annotations

import random

from domain.deadlines import parse_deadline
from domain.model import UnitKind
from domain.plan_file import PlanFile, PlanItem, PlanMaterial, PlanUnit

DEADLINES = ["5月底", "6月上旬", "6月底", "7月底", "8月底", "9月底", "10月底", "年底", "按要求报送"]
REGIONS = 10


def _unit(code: str, name: str, kind: UnitKind, parent: str | None) -> PlanUnit:
    return PlanUnit(code=code, name=name, short=None, kind=kind, parent=parent, region=None)


def national_plan(n_units: int, n_materials: int, rng: random.Random) -> PlanFile:
    units = [_unit("root", "全国总局", UnitKind.PROVINCE, None)]
    for r in range(REGIONS):
        units.append(_unit(f"r{r}", f"第{r + 1}片区局", UnitKind.CITY, "root"))
    per_region = -(-(n_units - 1 - REGIONS) // REGIONS)  # rounded up: at least n_units
    for r in range(REGIONS):
        for c in range(per_region):
            name = f"第{r + 1}片区第{c + 1}县局"
            units.append(_unit(f"r{r}c{c}", name, UnitKind.COUNTY, f"r{r}"))
    kinds = frozenset(UnitKind)
    items = []
    for i in range(n_materials // 3):
        materials = [
            PlanMaterial(
                code=f"{i + 1}.{s + 1}",
                item_no=i + 1,
                seq=s + 1,
                title=f"第{i + 1}项工作的第{s + 1}项材料",
                deadline=parse_deadline(rng.choice(DEADLINES), 2016),
                targets={UnitKind.COUNTY: 50, UnitKind.CITY: 30} if s == 2 else {},
                target_unit="例" if s == 2 else None,
                applies_to=kinds,
            )
            for s in range(3)
        ]
        items.append(
            PlanItem(no=i + 1, title=f"第{i + 1}项工作", applies_to=kinds, materials=materials)
        )
    return PlanFile(
        code="national",
        year=2016,
        title="2016年度全国推进服务型行政执法建设工作方案(基准)",
        document=None,
        issued=None,
        notes=[],
        reminders={},
        assessment={},
        units=units,
        items=items,
    )
