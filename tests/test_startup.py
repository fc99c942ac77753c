"""Start-up loads only what the run needs: the shell and one-shot commands import no channel's
network libraries, nor the readers and writers of office files, nor the handlers of commands
not run; a resumed demo does not parse the sample plan again (benchmarks/startup.py)."""

from __future__ import annotations

import hashlib
import inspect
import json
import marshal
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.demo import SAMPLE_NOTE
from domain.settings import BUNDLED_SAMPLE
from handlers.registry import COMMANDS, Later
from locales import kept_catalog
from tests.cli_run import ROOT, clean_env, main_py

HEAVY = ("telegram", "aiohttp", "httpx", "apscheduler", "openpyxl", "docx", "pdfplumber", "PIL")
# What the shell's /help has no use for: the metrics client (only /metrics renders with it),
# the YAML parser (the catalogs are kept parsed, plan and unit files are not read), the plan
# checks, the handlers of other commands (handlers/registry.py imports each when its command
# first runs), the other subcommands' modules.
LAZY = (
    "prometheus_client",
    "yaml",
    "domain.plan_checks",
    "domain.holiday_file",
    "handlers.plan_import",
    "handlers.status",
    "handlers.tasks",
    "handlers.review",
    "handlers.account",
    "handlers.export",
    "handlers.insight_data",
    "insight",
    "bot.plan_cli",
    "bot.backup_cli",
    "bot.ops",
    "bot.runner",
    "bot.health",
)

PROBE = f"""
import sys
from bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:  # --help
    code = stop.code
print("LOADED", code, sorted(m for m in {HEAVY!r} if m in sys.modules))
print("LAZY", sorted(m for m in {LAZY!r} if m in sys.modules))
"""


def loaded(tmp_path: Path, *args: str, stdin: str = "") -> tuple[str, str, str]:
    """Run main.py's entry in a fresh interpreter; (its output, the heavy modules it loaded,
    the LAZY ones it loaded)."""
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
    last, _, lazy = last.partition("LAZY ")
    code, _, modules = last.strip().partition(" ")
    assert code == "0", done.stdout[-2000:] + done.stderr[-2000:]
    return out, modules, lazy.strip()


def test_the_shell_answers_without_loading_a_channel_or_office_library(tmp_path: Path) -> None:
    out, modules, _ = loaded(tmp_path, stdin="/help\n")
    assert "/start" in out  # /help was answered
    assert modules == "[]"


def test_the_shell_help_loads_no_metrics_client_other_handlers_or_subcommands(
    tmp_path: Path,
) -> None:
    loaded(tmp_path, stdin="/help\n")  # the first start: the store made, the sample loaded
    out, _, lazy = loaded(tmp_path, stdin="/help\n")  # the demo resumed, as timed
    assert "/start" in out
    assert lazy == "[]"


def test_every_command_names_an_async_handler_that_exists() -> None:
    later = [command for command in COMMANDS if isinstance(command.handler, Later)]
    assert len(later) > 40
    for command in later:
        assert isinstance(command.handler, Later)
        handler = command.handler.resolve()
        assert inspect.iscoroutinefunction(handler), command.name


SERVE = """
import asyncio, sys
from bot.runner import run
from domain.settings import Settings
stop = asyncio.Event()
stop.set()
asyncio.run(run(Settings(), [], stop))  # `serve`: start up, then stop at once
print("HANDLERS", sorted(m for m in sys.argv[1:] if m not in sys.modules))
"""


def test_a_networked_start_imports_every_handler_before_the_first_message(tmp_path: Path) -> None:
    later = [command.handler for command in COMMANDS if isinstance(command.handler, Later)]
    modules = sorted({f"handlers.{handler.module}" for handler in later})
    done = subprocess.run(
        [sys.executable, "-c", SERVE, *modules],
        cwd=ROOT,
        env=clean_env(BOT_DATA_DIR=str(tmp_path / "data")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.rpartition("HANDLERS ")[2].strip() == "[]"


def shell_lines(data: Path, sample: Path) -> list[str]:
    done = main_py([], clean_env(BOT_DATA_DIR=str(data), BOT_SAMPLE_PLAN=str(sample)), "/help\n")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.stdout.splitlines()


def test_a_resumed_demo_reads_the_sample_plan_once_per_content_of_its_file(
    tmp_path: Path,
) -> None:
    data, sample = tmp_path / "data", tmp_path / "sample.yaml"
    shutil.copy(BUNDLED_SAMPLE, sample)
    assert shell_lines(data, sample)[0].startswith("演示模式")  # loaded onto its calendar
    assert shell_lines(data, sample)[0].startswith("演示模式")  # resumed
    note = json.loads((data / SAMPLE_NOTE).read_text(encoding="utf-8"))
    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    assert note == {"sha256": digest, "suffix": ".yaml", "code": "henan-fwxzf", "year": 2016}

    # While the file is unchanged the note is the answer: one that names another plan (never
    # written so; it shows the file is not parsed) ends the demo as that plan would.
    (data / SAMPLE_NOTE).write_text(json.dumps(note | {"code": "other"}), encoding="utf-8")
    assert not any("演示模式" in line for line in shell_lines(data, sample))


def test_a_changed_sample_plan_is_read_again_not_taken_from_the_note(tmp_path: Path) -> None:
    data, sample = tmp_path / "data", tmp_path / "sample.yaml"
    shutil.copy(BUNDLED_SAMPLE, sample)
    shell_lines(data, sample)  # loaded, and the note written
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("code: henan-fwxzf", "code: henan-other", 1), "utf-8")
    # Another plan than the one in the store: the real clock, and the note follows the file.
    assert not any("演示模式" in line for line in shell_lines(data, sample))
    note = json.loads((data / SAMPLE_NOTE).read_text(encoding="utf-8"))
    assert note["code"] == "henan-other"


@pytest.mark.parametrize("args", [("--help",), ("plan", "list"), ("units", "list")])
def test_one_shot_commands_load_no_channel_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    _, modules, _ = loaded(tmp_path, *args)
    assert modules == "[]"


def test_a_catalog_is_kept_parsed_until_one_of_its_files_changes(tmp_path: Path) -> None:
    folder, kept_in = tmp_path / "en", tmp_path / "kept"
    shutil.copytree(ROOT / "locales" / "en", folder)
    parsed = kept_catalog(folder, kept_in)
    assert parsed["cmd.help"]
    [kept] = kept_in.glob("catalog.en.*.marshal")

    # Read back, not parsed: what is kept is the answer (never written so; it shows that).
    kept.write_bytes(marshal.dumps({"cmd.help": "kept"}))
    assert kept_catalog(folder, kept_in) == {"cmd.help": "kept"}

    # A file changed: read again, and the old copy replaced.
    with (folder / "core.yaml").open("a", encoding="utf-8") as out:
        out.write('\nstartup.test_key: "added"\n')
    again = kept_catalog(folder, kept_in)
    assert again == parsed | {"startup.test_key": "added"}
    assert [p.name for p in kept_in.glob("catalog.en.*.marshal")] != [kept.name]
    assert len(list(kept_in.glob("catalog.en.*"))) == 1

    # A damaged copy is no answer.
    [kept] = kept_in.glob("catalog.en.*.marshal")
    kept.write_bytes(b"not marshal")
    assert kept_catalog(folder, kept_in) == again
