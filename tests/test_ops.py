"""Operator safety: online backup → wipe → restore gives the same status; doctor; no secrets in logs."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from bot.logs import KeyValueFormatter, RedactingFilter
from storage.backup import backup
from tests.support import ShellBot, report_id, stored_bytes
from tests.test_cli import run


async def test_backup_wipe_restore_gives_the_same_status(tmp_path: Path, pdf: Path) -> None:
    data = tmp_path / "data"
    scan = tmp_path / "扫描件.pdf"  # too big to keep inside the database: a file on disk
    scan.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 1024)
    bot = await ShellBot.start(data)
    await bot.invite_and_bind("郑州", "zz")
    number = report_id(await bot.say("/report 1 年度方案", as_="zz", files=[pdf, scan]))
    await bot.say(f"/accept {number}", as_="admin")
    await bot.say("/report 6.1", as_="zz", files=[pdf])
    status_before = await bot.say("/status", as_="admin")
    async with bot.app.store.read() as db:
        shas = [str(r[0]) for r in await db.execute_fetchall("SELECT sha256 FROM attachments")]
    # Online: the bot is still open while the backup runs.
    result = await backup(bot.app.store, bot.app.settings.files_dir, tmp_path / "backups" / "b1")
    assert result.files == 2
    assert result.bytes == pdf.stat().st_size + scan.stat().st_size
    await bot.stop()

    shutil.rmtree(data)
    done = run(["restore", str(result.path)], data)
    assert done.returncode == 0, done.stderr
    assert "2 个附件" in done.stdout

    again = await ShellBot.start(data)
    try:
        assert await again.say("/status", as_="admin") == status_before
        history = await again.say("/history", as_="zz")
        assert f"#{number} [1]" in history and "已通过 · 附件2个" in history
        files = again.app.services.files
        contents = {await stored_bytes(files, sha) for sha in shas}
        assert contents == {pdf.read_bytes(), scan.read_bytes()}
    finally:
        await again.stop()


def test_backup_command_and_refusals(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run([], data, "/status\n").returncode == 0
    done = run(["backup", str(tmp_path / "bk")], data)
    assert done.returncode == 0, done.stderr
    (copy,) = (tmp_path / "bk").iterdir()
    assert (copy / "bot.sqlite3").is_file()
    refused = run(["restore", str(copy)], data)
    assert refused.returncode == 2 and "--force" in refused.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bot.sqlite3").write_bytes(b"not a database at all" * 100)
    assert run(["restore", str(broken), "--force"], data).returncode == 2


def test_doctor_checks_integrity_and_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run([], data, "/tasks\n")
    done = run(["doctor"], data)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "数据库完整性检查:ok" in done.stdout and "0 个问题" in done.stdout


def test_logs_never_carry_tokens_or_invite_codes() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getUpdates %s",
        ("invite ABCD-EFGH-JKMN-PQRS",),
        None,
    )
    RedactingFilter().filter(record)
    line = KeyValueFormatter().format(record)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in line and "ABCD-EFGH-JKMN-PQRS" not in line
    assert "<telegram-token>" in line and "<invite-code>" in line
    url = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "GET /cgi-bin/gettoken?corpid=1&corpsecret=s3cr3t",
        None,
        None,
    )
    RedactingFilter().filter(url)
    assert "s3cr3t" not in url.getMessage()
