"""The command line as an operator uses it: the scripted shell, plan import, invites.

`run` is main.py inside this process (tests/cli_run.py); `run_process` a real `python main.py`,
kept where the process matters and once for each command family here.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import plans
from storage.db import Store
from storage.models import Plan
from tests.cli_run import clean_env, main_py
from tests.support import find_code

ROOT = Path(__file__).resolve().parent.parent


def run(
    args: list[str], data_dir: Path, stdin: str = "", **settings: str
) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` with BOT_DATA_DIR and `settings`, inside this process."""
    return main_py(args, clean_env(BOT_DATA_DIR=str(data_dir), **settings), stdin)


def run_process(
    args: list[str], data_dir: Path, stdin: str = "", **settings: str
) -> subprocess.CompletedProcess[str]:
    """The same as a real process: its exit code, its streams, no hang (the timeout)."""
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(BOT_DATA_DIR=str(data_dir), **settings),
        timeout=60,
    )


def test_scripted_shell_lists_tasks_and_status(tmp_path: Path) -> None:
    done = run_process([], tmp_path / "data", "/tasks\n/status\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "共 9 项任务、16 项材料" in out
    for line in [
        "[1] 推进服务型行政执法建设年度方案 · 时限:5月31日(周二·5月底)",
        "[4.1] 行政复议等情况 · 时限:6月1日至8月31日(周三·6-8月)",
        "[6.1] 年度方案中明确培育服务型行政执法示范点情况 · 时限:6月10日(周五·端午·6月上旬)",
        "[8] 推荐服务型行政执法微电影、微视频(至少一部) · 时限:按要求报送",
        "目标:省局≥50、省辖市≥30、县级≥50例",
    ]:
        assert line in out
    assert "29个单位" in out
    # The province issues the plan and owes only its own 50-case target (3.2).
    for unit in ["省局 0/1", "郑州市 0/16", "济源市 0/16", "巩义市 0/16", "新蔡县 0/16"]:
        assert unit in out


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`python main.py | head`: the pipe closes after a few lines; the bot ends quietly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "WECOM_"))}
    env["BOT_DATA_DIR"] = str(tmp_path / "data")
    read, write = os.pipe()
    with subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=write,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        os.close(write)
        os.close(read)  # the reader is gone before the bot writes anything
        _, err = proc.communicate(b"/tasks\n/status\n" * 20, timeout=60)
    assert b"Traceback" not in err, err.decode()[-2000:]
    assert proc.returncode == 1


def test_plan_import_reports_the_line_and_stores_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    sample = (ROOT / "plans" / "henan-2016.yaml").read_text("utf-8")
    lines = sample.splitlines()
    target = next(i for i, line in enumerate(lines) if "deadline: 5月底" in line)
    lines[target] = lines[target].replace("5月底", "5月初")
    bad.write_text("\n".join(lines), encoding="utf-8")
    done = run_process(["plan", "import", str(bad)], tmp_path / "data")
    assert done.returncode == 2
    assert f"第{target + 1}行" in done.stderr and "5月初" in done.stderr
    assert not (tmp_path / "data" / "bot.sqlite3").exists()


@pytest.mark.parametrize(
    ("change", "said", "below"),
    [
        (lambda line: line.replace("deadline:", "deadlne:"), "deadlne", 0),  # a misspelt key
        (lambda line: line + "\n" + line, "deadline", 1),  # the same key twice: the second
    ],
    ids=["unknown key", "duplicate key"],
)
def test_plan_import_names_a_wrong_key_instead_of_crashing(
    tmp_path: Path, change: Callable[[str], str], said: str, below: int
) -> None:
    sample = (ROOT / "plans" / "henan-2016.yaml").read_text("utf-8")
    lines = sample.splitlines()
    target = next(i for i, line in enumerate(lines) if "deadline: 5月底" in line)
    lines[target] = change(lines[target])
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(lines), encoding="utf-8")
    done = run(["plan", "import", str(bad)], tmp_path / "data")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert said in done.stderr and f"第{target + 1 + below}行" in done.stderr


def test_plan_import_rebases_a_year_and_refuses_a_repeat(tmp_path: Path) -> None:
    sample = ROOT / "plans" / "henan-2016.yaml"
    done = run(["plan", "import", str(sample), "--year", "2017"], tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "16项材料" in done.stdout and "29个单位" in done.stdout
    again = run(["plan", "import", str(sample), "--year", "2017"], tmp_path / "data")
    assert again.returncode == 2 and "已导入过" in again.stderr
    shown = run([], tmp_path / "data", "/tasks\n")
    assert "2017年度" in shown.stdout


def test_invite_command_prints_a_code_that_binds(tmp_path: Path) -> None:
    # The command line loads the sample into an empty store only when asked to.
    issued = run(["invite", "郑州", "--role", "reporter"], tmp_path / "data", BOT_SAMPLE_PLAN="1")
    assert issued.returncode == 0, issued.stderr
    code = find_code(issued.stdout)
    bound = run([], tmp_path / "data", f":as zz\n/bind {code}\n/todo\n")
    assert "绑定成功" in bound.stdout and "待报送材料 16 项" in bound.stdout
    unknown = run(["invite", "火星"], tmp_path / "data")
    assert unknown.returncode == 2 and "找不到单位" in unknown.stderr


def test_plan_import_refuses_bad_reminder_settings(tmp_path: Path) -> None:
    sample = (ROOT / "plans" / "henan-2016.yaml").read_text("utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        sample.replace("\nplan:\n", "\nplan:\n  reminders: {before_days: soon}\n", 1),
        encoding="utf-8",
    )
    done = run(["plan", "import", str(bad)], tmp_path / "data")
    assert done.returncode == 2 and "提醒设置" in done.stderr and "before_days" in done.stderr
    assert not (tmp_path / "data" / "bot.sqlite3").exists()


SAMPLE = ROOT / "plans" / "henan-2016.yaml"


def stored_plan(data_dir: Path, code: str, year: int) -> Plan | None:
    async def read() -> Plan | None:
        store = Store(data_dir / "bot.sqlite3")
        await store.open()
        try:
            async with store.read() as db:
                return await plans.find(db, code, year)
        finally:
            await store.close()

    return asyncio.run(read())


def test_plan_import_year_rebases_document_and_issue_date_and_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = run(["plan", "import", str(SAMPLE), "--year", "2026"], data)
    assert done.returncode == 0, done.stderr
    assert "文号按年度改为“豫安监管﹝2026﹞41号”(原为“豫安监管﹝2016﹞41号”)" in done.stdout
    assert "印发日期按年度改为 2026-05-09(原为 2016-05-09)" in done.stdout
    assert "--document" in done.stdout and "--issued" in done.stdout
    plan = stored_plan(data, "henan-fwxzf", 2026)
    assert plan is not None
    assert (plan.document, str(plan.issued_on)) == ("豫安监管﹝2026﹞41号", "2026-05-09")

    given = ["--document", "豫应急〔2026〕7号", "--issued", "2026-03-02"]
    again = run(["plan", "import", str(SAMPLE), "--year", "2026", "--replace", *given], data)
    assert again.returncode == 0, again.stderr
    assert "文号:豫应急〔2026〕7号(按 --document)" in again.stdout
    assert "印发日期:2026-03-02(按 --issued)" in again.stdout
    plan = stored_plan(data, "henan-fwxzf", 2026)
    assert plan is not None
    assert (plan.document, str(plan.issued_on)) == ("豫应急〔2026〕7号", "2026-03-02")

    bad = run(["plan", "import", str(SAMPLE), "--issued", "2026-13-01", "--replace"], data)
    assert bad.returncode == 2 and "“--issued”应为日期" in bad.stderr
    assert "Traceback" not in bad.stderr


def with_changed_line(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The sample with its first line equal to `old` replaced; the file and that line."""
    lines = SAMPLE.read_text("utf-8").splitlines()
    index = lines.index(old)
    lines[index] = new
    changed = tmp_path / "changed.yaml"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed, index + 1


def test_plan_import_refuses_a_deadline_before_the_issue_date(tmp_path: Path) -> None:
    early, line = with_changed_line(tmp_path, "    deadline: 5月底", "    deadline: 1月15日前")
    done = run(["plan", "import", str(early)], tmp_path / "data")
    assert done.returncode == 2, done.stdout
    assert f"第{line}行" in done.stderr and "早于印发日期" in done.stderr
    assert "“2017年1月15日前”" in done.stderr
    assert not (tmp_path / "data" / "bot.sqlite3").exists()


def test_plan_import_replace_keeps_the_report_and_says_what_changed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    invited = run([], data, "/invite 郑州 reporter\n")
    assert invited.returncode == 0, invited.stderr
    proof = tmp_path / "方案.pdf"
    proof.write_bytes(b"%PDF-1.4 the annual plan\n")
    script = f":as zz\n/bind {find_code(invited.stdout)}\n:attach {proof}\n/report 1 已印发\n"
    reported = run([], data, script)
    assert "报送编号 #1" in reported.stdout, reported.stdout

    corrected, _ = with_changed_line(tmp_path, "    deadline: 5月底", "    deadline: 6月底")
    text = corrected.read_text("utf-8")
    corrected.write_text(text[: text.index("  - no: 9")], encoding="utf-8")  # item 9 dropped
    plain = run(["plan", "import", str(corrected)], data)
    assert plain.returncode == 2 and "--replace" in plain.stderr

    replaced = run(["plan", "import", str(corrected), "--replace"], data)
    assert replaced.returncode == 0, replaced.stderr
    assert "已有报送 1 份全部保留" in replaced.stdout
    assert "~ 材料 1 时限:5月底(2016年5月31日) → 6月底(2016年6月30日)" in replaced.stdout
    assert "- 删除材料 9 具体创新举措、成效" in replaced.stdout

    shown = run([], data, ":as zz\n/history\n:as admin\n/tasks\n")
    assert "#1 [1] 推进服务型行政执法建设年度方案" in shown.stdout and "附件1个" in shown.stdout
    assert "[1] 推进服务型行政执法建设年度方案 · 时限:6月30日(周四·6月底)" in shown.stdout
    assert "[9]" not in shown.stdout

    without_1 = tmp_path / "without-1.yaml"
    text = corrected.read_text("utf-8")
    start, end = text.index("  - no: 1\n"), text.index("  - no: 2\n")
    without_1.write_text(text[:start] + text[end:], encoding="utf-8")
    refused = run(["plan", "import", str(without_1), "--replace"], data)
    assert refused.returncode == 2 and "未做任何改动" in refused.stderr
    assert "1 推进服务型行政执法建设年度方案:郑州市" in refused.stderr
    assert "[1] 推进服务型" in run([], data, "/tasks\n").stdout


def test_a_channel_that_cannot_start_says_so_in_one_line(tmp_path: Path) -> None:
    """Telegram unreachable at start: one line naming the channel, exit 2, no traceback."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = run_process(
        ["telegram"],
        tmp_path / "data",
        TELEGRAM_BOT_TOKEN="123456:test-token",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
    )
    assert done.returncode == 2
    said = [line for line in done.stderr.splitlines() if " level=" not in line]  # not the log
    assert len(said) == 1 and "telegram 渠道无法启动" in said[0]
    assert "Traceback" not in done.stderr and "level=error" not in done.stderr
    assert "test-token" not in done.stderr


def test_main_py_in_this_process_prints_what_the_real_process_prints(tmp_path: Path) -> None:
    """`run` stands in for `python main.py` in most tests here: the same streams, exit code."""

    def untimed(stderr: str) -> list[str]:  # log lines start with their time
        return [
            line.split(" ", 1)[1] if " level=" in line else line for line in stderr.splitlines()
        ]

    args = ["invite", "火星"]
    here = run(args, tmp_path / "here", BOT_SAMPLE_PLAN="1")
    there = run_process(args, tmp_path / "there", BOT_SAMPLE_PLAN="1")
    assert here.returncode == 2 and "找不到单位" in here.stderr
    assert "applying migration 001_core" in here.stderr  # the log, as configured by main.py
    assert (here.returncode, here.stdout, untimed(here.stderr)) == (
        there.returncode,
        there.stdout,
        untimed(there.stderr),
    )


def test_a_setting_the_bot_cannot_use_is_one_line_naming_it(tmp_path: Path) -> None:
    for env, name in (
        ({"BOT_SAMPLE_PLAN": str(tmp_path / "missing.yaml")}, "BOT_SAMPLE_PLAN"),
        ({"BOT_BACKUP_AT": "25:00"}, "BOT_BACKUP_AT"),
    ):
        done = run(["doctor"], tmp_path / "data", **env)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().startswith(f"{name}:"), done.stderr
