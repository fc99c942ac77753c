"""Every command's answer fits a phone (domain/screen.py): over a national-shaped store (300
units, 30 materials, reports awaiting review) and the sample, both at the year's end when
nearly everything is overdue. A list too long for a screen is compact, its details one tap
away: the test follows the detail buttons and checks those answers too."""

from __future__ import annotations

import random
import re
import shutil
import time
from pathlib import Path

from benchmarks.national import national_plan
from bot.app import open_app
from domain import screen
from domain.clock import ManualClock
from domain.messages import Incoming, Reply
from domain.model import PlanState, Role
from handlers import router
from handlers.plan_import import import_plan
from handlers.registry import COMMANDS
from handlers.setup import warm
from storage import contacts, reports
from tests.fake_telegram import FakeTelegram
from tests.support import ShellBot, local, settings_for
from tests.telegram_harness import TelegramBot, buttons
from tests.wecom_support import WeComBot

YEAR_END = "2016-12-30T09:00"
# Read-only commands whose buttons the test follows (a tap on 通过 would change the store).
LOOKS = {"help", "status", "overdue", "units", "tasks", "todo", "progress", "rank", "plans"}
# Commands that make files or start a flow: their answer is a caption or a question.
SKIPPED = {"export", "archive", "bulletin", "board", "report", "upload", "assign"}


def _commands(role_ref: str) -> list[str]:
    return [f"/{c.name}" for c in COMMANDS if c.listed and c.name not in SKIPPED]


async def _answers(services, channel: str, user: str, text: str) -> list[Reply]:
    msg = Incoming(channel=channel, user_ref=user, chat_ref=user, text=text)
    return await router.handle(services, msg)


async def _check_all(services, channel: str, users: list[str], extra: list[str]) -> list[str]:
    """Every command for every user, and the read-only buttons under those answers (one tap
    on): what breaks the limits."""
    problems: list[str] = []
    for user in users:
        seen: set[str] = set()
        asked = [(text, 0) for text in [*_commands(user), *extra]]
        while asked:
            text, depth = asked.pop(0)
            if text in seen:
                continue
            seen.add(text)
            for reply in await _answers(services, channel, user, text):
                problems += [
                    f"{user} {text}: {b.what} {b.detail}" for b in screen.breaches(reply.text)
                ]
                if depth == 0:
                    asked += [
                        (choice.action, 1)
                        for row in reply.choices
                        for choice in row
                        if choice.action.split()[0].lstrip("/") in LOOKS
                    ]
    return problems


async def _national(data: Path):
    clock = ManualClock(local(YEAR_END))
    settings = settings_for(data)
    app = await open_app(settings, clock, seed_sample=False)
    plan = national_plan(300, 36, random.Random(7))  # a county owes more than a screen
    done = await import_plan(app.store, plan, settings.tz, clock.now(), state=PlanState.PUBLISHED)
    now = clock.now()
    async with app.store.write() as db:
        admin = await contacts.ensure(db, "test", "admin", None, now)
        await contacts.bind(db, admin.id, 1, Role.PROVINCE_ADMIN, now)
        county = await contacts.ensure(db, "test", "county", None, now)
        await contacts.bind(db, county.id, 20, Role.REPORTER, now)
        rng = random.Random(3)
        for _ in range(120):  # awaiting review: /pending has a long list to cut
            await reports.insert(
                db,
                assignment_id=1 + rng.randrange(done.assignments),
                contact_id=county.id,
                count=None,
                note="按要求报送,附件为现场照片和工作总结" * 3,
                files=[],
                now=now,
            )
    await warm(app.services)
    return app


async def test_every_answer_fits_a_phone_on_a_national_store(tmp_path: Path) -> None:
    started = time.perf_counter()
    app = await _national(tmp_path / "data")
    try:
        extra = ["/status 第1片区局", "/status p2", "/units p2", "/help 审核", "/tasks p2"]
        problems = await _check_all(app.services, "test", ["admin", "county"], extra)
        assert not problems, "\n".join(problems[:20])
    finally:
        await app.store.close()
    assert time.perf_counter() - started < 10


async def test_every_answer_fits_a_phone_on_the_sample_at_year_end(
    tmp_path: Path, started_data: Path
) -> None:
    shutil.copytree(started_data, tmp_path / "data")
    bot = await ShellBot.start(tmp_path / "data", at=YEAR_END)
    try:
        await bot.invite_and_bind("郑州", "zz")
        extra = ["/status 郑州", "/help 报送", "/help 通报"]
        problems = await _check_all(bot.app.services, "shell", ["admin", "zz"], extra)
        assert not problems, "\n".join(problems[:20])
    finally:
        await bot.stop()


async def test_overdue_is_by_material_with_a_tap_to_its_units(bot: ShellBot) -> None:
    await bot.say(f":time {YEAR_END}")
    answers = await _answers(bot.app.services, "shell", "admin", "/overdue")
    (summary,) = answers
    assert summary.text.startswith("逾期 421 项,涉及 29 个单位、15 项材料")
    lines = [line for line in summary.text.splitlines() if line.startswith("🔴")]
    assert len(lines) == 15 and lines[0].startswith("🔴 3.2 ") and "29个单位" in lines[0]
    actions = [c.action for row in summary.choices for c in row]
    assert actions == [f"/overdue {line.split()[1]}" for line in lines]  # one per material
    late = 0
    for action in actions:  # each material's late units, one tap on
        (detail,) = await _answers(bot.app.services, "shell", "admin", action)
        assert "个单位未报送" in detail.text and not screen.breaches(detail.text)
        late += int(detail.text.split("已逾期")[1].split(",")[1].split(" ")[0])
    assert late == 421
    zz = await bot.say("/overdue 2.1", as_="admin")
    assert "郑州市" in zz and "开封市" in zz and "某单位的全部材料:/status 单位" in zz
    assert "没有逾期的单位" in await bot.say("/overdue 99.9", as_="admin")


async def test_status_pages_reach_every_unit(tmp_path: Path) -> None:
    app = await _national(tmp_path / "data")
    try:
        seen: list[str] = []
        text, pages = "/status", 0
        while text:
            (answer,) = await _answers(app.services, "test", "admin", text)
            seen += re.findall(r"^\S+ (\S+) \d+/\d+", answer.text, re.M)
            pages += 1
            after = [c.action for row in answer.choices for c in row if "下一页" in c.label]
            text = after[0] if after else ""
        assert (
            pages == 11 and len(seen) == len(set(seen)) == 301
        )  # the root, 10 regions, 290 counties
        assert "第 11/11 页" in answer.text
        (back,) = await _answers(app.services, "test", "admin", "/status 第2页")
        assert "第 2/11 页" in back.text
    finally:
        await app.store.close()


async def test_help_is_grouped_by_task_and_a_group_lists_its_commands(bot: ShellBot) -> None:
    compact = await bot.say("/help", as_="admin")
    assert compact.splitlines()[0] == "可用命令(按用途):"
    assert "审核:/pending /accept /return" in compact and len(compact.splitlines()) < 15
    review = await bot.say("/help 审核", as_="admin")
    assert "/accept(通过) 审核通过:/accept 报送编号" in review and "/todo" not in review
    await bot.invite_and_bind("郑州", "zz")
    mine = await bot.say("/help", as_="zz")
    assert "报送:/todo /report" in mine and "审核" not in mine
    assert "没有这一类命令" in await bot.say("/help 审核", as_="zz")
    await bot.say("/lang en", as_="zz")
    assert "Commands, by task" in await bot.say("/help", as_="zz")
    assert "/withdraw" in await bot.say("/help report", as_="zz")


async def test_the_province_wide_overdue_is_one_message_with_buttons_on_telegram(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    bot = await TelegramBot.start(tmp_path / "data", fake, at=YEAR_END)
    try:
        sent = await bot.say(bot.admin, "/overdue")
        assert len(sent) == 1 and sent[0]["text"].startswith("逾期 421 项")
        assert len(buttons(sent[0])) == 15
    finally:
        await bot.stop()


async def test_the_province_wide_overdue_is_one_text_and_its_card_on_wecom(
    tmp_path: Path,
) -> None:
    bot = await WeComBot.start(tmp_path / "data", at=YEAR_END)
    try:
        await bot.say("admin", "/overdue")
        text, card = bot.fake.to("admin")
        assert text.kind == "text" and text.body["text"]["content"].startswith("逾期 421 项")
        options = card.body["template_card"]["checkbox"]["option_list"]
        assert [o["id"] for o in options][:2] == ["/overdue 3.2", "/overdue 1"]
        assert len(options) == 15
    finally:
        await bot.stop()


async def test_todo_pages_past_a_screen(tmp_path: Path) -> None:
    app = await _national(tmp_path / "data")
    try:
        (first,) = await _answers(app.services, "test", "county", "/todo")
        assert "待报送材料 36 项" in first.text and "第 1/2 页" in first.text
        nexts = [c.action for row in first.choices for c in row if "下一页" in c.label]
        assert nexts == ["/todo p2"]
        (second,) = await _answers(app.services, "test", "county", "/todo p2")
        codes = re.compile(r"^\S+ (\d+\.\d+) ", re.M)
        shown = codes.findall(first.text) + codes.findall(second.text)
        assert len(shown) == len(set(shown)) == 36 and "第 2/2 页" in second.text
    finally:
        await app.store.close()
