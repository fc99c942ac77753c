"""The benchmark scripts the README quotes still run end to end (at a toy size; no timing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import script

ROOT = Path(__file__).resolve().parent.parent


def bench(name: str, *args: str, real: bool = False) -> str:
    """`python benchmarks/NAME ARGS`: its output. In this process (tests/cli_run.py) unless
    `real`; the scripts that start processes of their own (insight, telegram_updates) run as
    real ones, as the README quotes them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "BENCH_"))}
    if not real:
        done = script(f"benchmarks/{name}", list(args), env)
    else:
        done = subprocess.run(
            [sys.executable, f"benchmarks/{name}", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_core_queries() -> None:
    out = bench("core_queries.py", "--units", "31", "--reports", "200", "--contacts", "40")
    assert "/todo (one unit)" in out and "/status (all units)" in out
    assert "1 trips to the database threads per request" in out  # a /todo's reads: one trip
    assert "floor: its 3 SQL statements alone, in sqlite3" in out and "→ ratio" in out
    assert "scheduler decision, one day's fires, 5 working days" in out


@pytest.mark.slow
def test_status_scale() -> None:
    out = bench(
        "status_scale.py",
        *("--units", "31", "--reports", "200", "--contacts", "40", "--runs", "5", "--rounds", "1"),
    )
    for figure in ("/status page, province admin", "/status page, city admin", "all-units summary"):
        assert figure in out and "floor" in out and "ratio" in out
    assert "before: GROUP BY (sqlite3)" in out


@pytest.mark.slow
def test_core_queries_over_several_plans_with_a_monthly_report() -> None:
    out = bench(
        "core_queries.py",
        *("--units", "31", "--reports", "200", "--contacts", "40", "--runs", "5"),
        *("--plans", "5", "--monthly", "--days", "2"),
    )
    assert "imported yb: 31 units × 39 materials" in out  # 27 + 12 monthly periods
    assert "/todo lists" in out and "from plans fw, zx, aq, hb, yb" in out
    assert "/status fw (all units)" in out and "/status (5 plans)" in out
    assert "scheduler decision, one day's fires, 2 working days" in out
    assert "played in full (3 fires: decided, rendered, queued)" in out


@pytest.mark.slow
def test_insight_outputs() -> None:
    out = bench("insight.py", "--units", "31", "--reports", "200", real=True)
    assert "export (all units, 200 reports" in out and "board (3 units)" in out


@pytest.mark.slow
def test_broadcast_drain_and_decision() -> None:
    out = bench("broadcast.py", "--contacts", "30", "--rounds", "2")
    assert "drained 30 in" in out and "429 answers provoked: 0" in out
    assert "floor (the allowed rate): 30/s" in out and "429 answers in all: 0" in out


@pytest.mark.slow
def test_startup_against_import_telegram() -> None:
    out = bench("startup.py", "--rounds", "1", real=True)
    assert "floor, `python -c 'import telegram'`" in out and "ratio to the floor" in out


@pytest.mark.slow
def test_telegram_updates_stores_every_report_of_the_mix() -> None:
    out = bench(
        "telegram_updates.py",
        "--workloads",
        "file200k",
        "--scale",
        "0.05",
        "--rounds",
        "1",
        real=True,
    )
    assert "file200k: 20 updates per round" in out and "reports stored 20" in out
    assert "bot ÷ echo-aiohttp" in out and "bot ÷ echo-httpx" in out  # both floors
