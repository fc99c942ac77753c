"""Operator safety: online backup → wipe → restore gives the same status; doctor; no secrets in logs."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.logs import KeyValueFormatter, RedactingFilter
from storage.backup import backup
from tests.support import ShellBot, report_id, stored_bytes
from tests.test_cli import run, run_process


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
    done = run_process(["backup", str(tmp_path / "bk")], data)  # real processes: exit codes
    assert done.returncode == 0, done.stderr
    (copy,) = (tmp_path / "bk").iterdir()
    assert (copy / "bot.sqlite3").is_file()
    refused = run_process(["restore", str(copy)], data)
    assert refused.returncode == 2 and "--force" in refused.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bot.sqlite3").write_bytes(b"not a database at all" * 100)
    assert run(["restore", str(broken), "--force"], data).returncode == 2


def test_doctor_checks_integrity_and_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run([], data, "/tasks\n")
    done = run_process(["doctor"], data)  # a real process: its exit code
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


async def _backup_with_files(tmp_path: Path, pdf: Path) -> tuple[Path, Path, Path]:
    """(data dir, backup dir, the large scan): a report with a small and a large attachment."""
    data = tmp_path / "data"
    scan = tmp_path / "扫描件.pdf"  # too big to keep inside the database: a file on disk
    scan.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 1024)
    bot = await ShellBot.start(data)
    try:
        await bot.invite_and_bind("郑州", "zz")
        await bot.say("/report 1 年度方案", as_="zz", files=[pdf, scan])
        result = await backup(bot.app.store, bot.app.settings.files_dir, tmp_path / "bk" / "b1")
    finally:
        await bot.stop()
    return data, result.path, scan


def _change_file(root: Path) -> None:
    (changed,) = [p for p in (root / "files").rglob("*") if p.is_file()]
    data = bytearray(changed.read_bytes())
    data[5000] ^= 0x01  # one bit, same size
    changed.write_bytes(bytes(data))


def _change_inline(db_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        ((sha, content),) = conn.execute(
            "SELECT sha256, content FROM blobs WHERE content IS NOT NULL"
        ).fetchall()
        changed = bytes(content).replace(b"notice", b"Notice")  # same size
        conn.execute("UPDATE blobs SET content = ? WHERE sha256 = ?", (changed, sha))
        conn.commit()


@pytest.mark.parametrize("where", ["file", "inline"])
async def test_restore_refuses_a_backup_with_a_changed_attachment(
    tmp_path: Path, pdf: Path, where: str
) -> None:
    """Issue 12, row 21: one changed file restored with exit 0; now nothing is restored."""
    data, copy, scan = await _backup_with_files(tmp_path, pdf)
    if where == "file":
        _change_file(copy)
        name = scan.name
    else:
        _change_inline(copy / "bot.sqlite3")
        name = pdf.name
    target = tmp_path / "elsewhere"
    done = run(["restore", str(copy)], target)
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert f"备份 {copy} 中 1 个附件与记录的 SHA-256 不符,未做任何改动:{name}(内容已改动)" == line
    assert not target.exists() or not any(target.rglob("*"))  # nothing of it was put in place

    before = (data / "bot.sqlite3").read_bytes()
    refused = run(["restore", str(copy), "--force"], data)
    assert refused.returncode == 2 and name in refused.stderr
    assert (data / "bot.sqlite3").read_bytes() == before
    assert not list(data.glob("*.before-restore"))


async def test_doctor_names_the_attachments_that_changed_or_went_missing(
    tmp_path: Path, pdf: Path
) -> None:
    data, _, scan = await _backup_with_files(tmp_path, pdf)
    done = run(["doctor"], data)
    assert done.returncode == 0, done.stdout
    assert "✅ 附件校验:2 个附件与记录的 SHA-256 一致" in done.stdout

    _change_inline(data / "bot.sqlite3")
    (on_disk,) = [p for p in (data / "files").rglob("*") if p.is_file()]
    on_disk.unlink()
    done = run(["doctor"], data)
    assert done.returncode == 1, done.stdout
    (line,) = [x for x in done.stdout.splitlines() if "附件校验" in x]
    assert line == (
        f"❌ 附件校验:2 个附件与记录的 SHA-256 不符:{scan.name}(文件缺失)、"
        f"{pdf.name}(内容已改动)。请从备份恢复"
    ) or line == (
        f"❌ 附件校验:2 个附件与记录的 SHA-256 不符:{pdf.name}(内容已改动)、"
        f"{scan.name}(文件缺失)。请从备份恢复"
    )
    assert "1 个问题" in done.stdout
