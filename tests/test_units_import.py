"""`main.py units import|list`: the bureau's own unit tree from CSV, XLSX or YAML, all or nothing;
plans with or without a `units:` list; contacts that outlive plans."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot import cli
from storage import assignments, plans, units
from tests.support import ShellBot

CSV_TREE = """\
代码,名称,简称,类型,上级,所属地区,排序
henan,河南省应急管理厅,省厅,省局,,,1
kaifeng,开封市应急管理局,开封市,市,henan,,4
zhengzhou,郑州市应急管理局,郑州市,省辖市,henan,,3
zhongmu,中牟县应急管理局,中牟县,县,zhengzhou,,1
fagui,政策法规处,法规处,处室,henan,,1
zongdui,执法总队,,总队,henan,,2
gongyi,巩义市应急管理局,巩义市,county,henan,zhengzhou,10
"""
LISTED = [
    "河南省应急管理厅  henan  省局",
    "  政策法规处  fagui  省局处室",
    "  执法总队  zongdui  省局处室",
    "  郑州市应急管理局  zhengzhou  省辖市",
    "    中牟县应急管理局  zhongmu  县级",
    "  开封市应急管理局  kaifeng  省辖市",
    "  巩义市应急管理局  gongyi  县级",
]
# Addressed to cities and counties; no `units:` list: the bureau's tree is used.
SECOND_PLAN = """\
plan:
  code: henan-tsgz
  short: ts
  year: 2016
  title: 2016年度特殊作业专项整治方案
  applies_to: [city, county]
items:
  - no: 1
    title: 专项整治实施方案
    deadline: 6月底
    materials:
      - title: 实施方案
"""


@pytest.fixture
def main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """`python main.py ARGS` against the test's data directory: (exit code, stdout, stderr)."""
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(cli.main, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def listed(out: str) -> list[str]:
    return out.splitlines()[1:]


async def test_csv_with_chinese_headers_builds_the_tree_in_official_order(
    main, tmp_path: Path
) -> None:
    file = tmp_path / "单位.csv"
    file.write_bytes(CSV_TREE.encode("utf-8-sig"))  # as Excel saves it
    code, out, err = await main("units", "import", str(file))
    assert code == 0, err
    assert "新增 7 个" in out and "单位库现有 7 个单位" in out
    code, out, _ = await main("units", "list")
    assert code == 0
    assert out.splitlines()[0] == "单位库(共 7 个,其中已撤销 0 个):"
    assert listed(out) == LISTED  # parents first, then `sort`, whatever the file's row order


async def test_xlsx_with_numbers_for_codes_and_order(main, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "short_name", "kind", "parent", "region", "sort"])
    sheet.append(["410000", "河南省应急管理厅", "省厅", "province", None, None, 1])
    sheet.append(["410200", "开封市应急管理局", "开封市", "city", "410000", None, 2.0])
    sheet.append([None, None, None, None, None, None, None])  # a blank row is skipped
    sheet.append([410100, "郑州市应急管理局", "郑州市", "city", 410000, None, 1])
    file = tmp_path / "units.xlsx"
    book.save(file)
    code, out, err = await main("units", "import", str(file))
    assert code == 0, err
    code, out, _ = await main("units", "list")
    assert listed(out) == [
        "河南省应急管理厅  410000  省局",
        "  郑州市应急管理局  410100  省辖市",
        "  开封市应急管理局  410200  省辖市",
    ]


async def test_yaml_upserts_by_code_renames_moves_a_subtree_and_never_deletes(
    main, tmp_path: Path
) -> None:
    first = tmp_path / "units.yaml"
    first.write_text(
        "units:\n"
        "  - {code: henan, name: 河南省应急管理厅, kind: province}\n"
        "  - {code: zhengzhou, name: 郑州市应急管理局, kind: city, parent: henan}\n"
        "  - {code: kaifeng, name: 开封市应急管理局, kind: city, parent: henan}\n"
        "  - {code: lankao, name: 兰考县应急管理局, short: 兰考县, kind: county, parent: henan}\n"
        "  - {code: jiedao, name: 兰考县某街道办, kind: county, parent: lankao}\n",
        encoding="utf-8",
    )
    assert (await main("units", "import", str(first)))[0] == 0
    second = tmp_path / "changes.yml"
    second.write_text(
        "- code: lankao\n"
        "  name: 兰考县应急管理局(直管)\n"
        "  kind: county\n"
        "  parent: kaifeng\n"
        "- {代码: zhengzhou, 名称: 郑州市应急局, 类型: 市, 上级: henan}\n",
        encoding="utf-8",
    )
    code, out, err = await main("units", "import", str(second))
    assert code == 0, err
    assert "新增 0 个,改名或改类型 2 个,调整上级 1 个" in out
    _, out, _ = await main("units", "list")
    assert listed(out) == [
        "河南省应急管理厅  henan  省局",
        "  郑州市应急局  zhengzhou  省辖市",
        "  开封市应急管理局  kaifeng  省辖市",
        "    兰考县应急管理局(直管)  lankao  县级",
        "      兰考县某街道办  jiedao  县级",  # moved with its parent
    ]


async def test_a_bad_file_names_every_row_and_stores_nothing(main, tmp_path: Path) -> None:
    file = tmp_path / "units.csv"
    file.write_text(
        "code,name,kind,parent,sort\n"
        "henan,河南省应急管理厅,province,,1\n"
        "zhengzhou,郑州市应急管理局,city,henan,2\n"
        "kaifeng,开封市应急管理局,town,henan,3\n"
        "luoyang,,city,henan,4\n"
        "zhengzhou,郑州市局,city,henan,5\n"
        "lankao,兰考县应急管理局,county,nowhere,六\n"
        "a,甲,county,b\n"
        "b,乙,county,a\n",
        encoding="utf-8",
    )
    code, out, err = await main("units", "import", str(file))
    assert code == 2 and out == ""
    assert "有 5 处问题,未导入任何单位" in err
    for line in [
        "第4行:无法识别的单位类型“town”",
        "第5行:缺少单位名称(name/名称)。",
        "第6行:单位代码 zhengzhou 重复(第3行已有)。",
        "第7行:排序“六”不是整数。",
        "第8行:上级关系成环:a → b → a。",
    ]:
        assert line in err, err
    assert "第7行" in err and "nowhere" not in err  # a bad row is not checked further
    _, out, _ = await main("units", "list")
    assert out.strip() == "单位库为空。导入:python main.py units import 文件(YAML、CSV 或 XLSX)"

    file.write_text("编号,名称\nx,甲\n", encoding="utf-8")
    code, _, err = await main("units", "import", str(file))
    assert code == 2
    assert "第1行:无法识别的列“编号”" in err and "缺少“code”列" in err
    code, _, err = await main("units", "import", str(tmp_path / "units.txt"))
    assert code == 2 and "文件无法读取" in err  # it does not exist
    (tmp_path / "units.txt").write_text("x", encoding="utf-8")
    code, _, err = await main("units", "import", str(tmp_path / "units.txt"))
    assert code == 2 and "无法识别的文件类型:units.txt" in err


async def test_a_new_root_or_an_unknown_parent_is_refused_against_the_stored_tree(
    main, tmp_path: Path
) -> None:
    file = tmp_path / "units.csv"
    file.write_text(CSV_TREE, encoding="utf-8")
    assert (await main("units", "import", str(file)))[0] == 0
    more = tmp_path / "more.csv"
    more.write_text(
        "code,name,kind,parent\n"
        "shandong,山东省应急管理厅,province,\n"
        "xinzheng,新郑市应急管理局,county,zhengzhou\n"
        "weishi,尉氏县应急管理局,county,kaifeng2\n",
        encoding="utf-8",
    )
    code, _, err = await main("units", "import", str(more))
    assert code == 2
    assert "第2行:shandong 没有上级,但单位库已有根单位 henan" in err
    assert "第4行:weishi 的上级 kaifeng2 既不在文件中,也不在单位库中。" in err
    _, out, _ = await main("units", "list")
    assert "xinzheng" not in out  # the good row was not stored either


async def test_the_sample_plan_keeps_its_official_order(bot: ShellBot, main) -> None:
    """郑州, 开封, 洛阳 … 济源, then the 直管县, as the sample lists them."""
    code, out, _ = await main("units", "list")
    assert code == 0
    names = [line.strip().split("  ")[0] for line in listed(out)]
    assert names[0] == "河南省安全生产监督管理局"
    assert names[1:4] == [
        "郑州市安全生产监督管理局",
        "开封市安全生产监督管理局",
        "洛阳市安全生产监督管理局",
    ]
    assert names[18] == "济源市安全生产监督管理局" and names[19] == "巩义市安全生产监督管理局"
    assert names[-1] == "新蔡县安全生产监督管理局"


async def test_a_plan_without_units_addresses_the_bureau_tree_and_contacts_stay_bound(
    bot: ShellBot, main, tmp_path: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    file = tmp_path / "county.csv"
    file.write_text("code,name,kind,parent\nzhongmu,中牟县安全生产监督管理局,county,zhengzhou\n")
    assert (await main("units", "import", str(file)))[0] == 0
    # Another process changed the tree: the running bot sees it at once.
    listing = await bot.say("/units", as_="admin")
    lines = listing.splitlines()
    city = next(i for i, line in enumerate(lines) if "郑州市安全生产监督管理局" in line)
    assert "中牟县安全生产监督管理局" in lines[city + 1] and lines[city + 1].startswith("    ")

    plan = tmp_path / "second.yaml"
    plan.write_text(SECOND_PLAN, encoding="utf-8")
    code, out, err = await main("plan", "import", str(plan), "--publish")
    assert code == 0, err
    # Addressed: the whole tree (中牟县 too); owed by its 18 cities and 11 counties.
    assert "30个单位、29项报送任务" in out
    async with bot.app.store.read() as db:
        second = await plans.find(db, "henan-tsgz", 2016)
        first = await plans.find(db, "henan-fwxzf", 2016)
        zhengzhou = await units.by_code(db, "zhengzhou")
        zhongmu = await units.by_code(db, "zhongmu")
        root = await units.by_code(db, "henan")
        assert second is not None and first is not None and zhengzhou and zhongmu and root
        assert len(await assignments.for_unit(db, second.id, zhengzhou.id)) == 1
        assert len(await assignments.for_unit(db, second.id, zhongmu.id)) == 1
        assert await assignments.for_unit(db, second.id, root.id) == []  # the issuer owes none
        assert len(await assignments.for_unit(db, first.id, zhengzhou.id)) == 16
    started = await bot.say("/start", as_="zz")
    assert "郑州市安全生产监督管理局" in started and "填报员" in started


async def test_a_plan_naming_an_unknown_unit_is_refused_on_its_line(
    bot: ShellBot, main, tmp_path: Path
) -> None:
    plan = tmp_path / "third.yaml"
    plan.write_text(
        SECOND_PLAN.replace(
            "items:",
            "units:\n  - {code: weishi, name: 尉氏县局, kind: county, parent: kaifeng2}\nitems:",
        ),
        encoding="utf-8",
    )
    code, _, err = await main("plan", "import", str(plan))
    assert code == 2
    assert "第8行:weishi 的上级 kaifeng2 既不在文件中,也不在单位库中。" in err, err
    async with bot.app.store.read() as db:
        assert await plans.find(db, "henan-tsgz", 2016) is None
        assert await units.by_code(db, "weishi") is None

    plan.write_text(plan.read_text("utf-8").replace("kaifeng2", "kaifeng"), encoding="utf-8")
    code, _, err = await main("plan", "import", str(plan))
    assert code == 0, err
    async with bot.app.store.read() as db:
        weishi = await units.by_code(db, "weishi")
        kaifeng = await units.by_code(db, "kaifeng")
        assert weishi is not None and kaifeng is not None and weishi.parent_id == kaifeng.id
        assert weishi.path.startswith(kaifeng.path)
        # A list without a root adds to the bureau's tree; the plan addresses all of it.
        third = await plans.find(db, "henan-tsgz", 2016)
        assert third is not None
        assert len(await assignments.for_unit(db, third.id, weishi.id)) == 1
        assert len(await assignments.for_unit(db, third.id, kaifeng.id)) == 1


async def test_units_list_marks_a_retired_unit_and_keeps_it(bot: ShellBot, main) -> None:
    assert "已撤销 巩义市(gongyi)" in await bot.say("/unit retire gongyi drop", as_="admin")
    code, out, _ = await main("units", "list")
    assert code == 0
    assert "(共 29 个,其中已撤销 1 个)" in out
    assert "  巩义市安全生产监督管理局  gongyi  县级 〔2016年5月20日 已撤销〕" in out
