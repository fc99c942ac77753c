"""Crash drill: SIGKILL `python main.py telegram` in a burst of 200 reports with files, restart.

Every report the user saw acknowledged is stored with its file (bytes match by SHA-256), no
update is stored twice, and no half-written attachment is left. The kill moment is drawn from
a seeded random generator; the seed is printed, and `DRILL_SEED=<seed>` repeats a run.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
from collections import Counter
from pathlib import Path

import pytest

from locales import Translator
from tests.drill_world import Peek, SlowFiles, acks, prepare, send_reports, start_bot, stop
from tests.support import SHANGHAI

REPORTS = 200


@pytest.mark.slow
async def test_sigkill_in_a_burst_of_200_reports_loses_no_acknowledged_one(tmp_path: Path) -> None:
    seed = int(os.environ.get("DRILL_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    print(f"crash drill seed {seed}: repeat with DRILL_SEED={seed}")
    data = tmp_path / "data"
    files_dir = data / "files"
    log = tmp_path / "bot.log"
    async with SlowFiles() as fake:
        people = await prepare(data, fake)
        first = start_bot(data, fake, log)
        try:
            await fake.wait_for(lambda: fake.calls_to("getUpdates"), within=30)
            sizes = [rng.randrange(1, 16) * 32 * 1024 for _ in range(REPORTS)]  # 32–480 KB
            sent = send_reports(fake, people, sizes)
            kill_after = rng.randint(1, 170)
            await fake.wait_for(lambda: len(acks(fake)) >= kill_after, within=60)
        finally:
            await stop(first, signal.SIGKILL)
        acked_at_kill = len(acks(fake))
        left_at_kill = len(list((files_dir / "tmp").glob("*.part")))
        print(f"killed after {acked_at_kill} acknowledgements, {left_at_kill} partial file(s)")
        assert acked_at_kill < REPORTS, f"seed {seed}: the kill came after the burst"

        second = start_bot(data, fake, log)
        try:
            async with Peek(data) as peek:

                async def settled(p: Peek) -> bool:
                    return len(await p.reports()) >= REPORTS and not fake.pending

                await peek.until(settled, within=120)
        finally:
            code = await stop(second, signal.SIGTERM)
        assert code == 0, f"seed {seed}: exit {code}; see {log}"

        async with Peek(data) as peek:
            stored = await peek.reports()
            blobs = await peek.blobs()
            inbox = await peek.inbox()
    context = f"seed {seed}, killed after {acked_at_kill} acknowledgements"

    by_update = {s.update_id: s for s in sent}
    sources = Counter(r.source_key for r in stored)
    assert len(stored) == REPORTS and set(sources.values()) == {1}, context  # none twice
    assert set(sources) == {f"telegram:{u}" for u in by_update}, context  # one per update
    report_by_id = {r.id: r for r in stored}
    for r in stored:  # every report, acknowledged or replayed, has exactly the file sent
        update = by_update[int(str(r.source_key).removeprefix("telegram:"))]
        assert r.code == update.code and [sha for sha, _ in r.files] == [update.sha256], context

    seen = acks(fake)
    assert len(seen) >= acked_at_kill, context
    assert max(Counter((chat, code) for chat, code, _ in seen).values()) == 1, context
    for chat, code, report_id in seen:  # what the user was told is what is stored
        report = report_by_id.get(report_id)
        assert report is not None, f"{context}: acknowledged #{report_id} is not stored"
        update = by_update[int(str(report.source_key).removeprefix("telegram:"))]
        assert (update.user_id, update.code) == (chat, code), context

    assert not list((files_dir / "tmp").glob("*.part")), context  # nothing half-written
    assert {b.sha256 for b in blobs} == {s.sha256 for s in sent}, context
    assert any(b.content is not None for b in blobs) and any(b.content is None for b in blobs)
    for blob in blobs:  # every blob is complete: in the database, or as its file
        path = files_dir / blob.rel_path
        content = blob.content if blob.content is not None else path.read_bytes()
        assert len(content) == blob.size, f"{context}: {blob.sha256}"
        assert hashlib.sha256(content).hexdigest() == blob.sha256, f"{context}: {blob.sha256}"
    assert inbox == [], context

    t = Translator("zh_CN", SHANGHAI)
    told = [str(o.message.get("text") or o.message.get("caption") or "") for o in fake.outputs]
    assert not [text for text in told if text == t("error.internal")], context
    assert not [text for text in told if "正在审核" in text], f"{context}: a replay was answered"
