"""WeCom operations: doctor's clock, trusted-IP and visible-range checks, the callback's clock
refusal said once in the log, and `python main.py wecom appchat create`."""

from __future__ import annotations

import ipaddress
import logging
import re
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from domain.clock import SystemClock
from tests.cli_run import clean_env, main_py_async
from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET, SERVER_IP, FakeWeCom
from tests.test_drill_doctor import doctor
from tests.wecom_support import AES_KEY, TOKEN, WeComBot, sign


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    server = FakeWeCom(now=SystemClock().now)
    await server.start()
    yield server
    await server.stop()


def app_env(fake: FakeWeCom, **more: str) -> dict[str, str]:
    return {
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": str(AGENT_ID),
        "WECOM_SECRET": SECRET,
        "WECOM_TOKEN": TOKEN,
        "WECOM_AES_KEY": AES_KEY,
        "WECOM_API_BASE_URL": fake.base_url,
        **more,
    }


# --- doctor ---


def off(out: str, pattern: str) -> int:
    """The seconds doctor found, allowing a second either way for the Date header's rounding."""
    found = re.search(pattern, out)
    assert found is not None, out
    assert 599 <= int(found.group(1)) <= 601, out
    return int(found.group(1))


async def test_doctor_passes_a_sound_app(tmp_path: Path, fake: FakeWeCom) -> None:
    code, out = await doctor(tmp_path / "data", **app_env(fake))
    assert code == 0, out
    assert re.search(r"✅ 本机时钟与企业微信相差 [01] 秒,在回调允许的 ±300 秒之内", out), out
    assert f"✅ 企业微信连通:企业 {CORP_ID} 的应用凭证有效" in out
    assert "✅ 应用「督办助手」的可见范围:1 个部门、0 名成员、0 个标签" in out
    assert SECRET not in out and "access_token" not in out


async def test_doctor_says_how_far_the_clock_is_off_and_the_fix(
    tmp_path: Path, fake: FakeWeCom
) -> None:
    fake.date_offset = -timedelta(minutes=10)  # WeCom's clock 10 minutes behind ours
    code, out = await doctor(tmp_path / "data", **app_env(fake))
    assert code == 1, out
    seconds = off(out, r"快 (\d+) 秒")
    assert (
        f"❌ 本机时钟比企业微信快 {seconds} 秒(约 10 分钟),超出回调允许的 ±300 秒,企业微信发来的"
        "每条消息都会被拒收。处理办法:用 NTP/chrony 与内网时间源对时(chronyc makestep 立即校准),"
        "不要靠调大 WECOM_CALLBACK_SKEW_SECONDS"
    ) in out
    assert "1 个问题" in out

    # Allowed wider, the same clock is only a warning; in English, the other way round.
    fake.date_offset = timedelta(minutes=10)
    code, out = await doctor(
        tmp_path / "data", **app_env(fake, WECOM_CALLBACK_SKEW_SECONDS="900", BOT_LOCALE="en")
    )
    assert code == 0, out
    seconds = off(out, r"clock is (\d+) s behind")
    assert (
        f"⚠️ This server's clock is {seconds} s behind WeCom's, still within the callback's "
        "allowed ±900 s but drifting. Fix: synchronise it with NTP/chrony to an intranet time source"
    ) in out
    assert "App “督办助手” is visible to 1 department, 0 members and 0 tags" in out


async def test_doctor_names_the_ip_to_trust(tmp_path: Path, fake: FakeWeCom) -> None:
    fake.fail("/cgi-bin/agent/get", 60020)
    code, out = await doctor(tmp_path / "data", **app_env(fake))
    assert code == 1, out
    assert (
        "❌ 企业微信拒绝了本服务器 IP 的调用(错误码 60020)。处理办法:管理后台 → 应用管理 → "
        f"本应用 → 企业可信IP,添加 {SERVER_IP}(企业微信看到的本服务器出口 IP)"
    ) in out
    assert "1 个问题" in out


async def test_doctor_says_when_nobody_can_see_the_app(tmp_path: Path, fake: FakeWeCom) -> None:
    fake.visible_parties = []
    code, out = await doctor(tmp_path / "data", **app_env(fake))
    assert code == 1, out
    assert (
        "❌ 应用「督办助手」的可见范围是空的,谁也收不到它的消息、也无法给它发消息。处理办法:"
        "管理后台 → 应用管理 → 本应用 → 可见范围,添加各单位所在的部门或成员"
    ) in out
    fake.visible_users = ["zhangsan"]
    code, out = await doctor(tmp_path / "data", **app_env(fake, WECOM_AGENT_ID="1000009"))
    assert code == 1, out
    assert "❌ 企业微信不认应用 1000009(错误码 40056)" in out


def private_ca(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A deployment's own CA (its PEM file) and a server context for 127.0.0.1 signed by it."""
    now = datetime.now(UTC)

    def cert(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            ).add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "政务微信 测试根证书")])
    ca_cert = cert("政务微信 测试根证书", ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    server = cert("127.0.0.1", key, ca_name, ca_key, ca=False)
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


async def test_a_private_deployment_with_its_own_ca_is_trusted_through_ssl_cert_file(
    tmp_path: Path,
) -> None:
    """政务微信: WECOM_API_BASE_URL at the deployment, its CA trusted through SSL_CERT_FILE."""
    ca_file, context = private_ca(tmp_path)
    server = FakeWeCom(now=SystemClock().now)
    await server.start(ssl_context=context)
    try:
        assert server.base_url.startswith("https://")
        code, out = await doctor(tmp_path / "data", **app_env(server))
        assert code == 1 and "❌ 连不上企业微信接口(ConnectError)" in out, out
        code, out = await doctor(tmp_path / "data", **app_env(server, SSL_CERT_FILE=str(ca_file)))
        assert code == 0, out
        assert f"✅ 企业微信连通:企业 {CORP_ID} 的应用凭证有效" in out
        assert "✅ 应用「督办助手」的可见范围" in out
        # The bot's own API client trusts it the same way.
        env = {"SSL_CERT_FILE": str(ca_file)}
        done = await wecom_cli(
            server, tmp_path / "data", "appchat", "create", "进度", "a", "b", **env
        )
        assert done[0] == 0 and len(server.appchats) == 1, done
    finally:
        await server.stop()


# --- the callback's clock ---


async def test_callbacks_refused_for_the_clock_are_logged_once_with_the_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await WeComBot.start(tmp_path / "data")
    try:
        now = int(bot.clock.now().timestamp())
        behind = str(now - 600)
        caplog.set_level(logging.DEBUG, logger="bot.wecom.callback")
        for _ in range(3):
            answer = await bot.post(
                bot.message("someone", "text", Content="/help"), timestamp=behind
            )
            assert answer.status_code == 403
        # A forged stale one says nothing about the clock.
        params = {"msg_signature": sign("x", behind, "n", "e"), "timestamp": behind, "nonce": "n"}
        await bot.http.post(
            "/wecom/callback", params=params, content=b"<xml><Encrypt>e</Encrypt></xml>"
        )
        told = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert told == [
            "wecom callback refused: its timestamp is 600 s behind this server's clock (allowed "
            "±300 s, WECOM_CALLBACK_SKEW_SECONDS). If every message is refused, this server's "
            "clock is wrong: synchronise it with NTP/chrony (an intranet time source will do) and "
            "check with `python main.py doctor`. Further refusals are not logged until a callback "
            "is accepted."
        ]
        # Once one gets through, the next refusal is told again.
        assert (await bot.post(bot.message("someone", "text", Content="/help"))).status_code == 200
        await bot.post(bot.message("someone", "text", Content="/help"), timestamp=str(now + 400))
        told = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(told) == 2 and "400 s ahead of this server's clock" in told[1]
        await bot.settle()
    finally:
        await bot.stop()


async def test_the_allowed_skew_is_a_setting(tmp_path: Path) -> None:
    bot = await WeComBot.start(tmp_path / "data", WECOM_CALLBACK_SKEW_SECONDS=900)
    try:
        behind = str(int(bot.clock.now().timestamp()) - 600)
        answer = await bot.post(bot.message("someone", "text", Content="/help"), timestamp=behind)
        assert answer.status_code == 200
        await bot.settle()
        assert bot.news("someone")  # handled: the stranger is told how to join
        stale = str(int(bot.clock.now().timestamp()) - 901)
        answer = await bot.post(bot.message("someone", "text", Content="/help"), timestamp=stale)
        assert answer.status_code == 403
    finally:
        await bot.stop()


# --- wecom appchat create ---


async def wecom_cli(
    fake: FakeWeCom, data_dir: Path, *args: str, **env: str
) -> tuple[int, str, str]:
    """`python main.py wecom ARGS` (in this process, the fake serving meanwhile)."""
    done = await main_py_async(
        ["wecom", *args], clean_env(BOT_DATA_DIR=str(data_dir), **app_env(fake, **env))
    )
    return done.returncode, done.stdout, done.stderr


async def test_appchat_create_makes_the_chat_and_says_where_to_list_it(
    tmp_path: Path, fake: FakeWeCom
) -> None:
    code, out, err = await wecom_cli(
        fake,
        tmp_path / "data",
        "appchat",
        "create",
        "督办进度播报",
        "zhangsan",
        "lisi",
        "wangwu",
        "lisi",
        WECOM_APPCHAT_IDS="wrOldChat",
    )
    assert code == 0, err
    ((chatid, body),) = fake.appchats.items()
    assert body["name"] == "督办进度播报" and body["owner"] == "zhangsan"
    assert body["userlist"] == ["zhangsan", "lisi", "wangwu"]
    assert re.fullmatch(r"[0-9a-zA-Z]{1,32}", chatid)
    assert out.splitlines() == [
        f"已建群「督办进度播报」:群主 zhangsan,共 3 人。群 ID:{chatid}",
        f"把群 ID 加进配置 WECOM_APPCHAT_IDS=wrOldChat,{chatid} 并重启机器人,这个群就会收到进度播报。",
    ]


async def test_appchat_create_refuses_what_wecom_would_and_says_why(
    tmp_path: Path, fake: FakeWeCom
) -> None:
    data = tmp_path / "data"
    code, out, err = await wecom_cli(
        fake, data, "appchat", "create", "进度", "zhangsan", "zhangsan"
    )
    assert code == 2 and "建群需要 2–2000 名成员(企业微信账号),现在是 1 名" in err
    code, out, err = await wecom_cli(fake, data, "appchat", "create", "长" * 51, "a", "b")
    assert code == 2 and "群名不能为空,最多 50 个字" in err
    fake.fail("/cgi-bin/appchat/create", 60020)
    code, out, err = await wecom_cli(fake, data, "appchat", "create", "进度", "a", "b")
    assert code == 1 and "企业微信没有建群(错误码 60020" in err and "python main.py doctor" in err
    assert fake.appchats == {} and out == ""
