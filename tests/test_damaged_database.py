"""A damaged database stops every entry point within seconds, with one line saying what to do.

Issue 12, row 5: a garbage, truncated or header-overwritten `bot.sqlite3` made `doctor`, the
shell and `telegram` print a traceback and then hang (a connection thread left running);
with a few damaged pages doctor crashed and the shell served people from the damaged file.

Each entry point meets one damage (the header) as a real process that must exit by itself;
the other damages run main.py inside this process (tests/cli_run.py), where a connection
thread left running fails the test as the hang it would be.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli_run import clean_env, main_py

ROOT = Path(__file__).resolve().parent.parent
PAGE = 4096


def run_process(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command line, given no input; a hang fails the test at the timeout."""
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        input="/tasks\n",
        capture_output=True,
        text=True,
        env=clean_env(BOT_DATA_DIR=str(data_dir), **env),
        timeout=30,
    )


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The same command line inside this process."""
    return main_py(args, clean_env(BOT_DATA_DIR=str(data_dir), **env), "/tasks\n")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def garbage(db: Path) -> None:
    db.write_bytes(random.Random(5).randbytes(64 * 1024))


def truncated(db: Path) -> None:
    db.write_bytes(db.read_bytes()[: 5 * PAGE + 123])


def header_overwritten(db: Path) -> None:
    with open(db, "r+b") as f:
        f.write(b"\0" * 100)


def damaged_pages(db: Path) -> None:
    """A few pages in the middle: the file still opens and answers most queries."""
    noise = random.Random(5)
    with open(db, "r+b") as f:
        for page in (30, 45, 60):
            f.seek((page - 1) * PAGE)
            f.write(noise.randbytes(PAGE))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": garbage,
    "truncated": truncated,
    "header": header_overwritten,
    "pages": damaged_pages,
}


@pytest.fixture(scope="module")
def sound_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir the shell has used: the sample plan, 29 units, a few dozen pages."""
    data = tmp_path_factory.mktemp("sound") / "data"
    done = run([], data)
    assert done.returncode == 0, done.stderr
    assert (data / "bot.sqlite3").stat().st_size > 60 * PAGE
    return data


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("entry", ["shell", "telegram", "doctor"])
def test_every_entry_point_refuses_a_damaged_database_in_one_line(
    sound_data: Path, tmp_path: Path, damage: str, entry: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sound_data, data)
    db = data / "bot.sqlite3"
    DAMAGE[damage](db)
    before = db.read_bytes()
    telegram = {
        "TELEGRAM_BOT_TOKEN": "123456:TOKEN-of-a-bot-nobody-runs",
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot",
    }
    args = {"shell": [], "telegram": ["telegram"], "doctor": ["doctor"]}[entry]
    command = run_process if damage == "header" else run
    done = command(args, data, **(telegram if entry != "shell" else {}))

    assert "Traceback" not in done.stdout + done.stderr
    assert db.read_bytes() == before  # nothing was migrated or written into it
    if entry == "doctor":
        assert done.returncode == 1, done.stdout
        assert done.stderr == ""
        (line,) = [x for x in done.stdout.splitlines() if x.startswith("❌ 数据库")]
        assert str(db) in line and "已损坏" in line
        assert "python main.py restore <备份目录> --force" in line
        return
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""  # nobody was served
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"数据库 {db} 已损坏(") and "机器人未启动" in line
    assert line.endswith("请从备份恢复:python main.py restore <备份目录> --force")


def test_a_sound_database_still_starts_and_passes_doctor(sound_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sound_data, data)
    assert "共 9 项任务" in run([], data).stdout
    done = run(["doctor"], data)
    assert done.returncode == 0, done.stdout
    assert "✅ 数据库完整性检查:ok" in done.stdout


def test_a_database_that_cannot_be_opened_is_one_line_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "bot.sqlite3").mkdir(parents=True)  # e.g. a botched volume mount
    done = run([], data)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line == (
        f"数据库 {data / 'bot.sqlite3'} 无法写入(unable to open database file)。"
        "请检查磁盘空间和文件权限,然后重新启动。"
    )
