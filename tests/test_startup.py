"""Start-up loads only what the run needs: the shell and one-shot commands import no channel's
network libraries, nor the readers and writers of office files (benchmarks/startup.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import ROOT, clean_env

HEAVY = ("telegram", "aiohttp", "httpx", "apscheduler", "openpyxl", "docx", "pdfplumber", "PIL")

PROBE = f"""
import sys
from bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:  # --help
    code = stop.code
print("LOADED", code, sorted(m for m in {HEAVY!r} if m in sys.modules))
"""


def loaded(tmp_path: Path, *args: str, stdin: str = "") -> tuple[str, str]:
    """Run main.py's entry in a fresh interpreter; (its output, the heavy modules it loaded)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        env=clean_env(BOT_DATA_DIR=str(tmp_path / "data")),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out, _, last = done.stdout.rpartition("LOADED ")
    code, _, modules = last.strip().partition(" ")
    assert code == "0", done.stdout[-2000:] + done.stderr[-2000:]
    return out, modules


def test_the_shell_answers_without_loading_a_channel_or_office_library(tmp_path: Path) -> None:
    out, modules = loaded(tmp_path, stdin="/help\n")
    assert "/start" in out  # /help was answered
    assert modules == "[]"


@pytest.mark.parametrize("args", [("--help",), ("plan", "list"), ("units", "list")])
def test_one_shot_commands_load_no_channel_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    _, modules = loaded(tmp_path, *args)
    assert modules == "[]"
