"""Tests for domain.plan_file: the Henan 2016 sample, re-basing, and line-precise errors."""

import random
import string
from datetime import date
from pathlib import Path

import pytest
import yaml

from domain.deadlines import DeadlineKind
from domain.model import UnitKind
from domain.plan_file import (
    Overrides,
    PlanFile,
    PlanFileError,
    PlanIssue,
    load_plan,
    load_plan_file,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "plans" / "henan-2016.yaml"
CATALOGS = {lang: ROOT / "locales" / lang / "plan.yaml" for lang in ("zh_CN", "en")}

# Line numbers matter: the error tests below refer to them.
MINIMAL = """\
plan:
  code: demo
  year: 2016
  title: 示例计划
units:
  - {code: root, name: 省局, kind: province}
  - {code: city, name: 市局, kind: city, parent: root}
items:
  - no: 1
    title: 事项一
    materials:
      - title: 材料一
        deadline: 5月底
"""


def issues_of(text: str, **kwargs: object) -> list[PlanIssue]:
    with pytest.raises(PlanFileError) as caught:
        load_plan(text, source="t.yaml", **kwargs)  # type: ignore[arg-type]
    return caught.value.issues


def keyed(issues: list[PlanIssue], key: str) -> list[PlanIssue]:
    return [issue for issue in issues if issue.key == f"plan.error.{key}"]


def catalog(lang: str) -> dict[str, str]:
    return yaml.safe_load(CATALOGS[lang].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample() -> PlanFile:
    return load_plan_file(SAMPLE)


# --- the sample


def test_sample_header(sample: PlanFile) -> None:
    assert sample.code == "henan-fwxzf"
    assert sample.year == 2016
    assert sample.title == "2016年度全省安全监管系统推进服务型行政执法建设工作方案"
    assert sample.document == "豫安监管﹝2016﹞41号"
    assert sample.issued == date(2016, 5, 9)
    assert sample.notes == ["没有相关事项的,不作评价。", "本细则由省安全监管局负责解释。"]


def test_sample_items_and_material_codes(sample: PlanFile) -> None:
    assert [item.no for item in sample.items] == list(range(1, 10))
    assert [m.code for m in sample.materials()] == [
        "1", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "4.3",
        "5", "6.1", "6.2", "6.3", "7", "8", "9",
    ]  # fmt: skip
    assert sample.items[2].title == "推行行政指导情况"
    assert sample.items[7].materials[0].title == "推荐服务型行政执法微电影、微视频(至少一部)"


@pytest.mark.parametrize(
    ("code", "due"),
    [
        ("1", date(2016, 5, 31)),
        ("2.1", date(2016, 8, 31)),
        ("2.2", date(2016, 8, 31)),
        ("2.3", date(2016, 8, 31)),
        ("3.1", date(2016, 7, 31)),
        ("3.2", date(2016, 7, 31)),
        ("5", date(2016, 9, 30)),
        ("6.1", date(2016, 6, 10)),
        ("6.2", date(2016, 9, 30)),
        ("6.3", date(2016, 10, 31)),
        ("7", date(2016, 8, 31)),
        ("9", date(2016, 10, 31)),
    ],
)
def test_sample_due_dates(sample: PlanFile, code: str, due: date) -> None:
    deadline = {m.code: m.deadline for m in sample.materials()}[code]
    assert (deadline.kind, deadline.start, deadline.due) == (DeadlineKind.DATE, None, due)


def test_sample_window_and_on_request(sample: PlanFile) -> None:
    deadlines = {m.code: m.deadline for m in sample.materials()}
    for code in ("4.1", "4.2", "4.3"):
        window = deadlines[code]
        assert window.kind is DeadlineKind.WINDOW
        assert (window.start, window.due) == (date(2016, 6, 1), date(2016, 8, 31))
    assert deadlines["8"].kind is DeadlineKind.ON_REQUEST
    assert deadlines["8"].due is None


def test_sample_targets(sample: PlanFile) -> None:
    guidance = {m.code: m for m in sample.materials()}["3.2"]
    assert guidance.targets == {UnitKind.PROVINCE: 50, UnitKind.CITY: 30, UnitKind.COUNTY: 50}
    assert guidance.target_unit == "例"
    assert [m.code for m in sample.materials() if m.targets] == ["3.2"]


def test_sample_units(sample: PlanFile) -> None:
    kinds = [unit.kind for unit in sample.units]
    assert len(sample.units) == 29
    assert kinds.count(UnitKind.PROVINCE) == 1
    assert kinds.count(UnitKind.CITY) == 18
    assert kinds.count(UnitKind.COUNTY) == 10
    units = {unit.code: unit for unit in sample.units}
    assert units["henan"].parent is None and units["henan"].short == "省局"
    assert units["pingdingshan"].name == "平顶山市安全生产监督管理局"
    assert units["gongyi"].parent == "henan" and units["gongyi"].region == "zhengzhou"
    assert units["xincai"].region == "zhumadian"


def test_sample_is_addressed_to_cities_and_counties(sample: PlanFile) -> None:
    """The document goes to 各省辖市、省直管县(市); the province owes only its 50-case target."""
    local = frozenset({UnitKind.CITY, UnitKind.COUNTY})
    owed = {m.code: m.applies_to for m in sample.materials()}
    assert owed.pop("3.2") == local | {UnitKind.PROVINCE}
    assert set(owed.values()) == {local}


# --- re-basing a recurring plan


def test_year_rebases_sample() -> None:
    plan = load_plan_file(SAMPLE, year=2017)
    deadlines = {m.code: m.deadline for m in plan.materials()}
    assert plan.year == 2017
    assert plan.title.startswith("2017年度")
    assert deadlines["1"].due == date(2017, 5, 31)
    assert (deadlines["4.1"].start, deadlines["4.1"].due) == (date(2017, 6, 1), date(2017, 8, 31))


def test_year_shifts_explicit_years() -> None:
    text = (
        MINIMAL.replace("5月底", "2016年5月31日")
        + "      - {title: 材料二, deadline: 2016-06-30}\n"
    )
    plan = load_plan(text, year=2018)
    assert [m.deadline.due for m in plan.materials()] == [date(2018, 5, 31), date(2018, 6, 30)]
    assert plan.materials()[0].deadline.expr == "2018年5月31日"


def notices(plan: PlanFile) -> dict[str, dict[str, str]]:
    return {notice.key.removeprefix("plan.notice."): notice.params for notice in plan.notices}


def test_year_rebases_document_and_issue_date_and_says_so() -> None:
    plan = load_plan_file(SAMPLE, year=2026)
    assert plan.document == "豫安监管﹝2026﹞41号"
    assert plan.issued == date(2026, 5, 9)
    assert notices(plan) == {
        "document_rebased": {"before": "豫安监管﹝2016﹞41号", "after": "豫安监管﹝2026﹞41号"},
        "issued_rebased": {"before": "2016-05-09", "after": "2026-05-09"},
    }
    assert load_plan_file(SAMPLE).notices == []  # the plan's own year: nothing to say


@pytest.mark.parametrize(
    ("written", "rebased"),
    [("豫政办〔2016〕12号", "豫政办〔2019〕12号"), ("豫安监 [2015] 3号", "豫安监 [2018] 3号")],
)
def test_every_bracket_form_of_the_document_year_is_rebased(written: str, rebased: str) -> None:
    text = MINIMAL.replace("  title: 示例计划", f"  title: 示例计划\n  document: {written}")
    assert load_plan(text, year=2019).document == rebased


def test_a_document_without_a_bracketed_year_is_kept_and_said() -> None:
    text = MINIMAL.replace("  title: 示例计划", "  title: 示例计划\n  document: 豫安监12号")
    plan = load_plan(text, year=2019)
    assert plan.document == "豫安监12号"
    assert notices(plan) == {"document_kept": {"value": "豫安监12号"}}


def test_a_29_february_issue_date_becomes_28_february() -> None:
    text = MINIMAL.replace("  title: 示例计划", "  title: 示例计划\n  issued: 2016-02-29")
    assert load_plan(text, year=2017).issued == date(2017, 2, 28)


def test_document_and_issue_date_given_on_the_command_line_win() -> None:
    given = Overrides(year=2026, document=" 豫应急〔2026〕7号 ", issued="2026-03-02")
    plan = load_plan_file(SAMPLE, given=given)
    assert (plan.document, plan.issued) == ("豫应急〔2026〕7号", date(2026, 3, 2))
    assert notices(plan) == {
        "document_given": {"value": "豫应急〔2026〕7号"},
        "issued_given": {"value": "2026-03-02"},
    }


def test_a_bad_issue_date_on_the_command_line_is_an_error() -> None:
    (issue,) = issues_of(MINIMAL, given=Overrides(issued="2026-13-01"))
    assert (issue.key, issue.params["field"]) == ("plan.error.not_date", "--issued")


# --- deadlines against the issue date


ISSUED_IN_MAY = MINIMAL.replace("  title: 示例计划", "  title: 示例计划\n  issued: 2016-05-09")


def test_a_deadline_before_the_issue_date_is_an_error_naming_its_line() -> None:
    (issue,) = issues_of(ISSUED_IN_MAY.replace("5月底", "1月15日前"))
    assert (issue.key, issue.line) == ("plan.error.deadline_before_issue", 14)
    assert issue.params == {
        "expr": "1月15日前",
        "due": "2016-01-15",
        "issued": "2016-05-09",
        "suggestion": "2017年1月15日前",
    }


def test_an_item_deadline_before_the_issue_date_is_named_once_on_the_item() -> None:
    text = (
        ISSUED_IN_MAY.replace("    materials:", "    deadline: 3月底\n    materials:").replace(
            "        deadline: 5月底\n", ""
        )
        + "      - {title: 材料二}\n"
    )
    (issue,) = issues_of(text)
    assert (issue.key, issue.line) == ("plan.error.deadline_before_issue", 12)


def test_the_suggested_next_year_is_accepted() -> None:
    plan = load_plan(ISSUED_IN_MAY.replace("5月底", "2017年1月15日前"))
    assert plan.materials()[0].deadline.due == date(2017, 1, 15)
    assert plan.notices == []


def test_a_past_deadline_with_its_year_written_is_imported_with_a_notice() -> None:
    plan = load_plan(ISSUED_IN_MAY.replace("5月底", "2016年1月15日"))
    assert plan.materials()[0].deadline.due == date(2016, 1, 15)
    (notice,) = plan.notices
    assert (notice.key, notice.line) == ("plan.notice.deadline_before_issue", 14)


def test_the_check_uses_the_rebased_and_the_given_issue_date() -> None:
    text = ISSUED_IN_MAY.replace("5月底", "6月10日")
    assert load_plan(text, year=2017).materials()[0].deadline.due == date(2017, 6, 10)
    issues = issues_of(text, given=Overrides(year=2017, issued="2017-07-01"))
    assert [issue.key for issue in issues] == ["plan.error.deadline_before_issue"]


def test_before_the_second_half_is_due_by_30_june() -> None:
    plan = load_plan(ISSUED_IN_MAY.replace("5月底", "下半年前"))
    deadline = plan.materials()[0].deadline
    assert (deadline.kind, deadline.start, deadline.due) == (
        DeadlineKind.DATE,
        None,
        date(2016, 6, 30),
    )


def test_out_of_range_year_option() -> None:
    assert keyed(issues_of(MINIMAL, year=1900), "bad_year")


# --- options of the format


def test_optional_fields_and_overrides() -> None:
    text = (
        MINIMAL.replace(
            "    materials:", "    applies_to: [city]\n    deadline: 9月底\n    materials:"
        )
        .replace("        deadline: 5月底\n", "")
        .replace(
            "  title: 示例计划", "  title: 示例计划\n  reminders: {days: [3, 1]}\n  assessment: {}"
        )
        + "      - {title: 材料二, applies_to: [province, city], deadline: 6月上旬}\n"
    )
    plan = load_plan(text)
    first, second = plan.materials()
    assert (first.code, first.applies_to, first.deadline.due) == (
        "1.1",
        frozenset({UnitKind.CITY}),
        date(2016, 9, 30),
    )
    assert second.applies_to == frozenset({UnitKind.PROVINCE, UnitKind.CITY})
    assert plan.reminders == {"days": [3, 1]}


# --- errors, each on its line

CASES = [
    # (key, line, change to MINIMAL: (old, new))
    ("bad_deadline", 13, ("5月底", "五月份左右")),
    ("unknown_key", 4, ("  title: 示例计划", "  titel: 示例计划")),
    ("missing_key", 2, ("  title: 示例计划\n", "")),
    ("duplicate_key", 4, ("  title: 示例计划", "  year: 2017")),
    ("empty_value", 4, ("  title: 示例计划", "  title: ''")),
    ("not_text", 4, ("  title: 示例计划", "  title: [a, b]")),
    ("not_int", 3, ("year: 2016", "year: twenty")),
    (
        "not_bool",
        14,
        ("        deadline: 5月底\n", "        deadline: 5月底\n        text_only: 是\n"),
    ),
    ("bad_year", 3, ("year: 2016", "year: 1999")),
    ("bad_plan_code", 2, ("code: demo", "code: Demo_1")),
    ("bad_plan_short", 3, ("code: demo", "code: demo\n  short: 9x")),
    ("not_date", 5, ("  title: 示例计划", "  title: 示例计划\n  issued: soon")),
    ("deadline_before_issue", 14, ("  title: 示例计划", "  title: 示例计划\n  issued: 2016-06-01")),
    ("not_mapping", 1, ("plan:\n  code: demo\n  year: 2016\n  title: 示例计划", "plan: [x]")),
    ("bad_value", 6, ("  title: 示例计划", "  title: 示例计划\n  reminders:\n    ? [a]\n    : 1")),
    ("not_list", 5, ("units:\n", "units: root\nx_units:\n")),
    (
        "duplicate_unit",
        8,
        ("parent: root}\n", "parent: root}\n  - {code: city, name: 乙, kind: city}\n"),
    ),
    ("bad_unit_code", 7, ("code: city,", "code: City!,")),
    ("bad_kind", 7, ("kind: city", "kind: town")),
    ("unknown_parent", 7, ("parent: root", "parent: nowhere")),
    ("unknown_region", 7, ("parent: root", "parent: root, region: nowhere")),
    ("many_roots", 7, (", parent: root}", "}")),
    ("no_root", 6, ("kind: province}", "kind: province, parent: city}")),
    ("parent_cycle", 6, ("kind: province}", "kind: province, parent: city}")),
    ("bad_item_no", 9, ("no: 1", "no: 0")),
    ("not_int", 9, ("no: 1", "no: one")),
    (
        "duplicate_item",
        14,
        ("5月底\n", "5月底\n  - {no: 1, title: 乙, materials: [{title: 丙}]}\n"),
    ),
    ("no_items", 8, ("items:\n  - no: 1", "items: []\nx:\n  - no: 1")),
    ("no_materials", 11, ("    materials:\n", "    materials: []\n    x:\n")),
    ("missing_deadline", 12, ("        deadline: 5月底\n", "")),
    ("bad_target", 14, ("5月底", "5月底\n        target: {city: -3}")),
    ("unknown_key", 14, ("5月底", "5月底\n        target: {town: 3}")),
    ("bad_kind", 14, ("5月底", "5月底\n        applies_to: [city, town]")),
    ("empty_value", 14, ("5月底", "5月底\n        applies_to: []")),
    ("bad_key", 14, ("5月底", "5月底\n        ? [a]\n        : 1")),
    ("syntax", 4, ("title: 示例计划", "title: a: b")),
    ("not_plan", 1, (MINIMAL, "just a sentence\n")),
    ("empty", 0, (MINIMAL, "# nothing here\n")),
]


@pytest.mark.parametrize(("key", "line", "change"), CASES)
def test_error_is_reported_on_its_line(key: str, line: int, change: tuple[str, str]) -> None:
    old, new = change
    assert old in MINIMAL
    found = keyed(issues_of(MINIMAL.replace(old, new, 1)), key)
    assert [issue.line for issue in found] == [line]


def test_bad_deadline_in_sample_names_line_and_expression() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    index = lines.index("    deadline: 7月底")
    lines[index] = "    deadline: 七月份左右"
    (issue,) = issues_of("\n".join(lines))
    assert issue.key == "plan.error.bad_deadline"
    assert (issue.line, issue.params["expr"]) == (index + 1, "七月份左右")


def test_cycle_names_its_units() -> None:
    text = MINIMAL.replace("kind: city, parent: root}", "kind: city, parent: town}")
    text = text.replace(
        "items:", "  - {code: town, name: 县局, kind: county, parent: city}\nitems:"
    )
    (issue,) = issues_of(text)
    assert issue.key == "plan.error.parent_cycle"
    assert issue.params["cycle"] == "city → town → city"


def test_several_problems_are_reported_together() -> None:
    text = (
        MINIMAL.replace("year: 2016", "year: 1999")
        .replace("parent: root", "parent: nowhere")
        .replace("  title: 示例计划", "  titel: 示例计划")
        .replace("5月底", "五月份左右")
    )
    error_lines = [(issue.key.removeprefix("plan.error."), issue.line) for issue in issues_of(text)]
    assert error_lines == [
        ("missing_key", 2),
        ("bad_year", 3),
        ("unknown_key", 4),
        ("unknown_parent", 7),
        ("bad_deadline", 13),
    ]


def test_error_str_is_one_english_line_per_issue() -> None:
    text = MINIMAL.replace("year: 2016", "year: 1999").replace("5月底", "五月份左右")
    with pytest.raises(PlanFileError) as caught:
        load_plan(text, source="t.yaml")
    assert str(caught.value).splitlines() == [
        "t.yaml:3: year '1999' is invalid: it must be between 2000 and 2100",
        "t.yaml:13: cannot read the deadline '五月份左右'"
        " (write e.g. 5月底, 6月上旬, 6-8月, 2016年5月31日, 按要求报送)",
    ]


def test_missing_file_is_a_plan_file_error(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError) as caught:
        load_plan_file(tmp_path / "absent.yaml")
    assert [issue.key for issue in caught.value.issues] == ["plan.error.unreadable"]


def test_non_utf8_file_is_a_plan_file_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(MINIMAL.encode("gbk"))
    with pytest.raises(PlanFileError) as caught:
        load_plan_file(path)
    assert [issue.key for issue in caught.value.issues] == ["plan.error.unreadable"]


# --- only PlanFileError escapes, whatever the input

JUNK = [
    "",
    "\x00",
    "\ud800",
    "[",
    "{",
    "- - -",
    ":",
    "plan: 1",
    "units: {}\nitems: {}\nplan: {}",
    "*undefined",
    "&a [*a]",
    "plan: &p {code: *p}\nunits: &u [*u]\nitems: &i [{materials: *i}]",
    "plan: {year: 0b_, issued: 2016-13-45, code: [x], reminders: &r {a: *r, <<: *r}}",
    "items: [{no: true, title: {a: 1}, deadline: [1], materials: [[], 1, {target: [1]}]}]",
    "[" * 5000 + "]" * 5000,
    "%YAML 9.9\n---\nx",
    "--- a\n--- b\n",
    "!!python/object:os.system ls",
]


@pytest.mark.parametrize("text", JUNK)
def test_junk_raises_only_plan_file_error(text: str) -> None:
    with pytest.raises(PlanFileError):
        load_plan(text)


def test_truncated_and_garbled_sample_raises_only_plan_file_error() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    rng = random.Random(41)
    variants = [text[:cut] for cut in range(0, len(text), 97)]
    variants += ["".join(rng.choice(string.printable) for _ in range(200)) for _ in range(50)]
    variants += [bytes(rng.randrange(256) for _ in range(300)).decode("latin-1") for _ in range(50)]
    for variant in variants:
        try:
            load_plan(variant)
        except PlanFileError as e:
            assert e.issues
            assert str(e)


# --- locale catalogs


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh_CN"), catalog("en")
    assert zh.keys() == en.keys()
    assert all(key.startswith("plan.") for key in zh)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_every_issue_key_is_in_both_catalogs() -> None:
    produced: list[PlanIssue] = []
    for _, _, (old, new) in CASES:
        produced += issues_of(MINIMAL.replace(old, new, 1))
    for text in JUNK:
        produced += issues_of(text)
    for lang in CATALOGS:
        messages = catalog(lang)
        for issue in produced:
            assert issue.render(messages)  # the key exists and its placeholders are all given
    reachable = {issue.key for issue in produced} | {"plan.error.unreadable", "plan.error.invalid"}
    assert reachable == {key for key in catalog("en") if key.startswith("plan.error.")}


def test_every_notice_renders_in_both_catalogs() -> None:
    with_document = MINIMAL.replace(
        "  title: 示例计划", "  title: 示例计划\n  document: 豫安监12号"
    )
    plans = [
        load_plan_file(SAMPLE, year=2026),
        load_plan_file(SAMPLE, given=Overrides(document="豫应急〔2026〕7号", issued="2016-01-02")),
        load_plan(with_document, year=2019),
        load_plan(ISSUED_IN_MAY.replace("5月底", "2016年1月15日")),
    ]
    produced = [notice for plan in plans for notice in plan.notices]
    for lang in CATALOGS:
        messages = catalog(lang)
        for notice in produced:
            assert notice.render(messages)
    notice_keys = {key for key in catalog("en") if key.startswith("plan.notice.")}
    assert {notice.key for notice in produced} == notice_keys


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
