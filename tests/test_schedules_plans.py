"""Scheduled pushes over several plans at once: the 2016 sample and a campaign published beside
it, replayed from May to July through the shell. One digest per person per day and one reminder
per person per fire over both plans; nothing for a draft or after `/plan close`; nothing on
端午 or a weekend; nothing twice when the bot is reopened on the same data and time replays."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import chinese_calendar
import pytest

from bot import cli, insight_cli, plan_cli
from domain.plan_file import Overrides
from locales import Translator
from storage import pushes
from tests.support import NOTICE_PDF, ROOT_PLAN, SHANGHAI, ShellBot, local

CAMPAIGN = """\
plan:
  code: henan-whzz
  short: zx
  year: 2016
  title: 2016年危险化学品安全专项整治方案
  issued: 2016-05-09
  applies_to: [city]
{units}
items:
  - no: 1
    title: 专项整治实施方案
    deadline: 5月31日
    materials:
      - title: 本地区专项整治实施方案
  - no: 2
    title: 端午节前安全检查
    deadline: 6月10日
    materials:
      - title: 节前安全检查情况报告
  - no: 3
    title: 专项整治总结
    deadline: 7月15日
    materials:
      - title: 专项整治工作总结
"""
CODE = re.compile(r"\[((?:[a-z]+-)?\d+(?:\.\d+)?)\]")
CLOSED_AT = local("2016-06-20T10:00")


def campaign(tmp_path: Path) -> Path:
    """A small campaign for the sample's cities, with the sample's unit list."""
    sample = ROOT_PLAN.read_text("utf-8")
    units = sample[sample.index("\nunits:\n") + 1 : sample.index("\nitems:\n")]
    path = tmp_path / "campaign.yaml"
    path.write_text(CAMPAIGN.format(units=units.strip()), "utf-8")
    return path


async def import_draft(bot: ShellBot, tmp_path: Path) -> None:
    t = Translator("zh_CN", bot.app.settings.tz)
    done = await plan_cli.run_import(
        bot.app.settings, t, campaign(tmp_path), Overrides(), False, False
    )
    assert done == 0


async def start(data_dir: Path, at: str) -> ShellBot:
    return await ShellBot.start(data_dir, at=at, schedules=True, BOT_SAMPLE_PLAN=ROOT_PLAN)


Push = tuple[datetime, str, str, list[str]]  # sent at (local), text, idem key, button actions


async def delivered(bot: ShellBot, kind: str) -> dict[str, list[Push]]:
    """Every delivered push of a kind, by recipient, oldest first, with its buttons."""
    async with bot.app.store.read() as db:
        log = await pushes.log(db)
        rows = await db.execute_fetchall(
            "SELECT id, idem_key, body FROM outbox WHERE kind = ?", (kind,)
        )
    stored = {int(r[0]): (str(r[1]), json.loads(r[2])) for r in rows}
    found: dict[str, list[Push]] = defaultdict(list)
    for push in log:
        if push.kind != kind:
            continue
        assert push.sent_at is not None, f"not delivered: {push}"
        key, body = stored[push.id]
        # The 稍后提醒 buttons are left to tests/test_snooze.py.
        actions = [
            c["action"]
            for row in body["choices"]
            for c in row
            if not c["action"].startswith("/snooze")
        ]
        found[push.chat_ref].append((push.sent_at.astimezone(SHANGHAI), push.text, key, actions))
    return found


def on(pushed: list[Push], day: date) -> list[Push]:
    return [p for p in pushed if p[0].date() == day]


@pytest.mark.slow
async def test_two_plans_replayed_one_message_per_person(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bot = await start(data, "2016-05-10T08:00")
    try:
        for unit, user, role in [
            ("开封", "kf", "reporter"),
            ("郑州市", "zz", "reporter"),
            ("郑州市", "zzadmin", "admin"),
        ]:
            await bot.invite_and_bind(unit, user, role)
        await import_draft(bot, tmp_path)

        # A draft is reminded of nothing: the sample alone, with its plain codes and buttons.
        await bot.say(":time 2016-05-10T09:30")
        first = on((await delivered(bot, "reminder"))["kf"], date(2016, 5, 10))
        assert len(first) == 1
        assert "请签收" in first[0][1] and "专项整治" not in first[0][1] and "【" not in first[0][1]
        assert first[0][3] == ["/ack"]

        assert "已发布" in await bot.say("/plan publish zx", as_="admin")
        for plan in ("fw", "zx"):
            assert "已签收" in await bot.say(f"/ack {plan}", as_="kf")
        assert "已签收" in await bot.say("/ack fw", as_="zz")  # 郑州 leaves the campaign unread

        # 郑州 is asked again to 签收 the campaign; beside the sample, the button names it.
        await bot.say(":time 2016-05-12T09:30")
        nag = on((await delivered(bot, "reminder"))["zz"], date(2016, 5, 12))
        assert len(nag) == 1 and "专项整治" in nag[0][1] and nag[0][3] == ["/ack zx"]

        await bot.say(":time 2016-05-25T10:00")
        for code in ("fw-2.1", "zx-3"):
            assert "已报送" in await bot.say(f"/report {code} 已完成", as_="zz", files=[NOTICE_PDF])

        await bot.say(":time 2016-06-06T10:00")
        await bot.stop()
        # Reopened on the same data with the clock days behind: the fires since replay, and
        # every push they decide was queued before.
        bot = await start(data, "2016-06-02T08:00")
        await bot.say(":time 2016-06-06T10:00")
        await bot.say(":time 2016-06-20T09:30")
        closed = await bot.say("/plan close zx confirm", as_="admin")
        assert "已结束" in closed
        await bot.say(":time 2016-07-20T10:00")
        await check(bot)
    finally:
        await bot.stop()


async def check(bot: ShellBot) -> None:
    reminders, digests = await delivered(bot, "reminder"), await delivered(bot, "digest")

    # One reminder and one digest per person per day, whatever the plans and the restart.
    for sent in (reminders, digests):
        for user, pushed in sent.items():
            twice = [d for d, n in Counter(p[0].date() for p in pushed).items() if n > 1]
            assert twice == [], (user, twice)

    # Both plans' deadlines in one message: a section per plan, codes typed back as shown.
    kf = reminders["kf"]
    text, key, actions = on(kf, date(2016, 5, 24))[0][1:]
    assert "【fw】" in text and "【zx】" in text and re.fullmatch(r"remind:2016-05-24:\d+", key)
    assert set(CODE.findall(text)) == {"fw-1", "zx-1"}
    assert actions == ["/report_pick fw-1", "/report_pick zx-1"]
    both = [p for p in kf if {"fw-6.1", "zx-2"} <= set(CODE.findall(p[1]))]
    assert [p[0].date() for p in both] == [
        date(2016, 6, 3),  # 7 days before 6月10日
        date(2016, 6, 7),  # 3 days before
        date(2016, 6, 8),  # the last working day before 端午: the due-day reminder
        date(2016, 6, 12),  # the 调休 Sunday: the first nag
        date(2016, 6, 14),
        date(2016, 6, 16),
        date(2016, 6, 20),  # 09:00, before the campaign was closed at 09:30
    ]

    # Closed: none of its reminders since; the sample's go on, with plain codes again.
    for user, pushed in reminders.items():
        later = [p for p in pushed if p[0] > CLOSED_AT]
        assert not [p for p in later if "zx" in p[1] or "专项整治" in p[1]], user
    after = on(kf, date(2016, 6, 22))[0][1]
    assert "6.1" in CODE.findall(after) and "【" not in after

    # The admins' morning digest: both plans in one message.
    province = on(digests["admin"], date(2016, 6, 1))
    assert len(province) == 1 and "【fw】" in province[0][1] and "【zx】" in province[0][1]
    assert re.fullmatch(r"digest:2016-06-01:\d+", province[0][2])
    waiting = on(digests["admin"], date(2016, 5, 26))[0]
    assert "[fw-2.1]" in waiting[1] and "[zx-3]" in waiting[1]
    assert waiting[3] == ["/pending fw", "/pending zx"]

    # Nothing on 端午 (9-10 June), nor on a weekend but the 调休 Sunday worked for it.
    for sent in (reminders, digests):
        for user, pushed in sent.items():
            days = {p[0].date() for p in pushed}
            assert not days & {date(2016, 6, 9), date(2016, 6, 10)}, user
            assert all(chinese_calendar.is_workday(d) for d in days), user


async def test_export_names_its_plan_when_several_are_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = await start(tmp_path / "data", "2016-05-10T08:00")
    try:
        await import_draft(bot, tmp_path)
        settings = bot.app.settings
        out = tmp_path / "zx.xlsx"

        async def export(*args: str) -> int:
            parsed = cli.build_parser().parse_args(["export", str(out), *args])
            return await insight_cli.run(settings, parsed)

        assert await export() == 0  # the draft aside, one plan is open: the sample's
        assert "29个单位" in capsys.readouterr().out
        assert "已发布" in await bot.say("/plan publish zx", as_="admin")
        assert await export() == 2
        asked = capsys.readouterr().err
        assert "--plan" in asked and "fw(" in asked and "zx(2016年危险化学品" in asked
        assert await export("--plan", "mars") == 2
        assert "没有名为“mars”的计划" in capsys.readouterr().err
        assert await export("--plan", "zx") == 0
        assert "已导出" in capsys.readouterr().out and out.exists()
    finally:
        await bot.stop()
