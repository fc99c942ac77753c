"""Benchmark: start-up to the first reply, against `import telegram` as the floor.

Each round starts fresh processes, alternating: `python -c "import telegram"` (the floor: the
one library a Telegram bot cannot start without), then `python main.py` in shell mode answering
`/help` from stdin and exiting at its end. The data folder is made by one start before the
rounds (the first start also creates the database and loads the sample plan; timed apart).
The project's bytecode is compiled first, as an installed package has it: with
PYTHONDONTWRITEBYTECODE set (the Dockerfile sets it) every start would compile every module.

    python benchmarks/startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str], env: dict[str, str], stdin: str = "") -> float:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0 or (stdin and "/start" not in done.stdout):
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return took


def spread(values: list[float]) -> str:
    return f"{min(values):.3f}/{statistics.median(values):.3f}/{max(values):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    keep = ("BOT_", "TELEGRAM_", "WECOM_")  # shell mode whatever this machine's .env says
    env = {k: v for k, v in os.environ.items() if not k.startswith(keep)}
    packages = ["bot", "domain", "handlers", "insight", "locales", "schedules", "storage"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        env["BOT_DATA_DIR"] = str(Path(tmp) / "data")
        shell = [sys.executable, "main.py"]
        first = timed(shell, env, "/help\n")
        print(f"first start (new database, sample plan loaded) to /help answered: {first:.3f} s")
        floor, runs = [], []
        for _ in range(args.rounds):
            floor.append(timed([sys.executable, "-c", "import telegram"], env))
            runs.append(timed(shell, env, "/help\n"))
    print(f"floor, `python -c 'import telegram'`, min/median/max: {spread(floor)}")
    print(f"`python main.py` (shell) answering /help, min/median/max: {spread(runs)}")
    ratios = sorted(run / low for run, low in zip(runs, floor, strict=True))
    print(
        f"ratio to the floor, round by round, min/median/max:"
        f" {ratios[0]:.2f}/{statistics.median(ratios):.2f}/{ratios[-1]:.2f}×"
        f" (median ÷ median: {statistics.median(runs) / statistics.median(floor):.2f}×;"
        f" target ≤ 2×)"
    )


if __name__ == "__main__":
    main()
