"""Drill set-up: a plan with room for 200 reports, reporters bound, and `python main.py telegram`."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.app import open_app
from domain.clock import SystemClock
from domain.model import Role
from storage import contacts, units
from storage import telegram as store_telegram
from storage.db import Store
from tests import inspect_store
from tests.fake_telegram import FakeTelegram
from tests.support import settings_for

ROOT = Path(__file__).resolve().parent.parent
UNITS = [f"u{n:02d}" for n in range(1, 11)]
MATERIALS = 20  # per unit: 10 units × 20 materials = 200 distinct reports
FIRST_USER = 50_001
PER_UNIT = 4  # reporters per unit
PLAN = (
    "plan: {code: drill, year: 2030, title: 演练方案}\n"
    "units:\n"
    "  - {code: prov, name: 演练省局, short: 省局, kind: province}\n"
    + "".join(
        f"  - {{code: {u}, name: 演练{u}局, short: 演练{u}, kind: city, parent: prov}}\n"
        for u in UNITS
    )
    + "items:\n"
    + "".join(
        f"  - {{no: {n}, title: 事项{n}, materials: [{{title: 材料{n}, deadline: 12月底}}]}}\n"
        for n in range(1, MATERIALS + 1)
    )
)
ACK = re.compile(r"已报送 \[(\S+)\].*?#(\d+)")


class SlowFiles(FakeTelegram):
    """Serves file downloads in small pieces, so a kill finds attachments half-written."""

    piece = 32 * 1024

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.path == path), None)
        if request.match_info["token"] != self.token or stored is None or not stored.content:
            return await super()._download(request)
        self.downloads.append(stored.file_id)
        response = web.StreamResponse(headers={"Content-Length": str(stored.size)})
        await response.prepare(request)
        for start in range(0, stored.size, self.piece):
            await response.write(stored.content[start : start + self.piece])
            await asyncio.sleep(0.005)  # a slow mobile network, not a synchronisation
        await response.write_eof()
        return response


@dataclass(frozen=True)
class Sent:
    """One report update the drill sent: who, which material, the file's SHA-256."""

    update_id: int
    user_id: int
    code: str
    sha256: str


def reporters() -> list[tuple[int, str]]:
    """(Telegram user id, unit code) of every reporter."""
    return [
        (FIRST_USER + i * PER_UNIT + k, unit)
        for i, unit in enumerate(UNITS)
        for k in range(PER_UNIT)
    ]


async def prepare(data_dir: Path, fake: FakeTelegram) -> list[tuple[int, str]]:
    """Load the drill plan and bind every reporter, as invites would have; the reporters."""
    data_dir.mkdir(parents=True, exist_ok=True)
    plan = data_dir.parent / "drill-plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    clock = SystemClock()
    app = await open_app(settings_for(data_dir, BOT_SAMPLE_PLAN=plan), clock)
    people = reporters()
    try:
        async with app.store.write() as db:
            for user_id, unit_code in people:
                unit = await units.by_code(db, unit_code)
                assert unit is not None
                found = await contacts.ensure(db, "telegram", str(user_id), None, clock.now())
                await contacts.bind(db, found.id, unit.id, Role.REPORTER, clock.now())
    finally:
        await app.store.close()
    for user_id, _ in people:
        fake.user(user_id, f"报送员{user_id}")
    return people


def send_reports(fake: FakeTelegram, people: list[tuple[int, str]], sizes: list[int]) -> list[Sent]:
    """One report with a document per (unit, material), spread over the unit's reporters."""
    sent = []
    by_unit: dict[str, list[int]] = {}
    for user_id, unit in people:
        by_unit.setdefault(unit, []).append(user_id)
    n = 0
    for material in range(1, MATERIALS + 1):
        for unit in UNITS:
            user_id = by_unit[unit][material % PER_UNIT]
            content = hashlib.sha256(f"{unit}:{material}".encode()).digest() * (sizes[n] // 32)
            n += 1
            doc = fake.document(f"{unit}-材料{material}.pdf", content, mime="application/pdf")
            sender = fake.user(user_id, f"报送员{user_id}")
            update = fake.message(sender, document=doc, caption=f"/report {material} 演练")
            digest = hashlib.sha256(content).hexdigest()
            sent.append(Sent(update["update_id"], user_id, str(material), digest))
    return sent


def acks(fake: FakeTelegram) -> list[tuple[int, str, int]]:
    """(chat, material code, report id) of every "已报送 … #ID" the bot sent."""
    found = []
    for output in fake.outputs:
        if output.kind != "send":
            continue
        text = output.message.get("text") or output.message.get("caption") or ""
        if m := ACK.search(text):
            found.append((output.chat_id, m.group(1), int(m.group(2))))
    return found


def start_bot(data_dir: Path, fake: FakeTelegram, log: Path, **env: str) -> subprocess.Popen[bytes]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "WECOM_"))
    }
    clean |= {
        "BOT_DATA_DIR": str(data_dir),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_FILE_BASE_URL": fake.file_base_url,
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "main.py", "telegram"],
            cwd=ROOT,
            env=clean | env,
            stdout=out,
            stderr=out,
        )


async def stop(process: subprocess.Popen[bytes], sig: int, within: float = 15) -> int:
    """Signal the process (if still running) and wait for it, off the loop; its exit code."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return await asyncio.to_thread(process.wait, within)
    except subprocess.TimeoutExpired:
        process.kill()
        await asyncio.to_thread(process.wait, 5)
        raise


class Peek:
    """Reads the bot's store from the test process (WAL: the bot keeps running)."""

    def __init__(self, data_dir: Path) -> None:
        self.store = Store(settings_for(data_dir).db_path)

    async def __aenter__(self) -> Peek:
        await self.store.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.store.close()

    async def reports(self) -> list[inspect_store.SourcedReport]:
        async with self.store.read() as db:
            return await inspect_store.all_reports(db)

    async def blobs(self) -> list[inspect_store.BlobRow]:
        async with self.store.read() as db:
            return await inspect_store.all_blobs(db)

    async def inbox(self) -> list[str]:
        async with self.store.read() as db:
            return await store_telegram.inbox_pending(db)

    async def outbox(self) -> dict[str, int]:
        async with self.store.read() as db:
            return await inspect_store.outbox_counts(db)

    async def until(self, check, within: float) -> None:  # type: ignore[no-untyped-def]
        """Poll the store until `await check(self)` holds, failing after `within` seconds."""
        async with asyncio.timeout(within):
            while not await check(self):  # noqa: ASYNC110 - the state is in another process
                await asyncio.sleep(0.1)
