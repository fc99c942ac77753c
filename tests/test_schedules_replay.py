"""The 2016 sample plan replayed from April to December with an injected clock: who is pushed what, when."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, time
from pathlib import Path

import chinese_calendar
import pytest

from storage import pushes
from tests.support import NOTICE_PDF, SHANGHAI, ShellBot

SAMPLE = Path(__file__).resolve().parent.parent / "plans" / "henan-2016.yaml"
ZHENGZHOU = "  - {code: zhengzhou, name: 郑州市安全生产监督管理局, short: 郑州市, kind: city, parent: henan}\n"
GUANCHENG = (
    "  - {code: guancheng, name: 郑州市管城回族区安全生产监督管理局, short: 管城区,"
    " kind: county, parent: zhengzhou}\n"
)
EVERY_CODE = [
    "1", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "4.3", "5", "6.1", "6.2", "6.3", "7",
    "8", "9",
]  # fmt: skip
CODE = re.compile(r"\[(\d+(?:\.\d+)?)\]")

Timeline = dict[date, list[tuple[str, tuple[str, ...]]]]  # day → [(kind, codes)]


def sample_with_a_county_under_a_city(tmp_path: Path) -> Path:
    """The sample plan plus one county under Zhengzhou, so a city admin oversees someone."""
    text = SAMPLE.read_text("utf-8")
    assert text.count(ZHENGZHOU) == 1
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(ZHENGZHOU, ZHENGZHOU + GUANCHENG), "utf-8")
    return path


async def report_all_but(bot: ShellBot, user: str, *keep: str) -> None:
    for code in EVERY_CODE:
        if code not in keep:
            assert "已报送" in await bot.say(f"/report {code} 已完成", as_=user, files=[NOTICE_PDF])


async def timelines(bot: ShellBot) -> dict[str, Timeline]:
    """Every delivered push, by recipient and local day, with the material codes it names."""
    async with bot.app.store.read() as db:
        log = await pushes.log(db)
    found: dict[str, Timeline] = defaultdict(lambda: defaultdict(list))
    for push in log:
        assert push.sent_at is not None, f"not delivered: {push}"
        day = push.sent_at.astimezone(SHANGHAI).date()
        found[push.chat_ref][day].append((push.kind, tuple(CODE.findall(push.text))))
    return found


@pytest.mark.slow
async def test_a_plan_year_of_pushes(tmp_path: Path) -> None:
    bot = await ShellBot.start(
        tmp_path / "data",
        at="2016-04-01T08:00",
        schedules=True,
        BOT_SAMPLE_PLAN=sample_with_a_county_under_a_city(tmp_path),
    )
    try:
        await replay(bot)
        await check(bot)
    finally:
        await bot.stop()


async def replay(bot: ShellBot) -> None:
    for unit, user, role in [
        ("开封", "kf", "reporter"),
        ("郑州市", "zz", "reporter"),
        ("郑州市", "zzadmin", "admin"),
        ("管城区", "gc", "reporter"),
        ("洛阳", "ly", "reporter"),
        ("南阳", "ny", "reporter"),
        ("南阳", "ny2", "reporter"),
    ]:
        await bot.invite_and_bind(unit, user, role)
    await bot.shell.handle_line(":group 全省安监工作群")
    assert "本群已订阅" in await bot.say("/subscribe events", as_="admin")
    await bot.shell.handle_line(":private")

    out = await bot.say(":time 2016-04-01T09:30")
    assert "请签收" in out and "推送给 kf" in out
    for user in ("kf", "zz", "gc", "ly"):  # 南阳 never acknowledges
        assert "已签收" in await bot.say("/ack", as_=user)
    assert "没有待签收的通知" in await bot.say("/ack", as_="admin")  # 省局 issued the plan
    await report_all_but(bot, "kf", "1", "5", "8")
    await report_all_but(bot, "zz", "1", "8")
    await report_all_but(bot, "gc", "1", "8")
    await report_all_but(bot, "ly", "1", "8")
    await report_all_but(bot, "ny", "1", "8")
    # The province owes only its own 50-case target.
    assert "已报送" in await bot.say("/report 3.2 已完成", as_="admin", files=[NOTICE_PDF])
    status = await bot.say("/status", as_="admin")
    unacked = next(line for line in status.splitlines() if line.startswith("尚未签收"))
    assert "南阳市" in unacked and "开封市" not in unacked and "省局" not in unacked

    await bot.say(":time 2016-05-20T10:00")
    assert "已记录您的休假" in await bot.say("/away 5月23日 6月3日", as_="ly")
    covered = await bot.say("/away 5月23日 6月3日", as_="ny")
    assert "ny2" in covered

    await bot.say(":time 2016-05-26T10:00")
    zz_first = await bot.say("/report 1 年度方案", as_="zz", files=[NOTICE_PDF])
    first = int(re.search(r"#(\d+)", zz_first).group(1))  # type: ignore[union-attr]

    await bot.say(":time 2016-05-30T10:00")
    events = await bot.say("/report 1 年度方案", as_="kf", files=[NOTICE_PDF])
    assert "推送给 group:全省安监工作群" in events and "开封市 已报送 [1]" in events

    await bot.say(":time 2016-06-06T10:00")
    assert "已退回" in await bot.say(f"/return {first} 缺少印发文件", as_="admin")
    await bot.say(":time 2016-06-16T10:00")
    assert "已报送" in await bot.say("/report 1 补充印发文件", as_="zz", files=[NOTICE_PDF])
    for user in ("gc", "ly", "ny"):
        await bot.say("/report 1 年度方案", as_=user, files=[NOTICE_PDF])

    await bot.say(":time 2016-06-20T22:30")
    urged = await bot.say("/urge 开封 请尽快报送", as_="admin")
    assert "免打扰" in urged and "推送给 kf" not in urged

    await bot.say(":time 2016-11-01T10:00")
    assert "已将 [8] 的报送时限定为 2016年11月15日" in await bot.say(
        "/deadline 8 11月15日", as_="admin"
    )
    await bot.say(":time 2016-11-15T10:00")
    for user in ("kf", "zz", "gc", "ly", "ny"):
        await bot.say("/report 8 宣传片", as_=user, files=[NOTICE_PDF])
    await bot.say(":time 2016-12-31T20:00")


def days(timeline: Timeline, kind: str = "reminder") -> dict[date, tuple[str, ...]]:
    return {day: codes for day, sent in timeline.items() for k, codes in sent if k == kind}


async def check(bot: ShellBot) -> None:
    sent = await timelines(bot)
    kf = sent["kf"]
    # 开封 reported all but 1, 5 and 8 on day one; 1 on 30 May; 8 once it had a date.
    assert days(kf) == {
        date(2016, 4, 1): (),  # 签收 notice
        date(2016, 5, 24): ("1",),  # 7 days before 5月底
        date(2016, 5, 27): ("1",),  # 3 days before falls on Saturday: the Friday before
        date(2016, 5, 30): ("1",),  # 1 day before — and no "due today" on 31 May: reported
        date(2016, 9, 23): ("5",),
        date(2016, 9, 27): ("5",),
        date(2016, 9, 29): ("5",),
        date(2016, 9, 30): ("5",),  # due today
        date(2016, 10, 8): ("5",),  # nag 1 on the 调休 make-up Saturday after National Day
        date(2016, 10, 10): ("5",),
        date(2016, 10, 12): ("5",),
        date(2016, 10, 14): ("5",),
        date(2016, 10, 18): ("5",),  # nag 5, the last
        date(2016, 11, 8): ("8",),  # on request, dated 11月15日 by /deadline
        date(2016, 11, 11): ("8",),
        date(2016, 11, 14): ("8",),
        date(2016, 11, 15): ("8",),
    }
    assert [k for k, _ in kf[date(2016, 11, 1)]] == ["deadline"]
    assert [k for k, _ in kf[date(2016, 6, 21)]] == ["urge"]  # urged at 22:30, delivered next day

    # 郑州: reported 1 before the deadline, returned after it: reminded again from the return.
    assert days(sent["zz"]) == {
        date(2016, 4, 1): (),
        date(2016, 5, 24): ("1",),  # then reported on 26 May: quiet while it awaits review
        date(2016, 6, 7): ("1",),  # nag 1 the working day after the return
        date(2016, 6, 12): ("1",),  # a Sunday, but a 调休 working day after 端午
        date(2016, 6, 14): ("1",),
        date(2016, 6, 16): ("1",),
        date(2016, 11, 8): ("8",),
        date(2016, 11, 11): ("8",),
        date(2016, 11, 14): ("8",),
        date(2016, 11, 15): ("8",),
    }

    # 管城区 ignored three nags: the city admin (and the province) hear of it with the fourth.
    gc = days(sent["gc"])
    assert [d for d, codes in gc.items() if codes == ("1",)] == [
        date(2016, 5, 24),
        date(2016, 5, 27),
        date(2016, 5, 30),
        date(2016, 5, 31),
        date(2016, 6, 1),
        date(2016, 6, 3),
        date(2016, 6, 7),
        date(2016, 6, 12),
        date(2016, 6, 14),
    ]
    bot_log = await _log(bot)
    escalated = [d for d, text in _texts(bot_log, "zzadmin") if "抄报" in text]
    assert escalated == [date(2016, 6, 12)]
    assert [d for d, t in _texts(bot_log, "zzadmin") if "管城区" in t] == escalated
    to_province = [d for d, t in _texts(bot_log, "admin") if "抄报" in t and "管城区" in t]
    assert to_province == escalated

    # 洛阳's only contact was away: nothing to ly, and the province admin was told instead.
    ly = days(sent["ly"])
    assert not [d for d in ly if date(2016, 5, 23) <= d <= date(2016, 6, 3)]
    told = [d for d, t in _texts(bot_log, "admin") if "联系人均在休假" in t and "洛阳市" in t]
    assert told == [
        date(2016, 5, 24),
        date(2016, 5, 27),
        date(2016, 5, 30),
        date(2016, 5, 31),
        date(2016, 6, 1),
        date(2016, 6, 3),
    ]
    assert ly[date(2016, 6, 7)] == ("1",)  # back from leave: nag 3 reaches ly again

    # 南阳: ny away, ny2 gets them; 南阳 never acknowledged, so it was asked three more times.
    ny, ny2 = days(sent["ny"]), days(sent["ny2"])
    assert ny2[date(2016, 5, 24)] == ("1",) and date(2016, 5, 24) not in ny
    ack_days = [d for d, codes in ny2.items() if d < date(2016, 5, 1)]
    assert ack_days == [date(2016, 4, 1), date(2016, 4, 6), date(2016, 4, 8), date(2016, 4, 12)]

    # Weekly bulletins: the first working day of each week at 09:00.
    group = sent["group:全省安监工作群"]
    bulletins = sorted(d for d, items in group.items() if any(k == "bulletin" for k, _ in items))
    assert date(2016, 4, 4) not in bulletins and date(2016, 4, 5) in bulletins  # 清明 Monday
    # 国庆 week: none; the 调休 Saturday 10/8 is worked for the next week, whose Monday has it.
    assert date(2016, 10, 8) not in bulletins and date(2016, 10, 10) in bulletins
    assert len(bulletins) == len({d.isocalendar()[1] for d in bulletins})

    # Nothing in quiet hours, and no reminder on a day off.
    async with bot.app.store.read() as db:
        log = await pushes.log(db)
    for push in log:
        assert push.sent_at is not None
        at = push.sent_at.astimezone(SHANGHAI)
        assert time(8, 0) <= at.time() < time(21, 0), push
        if push.kind in ("reminder", "digest", "bulletin"):
            assert chinese_calendar.is_workday(at.date()), push


async def _log(bot: ShellBot) -> list[pushes.Delivered]:
    async with bot.app.store.read() as db:
        return await pushes.log(db)


def _texts(log: list[pushes.Delivered], user: str) -> list[tuple[date, str]]:
    return [
        (p.sent_at.astimezone(SHANGHAI).date(), p.text)
        for p in log
        if p.chat_ref == user and p.sent_at is not None and p.kind == "reminder"
    ]
