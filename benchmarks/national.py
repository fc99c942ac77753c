"""The national-scale plans the benchmarks share: a root, 10 regions of ~300 counties each; one
plan, or several open at once, one of them with a monthly report (每月5日前: 12 period materials)."""

from __future__ import annotations

import random

from domain.deadlines import parse_deadline
from domain.model import UnitKind
from domain.periods import expand
from domain.plan_file import PlanFile, PlanItem, PlanMaterial, PlanUnit

DEADLINES = ["5月底", "6月上旬", "6月底", "7月底", "8月底", "9月底", "10月底", "年底", "按要求报送"]
REGIONS = 10
# Several plans open at once: (short, title). The national plan comes first, as it always has.
PLANS = [
    ("fw", "2016年度全国推进服务型行政执法建设工作方案(基准)"),
    ("zx", "2016年全国执法领域突出问题专项整治工作方案(基准)"),
    ("aq", "2016年全国安全生产执法检查工作方案(基准)"),
    ("hb", "2016年全国环境保护督察整改工作方案(基准)"),
    ("yb", "2016年全国执法统计月报工作方案(基准)"),
]
MONTHLY = "每月5日前"


def _unit(code: str, name: str, kind: UnitKind, parent: str | None) -> PlanUnit:
    return PlanUnit(code=code, name=name, short=None, kind=kind, parent=parent, region=None)


def national_plan(
    n_units: int,
    n_materials: int,
    rng: random.Random,
    *,
    code: str = "national",
    short: str | None = None,
    title: str = PLANS[0][1],
    monthly: bool = False,
) -> PlanFile:
    """`monthly`: the last item is one material due 每月5日前 in place of three, so the plan
    holds n_materials - 3 + 12 materials."""
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
    for i in range(n_materials // 3 - (1 if monthly else 0)):
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
    if monthly:
        no = len(items) + 1
        report = PlanMaterial(
            code=f"{no}",
            item_no=no,
            seq=1,
            title="执法统计月报",
            deadline=parse_deadline(MONTHLY, 2016),
            applies_to=kinds,
        )
        items.append(
            PlanItem(no=no, title="按月报送执法统计", applies_to=kinds, materials=[report])
        )
    plan = PlanFile(
        code=code,
        short=short,
        year=2016,
        title=title,
        document=None,
        issued=None,
        notes=[],
        reminders={},
        assessment={},
        units=units,
        items=items,
    )
    return expand(plan)  # the monthly material becomes one material per month: 10/01 … 10/12


def national_plans(
    n_plans: int, n_units: int, n_materials: int, rng: random.Random, *, monthly: bool = False
) -> list[PlanFile]:
    """`n_plans` plans over the same units, distinct codes and prefixes (`fw`, `zx` …); with
    `monthly` the last one carries the monthly report."""
    if not 1 <= n_plans <= len(PLANS):
        raise ValueError(f"1 to {len(PLANS)} plans")
    return [
        national_plan(
            n_units,
            n_materials,
            rng,
            code="national" if n == 0 else f"national-{short}",
            short=short,
            title=title,
            monthly=monthly and n == n_plans - 1,
        )
        for n, (short, title) in enumerate(PLANS[:n_plans])
    ]
