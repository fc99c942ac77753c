"""The materials archive: exactly the accepted files, under item/unit folders, Chinese names kept."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from domain.model import UnitKind
from domain.progress_rows import AcceptedFile, MaterialCol, UnitRow
from insight.zip_archive import write_archive
from locales import Translator
from tests.insight_world import World, run_cli, sent_file
from tests.support import SHANGHAI

INDEX = "目录.xlsx"


def contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        for info in zf.infolist():
            if not info.filename.isascii():
                assert info.flag_bits & 0x800, info.filename  # names stored as UTF-8
        return {name: zf.read(name) for name in zf.namelist()}


async def test_archive_holds_exactly_the_accepted_files(world: World) -> None:
    out = await world.bot.say("/archive", as_="admin")
    assert "全省已通过材料归档(全部材料):12个文件" in out
    found = contents(sent_file(out))
    index = found.pop(INDEX)
    assert found == world.accepted
    assert "2 组织开展观摩、交流等情况/郑州市/2.1 现场照片 (2).jpg" in found
    # Files still waiting or sent back are not in it.
    assert not [n for n in found if "观摩照片" in n or "评查通知" in n or "南阳" in n]
    sheet = load_workbook(io.BytesIO(index))["目录"]
    listed = {r[7]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(listed) == set(world.accepted)
    row = listed["1 年度方案制定情况/郑州市/1 年度方案.pdf"]
    assert row[1:3] == ("郑州市", "1") and row[5] == "2016-05-28 09:30" and row[6] == "年度方案.pdf"


async def test_archive_of_one_item_one_material_and_one_city(world: World) -> None:
    item = contents(sent_file(await world.bot.say("/archive 6", as_="admin")))
    item.pop(INDEX)
    assert item == {k: v for k, v in world.accepted.items() if k.startswith("6 ")}
    material = contents(sent_file(await world.bot.say("/archive 2.1", as_="admin")))
    material.pop(INDEX)
    assert set(material) == {k for k in world.accepted if "/2.1 " in k}

    await world.bot.invite_and_bind("郑州市", "zzadmin", "admin")
    city = contents(sent_file(await world.bot.say("/archive", as_="zzadmin")))
    city.pop(INDEX)
    assert city == {k: v for k, v in world.accepted.items() if "/郑州市/" in k}


async def test_archive_refuses_bad_codes_and_says_when_empty(world: World) -> None:
    exports = world.bot.app.settings.data_dir / "exports"
    before = set(exports.glob("*"))
    assert "没有编号为“99”的材料" in await world.bot.say("/archive 99", as_="admin")
    assert "没有编号为“郑州”的材料" in await world.bot.say("/archive 郑州", as_="admin")
    empty = await world.bot.say("/archive 9", as_="admin")
    assert "暂无已审核通过的材料" in empty and "📎" not in empty
    assert set(exports.glob("*")) == before
    assert "没有使用该命令的权限" in await world.bot.say("/archive", as_="zz")


async def test_large_files_are_streamed_not_held_in_memory(tmp_path: Path) -> None:
    big = tmp_path / "微视频.mp4"
    with big.open("wb") as f:
        for n in range(48):
            f.write(bytes([n]) * (1 << 20))
    unit = UnitRow(
        1, "zz", "郑州市安全生产监督管理局", "郑州市", UnitKind.CITY, None, None, "/1/", 0
    )
    material = MaterialCol(8, "8", 8, "宣传工作", "推荐微视频", None, None, "on_request", {}, None)
    files = [
        AcceptedFile(
            7, 1, 8, datetime(2016, 7, 1, tzinfo=UTC), big.name, "ab" * 32, big.stat().st_size
        )
    ]
    tracemalloc.start()
    summary = write_archive(
        iter(files),
        lambda sha: big.open("rb"),
        {1: unit},
        {8: material},
        Translator("zh_CN", SHANGHAI),
        tmp_path / "out.zip",
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.files == 1 and summary.bytes == 48 << 20
    assert peak < 8 << 20  # 48 MB went through without being held
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        info = zf.getinfo("8 宣传工作/郑州市/8 微视频.mp4")
        assert info.file_size == 48 << 20
        assert info.compress_type == zipfile.ZIP_STORED  # video: no pointless deflating
        assert info.date_time == (2016, 7, 1, 8, 0, 0)  # accepted time, Shanghai


@pytest.mark.slow
async def test_cli_archive(world: World, tmp_path: Path) -> None:
    data_dir = world.bot.app.settings.data_dir
    out = tmp_path / "归档.zip"
    code, stdout, stderr = await run_cli(["archive", "1", str(out)], data_dir)
    assert code == 0, stderr
    assert "4个文件" in stdout  # item 1 is the cities' and counties': the province owes 3.2 only
    found = contents(out)
    found.pop(INDEX)
    assert found == {k: v for k, v in world.accepted.items() if k.startswith("1 ")}
    code, _, stderr = await run_cli(["archive", "77", str(tmp_path / "x.zip")], data_dir)
    assert code == 2 and "没有编号为“77”的材料" in stderr
    assert not (tmp_path / "x.zip").exists()
