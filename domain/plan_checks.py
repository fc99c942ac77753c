"""Plan file checks: walk the composed YAML and collect every problem with its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any, NamedTuple

import yaml
from pydantic import ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.deadlines import Deadline, parse_deadline
from domain.holiday_file import ScheduleReader
from domain.holiday_rule import KEEP, RULES
from domain.model import UnitKind
from domain.plan_model import (
    BELOW_ISSUER,
    PlanFile,
    PlanFileError,
    PlanIssue,
    PlanItem,
    PlanMaterial,
    PlanTemplate,
    PlanUnit,
)
from domain.text import clip

_PLAN_CODE = re.compile(r"[a-z0-9-]+")
# A code prefix (`fw` in `fw-2.1`): letters first, so it never reads as an item number.
_PLAN_SHORT = re.compile(r"[a-z][a-z0-9]{0,7}")
_UNIT_CODE = re.compile(r"[a-z0-9_-]+")
_EXPLICIT_YEAR = re.compile(r"(?<!\d)\d{4}(?=\s*年|\s*[-/.]\s*\d)")
# The year of a 文号 sits in brackets: 豫安监管﹝2016﹞41号, 〔2016〕, [2016].
_DOCUMENT_YEAR = re.compile(r"([﹝〔\[［【(（]\s*)(\d{4})(\s*[﹞〕\]］】)）])")
_NULL_TAG = "tag:yaml.org,2002:null"
_Day = date  # the name `date` is taken by Checker.date inside the class
_KINDS = tuple(kind.value for kind in UnitKind)
_YEARS = range(2000, 2101)
# Leap year, so 2月29日 is not flagged while the plan's own year is unreadable.
_FALLBACK_YEAR = 2000

_TOP_KEYS = ("plan", "units", "items", "holidays")
_TOP_REQUIRED = ("plan", "items")  # without `units` a plan addresses the bureau's stored tree
_PLAN_KEYS = (
    "code",
    "short",
    "year",
    "title",
    "document",
    "issued",
    "applies_to",
    "addressed_units",
    "notes",
    "reminders",
    "assessment",
    "deadline_on_holiday",
)
_UNIT_KEYS = ("code", "name", "short", "kind", "parent", "region")
_ITEM_KEYS = ("no", "title", "applies_to", "deadline", "requirement", "templates", "materials")
_MATERIAL_KEYS = (
    "title", "deadline", "target", "target_unit", "applies_to", "text_only", "requirement",
    "templates",
)  # fmt: skip
REQUIREMENT_CHARS = 500  # a paragraph of 报送要求; a phone shows its first line in reminders
MAX_TEMPLATES = 5  # blank forms of one material


def _shift_years(expr: str, delta: int) -> str:
    """Move explicit years (2016年5月31日, 2016-05-31) along with a re-based plan."""
    if not delta:
        return expr
    return _EXPLICIT_YEAR.sub(lambda m: str(int(m[0]) + delta), expr)


def _rebase_document(document: str, delta: int) -> str:
    return _DOCUMENT_YEAR.sub(lambda m: f"{m[1]}{int(m[2]) + delta}{m[3]}", document)


def _shift_date(day: date, delta: int) -> date:
    try:
        return day.replace(year=day.year + delta)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + delta, day=28)


def _line(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 0


def _raw(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return clip(node.value, 40)
    return "[…]" if isinstance(node, SequenceNode) else "{…}"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL_TAG


_INVALID = object()


def _construct(node: Node, *, deep: bool = False) -> Any:
    """Build the Python value of a node, or _INVALID when YAML cannot (e.g. 2016-13-45)."""
    try:
        return SafeConstructor().construct_object(node, deep=deep)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        return _INVALID


@dataclass
class _Header:
    code: str | None = None
    short: str | None = None
    year: int | None = None
    title: str | None = None
    document: str | None = None
    issued: date | None = None
    applies_to: frozenset[UnitKind] = BELOW_ISSUER  # whom the plan is addressed to
    addressed_units: dict[str, int] = field(default_factory=dict)  # only these units (code → line)
    notes: list[str] = field(default_factory=list)
    reminders: dict[str, Any] = field(default_factory=dict)
    assessment: dict[str, Any] = field(default_factory=dict)
    deadline_on_holiday: str = KEEP
    fields: dict[str, Node] = field(default_factory=dict)


@dataclass(frozen=True)
class Overrides:
    """What the operator gives on the command line instead of the file's header."""

    year: int | None = None
    document: str | None = None
    issued: str | None = None  # checked here, so a bad date is reported like the file's


@dataclass
class _UnitDraft:
    node: Node
    fields: dict[str, Node]
    code: str  # as written, even if malformed, so references to it do not cascade
    parent: str | None
    region: str | None
    unit: PlanUnit | None  # None when the unit itself has problems


class _ItemContext(NamedTuple):
    no: int | None
    size: int  # number of materials
    applies_to: frozenset[UnitKind]
    deadline: Deadline | None
    has_deadline: bool  # even an unreadable one: it is reported once, on the item
    year: int
    delta: int
    requirement: str | None = None  # the default of its materials
    templates: tuple[PlanTemplate, ...] = ()


class Checker:
    """Walks the composed YAML, collecting every issue instead of stopping at the first."""

    def __init__(self) -> None:
        self.issues: list[PlanIssue] = []
        self.notices: list[PlanIssue] = []
        self.issued: date | None = None  # deadlines before it are refused or noted
        self.addressed: frozenset[UnitKind] = BELOW_ISSUER  # the plan's default applies_to
        self.unit_lines: dict[str, int] = {}  # the line of each unit of the file, by code

    def add(self, node: Node | None, error: str, /, **params: object) -> None:
        strings = {name: str(value) for name, value in params.items()}
        self.issues.append(PlanIssue(line=_line(node), key=f"plan.error.{error}", params=strings))

    def note(self, node: Node | None, notice: str, /, **params: object) -> None:
        strings = {name: str(value) for name, value in params.items()}
        self.notices.append(
            PlanIssue(line=_line(node), key=f"plan.notice.{notice}", params=strings)
        )

    def compose(self, text: str) -> Node | None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark else 0
            self.issues.append(_syntax_issue(line, e.problem or e.context or str(e)))
        except yaml.reader.ReaderError as e:
            line = text.count("\n", 0, max(e.position, 0)) + 1
            self.issues.append(_syntax_issue(line, f"character U+{e.character:04X} is not allowed"))
        except yaml.YAMLError as e:
            self.issues.append(_syntax_issue(0, str(e)))
        except RecursionError:
            self.issues.append(_syntax_issue(0, "nested too deeply"))
        else:
            if root is None or _is_null(root):
                self.add(None, "empty")
                return None
            return root
        return None

    # --- typed accessors: each returns None (after recording an issue) when unusable

    def mapping(
        self, node: Node | None, name: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Node] | None:
        if node is None:
            return None
        if not isinstance(node, MappingNode):
            self.add(node, "not_mapping", field=name)
            return None
        found: dict[str, Node] = {}
        nulls: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.add(key_node, "bad_key")
                continue
            key = key_node.value
            if key not in allowed:
                self.add(key_node, "unknown_key", key=key, allowed=", ".join(allowed))
            elif key in found or key in nulls:
                self.add(key_node, "duplicate_key", key=key)
            elif _is_null(value_node):  # `short:` or `parent: ~` means absent
                nulls[key] = key_node
            else:
                found[key] = value_node
        for key in required:
            if key in nulls:
                self.add(nulls[key], "empty_value", field=key)
            elif key not in found:
                self.add(node, "missing_key", key=key)
        return found

    def sequence(self, node: Node | None, name: str) -> list[Node] | None:
        if node is None:
            return None
        if not isinstance(node, SequenceNode):
            self.add(node, "not_list", field=name)
            return None
        return list(node.value)

    def text(self, fields: dict[str, Node], name: str) -> str | None:
        node = fields.get(name)
        return None if node is None else self.text_node(node, name)

    def text_node(self, node: Node, name: str) -> str | None:
        # The raw scalar text, so `deadline: 2016-05-31` or `title: 2016` stay as written.
        if not isinstance(node, ScalarNode):
            self.add(node, "not_text", field=name)
            return None
        value = node.value.strip()
        if not value:
            self.add(node, "empty_value", field=name)
            return None
        return value

    def integer(self, fields: dict[str, Node], name: str) -> int | None:
        node = fields.get(name)
        if node is None:
            return None
        value = _construct(node)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(node, "not_int", field=name, value=_raw(node))
            return None
        return value

    def flag(self, fields: dict[str, Node], name: str) -> bool:
        """A yes/no key; absent is no."""
        node = fields.get(name)
        if node is None:
            return False
        value = _construct(node)
        if not isinstance(value, bool):
            self.add(node, "not_bool", field=name, value=_raw(node))
            return False
        return value

    def date(self, fields: dict[str, Node], name: str) -> date | None:
        node = fields.get(name)
        if node is None:
            return None
        value = _construct(node)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                pass
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        self.add(node, "not_date", field=name, value=_raw(node))
        return None

    def free_mapping(self, fields: dict[str, Node], name: str) -> dict[str, Any]:
        node = fields.get(name)
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            self.add(node, "not_mapping", field=name)
            return {}
        value = _construct(node, deep=True)
        if not isinstance(value, dict):
            self.add(node, "bad_value", field=name)
            return {}
        return {str(key): item for key, item in value.items()}

    def texts(self, fields: dict[str, Node], name: str) -> list[str]:
        nodes = self.sequence(fields.get(name), name) or []
        return [text for node in nodes if (text := self.text_node(node, name)) is not None]

    def unit_codes(self, fields: dict[str, Node], name: str) -> dict[str, int]:
        """Unit codes listed under `name`, each with its line (checked against the tree on
        import, where the units are known)."""
        found: dict[str, int] = {}
        for node in self.sequence(fields.get(name), name) or []:
            code = self.text_node(node, name)
            if code is None:
                continue
            if not _UNIT_CODE.fullmatch(code):
                self.add(node, "bad_unit_code", value=code)
                continue
            found.setdefault(code, _line(node))
        return found

    def kind(self, node: Node) -> UnitKind | None:
        if isinstance(node, ScalarNode) and node.value in _KINDS:
            return UnitKind(node.value)
        self.add(node, "bad_kind", value=_raw(node), allowed=", ".join(_KINDS))
        return None

    def kinds(self, fields: dict[str, Node], name: str) -> frozenset[UnitKind] | None:
        nodes = self.sequence(fields.get(name), name)
        if nodes is None:
            return None
        if not nodes:
            self.add(fields[name], "empty_value", field=name)
            return None
        kinds = [self.kind(node) for node in nodes]
        return frozenset(kind for kind in kinds if kind is not None)

    def deadline(self, fields: dict[str, Node], year: int, delta: int) -> Deadline | None:
        expr = self.text(fields, "deadline")
        if expr is None:
            return None
        try:
            deadline = parse_deadline(_shift_years(expr, delta), year)
        except ValueError:  # DeadlineError, or a date that does not exist
            wrong = "bad_recurring" if expr.startswith("每") else "bad_deadline"
            self.add(fields["deadline"], wrong, expr=expr)
            return None
        if deadline.every is not None and not deadline.every.periods(year, self.issued):
            since = self.issued or _Day(year, 1, 1)
            self.add(fields["deadline"], "no_periods", expr=expr, since=since)
            return None
        if self.issued is not None and deadline.due is not None and deadline.due < self.issued:
            self.before_issue(fields["deadline"], deadline)
        return deadline

    def before_issue(self, node: Node, deadline: Deadline) -> None:
        """A deadline already past when the plan is issued: a slip unless its year is written."""
        assert deadline.due is not None and self.issued is not None
        params = {"expr": deadline.expr, "due": deadline.due, "issued": self.issued}
        if _EXPLICIT_YEAR.search(deadline.expr):
            self.note(node, "deadline_before_issue", **params)
        else:
            suggestion = f"{deadline.due.year + 1}年{deadline.expr}"
            self.add(node, "deadline_before_issue", **params, suggestion=suggestion)

    # --- sections

    def plan_file(self, root: Node, given: Overrides) -> PlanFile | None:
        if not isinstance(root, MappingNode):
            self.add(root, "not_plan")
            return None
        top = self.mapping(root, "", _TOP_KEYS, _TOP_REQUIRED) or {}
        header = self.header(top.get("plan"))
        year = given.year
        if year is not None and year not in _YEARS:
            self.add(None, "bad_year", value=year)
        target = year if year is not None else header.year
        delta = target - header.year if target is not None and header.year is not None else 0
        parse_year = target if target is not None and target in _YEARS else _FALLBACK_YEAR
        document = self.document(header, delta, given.document)
        self.issued = self.issued_on(header, delta, given.issued)
        units = self.units(top.get("units"))
        self.addressed = header.applies_to
        items = self.items(top.get("items"), parse_year, delta)
        schedules = ScheduleReader()
        holidays = schedules.schedules(top.get("holidays"))
        self.issues += schedules.issues
        if self.issues or header.code is None or header.title is None or target is None:
            return None
        title = header.title.replace(f"{header.year}年", f"{target}年") if delta else header.title
        try:
            return PlanFile(
                code=header.code,
                short=header.short,
                year=target,
                title=title,
                document=document,
                issued=self.issued,
                notes=header.notes,
                reminders=header.reminders,
                assessment=header.assessment,
                deadline_on_holiday=header.deadline_on_holiday,
                holidays=holidays,
                units=units,
                unit_lines=self.unit_lines,
                addressed_units=header.addressed_units,
                items=items,
                notices=sorted(self.notices, key=lambda notice: notice.line),
            )
        except ValidationError as e:  # a safety net: the checks above should make this unreachable
            self.add(root, "invalid", problem=str(e).splitlines()[0])
            return None

    def document(self, header: _Header, delta: int, given: str | None) -> str | None:
        """The 文号: as given, else re-based with the plan, always saying which."""
        if given is not None:
            if not given.strip():
                self.add(None, "empty_value", field="--document")
                return None
            self.note(None, "document_given", value=given.strip())
            return given.strip()
        if header.document is None or not delta:
            return header.document
        node = header.fields.get("document")
        rebased = _rebase_document(header.document, delta)
        if rebased == header.document:
            self.note(node, "document_kept", value=header.document)
        else:
            self.note(node, "document_rebased", before=header.document, after=rebased)
        return rebased

    def issued_on(self, header: _Header, delta: int, given: str | None) -> _Day | None:
        """The issue date: as given, else moved by as many years as the plan, saying which."""
        if given is not None:
            try:
                issued = date.fromisoformat(given.strip())
            except ValueError:
                self.add(None, "not_date", field="--issued", value=clip(given, 40))
                return None
            self.note(None, "issued_given", value=issued)
            return issued
        if header.issued is None or not delta:
            return header.issued
        rebased = _shift_date(header.issued, delta)
        node = header.fields.get("issued")
        self.note(node, "issued_rebased", before=header.issued, after=rebased)
        return rebased

    def header(self, node: Node | None) -> _Header:
        fields = self.mapping(node, "plan", _PLAN_KEYS, ("code", "year", "title"))
        if fields is None:
            return _Header()
        code = self.text(fields, "code")
        if code is not None and not _PLAN_CODE.fullmatch(code):
            self.add(fields["code"], "bad_plan_code", value=code)
            code = None
        short = self.text(fields, "short")
        if short is not None and not _PLAN_SHORT.fullmatch(short):
            self.add(fields["short"], "bad_plan_short", value=short)
            short = None
        year = self.integer(fields, "year")
        if year is not None and year not in _YEARS:
            self.add(fields["year"], "bad_year", value=year)
            year = None
        return _Header(
            code=code,
            short=short,
            year=year,
            title=self.text(fields, "title"),
            document=self.text(fields, "document"),
            issued=self.date(fields, "issued"),
            applies_to=self.kinds(fields, "applies_to") or BELOW_ISSUER,
            addressed_units=self.unit_codes(fields, "addressed_units"),
            notes=self.texts(fields, "notes"),
            reminders=self.free_mapping(fields, "reminders"),
            assessment=self.free_mapping(fields, "assessment"),
            deadline_on_holiday=self.holiday_rule(fields),
            fields=fields,
        )

    def holiday_rule(self, fields: dict[str, Node]) -> str:
        rule = self.text(fields, "deadline_on_holiday")
        if rule is None or rule in RULES:
            return rule or KEEP
        where = fields["deadline_on_holiday"]
        self.add(where, "bad_holiday_rule", value=rule, allowed=" | ".join(RULES))
        return KEEP

    def units(self, node: Node | None) -> list[PlanUnit]:
        nodes = self.sequence(node, "units")
        if nodes is None:
            return []
        drafts: list[_UnitDraft] = []
        first_lines: dict[str, int] = {}
        for unit_node in nodes:
            draft = self.unit(unit_node)
            if draft is None:
                continue
            if draft.code in first_lines:
                first_line = first_lines[draft.code]
                self.add(draft.node, "duplicate_unit", code=draft.code, first_line=first_line)
            else:
                first_lines[draft.code] = _line(draft.node)
                drafts.append(draft)
        self.unit_lines = first_lines
        if drafts:
            self.check_tree(drafts, node)
        return [draft.unit for draft in drafts if draft.unit is not None]

    def unit(self, node: Node) -> _UnitDraft | None:
        fields = self.mapping(node, "units", _UNIT_KEYS, ("code", "name", "kind"))
        if fields is None:
            return None
        code = self.text(fields, "code")
        valid = code is not None and _UNIT_CODE.fullmatch(code) is not None
        if code is not None and not valid:
            self.add(fields["code"], "bad_unit_code", value=code)
        name = self.text(fields, "name")
        kind = self.kind(fields["kind"]) if "kind" in fields else None
        short, parent, region = (self.text(fields, key) for key in ("short", "parent", "region"))
        if code is None:
            return None
        unit = None
        if valid and name is not None and kind is not None:
            unit = PlanUnit(
                code=code, name=name, short=short, kind=kind, parent=parent, region=region
            )
        return _UnitDraft(node, fields, code, parent, region, unit)

    def check_tree(self, drafts: list[_UnitDraft], node: Node | None) -> None:
        """A list with a root is the whole tree. One without a root that names parents outside
        itself adds to the bureau's stored tree: those codes are checked on import."""
        by_code = {draft.code: draft for draft in drafts}
        roots = [draft for draft in drafts if "parent" not in draft.fields]
        adds = not roots and any(draft.parent not in by_code for draft in drafts)
        if not roots and not adds:
            self.add(node, "no_root")
        for extra in roots[1:]:
            self.add(extra.node, "many_roots", code=extra.code, root=roots[0].code)
        for draft in drafts if not adds else []:
            if draft.parent is not None and draft.parent not in by_code:
                where = draft.fields["parent"]
                self.add(where, "unknown_parent", code=draft.code, parent=draft.parent)
            if draft.region is not None and draft.region not in by_code:
                where = draft.fields["region"]
                self.add(where, "unknown_region", code=draft.code, region=draft.region)
        self.check_cycles(by_code)

    def check_cycles(self, by_code: dict[str, _UnitDraft]) -> None:
        done: set[str] = set()
        for start in by_code:
            path: list[str] = []
            code: str | None = start
            while code is not None and code in by_code and code not in done and code not in path:
                path.append(code)
                code = by_code[code].parent
            if code is not None and code in path:
                cycle = path[path.index(code) :]
                where = by_code[cycle[0]].fields.get("parent")
                self.add(where, "parent_cycle", cycle=" → ".join([*cycle, cycle[0]]))
            done.update(path)

    def items(self, node: Node | None, year: int, delta: int) -> list[PlanItem]:
        nodes = self.sequence(node, "items")
        if nodes is None:
            return []
        if not nodes:
            self.add(node, "no_items")
        first_lines: dict[int, int] = {}
        items: list[PlanItem] = []
        for item_node in nodes:
            item = self.item(item_node, year, delta, first_lines)
            if item is not None:
                items.append(item)
        return items

    def item(
        self, node: Node, year: int, delta: int, first_lines: dict[int, int]
    ) -> PlanItem | None:
        fields = self.mapping(node, "items", _ITEM_KEYS, ("no", "title", "materials"))
        if fields is None:
            return None
        no = self.item_no(fields, first_lines)
        title = self.text(fields, "title")
        applies_to = self.kinds(fields, "applies_to") or self.addressed
        deadline = self.deadline(fields, year, delta)
        nodes = self.sequence(fields.get("materials"), "materials")
        if nodes == []:
            self.add(fields["materials"], "no_materials", no=no if no is not None else "?")
        context = _ItemContext(
            no, len(nodes or []), applies_to, deadline, "deadline" in fields, year, delta,
            self.requirement(fields), self.templates(fields),
        )  # fmt: skip
        materials = [self.material(n, seq, context) for seq, n in enumerate(nodes or [], 1)]
        if no is None or title is None or not nodes:
            return None
        return PlanItem(
            no=no,
            title=title,
            applies_to=applies_to,
            materials=[material for material in materials if material is not None],
        )

    def item_no(self, fields: dict[str, Node], first_lines: dict[int, int]) -> int | None:
        no = self.integer(fields, "no")
        if no is None:
            return None
        if no < 1:
            self.add(fields["no"], "bad_item_no", value=no)
            return None
        if no in first_lines:
            self.add(fields["no"], "duplicate_item", no=no, first_line=first_lines[no])
            return None
        first_lines[no] = _line(fields["no"])
        return no

    def material(self, node: Node, seq: int, item: _ItemContext) -> PlanMaterial | None:
        fields = self.mapping(node, "materials", _MATERIAL_KEYS, ("title",))
        if fields is None:
            return None
        item_no = "?" if item.no is None else str(item.no)
        code = item_no if item.size == 1 else f"{item_no}.{seq}"
        title = self.text(fields, "title")
        deadline = self.deadline(fields, item.year, item.delta)
        if "deadline" not in fields:
            deadline = item.deadline
            if not item.has_deadline:
                self.add(node, "missing_deadline", code=code)
        targets = self.targets(fields)
        target_unit = self.text(fields, "target_unit")
        applies_to = self.kinds(fields, "applies_to") or item.applies_to
        text_only = self.flag(fields, "text_only")
        requirement = self.requirement(fields) if "requirement" in fields else item.requirement
        templates = self.templates(fields) if "templates" in fields else item.templates
        if item.no is None or title is None or deadline is None:
            return None
        return PlanMaterial(
            code=code,
            item_no=item.no,
            seq=seq,
            title=title,
            deadline=deadline,
            targets=targets,
            target_unit=target_unit,
            applies_to=applies_to,
            text_only=text_only,
            requirement=requirement,
            templates=templates,
        )

    def requirement(self, fields: dict[str, Node]) -> str | None:
        """What the report must be, as written (several lines allowed), within its length."""
        text = self.text(fields, "requirement")
        if text is not None and len(text) > REQUIREMENT_CHARS:
            where = fields["requirement"]
            self.add(where, "requirement_too_long", length=len(text), limit=REQUIREMENT_CHARS)
            return None
        return text

    def templates(self, fields: dict[str, Node]) -> tuple[PlanTemplate, ...]:
        """File paths relative to the plan file, never out of its folder; the files themselves
        are read on import (domain.plan_templates)."""
        nodes = self.sequence(fields.get("templates"), "templates")
        if nodes is None:
            return ()
        if len(nodes) > MAX_TEMPLATES:
            self.add(
                fields["templates"], "too_many_templates", count=len(nodes), limit=MAX_TEMPLATES
            )
            return ()
        found: dict[str, PlanTemplate] = {}
        for node in nodes:
            path = self.text_node(node, "templates")
            if path is None:
                continue
            parts = PurePosixPath(path).parts
            if path.startswith("/") or "\\" in path or ":" in path or ".." in parts:
                self.add(node, "template_path", path=clip(path, 60))
            elif path in found:
                self.add(node, "duplicate_template", path=clip(path, 60))
            else:
                found[path] = PlanTemplate(path=path, line=_line(node))
        return tuple(found.values())

    def targets(self, fields: dict[str, Node]) -> dict[UnitKind, int]:
        found = self.mapping(fields.get("target"), "target", _KINDS) or {}
        targets: dict[UnitKind, int] = {}
        for kind, node in found.items():
            value = _construct(node)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.add(node, "bad_target", kind=kind, value=_raw(node))
            else:
                targets[UnitKind(kind)] = value
        return targets


def _syntax_issue(line: int, problem: str) -> PlanIssue:
    return PlanIssue(line=line, key="plan.error.syntax", params={"problem": problem})


def renamed(plan: PlanFile, code: str | None, short: str | None, source: str) -> PlanFile:
    """The plan under the code and short code the operator gives (`plan import --code/--short`:
    a notice's own code is made up from its 文号); checked like the file's own."""
    issues = []
    if code is not None and not _PLAN_CODE.fullmatch(code):
        issues.append(PlanIssue(line=0, key="plan.error.bad_plan_code", params={"value": code}))
    if short is not None and not _PLAN_SHORT.fullmatch(short):
        issues.append(PlanIssue(line=0, key="plan.error.bad_plan_short", params={"value": short}))
    if issues:
        raise PlanFileError(source, issues)
    changes = {"code": code, "short": short}
    return plan.model_copy(update={k: v for k, v in changes.items() if v is not None})
