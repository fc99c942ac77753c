"""`python main.py doctor` reaches the configured channels (Telegram getMe, WeCom gettoken)."""

from __future__ import annotations

import socket
from pathlib import Path

from domain.clock import SystemClock
from tests.cli_run import clean_env, main_py_async
from tests.fake_telegram import FakeTelegram
from tests.fake_wecom import CORP_ID, SECRET, FakeWeCom


async def doctor(data_dir: Path, **env: str) -> tuple[int, str]:
    """Run the command line (in this process, the fakes serving meanwhile: tests/cli_run.py;
    doctor's exit codes are checked on a real process in test_ops); (exit code, everything it
    printed)."""
    done = await main_py_async(["doctor"], clean_env(BOT_DATA_DIR=str(data_dir), **env))
    return done.returncode, done.stdout + done.stderr


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


async def test_doctor_reaches_telegram_and_wecom_without_showing_secrets(tmp_path: Path) -> None:
    wecom = FakeWeCom(now=SystemClock().now)
    await wecom.start()
    try:
        async with FakeTelegram() as fake:
            code, out = await doctor(
                tmp_path / "data",
                TELEGRAM_BOT_TOKEN=fake.token,
                TELEGRAM_API_BASE_URL=fake.base_url,
                WECOM_CORP_ID=CORP_ID,
                WECOM_SECRET=SECRET,
                WECOM_API_BASE_URL=wecom.base_url,
            )
            assert [c.method for c in fake.calls] == ["getme"]
    finally:
        await wecom.stop()
    assert code == 0, out
    assert "✅ Telegram 连通:机器人 @duban_test_bot 应答正常" in out
    assert f"✅ 企业微信连通:企业 {CORP_ID} 的应用凭证有效" in out
    assert wecom.token_calls == 1
    assert fake.token not in out and fake.token.split(":")[1] not in out and SECRET not in out


async def test_doctor_says_which_channel_fails_and_why(tmp_path: Path) -> None:
    wecom = FakeWeCom(now=SystemClock().now)
    await wecom.start()
    wrong_token = "123456:WRONG-token-never-printed"
    try:
        async with FakeTelegram() as fake:
            code, out = await doctor(
                tmp_path / "data",
                TELEGRAM_BOT_TOKEN=wrong_token,
                TELEGRAM_API_BASE_URL=fake.base_url,
                WECOM_CORP_ID=CORP_ID,
                WECOM_SECRET="a-wrong-secret-never-printed",
                WECOM_API_BASE_URL=wecom.base_url,
            )
    finally:
        await wecom.stop()
    assert code == 1, out
    assert "❌ Telegram 拒绝了配置的机器人令牌(错误码 401)" in out
    assert "❌ 企业微信拒绝了配置的企业 ID 或应用 Secret(错误码 40001)" in out
    assert "2 个问题" in out
    assert "WRONG-token-never-printed" not in out and "a-wrong-secret-never-printed" not in out


async def test_doctor_reports_an_unreachable_telegram(tmp_path: Path) -> None:
    token = "123456:TOKEN-of-an-unreachable-bot"
    code, out = await doctor(
        tmp_path / "data",
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot",
    )
    assert code == 1, out
    assert "❌ 连不上 Telegram 接口" in out and "1 个问题" in out
    assert "TOKEN-of-an-unreachable-bot" not in out


async def test_doctor_without_networked_channels_checks_none(tmp_path: Path) -> None:
    code, out = await doctor(tmp_path / "data")
    assert code == 0, out
    assert "Telegram" not in out and "企业微信" not in out
