"""A unit with no contact at all was never reminded: admins read it apart from the units that
ignored their reminders, as a phone call to make (抄报, the morning digest, /status)."""

from __future__ import annotations

from pathlib import Path

from storage import pushes
from tests.support import ShellBot


async def admin_pushes(bot: ShellBot, kind: str) -> list[str]:
    async with bot.app.store.read() as db:
        return [p.text for p in await pushes.log(db, kind) if p.chat_ref == "admin"]


async def test_units_nobody_could_remind_are_listed_apart_for_a_phone_call(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", schedules=True)
    try:
        await bot.invite_and_bind("开封", "kf")  # reminded, never acknowledges nor reports
        await bot.say(":time 2016-06-14T10:00")  # material 1 (5月底) is past its 抄报 day

        escalations = [t for t in await admin_pushes(bot, "reminder") if "📣 抄报" in t]
        assert escalations
        first = escalations[0]
        nagged, _, uncontacted = first.partition("☎️ 以下单位无联系人")
        assert "· 开封市:[1]" in nagged
        assert "郑州市" not in nagged and "新蔡县" not in nagged  # not "urged many times"
        assert "请电话督办" in uncontacted and "郑州市" in uncontacted
        assert "等 27 个" in uncontacted and "开封市" not in uncontacted

        digest = (await admin_pushes(bot, "digest"))[0]
        assert "尚有 1 个单位未签收工作方案" in digest  # 开封, who was asked
        assert "☎️ 无联系人,请电话督办(27 个单位):郑州市、洛阳市" in digest

        status = await bot.say("/status", as_="admin")
        assert "尚未签收(1 个单位):开封市" in status
        assert "无联系人,请电话督办(27 个单位):郑州市、洛阳市" in status
    finally:
        await bot.stop()
