"""Benchmark: Telegram updates through the fake Bot API, the bot beside two echo bots.

    python benchmarks/telegram_updates.py [--rounds 3] [--scale 1.0] [--workloads text,taps,…]

The fake server runs in this process; each bot runs in a child process that reports its
own CPU time (user + kernel, all threads), so the server's work is not counted. Workloads:

  text      /todo and /tasks commands
  taps      button taps (callback queries): "报送 X" under a /todo list
  albums    three ~150 KB photos as one media group, the last captioned "/report X"
  file200k  a 200 KB PDF captioned "/report X"
  file2m    a 2 MB PDF captioned "/report X"

--decompose adds two runs of the bot with its request left out ("canned": the same channel
answering each message with its own text; "one-trip": the same after one trip to the database
thread), and prints the CPU of a bare round trip between two threads on this machine: together
they show how much of the ratio is the channel, the trip and the request itself.

The floors are python-telegram-bot's minimal echo bot on both transports: PTB's default
(httpx) and the project's aiohttp one (bot/telegram/transport.py, what the bot uses). The
echo replies to each message with its text (answers and edits a tapped message), and for
a file or photo first downloads it, as any bot taking files must. Each round runs the bot
and both echoes on fresh copies of the data, in a rotating order so that load drifting
during a run is shared; the ratio is taken within a round. A round is "loaded" when the
1-minute load average per core exceeds 0.5. BENCH_PROFILE=out.prof runs the bot child
under cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bot.app import open_app  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.model import Role  # noqa: E402
from domain.settings import Settings  # noqa: E402
from storage import assignments, contacts, plans, units  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.support import local  # noqa: E402

EXTRA_UNITS = 280  # synthetic counties, so every report has a material to go to
NOW = "2016-05-20T09:00"
KINDS = ("bot", "echo-httpx", "echo-aiohttp")
# With --decompose: the bot's own channel with the request left out, to show what the ratio is
# made of. "canned" answers each message with its own text without the router (PTB, the
# aiohttp transport, the journal, lanes and sending); "one-trip" does the same after one
# carried `SELECT 1`, the trip to the database thread every real request makes.
PARTS = ("bot-canned", "bot-one-trip")
# Updates per round at --scale 1 (an album is three updates).
WORKLOADS = {"text": 2000, "taps": 1500, "albums": 600, "file200k": 400, "file2m": 60}
GOALS = {"text": 1.5, "taps": 1.5, "file200k": 2.0}  # issue 18's goals, against echo-aiohttp
LOADED = 0.5  # load average per core above which a round counts as loaded


def settings(data: Path, fake_url: str = "http://127.0.0.1:1") -> Settings:
    return Settings(
        BOT_DATA_DIR=data,
        BOT_SAMPLE_PLAN=data / "plan.yaml",
        TELEGRAM_BOT_TOKEN=SecretStr("123456:TEST-fake-token"),
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


def _pdf(tag: str, size: int) -> bytes:
    """A file of `size` bytes whose content differs by `tag` (no two reports share a hash)."""
    head = f"%PDF-1.4 报送材料 {tag}\n".encode()
    return head + bytes(range(256)) * ((size - len(head)) // 256 + 1)


def build(fake: FakeTelegram, outstanding: dict[int, list[str]], workload: str, total: int) -> int:
    """Queue `total` updates of one workload, spread over every user; returns the count."""
    users = {uid: fake.user(uid, f"填报员{uid % 1000}") for uid in outstanding}
    ids = list(users)
    photo_body = _pdf("photo", 150_000)
    count = 0
    i = 0
    while count < total:
        uid = ids[i % len(ids)]
        user = users[uid]
        codes = outstanding[uid]
        code = codes[(i // len(ids)) % len(codes)]
        if workload == "text":
            fake.message(user, "/todo" if i % 3 else "/tasks")
            count += 1
        elif workload == "taps":
            listing = _bot_message(fake, user, "待报送材料", f"/report_pick {code}")
            fake.tap(user, listing, f"/report_pick {code}")
            count += 1
        elif workload == "albums":
            group = f"G{i}"
            for n in range(3):
                shot = b"\xff\xd8\xff" + f"{i}-{n}".encode() + photo_body
                caption = f"/report {code} 现场{i}" if n == 2 else None
                extra: dict[str, Any] = {"caption": caption} if caption else {}
                fake.message(user, photo=fake.photo(shot), media_group_id=group, **extra)
            count += 3
        else:
            size = 200_000 if workload == "file200k" else 2_000_000
            doc = fake.document(
                f"材料{code}_{i}.pdf", _pdf(f"{code} {i}", size), mime="application/pdf"
            )
            fake.message(user, document=doc, caption=f"/report {code} 第{i}份")
            count += 1
        i += 1
    return count


def _bot_message(fake: FakeTelegram, user: dict, text: str, data: str) -> dict[str, Any]:
    """A message the bot sent earlier, with one button, for the user to tap."""
    chat = fake.chats[user["id"]]
    msg: dict[str, Any] = {
        "message_id": fake._next_message_id(chat["id"]),
        "date": int(time.time()),
        "chat": chat,
        "from": {k: fake.me[k] for k in ("id", "is_bot", "first_name", "username")},
        "text": text,
        "reply_markup": {"inline_keyboard": [[{"text": data, "callback_data": data}]]},
    }
    fake.messages[(chat["id"], msg["message_id"])] = msg
    return msg


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


async def run_once(
    kind: str,
    workload: str,
    template: Path,
    tmp: Path,
    outstanding: dict[int, list[str]],
    total: int,
) -> dict[str, Any]:
    data = tmp / f"{kind}-data"
    shutil.rmtree(data, ignore_errors=True)
    if kind.startswith("bot"):
        shutil.copytree(template, data)
    async with FakeTelegram() as fake:
        count = build(fake, outstanding, workload, total)
        result = await run_child(kind, fake, data, count)
        result["updates"] = count
        result["answers"] = sum(1 for c in fake.calls if c.method.startswith(("send", "edit")))
        result["reports"] = sum(1 for o in fake.outputs if "已报送 [" in o.message.get("text", ""))
    shutil.rmtree(data, ignore_errors=True)
    return result


def _load() -> float:
    return os.getloadavg()[0] / (os.cpu_count() or 1)


def _mmm(values: list[float], fmt: Callable[[float], str]) -> str:
    return "/".join(fmt(v) for v in (min(values), statistics.median(values), max(values)))


async def orchestrate(workloads: list[str], rounds: int, scale: float, decompose: bool) -> None:
    kinds = KINDS + PARTS if decompose else KINDS
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        outstanding = await prepare(template)
        print(f"{len(outstanding)} users · {rounds} rounds · min/median/max over rounds")
        print("CPU per update in ms (user + kernel, all threads of the bot's process);")
        print(
            "ratio = bot ÷ echo within the same round; loaded = load average > "
            f"{LOADED} per core ({os.cpu_count()} cores)"
        )
        for workload in workloads:
            total = max(3, int(WORKLOADS[workload] * scale))
            runs: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
            loads: list[float] = []
            for n in range(rounds):
                shift = n % len(kinds)
                order = kinds[shift:] + kinds[:shift]  # nobody always first
                loads.append(_load())
                for kind in order:
                    done = await run_once(kind, workload, template, Path(tmp), outstanding, total)
                    runs[kind].append(done)
                loads.append(_load())
            report(workload, runs, loads)
        if decompose:
            trip = [thread_round_trip() for _ in range(rounds)]
            print(
                "\nA bare round trip between two threads (queue there, queue back), CPU of both:"
                f" {_mmm(trip, lambda v: f'{v:.0f}')} µs"
            )


def thread_round_trip(trips: int = 20_000) -> float:
    """Microseconds of CPU (user + kernel) one thread wake-up there and back costs here."""
    there: queue.SimpleQueue[int] = queue.SimpleQueue()
    back: queue.SimpleQueue[int] = queue.SimpleQueue()

    def echo() -> None:
        for _ in range(trips):
            back.put(there.get())

    thread = threading.Thread(target=echo)
    thread.start()
    start = _clocks()
    for n in range(trips):
        there.put(n)
        back.get()
    spent = _since(start)["cpu"]
    thread.join()
    return spent / trips * 1e6


def report(workload: str, runs: dict[str, list[dict[str, Any]]], loads: list[float]) -> None:
    updates = runs["bot"][0]["updates"]
    per = {k: [r["cpu"] / r["updates"] * 1000 for r in rs] for k, rs in runs.items()}
    marked = "loaded" if max(loads) > LOADED else "quiet"
    bot = runs["bot"]
    print(
        f"\n{workload}: {updates} updates per round, {marked} "
        f"(load per core {min(loads):.2f}–{max(loads):.2f}); bot answers "
        f"{bot[0]['answers']}, reports stored {bot[0]['reports']}"
    )
    for kind in KINDS:
        print(f"  {kind:13} {_mmm(per[kind], lambda v: f'{v:.3f}')} ms per update")
    for kind in PARTS:
        if kind in per:
            ratios = [b / e for b, e in zip(per[kind], per["echo-aiohttp"], strict=True)]
            print(
                f"  {kind:13} {_mmm(per[kind], lambda v: f'{v:.3f}')} ms per update,"
                f" {_mmm(ratios, lambda v: f'{v:.2f}×')} echo-aiohttp"
            )
    threads = [(r["cpu"] - r["loop"]) / r["cpu"] for r in bot]
    kernel = [r["sys"] / r["cpu"] for r in bot]
    trips = [r["trips"] / r["updates"] for r in bot]
    print(
        f"  (the bot's CPU outside its event loop: {_mmm(threads, lambda v: f'{v:.0%}')};"
        f" in the kernel: {_mmm(kernel, lambda v: f'{v:.0%}')};"
        f" trips to the database threads per update: {_mmm(trips, lambda v: f'{v:.2f}')})"
    )
    for floor in KINDS[1:]:
        ratios = [b / e for b, e in zip(per["bot"], per[floor], strict=True)]
        goal = GOALS.get(workload) if floor == "echo-aiohttp" else None
        verdict = ""
        if goal is not None:
            verdict = (
                f" (goal ≤ {goal}×: {'met' if statistics.median(ratios) <= goal else 'NOT met'})"
            )
        print(f"  bot ÷ {floor:13} {_mmm(ratios, lambda v: f'{v:.2f}×')}{verdict}")


# --- the children ---
def _clocks() -> tuple[float, float, float]:
    times = os.times()
    return times.user, times.system, time.perf_counter()


def _since(start: tuple[float, float, float]) -> dict[str, float]:
    user, system, wall = (now - then for now, then in zip(_clocks(), start, strict=True))
    return {"cpu": user + system, "sys": system, "wall": wall}


def leave_out_request(part: str) -> None:
    """Answer each message with its own text instead of routing it (see PARTS)."""
    from domain.messages import Incoming, Reply
    from handlers import router
    from handlers.context import Services
    from storage.db import fetch_all

    async def one_trip(app: Services) -> None:
        async with app.store.read() as db:
            await fetch_all(db, "SELECT 1")

    async def route(app: Services, msg: Incoming) -> router.Outcome:
        if part == "bot-one-trip":
            await app.store.carry(one_trip(app))
        t = app.translator_for(None, msg.language)
        return router.Outcome([Reply(msg.text or "ok")], t)

    router.route = route


async def child_bot(url: str, data: Path, total: int) -> dict[str, float]:
    from bot.telegram.adapter import TelegramChannel
    from schedules.sender import Sender

    app = await open_app(settings(data, url), ManualClock(local(NOW)))
    channel = TelegramChannel(app.services)
    sender = Sender(app.store, app.services.clock, [channel])
    sending = asyncio.create_task(sender.run())
    start = _clocks()
    loop_start = time.thread_time()
    trips = app.store.trips
    await channel.start()
    await channel.wait_until(lambda: channel.handled >= total)
    await channel.lanes.idle()
    measured = _since(start)
    measured["loop"] = time.thread_time() - loop_start  # the rest: database and file threads
    measured["trips"] = app.store.trips - trips  # to the database threads, journal included
    await channel.stop()
    sender.stop()
    await sending
    await app.store.close()
    return measured


async def child_echo(url: str, total: int, transport: str) -> dict[str, float]:
    from telegram import Update
    from telegram.ext import (
        Application,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    done = 0
    finished = asyncio.Event()

    def count() -> None:
        nonlocal done
        done += 1
        if done >= total:
            finished.set()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        attachment = message.document or (message.photo[-1] if message.photo else None)
        if attachment is not None:
            file = await attachment.get_file()
            await file.download_as_bytearray()
        await message.reply_text(message.text or message.caption or "ok")
        count()

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(query.data or "ok")
        count()

    builder = (
        Application.builder()
        .token("123456:TEST-fake-token")
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
    )
    if transport == "aiohttp":
        from bot.telegram.transport import AiohttpRequest

        builder = builder.request(AiohttpRequest(trust_env=False)).get_updates_request(
            AiohttpRequest(read_timeout=10.0, trust_env=False)
        )
    application = builder.build()
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(tapped))
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
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="× the updates per workload")
    parser.add_argument("--decompose", action="store_true", help="also the bot's parts (PARTS)")
    parser.add_argument("--child", choices=KINDS + PARTS)
    parser.add_argument("--url")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--updates", type=int)
    args = parser.parse_args()
    if args.child == "bot" and os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        from storage import hops

        profiler = cProfile.Profile(time.thread_time)  # the event loop's CPU, not waits
        # A request runs mostly on the database threads (storage/hops.py): profile them too.
        on_db_threads = cProfile.Profile(time.thread_time)
        resident = hops._resident

        def profiled(*trip: Any) -> None:
            on_db_threads.enable()
            try:
                resident(*trip)
            finally:
                on_db_threads.disable()

        hops._resident = profiled
        result = profiler.runcall(asyncio.run, child_bot(args.url, args.data, args.updates))
        stats = pstats.Stats(profiler)
        stats.add(on_db_threads)
        stats.dump_stats(os.environ["BENCH_PROFILE"])
        print(json.dumps(result))
    elif args.child is not None and args.child.startswith("bot"):
        if args.child in PARTS:
            leave_out_request(args.child)
        print(json.dumps(asyncio.run(child_bot(args.url, args.data, args.updates))))
    elif args.child is not None:
        transport = args.child.removeprefix("echo-")
        print(json.dumps(asyncio.run(child_echo(args.url, args.updates, transport))))
    else:
        workloads = [w for w in args.workloads.split(",") if w]
        unknown = set(workloads) - set(WORKLOADS)
        if unknown:
            parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
        asyncio.run(orchestrate(workloads, args.rounds, args.scale, args.decompose))


if __name__ == "__main__":
    main()
