"""Crash drill: SIGKILL `python main.py wecom` right after it answered 18 callbacks 200.

WeCom never resends a callback it got a 200 for, so every one answered must be applied after
the restart, once, in the order each user sent them. The fake WeCom holds the bot's first
reply and every picture download, so the kill finds one reporter's first `/na` applied but not
crossed off and fifteen more not started, and another's report held while its picture was
being fetched.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.app import open_app
from domain.clock import SystemClock
from domain.model import Role
from storage import contacts, plans, requests, units
from storage import wecom as store_wecom
from storage.db import Store
from storage.models import Request
from tests import inspect_store
from tests.drill_world import PLAN, ROOT, stop
from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET, FakeWeCom
from tests.support import settings_for
from tests.wecom_support import AES_KEY, TOKEN, callback

USER = "zhang.san"  # sixteen /na, one per material
PHOTOGRAPHER = "li.si"  # `/report 2 …` and a picture: one report with one file
CALLBACKS = 16
PICTURE = b"\xff\xd8\xff\xe0 a drill photo of the site"
LISTENING = re.compile(r"HTTP server listening on 127\.0\.0\.1:(\d+)")


async def prepare(data_dir: Path) -> None:
    """The drill plan loaded, WeCom reporters bound to u01 and u02, as invites would have."""
    data_dir.mkdir(parents=True)
    plan = data_dir.parent / "drill-plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    clock = SystemClock()
    app = await open_app(settings_for(data_dir, BOT_SAMPLE_PLAN=plan), clock)
    try:
        async with app.store.write() as db:
            for user, code in ((USER, "u01"), (PHOTOGRAPHER, "u02")):
                unit = await units.by_code(db, code)
                assert unit is not None
                found = await contacts.ensure(db, "wecom", user, None, clock.now())
                await contacts.bind(db, found.id, unit.id, Role.REPORTER, clock.now())
    finally:
        await app.store.close()


def start_bot(data_dir: Path, fake: FakeWeCom, log: Path) -> subprocess.Popen[bytes]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "WECOM_"))
    }
    clean |= {
        "BOT_DATA_DIR": str(data_dir),
        "BOT_HTTP_HOST": "127.0.0.1",
        "BOT_HTTP_PORT": "0",
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": str(AGENT_ID),
        "WECOM_SECRET": SECRET,
        "WECOM_TOKEN": TOKEN,
        "WECOM_AES_KEY": AES_KEY,
        "WECOM_API_BASE_URL": fake.base_url,
        "WECOM_REPORT_WINDOW_SECONDS": "0.3",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "main.py", "wecom"], cwd=ROOT, env=clean, stdout=out, stderr=out
        )


async def port_of(log: Path, after: int, process: subprocess.Popen[bytes]) -> int:
    """The port the bot logged it listens on (after byte `after` of the log)."""
    async with asyncio.timeout(30):
        while not (found := LISTENING.search(log.read_bytes()[after:].decode("utf-8", "replace"))):
            assert process.poll() is None, f"the bot exited {process.returncode}; see {log}"
            await asyncio.sleep(0.05)  # polled: the state is in another process
    return int(found.group(1))


def message(n: int, user: str, msgtype: str, **fields: object) -> dict[str, object]:
    return {
        "ToUserName": CORP_ID,
        "FromUserName": user,
        "CreateTime": int(SystemClock().now().timestamp()),
        "MsgType": msgtype,
        **fields,
        "MsgId": 8_000_000_000_000_000_000 + n,
        "AgentID": AGENT_ID,
    }


def callbacks(fake: FakeWeCom) -> list[dict[str, object]]:
    """The two reporters' messages, interleaved, in the order they are sent."""
    nas = [
        message(m, USER, "text", Content=f"/na {m} 演练{m}:本地未开展")
        for m in range(1, CALLBACKS + 1)
    ]
    report = message(101, PHOTOGRAPHER, "text", Content="/report 2 现场照片")
    photo = message(102, PHOTOGRAPHER, "image", PicUrl="http://p", MediaId=fake.add_media(PICTURE))
    return [*nas[:8], report, *nas[8:12], photo, *nas[12:]]


async def post_in_order(port: int, messages: list[dict[str, object]]) -> list[int]:
    answers = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        for fields in messages:
            params, body = callback(fields, str(int(SystemClock().now().timestamp())))
            answer = await http.post("/wecom/callback", params=params, content=body)
            answers.append(answer.status_code)
    return answers


@dataclass
class Seen:
    """What the store holds, read beside the bot (WAL)."""

    requests: list[Request]  # u01's, oldest first
    reports: list[inspect_store.SourcedReport]
    inbox: list[str]

    @property
    def settled(self) -> bool:
        return len(self.requests) >= CALLBACKS and bool(self.reports) and not self.inbox


async def seen(data_dir: Path) -> Seen:
    store = Store(settings_for(data_dir).db_path)
    await store.open()
    try:
        async with store.read() as db:
            plan = await plans.active(db)
            unit = await units.by_code(db, "u01")
            assert plan is not None and unit is not None
            return Seen(
                await requests.pending_under(db, plan.id, unit.path, None),
                await inspect_store.all_reports(db),
                await store_wecom.inbox_pending(db),
            )
    finally:
        await store.close()


@pytest.mark.slow
async def test_sigkill_after_answered_callbacks_loses_none(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = tmp_path / "bot.log"
    await prepare(data)
    fake = FakeWeCom(now=SystemClock().now)
    await fake.start()
    try:
        fake.hold_sends = asyncio.Event()  # WeCom's API stalls: the first reply hangs,
        fake.hold_media = asyncio.Event()  # and so does the picture's download
        sent = callbacks(fake)
        first = start_bot(data, fake, log)
        try:
            answers = await post_in_order(await port_of(log, 0, first), sent)
            assert answers == [200] * len(sent)
        finally:
            await stop(first, signal.SIGKILL)
        fake.hold_sends.set()
        fake.hold_media.set()

        mark = log.stat().st_size
        second = start_bot(data, fake, log)
        try:
            await port_of(log, mark, second)
            now = Seen([], [], [])
            try:
                async with asyncio.timeout(30):
                    while not now.settled:
                        await asyncio.sleep(0.1)  # polled: the state is in another process
                        now = await seen(data)
            except TimeoutError:
                pytest.fail(
                    f"{len(now.requests)} of {CALLBACKS} /na and {len(now.reports)} report"
                    f" applied, {len(now.inbox)} left in the inbox; see {log}"
                )
        finally:
            code = await stop(second, signal.SIGTERM)
        assert code == 0, f"exit {code}; see {log}"
    finally:
        await fake.stop()

    # Every /na applied once, in the order it was sent.
    assert [int(r.code) for r in now.requests] == list(range(1, CALLBACKS + 1))
    assert all(r.reason == f"演练{r.code}:本地未开展" for r in now.requests)
    told = [s.text for s in fake.to(USER)]
    assert not [text for text in told if "已有一份待处理的同类申请" in text]
    codes = [m.group(1) for text in told if (m := re.search(r"材料 ([^)\s]+)\)", text))]
    assert len(codes) == len(set(codes))  # nobody told twice
    # The report and the picture sent after it: one report, with the picture.
    (report,) = now.reports
    assert report.code == "2"
    assert report.files == ((hashlib.sha256(PICTURE).hexdigest(), len(PICTURE)),)
