"""Running the bot on a server (issue 16): /healthz, /readyz and /metrics on the bot's HTTP
server, `doctor --json`, and one bot per data folder.

The bot runs as `serve` does (`runner.serve_app`) against the fake Telegram API; the database
is made to refuse writes with `PRAGMA query_only`, which fails as a read-only file does
(tests run as root, for whom a chmod changes nothing)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import http_server, runner
from bot.app import App, open_app
from bot.health import Health
from bot.instance import AlreadyRunning
from domain.clock import SystemClock
from schedules.outbox import Chat, queue
from tests.cli_run import ROOT, clean_env, main_py_async
from tests.fake_telegram import FakeTelegram
from tests.support import ShellBot
from tests.telegram_harness import telegram_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    """`serve` with Telegram, in this process: its app, and a client for its HTTP server."""

    def __init__(self, app: App, port: int, task: asyncio.Task[None], stop: asyncio.Event):
        self.app = app
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)
        self.task = task
        self.stop = stop

    async def ready(self) -> dict:
        """/readyz once the bot has started (its HTTP server answers, the scheduler has run)."""
        for _ in range(500):
            try:
                answer = await self.http.get("/readyz")
            except httpx.ConnectError:
                answer = None
            if answer is not None and answer.status_code == 200:
                return answer.json()
            await asyncio.sleep(0.01)
        raise AssertionError(answer.text if answer is not None else "no HTTP server")

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        answer = await self.http.get("/metrics")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
        }


@pytest.fixture
async def serving(tmp_path: Path, fake: FakeTelegram) -> AsyncIterator[Running]:
    port = free_port()
    settings = telegram_settings(tmp_path / "data", fake, BOT_HTTP_PORT=port)
    clock = SystemClock()
    app = await open_app(settings, clock, exclusive=True)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.serve_app(app, clock, ["telegram"], stop))
    running = Running(app, port, task, stop)
    try:
        await running.ready()
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await running.http.aclose()
        await app.close()


def check(body: dict, name: str) -> dict:
    return next(c for c in body["checks"] if c["name"] == name)


async def test_readyz_fails_while_the_database_cannot_be_written_and_recovers(
    serving: Running,
) -> None:
    live = await serving.http.get("/healthz")
    assert (live.status_code, live.text) == (200, "ok")
    body = await serving.ready()
    assert body["ok"] is True
    assert [c["name"] for c in body["checks"]] == [
        "database",
        "scheduler",
        "sender",
        "outbox",
        "updates",
    ]
    assert check(body, "outbox")["due"] == 0

    await serving.app.store.conn.execute("PRAGMA query_only = ON")
    answer = await serving.http.get("/readyz")
    assert answer.status_code == 503
    database = check(answer.json(), "database")
    assert database["ok"] is False
    assert "readonly" in database["message"]
    assert all(c["ok"] for c in answer.json()["checks"] if c["name"] != "database")

    await serving.app.store.conn.execute("PRAGMA query_only = OFF")
    again = await serving.http.get("/readyz")
    assert again.status_code == 200, again.text


async def test_metrics_count_the_commands_and_replies_of_the_running_bot(
    serving: Running, fake: FakeTelegram
) -> None:
    def value(found: dict, name: str, **labels: str) -> float:
        return found.get((name, tuple(sorted(labels.items()))), 0.0)

    before = await serving.metrics()
    assert value(before, "duban_scheduler_ticks_total") >= 1  # the catch-up run at start
    assert ("duban_outbox_oldest_due_seconds", ()) in before

    mark = fake.mark()
    fake.message(fake.user(1001), "/start")
    await fake.expect(1001, "请先向管理员索取邀请码", after=mark)
    after = await serving.metrics()

    start = {"channel": "telegram", "command": "start"}
    assert (
        value(after, "duban_commands_total", **start)
        == value(before, "duban_commands_total", **start) + 1
    )
    assert value(after, "duban_updates_total", channel="telegram") >= 1
    replied = {"channel": "telegram", "kind": "reply", "result": "sent"}
    assert value(after, "duban_sends_total", **replied) >= 1
    assert value(after, "duban_outbox_queued", channel="telegram") == 0
    updates = check(await serving.ready(), "updates")
    assert updates["last"]["telegram"] is not None


async def test_a_second_serve_on_the_same_data_folder_exits_naming_the_first(
    serving: Running, tmp_path: Path, fake: FakeTelegram
) -> None:
    env = clean_env(
        BOT_DATA_DIR=str(tmp_path / "data"),
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.url,
    )
    # A real process: the lock is between processes (this one holds it, as `serve` would).
    second = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "serve",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 1
    lines = err.decode().strip().splitlines()
    assert lines == [
        f"数据目录 {tmp_path / 'data'} 已被另一个机器人进程(PID {os.getpid()})占用,本进程退出。"
        f"同一数据目录只能运行一个 serve / telegram / wecom / shell;如需重启,"
        f"请先停止 PID {os.getpid()}。"
    ]
    assert (tmp_path / "data" / ".lock").read_text().strip() == str(os.getpid())

    # One-shot commands run beside the bot: a plan import, doctor.
    listed = await main_py_async(["plan", "list"], env)
    assert listed.returncode == 0, listed.stderr
    doctor = await main_py_async(["doctor", "--json"], env)
    assert doctor.returncode in (0, 1), doctor.stderr
    assert {c["name"] for c in json.loads(doctor.stdout)} >= {"config", "database", "disk"}

    with pytest.raises(AlreadyRunning):  # the shell too
        await open_app(serving.app.settings, SystemClock(), exclusive=True)


async def test_the_lock_is_released_when_the_bot_stops(tmp_path: Path, fake: FakeTelegram) -> None:
    settings = telegram_settings(tmp_path / "data", fake)
    for _ in range(2):  # the second start would fail if the first had kept the lock
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(settings, ["telegram"], stop))
        mark = fake.mark()
        fake.message(fake.user(1001), "/start")
        await fake.expect(1001, "请先向管理员索取邀请码", after=mark)
        stop.set()
        await asyncio.wait_for(running, 10)


async def test_doctor_json_lists_each_check(tmp_path: Path) -> None:
    done = await main_py_async(["doctor", "--json"], clean_env(BOT_DATA_DIR=str(tmp_path / "d")))
    assert done.returncode == 0, done.stderr
    checks = json.loads(done.stdout)
    assert [c["name"] for c in checks][:4] == ["config", "channels", "database", "disk"]
    assert all(set(c) == {"name", "ok", "level", "message"} and c["message"] for c in checks)
    assert all(c["ok"] is True for c in checks)


async def test_telegram_alone_starts_no_http_server_unless_a_port_is_set(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    quiet = await open_app(telegram_settings(tmp_path / "a", fake), SystemClock())
    port = free_port()
    wanted = await open_app(
        telegram_settings(tmp_path / "b", fake, BOT_HTTP_PORT=port), SystemClock()
    )
    try:
        assert http_server.build(quiet.services, [], ()) is None
        server = http_server.build(wanted.services, [], ())
        assert server is not None and server.port == port
    finally:
        await quiet.close()
        await wanted.close()


async def test_readyz_fails_when_pushes_wait_past_the_limit_and_nothing_runs(
    tmp_path: Path,
) -> None:
    """No sender, no scheduler run, a push due 16 minutes ago (BOT_READY_PUSH_AGE_MINUTES 15):
    each check says so, and the push of a channel this process does not serve is not its own."""
    bot = await ShellBot.start(tmp_path / "data")
    try:
        services = bot.app.services
        async with bot.app.store.write() as db:
            for channel in ("shell", "telegram"):
                chat = Chat(channel, "zz", f"{channel}:zz")
                await queue(db, chat, key="stall", kind="urge", text="催办", now=bot.clock.now())
        bot.clock.advance(timedelta(minutes=16))
        checks = {c["name"]: c for c in await Health(services, ["shell"]).checks()}
        assert checks["database"]["ok"] is True
        assert checks["scheduler"] == {
            "name": "scheduler",
            "ok": False,
            "message": "has not run yet",
        }
        assert checks["sender"]["ok"] is False
        outbox = checks["outbox"]
        assert (outbox["ok"], outbox["due"], outbox["oldest_due_seconds"]) == (False, 1, 960)
        assert outbox["queued"] == {"shell": 1, "telegram": 1}

        services.metrics.ticked(bot.clock.now())  # a scheduler run just now: that check passes
        bot.clock.advance(timedelta(minutes=36))
        late = {c["name"]: c for c in await Health(services, ["shell"]).checks()}
        assert late["scheduler"]["ok"] is False
        assert "36 min" in late["scheduler"]["message"]
    finally:
        await bot.stop()
