"""Plan notices as Word and PDF files: the seed's table reads as the sample; another bureau's
table is read with exactly the problems it has; scans and broken files are refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from domain.plan_file import PlanFileError, load_plan_file
from handlers.render import plan_issue_text
from locales import Translator
from tests.notice_documents import (
    OTHER_BODY,
    OTHER_ROWS,
    Row,
    seed_body,
    seed_notes,
    seed_rows,
    write_docx,
    write_pdf,
    write_scanned_pdf,
)
from tests.test_cli import run
from tests.test_plan_text import assert_reads_as_sample

ZH = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))


def split_pdf(path: Path, body: list[str], rows: list[Row], notes: list[str] | None = None) -> None:
    """Split inside item 2, whose 序号, 事项 and deadline cells are merged over the break."""
    write_pdf(path, body, rows, notes, page_break_before=4)


WRITERS: dict[str, tuple[str, Callable[..., None]]] = {
    "docx": (".docx", write_docx),
    "pdf": (".pdf", write_pdf),
    "pdf over two pages": (".pdf", split_pdf),
}


@pytest.mark.parametrize("kind", WRITERS)
def test_the_seed_notice_reads_as_the_sample(kind: str, tmp_path: Path) -> None:
    suffix, write = WRITERS[kind]
    path = tmp_path / f"notice{suffix}"
    write(path, seed_body(), seed_rows(), seed_notes())
    assert_reads_as_sample(load_plan_file(path))


def test_plan_import_takes_the_word_notice(tmp_path: Path) -> None:
    path = tmp_path / "豫安监管〔2016〕41号.docx"
    write_docx(path, seed_body(), seed_rows(), seed_notes())
    data = tmp_path / "data"
    assert run([], data, "").returncode == 0  # the shell seeds the sample's units
    done = run(["plan", "import", str(path)], data)
    assert done.returncode == 0, done.stderr
    assert "2016年度全省安全监管系统推进服务型行政执法建设工作方案" in done.stdout
    listed = run(["plan", "list"], data)
    assert "doc-2016-41" in listed.stdout


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_another_bureaus_table_is_read_with_exactly_its_problems(kind: str, tmp_path: Path) -> None:
    suffix, write = WRITERS[kind]
    path = tmp_path / f"other{suffix}"
    write(path, OTHER_BODY, OTHER_ROWS)
    with pytest.raises(PlanFileError) as err:
        load_plan_file(path)
    page = {"page": "1"} if kind == "pdf" else {}
    assert [(i.line, i.key, i.params) for i in err.value.issues] == [
        (5, "plan.error.unknown_deadline", {"expr": "长期坚持", **page, "row": "5", "col": "4"}),
        (7, "plan_table.error.responsible", {"text": "有关企业", **page, "row": "7", "col": "3"}),
        (8, "plan.error.missing_deadline", {"code": "7", **page, "row": "8", "col": "4"}),
    ]
    where = "第1页表格第5行第4列" if kind == "pdf" else "表格第5行第4列"
    assert plan_issue_text(ZH, err.value.issues[0]).startswith(f"{where}:完成时限“长期坚持”")


def test_another_bureaus_table_once_corrected_and_confirmed(tmp_path: Path) -> None:
    rows = [row for row in OTHER_ROWS if row[1] != "落实企业主体责任"]
    rows[-1] = [*rows[-1][:3], "9月底前"]
    path = tmp_path / "other.docx"
    write_docx(path, OTHER_BODY, rows)
    with pytest.raises(PlanFileError) as err:
        load_plan_file(path)  # 长期坚持 is not taken for "on request" unasked
    assert [i.key for i in err.value.issues] == ["plan.error.unknown_deadline"]
    plan = load_plan_file(path, on_request=True)
    assert (plan.code, plan.year, plan.issued.isoformat() if plan.issued else None) == (
        "doc-2017-12",
        2017,
        "2017-02-20",
    )
    assert plan.title == "2017年安全生产重点工作任务分解"
    got = {
        m.code: (m.deadline.expr, m.deadline.due, sorted(m.applies_to)) for m in plan.materials()
    }
    assert got["1"][:2] == ("3月底前", date(2017, 3, 31))
    assert got["2"][1] == date(2017, 6, 30)
    assert [c for c in got if c.startswith("3/")] == ["3/q1", "3/q2", "3/q3", "3/q4"]  # 每季度末
    assert got["4"][0] == "按要求报送（长期坚持）"
    assert got["5"][2] == ["city"] and got["1"][2] == ["county"]  # 市局 / 各县（市、区）
    assert [n.key for n in plan.notices] == ["plan.notice.on_request"]


def test_a_scanned_pdf_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    write_scanned_pdf(path)
    with pytest.raises(PlanFileError) as err:
        load_plan_file(path)
    assert [i.key for i in err.value.issues] == ["plan_table.error.scanned"]
    assert "扫描件" in plan_issue_text(ZH, err.value.issues[0])


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_a_broken_file_is_unreadable(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"PK\x03\x04 not really" if suffix == ".docx" else b"%PDF-1.4\n garbage")
    with pytest.raises(PlanFileError) as err:
        load_plan_file(path)
    assert [i.key for i in err.value.issues] == ["plan.error.unreadable"]


def test_a_word_notice_without_the_table_says_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "notice.docx"
    document = Document()
    for text in seed_body():
        document.add_paragraph(text)
    document.save(str(path))
    with pytest.raises(PlanFileError) as err:
        load_plan_file(path)
    assert [i.key for i in err.value.issues] == ["plan_table.error.no_table"]


def test_materials_numbered_by_word_in_one_cell(tmp_path: Path) -> None:
    """Item 2's three materials as one cell of Word-numbered paragraphs (List Number), one
    deadline beside them; （一） before an item's title is numbering, not title."""
    rows = seed_rows()
    path = tmp_path / "numbered.docx"
    write_docx(path, seed_body(), rows, seed_notes())
    document = Document(str(path))
    table = document.tables[0]
    first = next(r for r, row in enumerate(rows) if row[1] == "组织开展观摩、交流等情况")
    cell = table.cell(first, 2)
    titles = [row[2] for row in rows[first : first + 3]]
    for paragraph in cell.paragraphs:
        paragraph.text = ""
    cell.paragraphs[0].text = (titles[0] or "").removeprefix("1.")
    cell.paragraphs[0].style = document.styles["List Number"]
    for title in titles[1:]:
        cell.add_paragraph((title or "")[2:], style="List Number")
    for r in (first + 1, first + 2):  # the two rows below now hold nothing of their own
        table.cell(r, 2).text = ""
    table.cell(first, 1).text = "（二）组织开展观摩、交流等情况"
    document.save(str(path))
    plan = load_plan_file(path)
    item = plan.items[1]
    assert item.title == "组织开展观摩、交流等情况"
    assert [(m.code, m.title, m.deadline.expr) for m in item.materials] == [
        ("2.1", "开展观摩会或现场会等活动的通知", "8月底"),
        ("2.2", "组织观摩会或现场会等活动的图片、视频资料", "8月底"),
        ("2.3", "相关典型经验", "8月底"),
    ]


@pytest.mark.parametrize(
    ("suffix", "instead"), [(".doc", ".docx"), (".wps", ".docx"), (".ofd", ".pdf")]
)
def test_formats_no_reader_opens_are_asked_for_again(
    suffix: str, instead: str, tmp_path: Path
) -> None:
    path = tmp_path / f"通知{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0 an old Word file")
    with pytest.raises(PlanFileError) as err:
        load_plan_file(path)
    assert [i.key for i in err.value.issues] == ["plan.error.save_as"]
    assert f"另存为” {instead}" in plan_issue_text(ZH, err.value.issues[0])


def test_a_requirement_column_says_what_each_material_needs(tmp_path: Path) -> None:
    """报送要求 beside the materials; a cell merged over two rows holds for both."""
    rows: list[Row] = [
        ["序号", "事项", "需报送的材料", "完成时限", "报送要求"],
        ["1", "年度方案制定情况", "推进服务型行政执法建设年度方案", "5月底", "加盖公章的PDF"],
        ["2", "组织开展观摩、交流等情况", "1.开展观摩会的通知", "8月底", "照片不少于3张"],
        [None, None, "2.观摩会的图片、视频资料", None, None],
        [None, None, "3.相关典型经验", None, ""],
    ]
    path = tmp_path / "requirements.docx"
    write_docx(path, seed_body(), rows)
    needs = {m.code: m.requirement for m in load_plan_file(path).materials()}
    assert needs == {
        "1": "加盖公章的PDF",
        "2.1": "照片不少于3张",
        "2.2": "照片不少于3张",
        "2.3": None,
    }
