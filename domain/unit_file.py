"""Unit files: the bureau's unit tree as YAML, CSV or XLSX rows, every problem found by row.

Columns (CSV/XLSX headers in English or Chinese; YAML keys likewise, `short` as in plan files):
code 代码 · name 名称 · short_name 简称 · kind 类型 · parent 上级 · region 所属地区 · sort 排序 ·
wecom_department 企业微信部门ID (its members who write to the WeCom app are bound as reporters).
`kind` is province, department (省局处室、总队), city or county, or a Chinese word for one;
`parent` and `region` are unit codes, in the file or already stored; `sort` is the official
order among units with the same parent (empty: the row's place in the file). A YAML file is a
list of units, or a mapping whose `units:` is one (a plan file's units section reads as is).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from domain.model import UnitKind
from domain.plan_model import PlanIssue, PlanUnit

if TYPE_CHECKING:
    from yaml.nodes import Node

COLUMNS = ("code", "name", "short_name", "kind", "parent", "region", "sort", "wecom_department")
REQUIRED = ("code", "name", "kind")
HEADERS: dict[str, str] = {
    "code": "code", "代码": "code", "单位代码": "code", "编码": "code",
    "name": "name", "名称": "name", "单位名称": "name", "全称": "name",
    "short_name": "short_name", "short": "short_name", "简称": "short_name",
    "kind": "kind", "类型": "kind", "类别": "kind", "单位类型": "kind",
    "parent": "parent", "上级": "parent", "上级单位": "parent", "上级代码": "parent",
    "region": "region", "所属地区": "region", "地区": "region", "所在市": "region",
    "sort": "sort", "排序": "sort", "序号": "sort", "顺序": "sort",
    "wecom_department": "wecom_department", "企业微信部门id": "wecom_department",
    "企业微信部门": "wecom_department",
}  # fmt: skip
KIND_WORDS: dict[str, UnitKind] = {
    **{kind.value: kind for kind in UnitKind},
    **dict.fromkeys(("省", "省局", "省厅", "省级"), UnitKind.PROVINCE),
    **dict.fromkeys(("处室", "总队", "部门", "省局处室", "内设机构"), UnitKind.DEPARTMENT),
    **dict.fromkeys(("市", "省辖市", "市局", "市级", "地市"), UnitKind.CITY),
    **dict.fromkeys(("县", "县级", "县局", "区", "县区", "县(市、区)"), UnitKind.COUNTY),
}  # looked up NFKC-normalized and lower-cased: 县(市、区) is also 县（市、区）
UNIT_CODE = re.compile(r"[a-z0-9_-]+")  # as in plan files
MAX_NAME = 100
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class UnitRow:
    """One unit as a file (or a command) gives it."""

    line: int  # the file's row or line, 1-based; 0 when it came from elsewhere
    code: str
    name: str
    short_name: str | None
    kind: UnitKind
    parent: str | None  # unit code; None for the root
    region: str | None  # unit code
    sort: int | None  # official order among its siblings; None: keep, or after the others
    wecom_department: int | None = None  # None: keep the stored link (or none)


@dataclass(frozen=True)
class KnownUnit:
    """A unit already in the store, as the checks need it."""

    code: str
    parent: str | None
    retired: bool


@dataclass(frozen=True)
class UnitFile:
    """What a unit file holds: its good rows, the problems of the others, and every code it
    writes (a bad row's too, so the tree checks do not call a reference to it unknown)."""

    rows: list[UnitRow]
    problems: list[PlanIssue]
    written: frozenset[str]


class UnitFileError(Exception):
    """A unit file, or its rows against the stored tree, has problems: nothing is stored."""

    def __init__(self, problems: list[PlanIssue]) -> None:
        super().__init__(problems)
        self.problems = problems


def parse_kind(word: str) -> UnitKind | None:
    return KIND_WORDS.get(_norm(word).lower())


def read_units(data: bytes, name: str) -> UnitFile:
    """The rows of a unit file by its extension (.yaml/.yml, .csv, .xlsx), every problem kept."""
    suffix = PurePath(name).suffix.lower()
    problems: list[PlanIssue] = []
    if suffix in (".yaml", ".yml"):
        raw = _yaml_rows(_text(data), problems)
    elif suffix == ".csv":
        raw = _csv_rows(_text(data), problems)
    elif suffix == ".xlsx":
        raw = _xlsx_rows(data, problems)
    else:
        problems.append(_issue(0, "format", name=PurePath(name).name))
        raw = []
    rows = _check_rows(raw, problems)
    written = frozenset(_norm(r.values["code"]) for r in raw if "code" in r.values)
    return UnitFile(rows, sorted(problems, key=lambda p: p.line), written)


def plan_rows(listed: list[PlanUnit], lines: Mapping[str, int]) -> list[UnitRow]:
    """A plan file's units as rows; their order among siblings is the bureau's, not the plan's
    (a unit new to the tree goes after the others, in the plan's order)."""
    return [
        UnitRow(
            line=lines.get(u.code, 0),
            code=u.code,
            name=u.name,
            short_name=u.short,
            kind=u.kind,
            parent=u.parent,
            region=u.region,
            sort=None,
        )
        for u in listed
    ]


def check_tree(
    rows: list[UnitRow],
    known: Iterable[KnownUnit],
    *,
    one_root: bool = True,
    written: Collection[str] = (),
) -> list[PlanIssue]:
    """What is wrong with the stored tree once `rows` are put in it (by code): references to
    no unit (`written`: codes of the file's bad rows, not unknown), new units under a retired
    one, cycles, and (with `one_root`) a second root."""
    stored = {k.code: k for k in known}
    parents = {code: k.parent for code, k in stored.items()}
    parents |= {row.code: row.parent for row in rows}
    problems: list[PlanIssue] = []
    for row in rows:
        if row.parent in written and row.parent not in parents:
            pass  # its row has problems of its own, already reported
        elif row.parent is not None and row.parent not in parents:
            problems.append(_issue(row.line, "unknown_parent", code=row.code, parent=row.parent))
        elif row.parent in stored and stored[row.parent].retired:
            old = stored.get(row.code)
            if old is None or old.parent != row.parent:
                problems.append(
                    _issue(row.line, "parent_retired", code=row.code, parent=row.parent)
                )
        if row.region is not None and row.region not in parents and row.region not in written:
            problems.append(_issue(row.line, "unknown_region", code=row.code, region=row.region))
    problems += _cycles(rows, parents)
    if one_root:
        problems += _roots(rows, parents, stored)
    return sorted(problems, key=lambda p: p.line)


def _cycles(rows: list[UnitRow], parents: Mapping[str, str | None]) -> list[PlanIssue]:
    problems = []
    done: set[str] = set()
    for row in rows:
        path: list[str] = []
        code: str | None = row.code
        while code is not None and code in parents and code not in done and code not in path:
            path.append(code)
            code = parents[code]
        if code is not None and code in path:
            cycle = path[path.index(code) :]
            problems.append(_issue(row.line, "cycle", cycle=" → ".join([*cycle, cycle[0]])))
            done.update(cycle)
        done.update(path)
    return problems


def _roots(
    rows: list[UnitRow], parents: Mapping[str, str | None], stored: Mapping[str, KnownUnit]
) -> list[PlanIssue]:
    roots = [code for code, parent in parents.items() if parent is None]
    if len(roots) < 2:
        return []
    kept = next((code for code in roots if code in stored and stored[code].parent is None), None)
    first = kept or roots[0]
    return [
        _issue(row.line, "many_roots", code=row.code, root=first)
        for row in rows
        if row.parent is None and row.code != first
    ]


@dataclass(frozen=True)
class _Raw:
    line: int
    values: dict[str, str]  # column → text as written (stripped), empty cells left out


def _check_rows(raws: list[_Raw], problems: list[PlanIssue]) -> list[UnitRow]:
    if not raws and not problems:
        problems.append(_issue(0, "empty"))
    rows: list[UnitRow] = []
    first: dict[str, int] = {}
    for place, raw in enumerate(raws, 1):
        row = _row(raw, place, problems)
        if row is None:
            continue
        if row.code in first:
            problems.append(
                _issue(raw.line, "duplicate", code=row.code, first_line=first[row.code])
            )
            continue
        first[row.code] = raw.line
        rows.append(row)
    return rows


def _row(raw: _Raw, place: int, problems: list[PlanIssue]) -> UnitRow | None:
    values, line = raw.values, raw.line
    before = len(problems)
    for column in REQUIRED:
        if column not in values:
            problems.append(_issue(line, f"missing_{column}"))
    code = _norm(values["code"]) if "code" in values else None
    if code is not None and not UNIT_CODE.fullmatch(code):
        problems.append(_issue(line, "bad_code", value=code[:40]))
    name = values.get("name")
    if name is not None and len(name) > MAX_NAME:
        problems.append(_issue(line, "long_name", limit=MAX_NAME))
    kind = parse_kind(values["kind"]) if "kind" in values else None
    if "kind" in values and kind is None:
        allowed = ", ".join(k.value for k in UnitKind)
        problems.append(_issue(line, "bad_kind", value=values["kind"][:20], allowed=allowed))
    sort = place
    if "sort" in values:
        try:
            sort = int(float(values["sort"]))
        except ValueError:
            problems.append(_issue(line, "bad_sort", value=values["sort"][:20]))
    department = _department(values.get("wecom_department"), line, problems)
    if len(problems) > before or code is None or name is None or kind is None:
        return None
    return UnitRow(
        line=line,
        code=code,
        name=name,
        short_name=values.get("short_name"),
        kind=kind,
        parent=values.get("parent"),
        region=values.get("region"),
        sort=sort,
        wecom_department=department,
    )


def _department(value: str | None, line: int, problems: list[PlanIssue]) -> int | None:
    """A WeCom department id: a positive whole number (32-bit, as WeCom gives them)."""
    if value is None:
        return None
    text = value[:-2] if value.endswith(".0") else value
    if not text.isdigit() or not 0 < int(text) < 2**32:
        problems.append(_issue(line, "bad_wecom_department", value=value[:20]))
        return None
    return int(text)


def check_departments(rows: list[UnitRow], linked: Mapping[int, str]) -> list[PlanIssue]:
    """WeCom departments named twice in the file, or already linked (`linked`: department →
    unit code) to a unit the file does not move to another department."""
    problems: list[PlanIssue] = []
    first: dict[int, UnitRow] = {}
    relinked = {row.code for row in rows if row.wecom_department is not None}
    for row in rows:
        department = row.wecom_department
        if department is None:
            continue
        if department in first:
            code = first[department].code
            problems.append(
                _issue(row.line, "duplicate_wecom_department", department=department, code=code)
            )
            continue
        first[department] = row
        owner = linked.get(department)
        if owner is not None and owner != row.code and owner not in relinked:
            problems.append(
                _issue(row.line, "wecom_department_taken", department=department, code=owner)
            )
    return problems


def _columns(header: list[str], line: int, problems: list[PlanIssue]) -> list[str | None]:
    """The column each header cell names (None for an empty one), problems recorded."""
    columns: list[str | None] = []
    for cell in header:
        wanted = _norm(cell)
        column = HEADERS.get(wanted.lower()) if wanted else None
        if wanted and column is None:
            allowed = ", ".join(COLUMNS)
            problems.append(_issue(line, "unknown_column", column=wanted[:30], allowed=allowed))
        elif column is not None and column in columns:
            problems.append(_issue(line, "duplicate_column", column=wanted[:30]))
            column = None
        columns.append(column)
    for column in REQUIRED:
        if column not in columns:
            problems.append(_issue(line, "missing_column", column=column))
    return columns


def _table_rows(table: Iterable[tuple[int, list[str]]], problems: list[PlanIssue]) -> list[_Raw]:
    """Rows of a header line and the lines under it; blank lines skipped."""
    columns: list[str | None] | None = None
    raws = []
    for line, cells in table:
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _columns(cells, line, problems)
            continue
        values = {
            column: cell.strip()
            for column, cell in zip(columns, cells, strict=False)
            if column is not None and cell.strip()
        }
        raws.append(_Raw(line, values))
    return raws


def _csv_rows(text: str, problems: list[PlanIssue]) -> list[_Raw]:
    reader = csv.reader(io.StringIO(text, newline=""))

    def lines() -> Iterable[tuple[int, list[str]]]:
        start = 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as e:
            problems.append(_issue(reader.line_num, "syntax", problem=str(e)))

    return _table_rows(lines(), problems)


def _xlsx_rows(data: bytes, problems: list[PlanIssue]) -> list[_Raw]:
    from openpyxl import load_workbook  # only an XLSX file needs it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        problems.append(_issue(0, "unreadable", reason=str(e)[:200] or type(e).__name__))
        return []
    try:
        sheet = book.worksheets[0]
        table = [
            (number, [_cell(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
    finally:
        book.close()
    return _table_rows(table, problems)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code or order typed as a number: 410100, not 410100.0
    return str(value)


def _yaml_rows(text: str, problems: list[PlanIssue]) -> list[_Raw]:
    import yaml  # here: the store imports this module at every start, YAML is rarely read
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problems.append(_issue(mark.line + 1 if mark else 0, "syntax", problem=e.problem or str(e)))
        return []
    except (yaml.YAMLError, RecursionError) as e:
        problems.append(_issue(0, "syntax", problem=str(e)[:200]))
        return []
    if isinstance(root, MappingNode):
        found = [v for k, v in root.value if isinstance(k, ScalarNode) and k.value == "units"]
        root = found[0] if found else root
    if not isinstance(root, SequenceNode):
        problems.append(_issue(_line(root), "not_list"))
        return []
    return [raw for node in root.value if (raw := _yaml_row(node, problems)) is not None]


def _yaml_row(node: Node, problems: list[PlanIssue]) -> _Raw | None:
    from yaml.nodes import MappingNode, ScalarNode

    line = _line(node)
    if not isinstance(node, MappingNode):
        problems.append(_issue(line, "not_mapping"))
        return None
    values: dict[str, str] = {}
    for key, value in node.value:
        name = _norm(key.value) if isinstance(key, ScalarNode) else ""
        column = HEADERS.get(name.lower())
        if column is None:
            allowed = ", ".join(COLUMNS)
            problems.append(_issue(_line(key), "unknown_column", column=name[:30], allowed=allowed))
        elif column in values:
            problems.append(_issue(_line(key), "duplicate_column", column=name[:30]))
        elif not isinstance(value, ScalarNode):
            problems.append(_issue(_line(value), "not_text", column=name[:30]))
        elif value.tag != _NULL_TAG and value.value.strip():
            values[column] = value.value.strip()
    return _Raw(line, values)


def _line(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def _text(data: bytes) -> str:
    """UTF-8 (with or without BOM); else GB18030, as Excel in China saves CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def _issue(line: int, problem: str, /, **params: object) -> PlanIssue:
    strings = {name: str(value) for name, value in params.items()}
    return PlanIssue(line=line, key=f"unitfile.{problem}", params=strings)
