"""Starting the Telegram channel: the runner, the command menus, proxies and loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from bot import runner
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import ADMIN_ID, TelegramBot, telegram_settings, texts


def _menu(fake: FakeTelegram, language: str = "", chat: int | None = None) -> dict[str, str]:
    scope = {"type": "chat", "chat_id": chat} if chat else {"type": "default"}
    key = f"{json.dumps(scope, sort_keys=True)}|{language}"
    return {c["command"]: c["description"] for c in fake.commands.get(key, [])}


async def test_menus_per_language_and_a_longer_one_for_admins(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    tg = await TelegramBot.start(tmp_path / "data", fake)
    try:
        await fake.wait_for(lambda: _menu(fake, chat=ADMIN_ID))
        assert _menu(fake)["todo"] == _menu(fake, "zh")["todo"] == "本单位待报送材料(按时限排序)"
        assert _menu(fake, "en")["todo"] != _menu(fake, "zh")["todo"]
        assert "pending" not in _menu(fake) and "pending" in _menu(fake, chat=ADMIN_ID)

        new_admin = fake.user(1003, "李四")
        await tg.bind("洛阳", new_admin, role="admin")  # becomes an admin: gets the admin menu
        assert "pending" in _menu(fake, chat=1003)
    finally:
        await tg.stop()


async def test_proxy_settings_do_not_apply_to_a_local_bot_api_server(
    tmp_path: Path, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    tg = await TelegramBot.start(tmp_path / "data", fake)
    try:
        zz = fake.user(1001)
        await tg.bind("郑州", zz)
        doc = fake.document("方案.pdf", b"%PDF plan")
        out = await tg.say(zz, document=doc, caption="/report 1")  # getFile and the download
        assert "已报送 [1]" in texts(out)
    finally:
        await tg.stop()


async def test_the_runner_serves_telegram_until_stopped(tmp_path: Path, fake: FakeTelegram) -> None:
    stop = asyncio.Event()
    settings = telegram_settings(tmp_path / "data", fake)
    running = asyncio.create_task(runner.run(settings, ["telegram"], stop))
    try:
        mark = fake.mark()
        fake.message(fake.user(1001), "/start")
        reply = await fake.expect(1001, "请先向管理员索取邀请码", after=mark)
        assert reply["chat"]["id"] == 1001
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
    assert not fake.pending


def test_the_command_line_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    for name in ("TELEGRAM_BOT_TOKEN", "WECOM_CORP_ID", "WECOM_SECRET", "WECOM_AGENT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["telegram"]) == 2
    assert "未配置 TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
    assert cli.main(["serve"]) == 2
    assert "没有配置任何聊天渠道" in capsys.readouterr().err


@pytest.mark.slow
async def test_main_py_with_a_token_runs_telegram_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "WECOM_"))}
    env |= {
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.url,  # the server root is enough
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        cwd=root,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        fake.message(fake.user(1001), "/start")
        await fake.expect(1001, "请先向管理员索取邀请码", within=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert fake.token not in err.decode()  # the log never shows the token
