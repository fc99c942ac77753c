"""A plan notice in plain text (the seed as received) reads as the hand-made sample plan."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from domain.plan_file import PlanFile, PlanFileError, load_plan_file
from domain.plan_text import read_text_plan
from locales import catalog
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent
# The seed notice as received (../shared/seed/000_44c686eeb74aebb2.txt), kept beside the tests
# so that a clean clone runs them.
SEED = ROOT / "tests" / "files" / "henan-2016-notice.txt"
SAMPLE = ROOT / "plans" / "henan-2016.yaml"


def seed_lines() -> list[str]:
    return SEED.read_text("utf-8").splitlines()


def test_the_seed_reads_as_the_sample_field_by_field() -> None:
    assert_reads_as_sample(load_plan_file(SEED))


def assert_reads_as_sample(text: PlanFile) -> None:
    """The notice read, whatever its format, is the hand-made sample plan, field by field."""
    yaml = load_plan_file(SAMPLE)
    assert (text.year, text.title, text.document, text.issued) == (
        yaml.year,
        yaml.title,
        yaml.document,
        yaml.issued,
    )
    assert text.notes == yaml.notes
    assert [(i.no, i.title, i.applies_to) for i in text.items] == [
        (i.no, i.title, i.applies_to) for i in yaml.items
    ]
    assert len(text.items) == 9 and len(text.materials()) == 16
    for got, want in zip(text.materials(), yaml.materials(), strict=True):
        assert got.code == want.code and got.item_no == want.item_no and got.seq == want.seq
        assert got.title == want.title
        assert got.deadline == want.deadline  # expr, kind, start and due
        assert got.targets == want.targets and got.target_unit == want.target_unit
        assert got.applies_to == want.applies_to
        assert got.text_only == want.text_only
    # Not equal, on purpose:
    # - code/short: the sample's `henan-fwxzf`/`fw` were chosen by hand; a notice has only its
    #   文号, so the code is `doc-2016-41` and there is no short prefix.
    assert (text.code, text.short) == ("doc-2016-41", None)
    # - units: none, the bureau's stored tree is used (the sample lists its 29 units).
    # - assessment: the sample's scoring weights are not in the notice.
    assert text.units == [] and text.assessment == {}


def test_plan_import_of_the_seed_uses_the_stored_units(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run([], data, "").returncode == 0  # the shell seeds the sample's units and plan
    done = run(["plan", "import", str(SEED)], data)
    assert done.returncode == 0, done.stderr
    assert "9项任务、16项材料、29个单位" in done.stdout
    # A notice's code is made up from its 文号: the operator may give the bureau's own.
    again = run(["plan", "import", str(SEED), "--code", "henan-fw2", "--short", "fw2"], data)
    assert again.returncode == 0, again.stderr
    assert "简称 fw2" in again.stdout
    bad = run(["plan", "import", str(SEED), "--code", "Henan FW"], data)
    assert bad.returncode == 2 and "Henan FW" in bad.stderr


def test_a_corrupted_notice_is_refused_with_its_lines_and_nothing_stored(tmp_path: Path) -> None:
    lines = seed_lines()
    item = lines.index("年度方案制定情况") + 1  # 1-based, above the deletion: unmoved
    material = lines.index("推进服务型行政执法建设年度方案")  # item 1 loses its only material
    deadline = lines.index("体现服务型行政执法纳入培训考试的材料") + 2  # item 5's 9月底
    assert lines[deadline] == "9月底"
    lines[deadline] = "长期坚持"
    del lines[material]
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PlanFileError) as err:
        load_plan_file(bad)
    found = [(i.line, i.key, i.params) for i in err.value.issues]
    assert found == [
        (item, "plan.error.no_materials", {"no": "1"}),
        (deadline, "plan.error.unknown_deadline", {"expr": "长期坚持"}),  # one line up, 1-based
    ]
    done = run(["plan", "import", str(bad)], tmp_path / "data")
    assert done.returncode == 2
    assert f"第{item}行" in done.stderr and f"第{deadline}行" in done.stderr
    assert "长期坚持" in done.stderr
    assert not (tmp_path / "data" / "bot.sqlite3").exists()


def test_numbered_materials_without_any_deadline_are_each_named() -> None:
    text = SEED.read_text("utf-8").replace(
        "1.开展观摩会或现场会等活动的通知\n\n8月底", "1.开展观摩会或现场会等活动的通知"
    )
    with pytest.raises(PlanFileError) as err:
        read_text_plan(text, "x.txt")
    keys = [(i.key, i.params.get("code")) for i in err.value.issues]
    assert keys == [("plan.error.missing_deadline", code) for code in ("2.1", "2.2", "2.3")]
    # every key this reader can produce renders in both languages
    for lang in ("zh_CN", "en"):
        for issue in err.value.issues:
            assert issue.render(catalog(lang))


def test_year_overrides_are_refused_for_a_notice(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError) as err:
        load_plan_file(SEED, year=2017)
    assert [i.key for i in err.value.issues] == ["plan_text.error.overrides"]


def test_a_refused_notice_leaves_a_store_unchanged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run([], data, "").returncode == 0
    before = _plans(data)
    bad = tmp_path / "bad.md"
    bad.write_text(SEED.read_text("utf-8").replace("6月上旬", "长期坚持"), encoding="utf-8")
    assert run(["plan", "import", str(bad)], data).returncode == 2
    assert _plans(data) == before


def _plans(data: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data / "bot.sqlite3") as db:
        return db.execute("SELECT * FROM plans ORDER BY 1").fetchall()
