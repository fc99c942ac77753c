"""Who belongs where: a bound person's new code asks before moving them; province admins live on
the province unit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from domain.messages import Incoming
from handlers import router
from tests.support import CODE, ShellBot, find_code, local

ROOT = Path(__file__).resolve().parent.parent


async def _zhengzhou_with_admins(bot: ShellBot) -> str:
    """郑州's reporter `zz`, its admin, 兰考's admin; returns a 兰考 reporter code."""
    await bot.invite_and_bind("郑州", "zz")
    await bot.invite_and_bind("郑州", "zzadmin", "admin")
    await bot.invite_and_bind("兰考", "lkadmin", "admin")
    return find_code(await bot.say("/invite 兰考 reporter", as_="admin"))


async def test_a_bound_reporter_is_asked_before_moving_units(bot: ShellBot) -> None:
    code = await _zhengzhou_with_admins(bot)
    asked = await bot.say(f"/bind {code}", as_="zz")
    assert "绑定成功" not in asked
    assert "郑州市" in asked and "兰考县" in asked and "确认转移" in asked
    assert "郑州市安全生产监督管理局待报送" in await bot.say("/todo", as_="zz")

    # The button carries no code: the move is held by the bot.
    replies = await router.handle(
        bot.app.services,
        Incoming(channel="shell", user_ref="zz", chat_ref="zz", text=f"/bind {code}"),
    )
    actions = [c.action for r in replies for row in r.choices for c in row]
    assert actions and all(code not in a and not CODE.search(a) for a in actions)

    # Cancelled: nothing changed and the code is still good.
    assert "取消" in await bot.say("/bind_cancel", as_="zz")
    assert "郑州市安全生产监督管理局待报送" in await bot.say("/todo", as_="zz")
    assert "没有待确认" in await bot.say("/bind_confirm", as_="zz")

    await bot.say(f"/bind {code}", as_="zz")
    moved = await bot.say("1", as_="zz")  # [1] 确认转移
    assert "兰考县" in moved and "绑定成功" in moved
    for admin in ("zzadmin", "lkadmin", "admin"):
        assert f"推送给 {admin}" in moved, moved
    assert moved.count("推送给 admin") == 1  # the province admin is told once
    assert "兰考县安全生产监督管理局待报送" in await bot.say("/todo", as_="zz")
    assert "已被使用" in await bot.say(f"/bind {code}", as_="someone")


async def test_a_held_move_expires(bot: ShellBot) -> None:
    code = await _zhengzhou_with_admins(bot)
    await bot.say(f"/bind {code}", as_="zz")
    bot.clock.set(local("2016-05-20T09:30"))
    assert "没有待确认" in await bot.say("/bind_confirm", as_="zz")
    assert "郑州市安全生产监督管理局待报送" in await bot.say("/todo", as_="zz")


async def test_a_new_person_and_a_same_unit_code_bind_at_once(bot: ShellBot) -> None:
    await bot.invite_and_bind("郑州", "zz")
    code = find_code(await bot.say("/invite 郑州 admin", as_="admin"))
    assert "绑定成功" in await bot.say(f"/bind {code}", as_="zz")


async def test_a_province_admin_is_invited_on_the_province_unit(bot: ShellBot) -> None:
    out = await bot.say("/invite 郑州 province_admin", as_="admin")
    assert not CODE.search(out)
    assert "/invite 省局 province_admin" in out and "/invite 郑州市 admin" in out
    code = find_code(await bot.say("/invite 省局 province_admin", as_="admin"))
    assert "河南省安全生产监督管理局的省级管理员" in await bot.say(f"/bind {code}", as_="pa")


def test_the_command_line_refuses_a_province_admin_of_a_city(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "WECOM_"))}
    env["BOT_DATA_DIR"] = str(tmp_path / "data")
    env["BOT_SAMPLE_PLAN"] = "1"  # the sample's unit tree, loaded into the empty store
    done = subprocess.run(
        [sys.executable, "main.py", "invite", "郑州", "--role", "province_admin"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert "province_admin" in done.stderr and not CODE.search(done.stdout)
