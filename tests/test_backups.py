"""Daily backups by the running bot: once a day at the set time, once after downtime, the
newest N kept and nothing else in the folder touched; shown in /pushes and doctor."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from domain.clock import SystemClock
from schedules.backups import DailyBackup
from storage import backup as backups
from tests.support import SHANGHAI, ShellBot, local, report_id
from tests.test_cli import run


def daily(bot: ShellBot) -> DailyBackup:
    found = DailyBackup.from_settings(bot.app.store, bot.clock, bot.app.settings)
    assert found is not None
    return found


def names(root: Path) -> list[str]:
    return sorted(entry.name for entry in root.iterdir())


async def test_once_a_day_at_its_time_once_after_downtime_newest_kept(
    tmp_path: Path, pdf: Path
) -> None:
    root = tmp_path / "backups"
    root.mkdir()
    (root / "README.txt").write_text("the clerk's own notes")  # never touched
    (root / "duban-20160101-000000").mkdir()  # a manual `backup DIR`: never touched
    (root / ".duban-auto-20160519-023000.partial").mkdir()  # left by a crash: cleared
    bot = await ShellBot.start(
        tmp_path / "data", BOT_BACKUP_DIR=str(root), BOT_BACKUP_KEEP="3", BOT_BACKUP_AT="02:30"
    )
    try:
        await bot.invite_and_bind("郑州", "zz")
        number = report_id(await bot.say("/report 1 年度方案", as_="zz", files=[pdf]))
        job = daily(bot)
        first = await job.run_if_due()  # 20 May 09:00, none yet: made at once
        assert first is not None and first.path.name == "duban-auto-20160520-090000"
        assert await job.run_if_due() is None
        assert await daily(bot).run_if_due() is None  # a restart the same day: not again
        with sqlite3.connect(first.path / backups.DB_NAME) as conn:
            (stored,) = conn.execute("SELECT COUNT(*) FROM reports WHERE id = ?", (number,))
        assert stored == (1,)

        bot.clock.set(local("2016-05-21T02:29"))
        assert await job.run_if_due() is None
        bot.clock.set(local("2016-05-21T02:30"))
        assert (await job.run_if_due()) is not None
        bot.clock.set(local("2016-05-24T10:00"))  # down three days: one catch-up, not three
        assert (await job.run_if_due()) is not None
        assert await daily(bot).run_if_due() is None
        for day in ("25", "26"):
            bot.clock.set(local(f"2016-05-{day}T02:30:01"))
            assert (await job.run_if_due()) is not None
    finally:
        await bot.stop()
    assert names(root) == [
        "README.txt",
        "duban-20160101-000000",
        "duban-auto-20160524-100000",
        "duban-auto-20160525-023001",
        "duban-auto-20160526-023001",
    ]


async def test_a_failed_backup_leaves_nothing_and_is_tried_again(tmp_path: Path) -> None:
    root = tmp_path / "backups"
    root.write_text("a file where the folder should be")
    bot = await ShellBot.start(tmp_path / "data", BOT_BACKUP_DIR=str(root))
    try:
        job = daily(bot)
        assert await job.run_if_due() is None  # logged, not raised: the bot keeps running
        root.unlink()
        assert await job.run_if_due() is not None  # the next tick: still due, now made
    finally:
        await bot.stop()
    assert [m.path.name for m in backups.made(root, SHANGHAI)] == ["duban-auto-20160520-090000"]


async def test_pushes_shows_the_newest_backup_to_the_province_admin(tmp_path: Path) -> None:
    root = tmp_path / "backups"
    bot = await ShellBot.start(tmp_path / "data")
    try:
        assert "定时备份:未配置(BOT_BACKUP_DIR)" in await bot.say("/pushes", as_="admin")
    finally:
        await bot.stop()
    bot = await ShellBot.start(tmp_path / "data", BOT_BACKUP_DIR=str(root))
    try:
        assert f"定时备份:{root} 中还没有备份" in await bot.say("/pushes", as_="admin")
        await daily(bot).run_if_due()
        page = await bot.say("/pushes", as_="admin")
        assert "定时备份:最近一次 2016年5月20日 09:00,保留 1 份" in page
        bot.clock.advance(timedelta(days=2, minutes=1))
        page = await bot.say("/pushes", as_="admin")
        assert "❌ 定时备份:最近一次是 2016年5月20日 09:00,已超过两天" in page
        await bot.invite_and_bind("郑州", "zz", role="unit_admin")
        assert "定时备份" not in await bot.say("/pushes", as_="zz")
    finally:
        await bot.stop()


@pytest.mark.parametrize("case", ["off", "none", "fresh", "stale"])
async def test_doctor_says_how_old_the_newest_backup_is(tmp_path: Path, case: str) -> None:
    data, root = tmp_path / "data", tmp_path / "backups"
    bot = await ShellBot.start(data)
    try:
        if case in ("fresh", "stale"):
            now = SystemClock().now().astimezone(SHANGHAI)
            at = now - timedelta(days=3 if case == "stale" else 1)
            await backups.scheduled(bot.app.store, bot.app.settings.files_dir, root, at)
    finally:
        await bot.stop()
    env = {} if case == "off" else {"BOT_BACKUP_DIR": str(root)}
    done = run(["doctor"], data, **env)
    line = next(x for x in done.stdout.splitlines() if "定时备份" in x)
    expected = {
        "off": "⚠️ 定时备份未配置",
        "none": f"❌ {root} 中还没有定时备份",
        "fresh": "✅ 最近一次定时备份",
        "stale": "❌ 最近一次定时备份是",
    }[case]
    assert line.startswith(expected), done.stdout
    assert done.returncode == (1 if case in ("none", "stale") else 0), done.stdout


def test_bad_backup_settings_are_refused_by_name(tmp_path: Path) -> None:
    done = run(["doctor"], tmp_path / "data", BOT_BACKUP_AT="25:00")
    assert done.returncode != 0 and "BOT_BACKUP_AT" in done.stderr
