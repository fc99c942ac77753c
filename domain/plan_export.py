"""A stored plan written back as the YAML plan file an admin edits and re-imports.

The series of a recurring material (`3.1/06` … `3.1/12`) becomes its one material again with
its original expression (`每月5日前`), so that re-importing expands it into the same periods.
Codes are not written: the importer numbers materials by their order, which is kept.
What all materials of an item share (deadline, applies_to; requirement and templates when it
has several) is written once on the item, as a person writes it. Templates are written as the
paths the plan file gave; the files themselves are the caller's to write beside it. The plan's `deadline_on_holiday` and the holiday schedules its file carried
come back too, so that import → export → import gives the same plan.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import yaml

from domain.holiday_calendar import HOLIDAY, WORKDAY, HolidayDay
from domain.holiday_file import LONGEST_RANGE
from domain.holiday_rule import KEEP
from domain.model import UnitKind
from domain.periods import series_of

_KIND_ORDER = [kind.value for kind in UnitKind]
# A make-up working day without a name beside named ones: a schedule names all or none.
_WORKDAY_NAME = "调休上班"
_HOLIDAY_NAME = "放假"  # a day off always has a name when imported; never written empty


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
    @property
    def deadline_on_holiday(self) -> str: ...


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
    @property
    def requirement(self) -> str | None: ...


def plan_yaml(
    plan: StoredPlan,
    items: Sequence[StoredItem],
    materials: Sequence[StoredMaterial],
    addressed_units: Sequence[str] = (),
    holidays: Sequence[HolidayDay] = (),
    templates: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The plan file of a stored plan: header, its holiday schedules, then items with their
    materials in order."""
    return dump(plan_document(plan, items, materials, addressed_units, holidays, templates))


def dump(document: dict[str, Any]) -> str:
    """YAML with Chinese as it is written, keys in the plan file's order, short lists of
    plain values on one line (`applies_to: [city, county]`) as the sample writes them."""
    text = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    lines: list[str] = []
    for line in str(text).splitlines():
        section = lines and line[:1] not in (" ", "-", "")  # holidays:, items:
        item = line.startswith("- 'no': ") and lines[-1] != "items:"
        if section or item:
            lines.append("")  # a blank line between sections and between items
        lines.append(line)
    return "\n".join(lines) + "\n"


class _Dumper(yaml.SafeDumper):
    pass


_FLOW_CHARS = 60  # a list of plain values longer than this stays one value a line
_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")  # kinds, unit codes: text such as notes stays a list


def _list(dumper: yaml.SafeDumper, values: list[Any]) -> yaml.Node:
    plain = all(
        isinstance(v, (int, date)) or (isinstance(v, str) and _TOKEN.fullmatch(v)) for v in values
    )
    short = sum(len(str(v)) + 2 for v in values) <= _FLOW_CHARS
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", values, flow_style=bool(values) and plain and short
    )


class _Inline(dict[str, int]):
    """A small mapping written on one line: `target: {city: 30, county: 50}`."""


def _inline(dumper: yaml.SafeDumper, values: _Inline) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", values.items(), flow_style=True)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """Several lines (a requirement) as a block, as a person writes them."""
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(_Inline, _inline)


def plan_document(
    plan: StoredPlan,
    items: Sequence[StoredItem],
    materials: Sequence[StoredMaterial],
    addressed_units: Sequence[str] = (),
    holidays: Sequence[HolidayDay] = (),
    templates: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The plan file's content, for `dump` (plain `yaml.safe_dump` cannot write its one-line
    targets); `addressed_units` (codes) when the plan was addressed to some units only, not
    every unit of its kinds; `holidays` the stored days of the schedules its file carried;
    `templates` the paths of each material's forms, by material code."""
    written = _collapsed(materials, templates or {})
    default = _default_kinds(written)
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
    if plan.deadline_on_holiday != KEEP:
        header["deadline_on_holiday"] = plan.deadline_on_holiday
    document: dict[str, Any] = {"plan": header}
    if holidays:
        document["holidays"] = schedules(holidays)
    by_item: dict[int, list[_Written]] = {item.no: [] for item in items}
    for material in written:
        by_item.setdefault(material.item_no, []).append(material)
    titles = {item.no: item.title for item in items}
    document["items"] = [
        _item(no, titles.get(no, ""), found, default)
        for no, found in sorted(by_item.items())
        if found
    ]
    return document


@dataclass(frozen=True)
class _Written:
    """A material as its plan file says it: a recurring series is one of these."""

    item_no: int
    title: str
    deadline: str
    kinds: tuple[str, ...]
    targets: dict[str, int]
    target_unit: str | None
    text_only: bool
    requirement: str | None = None
    templates: tuple[str, ...] = ()


def _default_kinds(materials: list[_Written]) -> tuple[str, ...]:
    """The plan's `applies_to`: the kinds most materials have; on a tie, those without the
    issuing province, which owes only where a plan says so (domain.plan_model.BELOW_ISSUER)."""
    counts = Counter(m.kinds for m in materials)
    if not counts:
        return ()
    return max(counts, key=lambda kinds: (counts[kinds], UnitKind.PROVINCE.value not in kinds))


def _collapsed(
    materials: Sequence[StoredMaterial], templates: Mapping[str, Sequence[str]]
) -> list[_Written]:
    found: list[_Written] = []
    seen: set[tuple[int, str]] = set()
    for material in sorted(materials, key=lambda m: (m.item_no, m.seq)):
        base, period = series_of(material.code)
        if (material.item_no, base) in seen:
            continue  # a later period of a series already written
        seen.add((material.item_no, base))
        title = material.title
        if period is not None and title.endswith("）"):  # "…（2016年6月）" added by the expansion
            title = title.rpartition("（")[0]
        targets = dict(sorted(material.targets.items(), key=lambda kv: _rank(kv[0])))
        found.append(
            _Written(
                item_no=material.item_no,
                title=title,
                deadline=material.deadline_expr,
                kinds=_kinds(material.applies_to),
                targets=targets,
                target_unit=material.target_unit,
                text_only=material.text_only,
                requirement=material.requirement,
                templates=tuple(templates.get(material.code, ())),
            )
        )
    return found


def _item(
    no: int, title: str, materials: list[_Written], default: tuple[str, ...]
) -> dict[str, Any]:
    """An item as a person writes it: what all its materials share is said once, on the item."""
    out: dict[str, Any] = {"no": no, "title": title}
    deadlines = {m.deadline for m in materials}
    shared = deadlines.pop() if len(deadlines) == 1 else None
    if shared is not None:
        out["deadline"] = shared
    kinds = {m.kinds for m in materials}
    own = kinds.pop() if len(kinds) == 1 else default
    if own != default:
        out["applies_to"] = list(own)
    needs = {(m.requirement, m.templates) for m in materials}
    common = needs.pop() if len(materials) > 1 and len(needs) == 1 else (None, ())
    if common[0]:
        out["requirement"] = common[0]
    if common[1]:
        out["templates"] = list(common[1])
    out["materials"] = [_material(m, shared, own, common) for m in materials]
    return out


def _material(
    material: _Written,
    shared: str | None,
    kinds: tuple[str, ...],
    common: tuple[str | None, tuple[str, ...]] = (None, ()),
) -> dict[str, Any]:
    out: dict[str, Any] = {"title": material.title}
    if shared is None:
        out["deadline"] = material.deadline
    if material.kinds != kinds:
        out["applies_to"] = list(material.kinds)
    if material.targets:
        out["target"] = _Inline(material.targets)
    if material.target_unit:
        out["target_unit"] = material.target_unit
    if material.text_only:
        out["text_only"] = True
    if material.requirement and not common[0]:
        out["requirement"] = material.requirement
    if material.templates and not common[1]:
        out["templates"] = list(material.templates)
    return out


def schedules(days: Sequence[HolidayDay]) -> dict[str, Any] | list[dict[str, Any]]:
    """Stored holiday days as the `holidays:` of a plan file (domain.holiday_file): one
    mapping per schedule year, each holiday's days as ranges (`2030-05-01..2030-05-05`)."""
    years = sorted({day.year for day in days})
    written = [_schedule(year, [d for d in days if d.year == year]) for year in years]
    return written[0] if len(written) == 1 else written


def _schedule(year: int, days: list[HolidayDay]) -> dict[str, Any]:
    out: dict[str, Any] = {"year": year}
    off = [d for d in days if d.kind == HOLIDAY]
    worked = [d for d in days if d.kind == WORKDAY]
    if off:
        out["holidays"] = _named(off, _HOLIDAY_NAME)
    if worked:
        if any(d.name for d in worked):
            out["workdays"] = _named(worked, _WORKDAY_NAME)
        else:
            out["workdays"] = _dates(sorted(d.day for d in worked))
    return out


def _named(days: list[HolidayDay], unnamed: str) -> dict[str, Any]:
    """name → its days, names in the order of their first day."""
    by_name: dict[str, list[date]] = {}
    for day in sorted(days):
        by_name.setdefault(day.name or unnamed, []).append(day.day)
    out: dict[str, Any] = {}
    for name, found in by_name.items():
        dates = _dates(found)
        out[name] = dates[0] if len(dates) == 1 else dates
    return out


def _dates(days: list[date]) -> list[date | str]:
    """Runs of consecutive days: a day alone as itself, a longer run as `first..last`."""
    runs: list[list[date]] = []
    for day in days:
        last = runs[-1] if runs else None
        if last and (day - last[-1]).days == 1 and len(last) < LONGEST_RANGE:
            last.append(day)
        else:
            runs.append([day])
    return [r[0] if len(r) == 1 else f"{r[0].isoformat()}..{r[-1].isoformat()}" for r in runs]


def _kinds(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values), key=_rank))


def _rank(kind: str) -> int:
    return _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)
