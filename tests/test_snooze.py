"""稍后提醒: a reminder's buttons bring it again later today or the next working morning, to the
one who tapped only, once per choice, never past the deadline, and not twice after a restart."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.wecom.mapping import BUTTON_CHARS
from locales import Translator
from schedules import snooze
from tests.support import SHANGHAI, ShellBot


async def reminders(bot: ShellBot, user: str) -> list[tuple[datetime | None, str, list[str]]]:
    """Every reminder queued to a user: when it was sent (None: not yet), text, buttons."""
    async with bot.app.store.read() as db:
        rows = await db.execute_fetchall(
            "SELECT sent_at, body FROM outbox WHERE kind = 'reminder' AND chat_ref = ? ORDER BY id",
            (user,),
        )
    found = []
    for sent_at, raw in rows:
        body = json.loads(raw)
        at = datetime.fromisoformat(sent_at).astimezone(SHANGHAI) if sent_at else None
        found.append((at, body["text"], [c["action"] for row in body["choices"] for c in row]))
    return found


async def test_snooze_later_today_comes_at_four_and_once(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-05-23T09:30", schedules=True)
    try:
        await bot.invite_and_bind("郑州", "zz")
        await bot.invite_and_bind("郑州", "zz2")
        # Tuesday: material 1 falls due in 7 days (31 May): later today and tomorrow offered.
        out = await bot.say(":time 2016-05-24T09:30")
        assert "稍后提醒·16:00" in out and "明早9:00提醒" in out
        [(_, text, actions)] = await reminders(bot, "zz")
        assert "/snooze later remind:2016-05-24" in actions
        assert "/snooze tomorrow remind:2016-05-24" in actions

        assert "5月24日 16:00 再提醒您" in await bot.say(
            "/snooze later remind:2016-05-24", as_="zz"
        )
        assert "已设置过" in await bot.say("/snooze later remind:2016-05-24", as_="zz")
    finally:
        await bot.stop()

    # Reopened on the same data before four: the same tap queues nothing more.
    bot = await ShellBot.start(tmp_path / "data", at="2016-05-24T10:00", schedules=True)
    try:
        assert "已设置过" in await bot.say("/snooze later remind:2016-05-24", as_="zz")
        await bot.say(":time 2016-05-24T15:59")
        [_, (sent, _, _)] = await reminders(bot, "zz")
        assert sent is None  # queued, not yet sent

        await bot.say(":time 2016-05-24T16:00")
        again = (await reminders(bot, "zz"))[1]
        assert again[0] == datetime(2016, 5, 24, 16, 0, tzinfo=SHANGHAI)
        assert again[1].startswith("⏰ 稍后提醒(5月24日的提醒):") and text in again[1]
        assert "/snooze later remind:2016-05-24" not in again[2]  # its time has come
        assert "/snooze tomorrow remind:2016-05-24" in again[2]
        await bot.say(":time 2016-05-24T17:00")
        assert len(await reminders(bot, "zz")) == 2
        # The unit's other member is not told again.
        assert len(await reminders(bot, "zz2")) == 1
    finally:
        await bot.stop()


async def test_no_snooze_past_the_deadline(tmp_path: Path) -> None:
    bot = await ShellBot.start(tmp_path / "data", at="2016-05-26T09:30", schedules=True)
    try:
        await bot.invite_and_bind("郑州", "zz")
        # Friday, 3 days before 31 May: the next working morning is Monday, still in time.
        out = await bot.say(":time 2016-05-27T09:30")
        assert "周一9:00提醒" in out

        # The due day: only later today; tomorrow was never offered and is refused.
        await bot.say(":time 2016-05-31T09:30")
        actions = (await reminders(bot, "zz"))[-1][2]
        assert "/snooze later remind:2016-05-31" in actions
        assert not [a for a in actions if a.startswith("/snooze tomorrow")]
        refused = await bot.say("/snooze tomorrow remind:2016-05-31", as_="zz")
        assert "不能推迟到截止日之后" in refused
        assert len(await reminders(bot, "zz")) == 3

        # A button of Friday's tapped too late says so.
        assert "已过" in await bot.say("/snooze later remind:2016-05-27", as_="zz")
        # Someone else's reminder is not theirs to snooze.
        await bot.invite_and_bind("开封", "kf")
        assert "找不到这条提醒" in await bot.say("/snooze later remind:2016-05-31", as_="kf")
    finally:
        await bot.stop()


def test_snooze_labels_fit_a_wecom_button() -> None:
    for locale in ("zh_CN", "en"):
        t = Translator(locale, SHANGHAI)
        for n in range(7):
            day = date(2016, 5, 23) + timedelta(days=n)
            for kind in snooze.KINDS:
                assert len(snooze.label(t, kind, day, SHANGHAI)) <= BUTTON_CHARS, (locale, day)
