"""`/export` past what the chat can be sent (no download link to send instead) comes one region
a file, and says so; `/export UNIT` narrows it to one unit's subtree in the asker's scope."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.wecom import inbound as wecom_inbound
from bot.wecom import member as wecom_member
from domain.messages import Incoming, Reply
from handlers import export as export_handler
from handlers import router
from tests.insight_world import World
from tests.wecom_support import WeComBot

SPLIT = re.compile(
    r"整个工作簿 [\d.]+ MB,超过本渠道单个文件 [\d.]+ MB 的上限,已按地区分为 (\d+) 个文件"
)


# A workbook's size moves by a few bytes from one build to the next (the times in its zip
# entries and properties compress differently), so a limit is never set one byte under one.
SLACK = 200


async def export(world: World, text: str, user: str = "admin", limit: int | None = None) -> Reply:
    msg = Incoming(channel="shell", user_ref=user, chat_ref=user, text=text, file_limit=limit)
    replies = await router.handle(world.bot.app.services, msg)
    assert len(replies) == 1, replies
    return replies[0]


def units_in(path: Path) -> list[str]:
    """The units of a workbook's progress sheet (above its totals)."""
    sheet = load_workbook(path, read_only=True)["进度"]
    names = []
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if not row or row[0] is None:
            break
        names.append(row[0])
    return names


def report_ids(path: Path) -> list[int]:
    sheet = load_workbook(path, read_only=True)["报送明细"]
    return [r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r and r[0] is not None]


def rows_of(path: Path, sheet: str) -> int:
    found = load_workbook(path, read_only=True)[sheet].iter_rows(min_row=2, values_only=True)
    return sum(1 for r in found if r and r[0] is not None)


async def move_under_zhengzhou(world: World, code: str, name: str) -> None:
    """A directly managed county moved under its city: 郑州市 now has a unit under it."""
    out = await world.bot.say(f"/unit move {code} zhengzhou", as_="admin")
    assert name in out and "郑州市" in out, out


def exports(world: World) -> set[Path]:
    return set((world.bot.app.settings.data_dir / "exports").glob("*.xlsx"))


async def test_a_province_export_over_the_limit_comes_one_city_a_file(world: World) -> None:
    whole_reply = await export(world, "/export")
    (whole,) = [Path(f.path) for f in whole_reply.files]
    everyone, reports = units_in(whole), report_ids(whole)
    assert len(everyone) == 29 and "已按地区" not in whole_reply.text
    before = exports(world)

    limit = whole.stat().st_size - SLACK  # the whole workbook is over it, any one city's is not
    reply = await export(world, "/export", limit=limit)
    found = SPLIT.search(reply.text)
    assert found is not None, reply.text
    assert "全省进度导出:29个单位" in reply.text  # the whole's own summary is kept
    assert "仍超过上限" not in reply.text
    paths = [Path(f.path) for f in reply.files]
    # The sample's 28 cities and directly managed counties have no units under them: a file
    # each would be 28, more than the 20 files a reply takes, so neighbours share one two by
    # two, in the official order; one more file for the province bureau itself.
    assert int(found.group(1)) == len(paths) == 15
    names = [f.name for f in reply.files]
    assert names[:3] == [
        "进度导出-省局本级-20160729.xlsx",
        "进度导出-郑州市等2个地区-20160729.xlsx",
        "进度导出-洛阳市等2个地区-20160729.xlsx",
    ]
    parts = [units_in(p) for p in paths]
    assert parts[:3] == [["省局"], ["郑州市", "开封市"], ["洛阳市", "平顶山市"]]
    assert parts[-1] == ["鹿邑县", "新蔡县"]
    assert sorted(u for part in parts for u in part) == sorted(everyone)  # all, none twice
    assert sorted(r for p in paths for r in report_ids(p)) == sorted(reports)
    assert all(p.stat().st_size <= limit for p in paths)
    # The whole workbook, not sent, is gone; only the parts are new.
    assert exports(world) - before == set(paths)
    # Every audit row is in one part; plan-wide ones (no unit) in the province's own.
    assert sum(rows_of(p, "操作记录") for p in paths) == rows_of(whole, "操作记录")


async def test_a_city_with_counties_is_one_file_and_the_rest_the_provinces_own(
    world: World,
) -> None:
    await move_under_zhengzhou(world, "gongyi", "巩义市")
    whole = Path((await export(world, "/export")).files[0].path)
    everyone = units_in(whole)
    assert len(everyone) == 29

    # A limit only the whole is over: 郑州市 (with its county) is a file of its own; the
    # province bureau and the children with none under them go together.
    reply = await export(world, "/export", limit=whole.stat().st_size - SLACK)
    assert "仍超过上限" not in reply.text
    assert [f.name for f in reply.files] == [
        "进度导出-省局本级及直管-20160729.xlsx",
        "进度导出-郑州市-20160729.xlsx",
    ]
    own, zhengzhou = (units_in(Path(f.path)) for f in reply.files)
    assert zhengzhou == ["郑州市", "巩义市"]
    assert "省局" in own and "兰考县" in own and "开封市" in own and "郑州市" not in own
    assert sorted(own + zhengzhou) == sorted(everyone)
    parts = [Path(f.path) for f in reply.files]
    assert sorted(r for p in parts for r in report_ids(p)) == sorted(report_ids(whole))
    assert sum(rows_of(p, "操作记录") for p in parts) == rows_of(whole, "操作记录")
    # Under a limit the province's own part is over too: still sent (the channel then says
    # what it says of a file too big), and said so.
    sizes = [p.stat().st_size for p in parts]
    assert sizes[0] - sizes[1] > 2 * SLACK
    again = await export(world, "/export", limit=(sizes[0] + sizes[1]) // 2)
    assert len(again.files) == 2 and "其中 1 个仍超过上限,见下文" in again.text, again.text


async def test_a_unit_named_narrows_the_export_to_its_subtree(world: World) -> None:
    await move_under_zhengzhou(world, "gongyi", "巩义市")
    reply = await export(world, "/export 郑州市")
    (path,) = [Path(f.path) for f in reply.files]
    assert reply.files[0].name == "进度导出-郑州市-20160729.xlsx"
    assert units_in(path) == ["郑州市", "巩义市"]
    assert "郑州市进度导出:2个单位" in reply.text
    # 郑州市's seven reports in PLAN, and 巩义市's three.
    assert set(report_ids(path)) == {1, 2, 3, 4, 5, 6, 7, 13, 14, 15}
    # Over the limit, the narrowed export is cut in turn: the city itself, its county.
    split = await export(world, "/export 郑州市", limit=path.stat().st_size - SLACK)
    assert [f.name for f in split.files] == [
        "进度导出-郑州市本级-20160729.xlsx",
        "进度导出-巩义市-20160729.xlsx",
    ]
    assert [units_in(Path(f.path)) for f in split.files] == [["郑州市"], ["巩义市"]]


async def test_a_unit_outside_the_city_admins_scope_is_refused_and_nothing_written(
    world: World,
) -> None:
    await world.bot.invite_and_bind("zhengzhou", "zzadmin", "unit_admin")
    before = exports(world)
    reply = await export(world, "/export 开封市", user="zzadmin")
    assert reply.is_error and "开封市" in reply.text and not reply.files
    assert exports(world) == before
    own = await export(world, "/export 郑州", user="zzadmin")
    assert units_in(Path(own.files[0].path)) == ["郑州市"]


async def test_one_unit_over_the_limit_is_sent_as_it_is(world: World) -> None:
    """Nothing to cut a leaf unit into: the file goes, and the channel says what it says."""
    reply = await export(world, "/export 开封市", limit=1)
    assert len(reply.files) == 1 and "已按地区" not in reply.text
    assert Path(reply.files[0].path).is_file()


async def test_wecom_without_a_public_url_sends_it_one_region_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await WeComBot.start(tmp_path / "data")
    try:
        await bot.say("admin", "/export")
        (first,) = bot.fake.uploads.values()
        # WeCom's 20 MB, lowered to just under this workbook (the send path's too).
        limit = len(first[1]) - 1
        monkeypatch.setattr(wecom_inbound, "FILE_MAX", limit)
        monkeypatch.setattr(wecom_member, "FILE_MAX", limit)
        said = await bot.say("admin", "/export")
        assert "已按地区分为 15 个文件发送" in said, said
        assert "超过企业微信" not in said
        parts = [u for u in bot.fake.uploads.values() if u is not first]
        # 15 files and the text: within a member's 30 messages a minute, nothing held back.
        assert len(parts) == 15 and all(len(content) <= limit for _, content in parts)
    finally:
        await bot.stop()


async def test_parts_rendered_in_another_process_match(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national store renders the long sheets in another process, its scope sent as JSON."""
    await move_under_zhengzhou(world, "gongyi", "巩义市")
    whole = Path((await export(world, "/export")).files[0].path)
    limit = whole.stat().st_size - SLACK
    serial = await export(world, "/export", limit=limit)
    monkeypatch.setattr(export_handler, "PARALLEL_REPORTS", 1)
    parallel = await export(world, "/export", limit=limit)
    assert [f.name for f in parallel.files] == [f.name for f in serial.files]
    assert len(serial.files) == 2
    for one, other in zip(serial.files, parallel.files, strict=True):
        a, b = load_workbook(one.path), load_workbook(other.path)
        for name in ("报送明细", "操作记录", "进度"):
            assert list(a[name].values) == list(b[name].values), (one.name, name)
