"""Benchmark: 10,000 Telegram updates through the fake Bot API, the bot beside an echo bot.

    python benchmarks/telegram_updates.py [--updates 10000] [--rounds 3] [--mix todo:2,…]

The fake server runs in this process; each bot runs in a child process that reports its
own CPU time (user + kernel, all threads), so the server's work is not counted. The mix is
what field staff send: /todo, /tasks, and reports carrying one document (a caption command,
downloaded, hashed and stored). The echo bot is python-telegram-bot's minimal example: one
reply per update. The two take turns for several rounds, each bot run on a fresh copy of the
data, and the medians are printed: a virtual machine's neighbours move single runs by ±15 %.
BENCH_PROFILE=out.prof runs the bot child under cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import open_app  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.model import Role  # noqa: E402
from domain.settings import Settings  # noqa: E402
from storage import assignments, contacts, plans, units  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.support import local  # noqa: E402

EXTRA_UNITS = 280  # synthetic counties, so every report in the mix has a material to go to
NOW = "2016-05-20T09:00"
MIX = "todo:2,tasks:1,report:2"  # 40 % /todo, 20 % /tasks, 40 % a report with one document


def settings(data: Path, fake_url: str = "http://127.0.0.1:1") -> Settings:
    return Settings(  # type: ignore[call-arg]
        BOT_DATA_DIR=data,
        BOT_SAMPLE_PLAN=data / "plan.yaml",
        TELEGRAM_BOT_TOKEN="123456:TEST-fake-token",
        TELEGRAM_API_BASE_URL=f"{fake_url}/bot",
        TELEGRAM_FILE_BASE_URL=f"{fake_url}/file/bot",
    )


def write_plan(data: Path) -> None:
    """The sample plan with synthetic counties added after its last unit."""
    lines = (ROOT / "plans" / "henan-2016.yaml").read_text("utf-8").splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("  - {code:"))
    extra = [
        f"  - {{code: county{i:03d}, name: 测试{i:03d}县安全生产监督管理局, short: 测试{i:03d}县,"
        " kind: county, parent: henan, region: zhengzhou}"
        for i in range(EXTRA_UNITS)
    ]
    data.mkdir(parents=True, exist_ok=True)
    text = "\n".join([*lines[: last + 1], *extra, *lines[last + 1 :]])
    (data / "plan.yaml").write_text(text + "\n", "utf-8")


async def prepare(data: Path) -> dict[int, list[str]]:
    """Seed the plan and bind one reporter per unit; user id → their outstanding codes."""
    write_plan(data)
    app = await open_app(settings(data), ManualClock(local(NOW)))
    outstanding: dict[int, list[str]] = {}
    try:
        async with app.store.write() as db:
            plan = await plans.active(db)
            assert plan is not None
            for n, unit in enumerate(await units.all_units(db)):
                if unit.parent_id is None:
                    continue  # the issuer owes one material: its reporter would repeat it
                user_id = 2_000_000 + n
                contact = await contacts.ensure(
                    db, "telegram", str(user_id), f"填报员{n}", app.services.clock.now()
                )
                await contacts.bind(
                    db, contact.id, unit.id, Role.REPORTER, app.services.clock.now()
                )
                rows = await assignments.outstanding_for_unit(db, plan.id, unit.id)
                outstanding[user_id] = [r.code for r in rows]
    finally:
        await app.store.close()
    return outstanding


def build_mix(
    fake: FakeTelegram, outstanding: dict[int, list[str]], total: int, mix: str = MIX
) -> None:
    """Updates in the proportions of `mix` (e.g. "todo:2,tasks:1,report:2"), over every user."""
    kinds = [k for part in mix.split(",") for k in [part.split(":")[0]] * int(part.split(":")[1])]
    users = {uid: fake.user(uid, f"填报员{uid % 1000}") for uid in outstanding}
    ids = list(users)
    next_code = dict.fromkeys(ids, 0)
    for i in range(total):
        uid = ids[i % len(ids)]
        kind = kinds[(i // len(ids) + i % len(ids)) % len(kinds)]  # each user gets every kind
        if kind == "todo":
            fake.message(users[uid], "/todo")
        elif kind == "tasks":
            fake.message(users[uid], "/tasks")
        else:
            codes = outstanding[uid]
            code = codes[next_code[uid] % len(codes)]
            next_code[uid] += 1
            content = f"%PDF-1.4 报送材料 {code} 第{i}份\n".encode() * 200
            doc = fake.document(f"材料{code}_{i}.pdf", content, mime="application/pdf")
            fake.message(users[uid], document=doc, caption=f"/report {code} 第{i}份")


async def run_child(kind: str, fake: FakeTelegram, data: Path, total: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--child",
        kind,
        "--url",
        fake.url,
        "--data",
        str(data),
        "--updates",
        str(total),
        stdout=subprocess.PIPE,
        env=env,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{kind} child failed ({proc.returncode})")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def run_round(
    kind: str, template: Path, tmp: Path, outstanding: dict[int, list[str]], total: int, mix: str
) -> dict[str, Any]:
    data = tmp / f"{kind}-data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(template, data)
    async with FakeTelegram() as fake:
        build_mix(fake, outstanding, total, mix)
        result = await run_child(kind, fake, data, total)
        result["sends"] = sum(1 for c in fake.calls if c.method.startswith(("send", "edit")))
        stored = [o for o in fake.outputs if "已报送 [" in o.message.get("text", "")]
        result["reports"] = len(stored)
    return result


async def orchestrate(total: int, mix: str, rounds: int) -> None:
    results: dict[str, list[dict[str, Any]]] = {"bot": [], "echo": []}
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        outstanding = await prepare(template)
        for n in range(rounds):
            order = ("bot", "echo") if n % 2 == 0 else ("echo", "bot")  # neither always first
            for kind in order:
                done = await run_round(kind, template, Path(tmp), outstanding, total, mix)
                results[kind].append(done)
    print(f"{total} updates · {len(outstanding)} users · mix {mix} (report = caption + one PDF)")
    print(f"median of {rounds} round(s), the two bots taking turns")
    print(
        f"{'':6} {'updates/s':>10} {'CPU-s per 1,000':>16} {'(kernel)':>9}"
        f" {'wall s':>8} {'messages':>9}"
    )
    for kind in ("bot", "echo"):
        runs = results[kind]
        cpu = statistics.median(r["cpu"] for r in runs)
        kernel = statistics.median(r["sys"] for r in runs)
        wall = statistics.median(r["wall"] for r in runs)
        print(
            f"{kind:6} {total / wall:>10.0f} {cpu / total * 1000:>16.3f}"
            f" {kernel / total * 1000:>9.3f} {wall:>8.1f} {runs[0]['sends']:>9}"
        )
    stored = {r["reports"] for r in results["bot"]}
    print(f"reports stored by the bot: {'/'.join(map(str, sorted(stored)))} (files downloaded)")
    ratios = [b["cpu"] / e["cpu"] for b, e in zip(results["bot"], results["echo"], strict=True)]
    each = ", ".join(f"{r:.2f}" for r in ratios)
    median = statistics.median(ratios)
    print(f"CPU per update, bot ÷ echo: {median:.2f}× (rounds: {each}; goal ≤ 2×)")


# --- the children ---
def _clocks() -> tuple[float, float, float]:
    times = os.times()
    return times.user, times.system, time.perf_counter()


def _since(start: tuple[float, float, float]) -> dict[str, float]:
    user, system, wall = (now - then for now, then in zip(_clocks(), start, strict=True))
    return {"cpu": user + system, "sys": system, "wall": wall}


async def child_bot(url: str, data: Path, total: int) -> dict[str, float]:
    from bot.telegram.adapter import TelegramChannel
    from schedules.sender import Sender

    app = await open_app(settings(data, url), ManualClock(local(NOW)))
    channel = TelegramChannel(app.services)
    sender = Sender(app.store, app.services.clock, [channel])
    sending = asyncio.create_task(sender.run())
    start = _clocks()
    await channel.start()
    await channel.wait_until(lambda: channel.handled >= total)
    await channel.lanes.idle()
    measured = _since(start)
    await channel.stop()
    sender.stop()
    await sending
    await app.store.close()
    return measured


async def child_echo(url: str, total: int) -> dict[str, float]:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    done = 0
    finished = asyncio.Event()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal done
        message = update.effective_message
        assert message is not None
        await message.reply_text(message.text or message.caption or "ok")
        done += 1
        if done >= total:
            finished.set()

    application = (
        Application.builder()
        .token("123456:TEST-fake-token")
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    start = _clocks()
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling()
        await finished.wait()
        measured = _since(start)
        await application.updater.stop()
        await application.stop()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--mix", default=MIX, help="kind:weight,… of todo, tasks, report")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each bot; medians shown")
    parser.add_argument("--child", choices=["bot", "echo"])
    parser.add_argument("--url")
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.child == "bot" and os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(asyncio.run, child_bot(args.url, args.data, args.updates))
        profiler.dump_stats(os.environ["BENCH_PROFILE"])
        print(json.dumps(result))
    elif args.child == "bot":
        print(json.dumps(asyncio.run(child_bot(args.url, args.data, args.updates))))
    elif args.child == "echo":
        print(json.dumps(asyncio.run(child_echo(args.url, args.updates))))
    else:
        asyncio.run(orchestrate(args.updates, args.mix, args.rounds))


if __name__ == "__main__":
    main()
