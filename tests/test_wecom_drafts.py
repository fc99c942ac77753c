"""Reports that keep their files on WeCom: a draft stays open while photos trickle in, closes
by 完成 (filed at once), by another command or after `WECOM_REPORT_DRAFT_MINUTES`; 追加到 #N
adds files."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.draft_timer import close_due, run
from storage import reports
from tests.support import find_code, report_id, stored_bytes
from tests.wecom_support import WeComBot

PUBLIC_URL = "https://duban.example.gov.cn"


def photo(n: int) -> bytes:
    return b"\xff\xd8\xff\xe0 site photo %d " % n + bytes([n]) * 64


async def start(tmp_path: Path, window: float = 0.2) -> WeComBot:
    bot = await WeComBot.start(tmp_path / "data", window=window, BOT_PUBLIC_URL=PUBLIC_URL)
    code = find_code(await bot.say("admin", "/invite 郑州 reporter"))
    assert "绑定成功" in await bot.say("zz", f"/bind {code}")
    return bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    wecom_bot = await start(tmp_path)
    yield wecom_bot
    await wecom_bot.stop()


async def send_photo(bot: WeComBot, user: str, data: bytes) -> None:
    media_id = bot.fake.add_media(data)
    response = await bot.post(bot.message(user, "image", PicUrl="http://p", MediaId=media_id))
    assert response.status_code == 200


async def photo_now(bot: WeComBot, user: str, data: bytes) -> str:
    bot.news(user)
    await send_photo(bot, user, data)
    await bot.settle()
    return bot.news(user)


async def files_of(bot: WeComBot, number: int) -> list[bytes]:
    async with bot.app.store.read() as db:
        files = await reports.files(db, number)
    return [await stored_bytes(bot.app.services.files, f.sha256) for f in files]


async def all_reports(bot: WeComBot) -> list[tuple[int, str]]:
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall(
            "SELECT r.id, m.code FROM reports r JOIN assignments a ON a.id = r.assignment_id"
            " JOIN materials m ON m.id = a.material_id ORDER BY r.id"
        )
    return [(int(r[0]), str(r[1])) for r in rows]


async def drafts_left(bot: WeComBot) -> int:
    async with bot.app.store.read() as db:
        (row,) = await db.execute_fetchall("SELECT COUNT(*) FROM drafts")
    return int(row[0])


async def time_runs_out(bot: WeComBot, user: str, minutes: int = 30) -> str:
    """The clock passes the draft's open time and the timer's round runs."""
    bot.news(user)
    bot.clock.advance(timedelta(minutes=minutes))
    await close_due(bot.app.services)
    await bot.settle()
    return bot.news(user)


async def test_three_photos_twenty_forty_seventy_seconds_later_are_one_report(
    bot: WeComBot,
) -> None:
    opened = await bot.say("zz", "报送 2.1 已召开现场会")
    assert "需附上材料文件" in opened and "已报送" not in opened
    assert "[完成]  [取消]  [网页上传]" in opened  # a template card
    start = bot.clock.now()
    shots = [photo(1), photo(2), photo(3)]
    for count, (seconds, shot) in enumerate(zip((20, 40, 70), shots, strict=True), 1):
        bot.clock.set(start + timedelta(seconds=seconds))
        added = await photo_now(bot, "zz", shot)
        assert f"已添加 1 个附件(共 {count} 个)" in added and "已报送" not in added
    done = await bot.tap("zz", "完成")  # 完成 files it at once
    assert "已报送 [2.1]" in done and "附件 3 个" in done
    assert [code for _, code in await all_reports(bot)] == ["2.1"]
    assert sorted(await files_of(bot, report_id(done))) == sorted(shots)


async def test_a_draft_with_files_is_filed_when_its_time_runs_out(bot: WeComBot) -> None:
    await bot.say("zz", "报送 2.1 已召开现场会")
    bot.clock.advance(timedelta(seconds=50))
    await photo_now(bot, "zz", photo(1))
    bot.clock.advance(timedelta(minutes=29))
    assert await close_due(bot.app.services) == 0  # quiet for 29 minutes only: still open
    await photo_now(bot, "zz", photo(2))  # and a photo now starts the 30 minutes again
    assert await time_runs_out(bot, "zz", minutes=29) == ""
    told = await time_runs_out(bot, "zz", minutes=1)
    assert "30 分钟没有新文件" in told and "已报送 [2.1]" in told and "附件 2 个" in told
    (number, code), *_ = await all_reports(bot)
    assert code == "2.1" and sorted(await files_of(bot, number)) == [photo(1), photo(2)]
    assert await drafts_left(bot) == 0
    assert await time_runs_out(bot, "zz") == ""  # closed once


async def test_a_draft_without_files_is_dropped_when_its_time_runs_out(bot: WeComBot) -> None:
    await bot.say("zz", "报送 2.1 已召开现场会")
    told = await time_runs_out(bot, "zz")
    assert "没有收到文件" in told and "未报送" in told
    assert await all_reports(bot) == [] and await drafts_left(bot) == 0
    later = await photo_now(bot, "zz", photo(1))  # a late photo asks again, 2.1 offered
    assert "已收到 1 个附件" in later and "2.1 开展观摩会" in later


async def test_photo_first_then_the_command_a_minute_later(bot: WeComBot) -> None:
    asked = await photo_now(bot, "zz", photo(1))
    assert "已收到 1 个附件" in asked and "请选择要报送的材料" in asked
    bot.clock.advance(timedelta(minutes=1))
    done = await bot.say("zz", "报送 2.2 观摩会图片")
    assert "已报送 [2.2]" in done and "附件 1 个" in done
    assert await files_of(bot, report_id(done)) == [photo(1)]
    assert await drafts_left(bot) == 0


async def test_a_photo_alone_asks_which_material_and_the_choice_opens_the_draft(
    bot: WeComBot,
) -> None:
    asked = await photo_now(bot, "zz", photo(1))
    # Sixteen open materials do not fit a card's six buttons: they are numbered.
    assert "[2] 6.1 年度方案" in asked
    step = await bot.say("zz", "2")
    assert "报送 [6.1]" in step and "已收到 1 个" in step and "[完成]" in step
    assert "共 2 个" in await photo_now(bot, "zz", photo(2))
    told = await time_runs_out(bot, "zz")
    assert "已报送 [6.1]" in told and "附件 2 个" in told
    (number, _), *_ = await all_reports(bot)
    assert sorted(await files_of(bot, number)) == [photo(1), photo(2)]


async def test_a_photo_never_given_a_material_is_dropped_with_a_word(bot: WeComBot) -> None:
    await photo_now(bot, "zz", photo(1))
    assert "待报送材料" in await bot.say("zz", "待办")
    assert await drafts_left(bot) == 1  # kept while the code is looked up
    told = await time_runs_out(bot, "zz")
    assert "1 个附件未选择材料" in told and await drafts_left(bot) == 0


async def test_twenty_photos_over_a_minute_are_one_report(tmp_path: Path) -> None:
    bot = await start(tmp_path, window=1.0)
    try:
        await bot.say("zz", "报送 2.1 观摩会现场")
        shots = [photo(n) for n in range(20)]
        acks = 0
        for burst in range(4):  # a gallery upload: photos a few seconds apart
            bot.news("zz")
            for shot in shots[burst * 5 : burst * 5 + 5]:
                bot.clock.advance(timedelta(seconds=3))
                await send_photo(bot, "zz", shot)
            await bot.settle()
            said = bot.news("zz")
            acks += said.count("已添加")
            assert f"(共 {burst * 5 + 5} 个)" in said
        assert acks <= 4  # acknowledged per burst, not per photo
        done = await time_runs_out(bot, "zz")
        assert "已报送 [2.1]" in done and "附件 20 个" in done
        assert len(await all_reports(bot)) == 1
        assert sorted(await files_of(bot, report_id(done))) == sorted(shots)
    finally:
        await bot.stop()


async def test_another_command_closes_the_draft(bot: WeComBot) -> None:
    await bot.say("zz", "报送 2.1 已召开现场会")
    bot.clock.advance(timedelta(seconds=30))
    await photo_now(bot, "zz", photo(1))
    todo = await bot.say("zz", "待办")
    assert "已报送 [2.1]" in todo and "附件 1 个" in todo and "待报送材料" in todo
    assert "2.1 开展观摩会" not in todo.split("待报送材料", 1)[1]
    # A report for another material closes an empty draft, saying so.
    await bot.say("zz", "报送 2.2")
    switched = await bot.say("zz", "报送 6.1")
    assert "[2.2] 的报送草稿没有收到文件" in switched and "[6.1]" in switched


async def test_the_draft_survives_a_restart(tmp_path: Path) -> None:
    first = await start(tmp_path)
    await first.say("zz", "报送 2.1 已召开现场会")
    await first.stop()
    second = await WeComBot.start(tmp_path / "data", BOT_PUBLIC_URL=PUBLIC_URL)
    try:
        second.clock.advance(timedelta(seconds=40))
        assert "共 1 个" in await photo_now(second, "zz", photo(1))
        done = await second.tap("zz", "完成")
        assert "已报送 [2.1]" in done and "附件 1 个" in done
    finally:
        await second.stop()


async def test_append_to_my_report_awaiting_review(bot: WeComBot) -> None:
    number = report_id(await bot.say("zz", "报送 2.1 已召开现场会", images=[photo(1)]))
    asked = await bot.say("zz", f"追加到 #{number}")
    assert f"追加到报送 #{number}" in asked and "[完成]" in asked
    bot.clock.advance(timedelta(seconds=45))
    assert f"已加入 #{number} 的追加(共 1 个附件)" in await photo_now(bot, "zz", photo(2))
    done = await bot.tap("zz", "完成")  # added at once
    assert f"已向报送 #{number} [2.1] 追加 1 个附件,现共 2 个" in done
    assert await files_of(bot, number) == [photo(1), photo(2)]
    # The English command with the files in the same moment adds them at once.
    added = await bot.say("zz", f"/append {number}", images=[photo(3)])
    assert "现共 3 个" in added
    # Files first, then the command, too.
    await photo_now(bot, "zz", photo(4))
    assert "现共 4 个" in await bot.say("zz", f"追加 {number}")
    # Written without a space, with a full-width mark, as phones often do.
    assert "现共 5 个" in await bot.say("zz", f"追加到＃{number}", images=[photo(5)])
    assert len(await files_of(bot, number)) == 5 and len(await all_reports(bot)) == 1


async def test_append_refuses_anothers_a_reviewed_and_another_units_report(
    bot: WeComBot,
) -> None:
    code = find_code(await bot.say("admin", "/invite 郑州 reporter"))
    await bot.say("zz2", f"/bind {code}")
    theirs = report_id(await bot.say("zz2", "报送 2.1 现场会", images=[photo(1)]))
    refused = await bot.say("zz", f"追加到 #{theirs}", images=[photo(2)])
    assert "不是您提交的" in refused
    code = find_code(await bot.say("admin", "/invite 洛阳 reporter"))
    await bot.say("ly", f"/bind {code}")
    other_unit = report_id(await bot.say("ly", "报送 2.1 现场会", images=[photo(3)]))
    assert f"找不到报送 #{other_unit}" in await bot.say("zz", f"/append {other_unit}")
    mine = report_id(await bot.say("zz", "报送 2.2 图片", images=[photo(4)]))
    assert "已通过" in await bot.say("admin", f"/accept {mine}")
    reviewed = await bot.say("zz", f"追加到 #{mine}", images=[photo(5)])
    assert "只有待审核的报送可以追加附件" in reviewed
    assert "用法" in await bot.say("zz", "追加到 abc")
    assert await files_of(bot, theirs) == [photo(1)]
    assert await files_of(bot, other_unit) == [photo(3)]
    assert await files_of(bot, mine) == [photo(4)]


async def test_a_stale_draft_closes_before_the_next_message_if_the_timer_has_not_run(
    bot: WeComBot,
) -> None:
    await bot.say("zz", "报送 2.1 已召开现场会", images=[])
    await photo_now(bot, "zz", photo(1))
    bot.clock.advance(timedelta(minutes=31))  # the timer did not run (the bot was down)
    said = await photo_now(bot, "zz", photo(2))
    assert "已报送 [2.1]" in said and "附件 1 个" in said
    assert "已收到 1 个附件" in said and "2.1 开展观摩会" not in said  # a new draft, asked


async def test_the_timer_loop_closes_quiet_drafts_and_wakes_the_sender(bot: WeComBot) -> None:
    await bot.say("zz", "报送 2.1 已召开现场会")
    await photo_now(bot, "zz", photo(1))
    bot.clock.advance(timedelta(minutes=30))
    woken = asyncio.Event()
    loop = asyncio.create_task(run(bot.app.services, woken.set, every=0.01))
    try:
        await asyncio.wait_for(woken.wait(), timeout=10)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    await bot.settle()
    assert "已报送 [2.1]" in bot.news("zz") and await drafts_left(bot) == 0
