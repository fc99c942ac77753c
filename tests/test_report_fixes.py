"""Reports that can be fixed, through the shell: `/amend` (修改报送), `/undo` (撤销) within ten
minutes, `/cancel` (取消) of whatever is open, `/history` naming who reported, 完成 filing
a draft at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from domain.model import AssignmentState, ReportStatus
from storage import assignments, audit, reports, units
from storage.models import Report
from tests.fake_telegram import FakeTelegram
from tests.support import ShellBot, report_id
from tests.telegram_harness import TelegramBot, texts


async def _report(bot: ShellBot, number: int) -> Report:
    async with bot.app.store.read() as db:
        found = await reports.get(db, number)
    assert found is not None
    return found


async def _audit(bot: ShellBot, unit_id: int) -> list[tuple[str, dict[str, object]]]:
    async with bot.app.store.read() as db:
        return [(e.action, e.detail) for e in await audit.of_unit(db, unit_id, 50)]


async def test_amend_a_pending_report_with_a_file_and_with_a_note(
    bot: ShellBot, pdf: Path, photo: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("郑州", "zz2")
    number = report_id(await bot.say("/report 2.1 已召开现场会", as_="zz", files=[pdf]))
    # Anyone of the unit may amend it, as anyone of the unit may withdraw it.
    added = await bot.say(f"/amend {number}", as_="zz2", files=[photo])
    assert f"已向报送 #{number} [2.1] 追加 1 个附件,现共 2 个" in added
    noted = await bot.say(f"修改报送 #{number} 现场会已召开,附签到表", as_="zz")
    assert f"已修改报送 #{number} [2.1] 的说明:现场会已召开,附签到表" in noted
    found = await _report(bot, number)
    assert found.note == "现场会已召开,附签到表" and len(found.files) == 2
    assert found.status is ReportStatus.PENDING
    log = await _audit(bot, found.unit_id)
    assert ("amend", {"report": number, "old_note": "已召开现场会", "note": found.note}) in log
    assert "现场会已召开,附签到表" in await bot.say("/pending", as_="admin")
    # Without a note or files, the files that come next are added (as /append does).
    asked = await bot.say(f"/amend {number}", as_="zz2")
    assert f"请发送要追加到报送 #{number} 的文件" in asked
    await bot.say("", as_="zz2", files=[pdf])
    assert "现共 3 个" in await bot.say("/report_done", as_="zz2")


async def test_amend_refused_for_a_reviewed_report_and_another_units(
    bot: ShellBot, pdf: Path, photo: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("洛阳", "ly")
    mine = report_id(await bot.say("/report 2.1 现场会", as_="zz", files=[pdf]))
    theirs = report_id(await bot.say("/report 2.1 观摩会", as_="ly", files=[pdf]))
    assert f"找不到报送 #{theirs}" in await bot.say(f"/amend {theirs} 改一下", as_="zz")
    assert f"找不到报送 #{theirs}" in await bot.say(f"/amend {theirs}", as_="zz", files=[photo])
    await bot.say(f"/accept {mine}", as_="admin")
    refused = await bot.say(f"/amend {mine} 新说明", as_="zz")
    assert f"报送 #{mine} 状态为“已通过”,只有待审核的报送可以修改" in refused
    with_file = await bot.say(f"/amend {mine}", as_="zz", files=[photo])
    assert "只有待审核的报送可以追加附件" in with_file
    assert "用法" in await bot.say("/amend abc", as_="zz")
    kept = await _report(bot, mine)
    assert kept.note == "现场会" and len(kept.files) == 1
    assert (await _report(bot, theirs)).note == "观摩会"


async def test_undo_an_accept_within_ten_minutes_and_not_after(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    number = report_id(await bot.say("/report 2.1 现场会", as_="zz", files=[pdf]))
    assert "推送给 zz" in await bot.say(f"/accept {number}", as_="admin")
    bot.clock.advance(timedelta(minutes=9))
    undone = await bot.say("撤销", as_="admin")
    assert f"已撤销:通过报送 #{number} [2.1],重新等待审核" in undone
    # The reporter was told of the accept, so is told of the undo.
    assert "审核“通过报送”已被撤销" in undone and "推送给 zz" in undone
    found = await _report(bot, number)
    assert found.status is ReportStatus.PENDING and found.reviewer_id is None
    async with bot.app.store.read() as db:
        row = await assignments.get(db, found.assignment_id)
    assert row is not None and row.state is AssignmentState.PENDING
    log = await _audit(bot, found.unit_id)
    assert log[0][0] == "undo" and log[0][1]["undid"] == "accept"
    assert "没有可撤销" in await bot.say("/undo", as_="admin")  # one step back only
    # Accepted again, and the clock moved past the ten minutes: refused, nothing changes.
    await bot.say(f"/accept {number}", as_="admin")
    bot.clock.advance(timedelta(minutes=10, seconds=1))
    late = await bot.say("/undo", as_="admin")
    assert f"通过报送 #{number} [2.1]" in late and "已超过 10 分钟,不能撤销" in late
    assert (await _report(bot, number)).status is ReportStatus.ACCEPTED


async def test_undo_a_return_tells_the_unit_and_an_approval_restores_the_due_date(
    bot: ShellBot, pdf: Path
) -> None:
    await bot.invite_and_bind("郑州", "zz")
    number = report_id(await bot.say("/report 2.1 现场会", as_="zz", files=[pdf]))
    await bot.say(f"/return {number} 缺签到表", as_="admin")
    undone = await bot.say("/undo", as_="admin")
    assert "退回报送" in undone and "推送给 zz" in undone
    assert (await _report(bot, number)).status is ReportStatus.PENDING
    # A return the unit has already answered with a new report cannot be undone.
    await bot.say(f"/return {number} 缺签到表", as_="admin")
    again = report_id(await bot.say("/report 2.1 补签到表", as_="zz", files=[pdf]))
    redone = await bot.say("/undo", as_="admin")
    assert f"已重新报送(#{again})" in redone
    # An extension approved and undone: the old due date is back.
    async with bot.app.store.read() as db:
        unit = next(u for u in await units.all_units(db) if u.name.startswith("郑州"))
        before = {r.code: r.due_date for r in await assignments.for_unit(db, 1, unit.id)}
    filed = await bot.say("/extend 6.1 12-01 人手不足", as_="zz")
    request = report_id(filed)
    assert "已批准" in await bot.say(f"/approve {request}", as_="admin")
    undone = await bot.say("/undo", as_="admin")
    assert f"批准延期申请 #{request}" in undone
    async with bot.app.store.read() as db:
        after = {r.code: r.due_date for r in await assignments.for_unit(db, 1, unit.id)}
    assert after["6.1"] == before["6.1"]
    assert f"#{request}" in await bot.say("/pending", as_="admin")


async def test_cancel_a_draft_a_reason_prompt_and_nothing(bot: ShellBot, photo: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    assert "没有需要取消的内容" in await bot.say("/cancel", as_="zz")
    await bot.say("/report 6.1", as_="zz")
    await bot.say("", as_="zz", files=[photo])
    cancelled = await bot.say("取消", as_="zz")
    assert "已取消 [6.1] 的报送草稿(1 个附件未报送)" in cancelled
    assert "没有需要取消的内容" in await bot.say("/cancel", as_="zz")
    unit_id = await _unit_id(bot, "郑州")
    async with bot.app.store.read() as db:
        assert await reports.of_unit(db, None, unit_id, 5) == []
    number = report_id(await bot.say("/report 2.1 现场会", as_="zz", files=[photo]))
    assert "请回复退回报送" in await bot.say(f"/return {number}", as_="admin")
    assert "已取消等待您回复的“/return" in await bot.say("/cancel", as_="admin")
    # The next plain text is no reason any more: the report was not returned.
    assert "已退回" not in await bot.say("缺签到表", as_="admin")
    assert (await _report(bot, number)).status is ReportStatus.PENDING


async def _unit_id(bot: ShellBot, prefix: str) -> int:
    async with bot.app.store.read() as db:
        return next(u.id for u in await units.all_units(db) if u.name.startswith(prefix))


async def test_history_says_who_reported(bot: ShellBot, pdf: Path) -> None:
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("郑州", "zz2")
    await bot.say("/report 2.1 现场会", as_="zz", files=[pdf])
    await bot.say("/report 2.2 图片", as_="zz2", files=[pdf])
    lines = (await bot.say("/history", as_="zz")).splitlines()
    assert any("[2.1]" in line and "zz报送" in line for line in lines), lines
    assert any("[2.2]" in line and "zz2报送" in line for line in lines), lines


async def test_done_files_the_draft_at_once_with_withdraw_offered(
    bot: ShellBot, photo: Path
) -> None:
    await bot.invite_and_bind("洛阳", "ly")
    await bot.say("/report 6.1", as_="ly")
    await bot.say("", as_="ly", files=[photo])
    done = await bot.say("完成", as_="ly")
    assert "已报送 [6.1]" in done and "附件 1 个" in done and "撤回" in done
    number = report_id(done)
    assert f"已撤回报送 #{number}" in await bot.say(f"/withdraw {number}", as_="ly")


async def test_cancel_an_urging_held_for_confirmation(bot: ShellBot) -> None:
    await bot.invite_and_bind("开封", "kf")
    await bot.say("/urge 开封", as_="admin")
    bot.clock.advance(timedelta(minutes=5))
    assert "再次催办" in await bot.say("/urge 开封", as_="admin")
    assert "已取消待确认的催办" in await bot.say("/cancel", as_="admin")
    assert "没有待确认的催办" in await bot.say("/urge_confirm", as_="admin")


async def test_amend_and_undo_over_telegram(tg: TelegramBot, fake: FakeTelegram) -> None:
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    sent = await tg.say(zz, document=fake.document("a.pdf", b"%PDF a"), caption="/report 1")
    number = report_id(texts(sent))
    added = await tg.say(zz, document=fake.document("b.pdf", b"%PDF b"), caption=f"/amend {number}")
    assert f"已向报送 #{number} [1] 追加 1 个附件,现共 2 个" in texts(added)
    noted = await tg.say(zz, f"修改报送 #{number} 补充说明")
    assert f"已修改报送 #{number} [1] 的说明:补充说明" in texts(noted)

    listing = await tg.say(tg.admin, "/pending")
    item = next(m for m in listing if f"报送 #{number}" in (m.get("text") or ""))
    await tg.tap(tg.admin, item, "通过")
    await fake.expect(zz["id"], f"您的报送 #{number}([1]")
    undone = await tg.say(tg.admin, "撤销")
    assert f"已撤销:通过报送 #{number} [1]" in texts(undone)
    told = await fake.expect(zz["id"], "已被撤销")
    assert f"报送 #{number}" in told["text"]
    tg.clock.advance(timedelta(minutes=11))
    assert "请回复退回报送" in texts(await tg.say(tg.admin, f"/return {number}"))
    assert "已取消等待您回复的“/return" in texts(await tg.say(tg.admin, "/cancel"))
