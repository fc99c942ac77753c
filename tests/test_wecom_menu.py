"""The WeCom app menu and events: `wecom menu`, menu clicks, the greeting on opening the app,
and template-card taps (签收, 通过, 退回 with its reason, request decisions)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.wecom.mapping import Form, choice_form
from domain.messages import Choice, Reply
from storage import reports
from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET, FakeWeCom
from tests.support import find_code, local, report_id
from tests.wecom_support import AES_KEY, TOKEN, WeComBot

ROOT = Path(__file__).resolve().parent.parent
PHOTO = b"\xff\xd8\xff\xe0 site meeting"


async def main_py(fake: FakeWeCom, data_dir: Path, *args: str, **env: str) -> tuple[int, str]:
    """`python main.py ARGS` against the fake WeCom, as an operator runs it (the fake keeps
    answering meanwhile: the process runs beside this event loop)."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "WECOM_"))
    }
    clean |= {
        "BOT_DATA_DIR": str(data_dir),
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": str(AGENT_ID),
        "WECOM_SECRET": SECRET,
        "WECOM_TOKEN": TOKEN,
        "WECOM_AES_KEY": AES_KEY,
        "WECOM_API_BASE_URL": fake.base_url,
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        *args,
        cwd=ROOT,
        env=clean,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    server = FakeWeCom(now=lambda: local("2016-05-20T09:00"))
    await server.start()
    yield server
    await server.stop()


def names(menu: dict[str, Any]) -> list[tuple[str, int]]:
    """(name, byte limit) of every item."""
    found = []
    for item in menu["button"]:
        found.append((item["name"], 16))
        found += [(sub["name"], 40) for sub in item.get("sub_button", [])]
    return found


async def test_wecom_menu_sets_todo_report_and_more(fake: FakeWeCom, tmp_path: Path) -> None:
    code, out = await main_py(fake, tmp_path / "data", "wecom", "menu")
    assert code == 0, out
    assert "已设置应用菜单" in out
    (menu,) = fake.menus
    assert menu == {
        "button": [
            {"type": "click", "name": "待办", "key": "/todo"},
            {"type": "click", "name": "报送", "key": "/report"},
            {
                "name": "更多",
                "sub_button": [
                    {"type": "click", "name": "进度", "key": "/progress"},
                    {"type": "click", "name": "历史", "key": "/history"},
                    {"type": "click", "name": "帮助", "key": "/help"},
                ],
            },
        ]
    }
    assert all(len(name.encode()) <= limit for name, limit in names(menu))


async def test_english_labels_fit_and_dry_run_sends_nothing(
    fake: FakeWeCom, tmp_path: Path
) -> None:
    code, out = await main_py(
        fake, tmp_path / "data", "wecom", "menu", "--dry-run", BOT_LOCALE="en"
    )
    assert code == 0, out
    menu = json.loads(out)
    assert [b["name"] for b in menu["button"]] == ["To-do", "Report", "More"]
    assert all(len(name.encode()) <= limit for name, limit in names(menu))
    assert fake.menus == [] and fake.token_calls == 0


async def test_a_refused_menu_is_reported_not_hidden(fake: FakeWeCom, tmp_path: Path) -> None:
    fake.fail("/cgi-bin/menu/create", 60020)
    code, out = await main_py(fake, tmp_path / "data", "wecom", "menu")
    assert code == 1 and "错误码 60020" in out
    assert fake.menus == []


# --- events on the running app ---


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WeComBot]:
    wecom_bot = await WeComBot.start(tmp_path / "data")
    code = find_code(await wecom_bot.say("admin", "/invite 郑州 reporter"))
    assert "绑定成功" in await wecom_bot.say("zz", f"/bind {code}")
    yield wecom_bot
    await wecom_bot.stop()


def event(bot: WeComBot, user: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "ToUserName": CORP_ID,
        "FromUserName": user,
        "CreateTime": int(bot.clock.now().timestamp()),
        "MsgType": "event",
        "Event": name,
        "AgentID": AGENT_ID,
        **extra,
    }


async def post_event(bot: WeComBot, user: str, name: str, **extra: Any) -> str:
    bot.news(user)
    response = await bot.post(event(bot, user, name, **extra))
    assert response.status_code == 200, response.text
    await bot.settle()
    return bot.news(user)


async def click(bot: WeComBot, user: str, key: str) -> str:
    return await post_event(bot, user, "click", EventKey=key)


async def test_a_click_on_todo_answers_the_todo(bot: WeComBot) -> None:
    typed = await bot.say("zz", "待办")
    clicked = await click(bot, "zz", "/todo")
    assert "待报送材料 16 项" in clicked
    assert clicked == typed


async def test_report_progress_history_and_help_from_the_menu(bot: WeComBot) -> None:
    report = await click(bot, "zz", "/report")
    assert "[2] 6.1 年度方案" in report  # the open materials, answered by number
    assert "报送 [6.1]" in await bot.say("zz", "2")
    await bot.say("zz", "/report_cancel")
    mine = await click(bot, "zz", "/progress")
    assert "郑州" in mine and "2.1" in mine and "河南" not in mine.partition("\n")[0]
    everyone = await click(bot, "admin", "/progress")
    assert "郑州市 0/16" in everyone  # an admin's progress is /status
    assert "/history" in await click(bot, "zz", "/help")
    assert "/status" not in await click(bot, "zz", "/help")


async def test_a_click_is_checked_like_typing(bot: WeComBot) -> None:
    """A key is only a command: a forged admin command from a reporter is refused."""
    refused = await click(bot, "zz", "/status")
    assert "没有使用该命令的权限" in refused
    stranger = await click(bot, "nobody", "/todo")
    assert "绑定" in stranger and "待报送材料" not in stranger


async def test_the_same_click_delivered_twice_is_answered_once(bot: WeComBot) -> None:
    fields = event(bot, "zz", "click", EventKey="/todo")
    bot.news("zz")
    for _ in range(2):
        assert (await bot.post(fields)).status_code == 200
        await bot.settle()
    assert bot.news("zz").count("待报送材料") == 1


async def test_opening_the_app_greets_once_a_day(bot: WeComBot) -> None:
    first = await post_event(bot, "zz", "enter_agent", EventKey="")
    assert first.startswith("您好,郑州") and "还有 16 项待报送" in first
    assert "最近一项 1 截止 5月31日" in first
    assert len(first.splitlines()) == 1
    bot.clock.advance(timedelta(hours=3))
    assert await post_event(bot, "zz", "enter_agent", EventKey="") == ""
    # The next day in Beijing (16:00 UTC), not the next UTC day.
    bot.clock.set(local("2016-05-21T00:05"))
    again = await post_event(bot, "zz", "enter_agent", EventKey="")
    assert "还有 16 项待报送" in again


async def test_an_admin_is_also_told_what_awaits_review(bot: WeComBot) -> None:
    await pending_report(bot)
    greeted = await post_event(bot, "admin", "enter_agent", EventKey="")
    assert greeted.startswith("您好,河南省") and "另有 1 项待您审核" in greeted
    assert len(greeted.splitlines()) == 1


async def test_someone_unbound_is_told_to_bind_once_a_day(bot: WeComBot) -> None:
    hint = await post_event(bot, "nobody", "enter_agent", EventKey="")
    assert hint == "您好,请先绑定单位:向管理员索取邀请码,发送“绑定 邀请码”。"
    assert await post_event(bot, "nobody", "enter_agent", EventKey="") == ""
    bot.clock.advance(timedelta(days=1))
    assert "请先绑定" in await post_event(bot, "nobody", "enter_agent", EventKey="")


# --- template cards ---


async def test_ack_on_a_card(bot: WeComBot) -> None:
    """An assigned task's notice reaches the reporter as a card; 签收 on it acknowledges."""
    assert "已交办" in await bot.say("admin", "/assign 报送安全检查情况 6月10日 郑州 无需附件")
    notice = bot.last_card_with("zz", "签收")
    done = await bot.tap("zz", "签收")
    assert "已签收:郑州市" in done and "《报送安全检查情况》" in done
    (update,) = [u for u in bot.fake.card_updates if u["userids"] == ["zz"]]
    assert update["response_code"] == notice.response_code
    assert update["button"]["replace_name"].startswith("已签收")


async def pending_report(bot: WeComBot) -> int:
    done = await bot.say("zz", "报送 2.1 已召开现场会", images=[PHOTO])
    number = report_id(done)
    assert f"报送 #{number}" in await bot.say("admin", "/pending")
    return number


async def test_return_on_a_card_asks_the_reason_and_the_next_text_is_it(bot: WeComBot) -> None:
    number = await pending_report(bot)
    asked = await bot.tap("admin", "退回")
    assert f"请回复退回报送 #{number} 的原因" in asked
    # Opening the app again while the question waits does not drop it.
    await post_event(bot, "admin", "enter_agent", EventKey="")
    returned = await bot.say("admin", "照片不清晰,请重拍")
    assert f"已退回报送 #{number}" in returned
    async with bot.app.store.read() as db:
        found = await reports.get(db, number)
    assert found is not None and found.status.value == "returned"
    assert "照片不清晰,请重拍" in bot.news("zz")


async def test_accept_on_a_card(bot: WeComBot) -> None:
    number = await pending_report(bot)
    assert f"已通过报送 #{number}" in await bot.tap("admin", "通过")


async def test_request_decisions_on_cards(bot: WeComBot) -> None:
    assert "已提交" in await bot.say("zz", "/na 8 本单位无此事项")
    listed = await bot.say("admin", "/pending")
    assert "[批准]  [驳回]" in listed
    assert "已批准" in await bot.tap("admin", "批准")
    assert "已提交" in await bot.say("zz", "/extend 2.1 9月30日 等待会议")
    await bot.say("admin", "/pending")
    asked = await bot.tap("admin", "驳回")
    assert "原因" in asked
    assert "已驳回" in await bot.say("admin", "时限不能再延")


# --- choices that do not fit six buttons ---


def test_one_function_decides_buttons_vote_card_or_numbered_text() -> None:
    def choices(count: int, label: str = "选项", action: str = "/report_pick {}") -> list[Choice]:
        return [Choice(f"{label}{i}", action.format(i)) for i in range(1, count + 1)]

    assert choice_form(choices(6)) is Form.BUTTONS
    assert choice_form(choices(7)) is Form.VOTE
    assert (
        choice_form([Choice("一二三四五六七八九十", "/help")]) is Form.BUTTONS
    )  # ten: WeCom's advice
    assert choice_form([Choice("一二三四五六七八九十一", "/help")]) is Form.VOTE
    assert choice_form(choices(20)) is Form.VOTE
    assert choice_form(choices(21)) is Form.NUMBERED
    long_note = "/report 2.1 " + "说明" * 40  # a note typed with the command rides in its key
    assert choice_form([Choice("报送", long_note), *choices(7)]) is Form.NUMBERED


async def test_sixteen_materials_come_as_a_vote_card(bot: WeComBot) -> None:
    asked = await click(bot, "zz", "/report")
    sent = bot.fake.to("zz")[-1]
    card = sent.body["template_card"]
    assert card["card_type"] == "vote_interaction" and card["checkbox"]["mode"] == 0
    options = card["checkbox"]["option_list"]
    assert len(options) == 17  # sixteen materials and 取消
    assert all(len(o["text"]) <= 17 for o in options)  # as WeCom advises
    assert all(len(o["id"].encode()) <= 128 for o in options)
    assert "[2] 6.1 年度方案" in asked
    picked = await bot.tap("zz", "6.1 年度方案")
    assert "报送 [6.1]" in picked
    (update,) = bot.fake.card_updates
    assert update["response_code"] == sent.response_code
    assert update["button"]["replace_name"].startswith("报送 [6.1]")


async def test_a_vote_card_submitted_empty_changes_nothing(bot: WeComBot) -> None:
    await click(bot, "zz", "/report")
    card = bot.fake.to("zz")[-1].body["template_card"]
    said = await post_event(
        bot,
        "zz",
        "template_card_event",
        EventKey=card["submit_button"]["key"],
        TaskId=card["task_id"],
        CardType="vote_interaction",
    )
    assert said == ""


async def test_more_than_twenty_choices_are_numbered_text(bot: WeComBot) -> None:
    many = [[Choice(f"第{i}项", f"/report_pick {i}")] for i in range(1, 22)]
    many[-1] = [Choice("帮助", "/help")]
    await bot.channel.deliver("zz", Reply("请选择:", choices=many))
    shown = bot.fake.to("zz")[-1]
    assert shown.kind == "text" and "[21] 帮助" in shown.text
    assert "/history" in await bot.say("zz", "21")
