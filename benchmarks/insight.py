"""Benchmark: Excel export and board picture at national scale, with peak memory.

Builds 3,000 units (a root, 10 regions of 299 counties each), 30 materials and 200,000 reports
with attachments, notes and audit rows in a temp dir (through the storage layer), then, in a
fresh process so the figures are the outputs' own, times:

  - the Excel export of all 3,000 units (goal: under 5 s)
  - the board picture of one region, 300 units (goal: under 3 s); a larger scope is refused,
    as a picture of more than 400 rows is no longer readable on a phone
  - peak resident memory of that process, and of the process rendering the long sheets
    (goal: under 300 MB; both together under 500 MB)

and, in the same process right after the export, its floor: the same rows read with sqlite3
(every query the export makes, no objects) plus zlib at the export's level over the bytes the
workbook holds uncompressed. Each figure is printed as min/median/max over --rounds fresh
processes, with its floor and the ratio (goal: export CPU, all processes, ≤ 2× the floor).

    python benchmarks/insight.py [--units 3000] [--materials 30] [--reports 200000] [--data DIR]
        [--rounds 3]
    python benchmarks/insight.py --board [--data DIR]   # the board alone: time and peak memory
    python benchmarks/insight.py --units 30000 --reports 2000000 --data DIR --export-only
        # the export alone (a region of 3,000 units has no board: past 400 rows it is refused)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.national import national_plan  # noqa: E402
from bot.app import open_app  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.model import PlanState, ReportStatus, Role  # noqa: E402
from domain.settings import Settings  # noqa: E402
from handlers.board import draw  # noqa: E402
from handlers.export import build_export  # noqa: E402
from handlers.insight_data import Scope  # noqa: E402
from handlers.plan_import import import_plan  # noqa: E402
from locales import Translator  # noqa: E402
from storage import assignments, audit, blobs, contacts, plans, reports, units  # noqa: E402
from storage.models import StoredFile  # noqa: E402

NOW = datetime(2016, 9, 15, 2, 0, tzinfo=UTC)
NOTES = [None, None, "已按要求完成", "附现场照片及签到表", "补充材料,请审核"]
NAMES = ["工作方案.pdf", "现场照片.jpg", "签到表.xlsx", "总结报告.docx", "视频.mp4"]


async def build(data_dir: Path, n_units: int, n_materials: int, n_reports: int) -> None:
    rng = random.Random(7)
    settings = Settings(BOT_DATA_DIR=data_dir)  # type: ignore[call-arg]
    clock = ManualClock(NOW)
    app = await open_app(settings, clock, seed_sample=False)
    t0 = time.perf_counter()
    done = await import_plan(
        app.store,
        national_plan(n_units, n_materials, rng),
        settings.tz,
        NOW,
        state=PlanState.PUBLISHED,
    )
    start = NOW - timedelta(days=120)
    async with app.store.write() as db:
        plan = await plans.active(db)
        assert plan is not None
        unit_ids = [u.id for u in await units.all_units(db)]
        person: dict[int, int] = {}
        owner: dict[int, int] = {}
        for unit_id in unit_ids:
            for row in await assignments.for_unit(db, plan.id, unit_id):
                owner[row.id] = unit_id
        for i, unit_id in enumerate(unit_ids):
            c = await contacts.ensure(db, "bench", f"u{i}", f"联络员{i}", start)
            await contacts.bind(db, c.id, unit_id, Role.REPORTER, start)
            person[unit_id] = c.id
        admin = await contacts.ensure(db, "bench", "admin", "省局审核员", start)
        await contacts.bind(db, admin.id, unit_ids[0], Role.PROVINCE_ADMIN, start)
        stored = [
            StoredFile(sha256=f"{k:064x}", name=NAMES[k % len(NAMES)], mime=None, size=1000 + k)
            for k in range(50)
        ]
        await blobs.record(db, stored, lambda sha: f"bench/{sha}", start)
        for i in range(n_reports):
            assignment_id = 1 + rng.randrange(done.assignments)
            at = start + timedelta(minutes=rng.randrange(120 * 24 * 60))
            files = rng.sample(stored, rng.randrange(3))
            who = person[owner[assignment_id]]
            report_id = await reports.insert(
                db,
                assignment_id=assignment_id,
                contact_id=who,
                count=rng.randrange(60) if i % 5 == 0 else None,
                note=rng.choice(NOTES),
                files=files,
                now=at,
            )
            await audit.record(
                db,
                at=at,
                actor_id=who,
                action="report",
                unit_id=owner[assignment_id],
                subject=str(report_id),
                detail={"report": report_id, "files": len(files)},
            )
            roll = rng.random()
            if roll < 0.7:
                status = ReportStatus.ACCEPTED if roll < 0.55 else ReportStatus.RETURNED
                await reports.set_status(
                    db,
                    report_id,
                    status,
                    expected=ReportStatus.PENDING,
                    reviewer_id=admin.id,
                    reason="材料不全,请补充" if status is ReportStatus.RETURNED else None,
                    now=at + timedelta(hours=20),
                )
                await audit.record(
                    db,
                    at=at + timedelta(hours=20),
                    actor_id=admin.id,
                    action="accept" if status is ReportStatus.ACCEPTED else "return",
                    unit_id=owner[assignment_id],
                    subject=str(report_id),
                )
    await app.store.close()
    print(
        f"built {done.units:,} units × {done.materials} materials = {done.assignments:,} assignments,"
        f" {n_reports:,} reports in {time.perf_counter() - t0:.1f}s"
    )


def measure(data_dir: Path, board: bool = True) -> dict[str, float]:
    """Run in a fresh process: time each output and report peak memory."""
    settings = Settings(BOT_DATA_DIR=data_dir)  # type: ignore[call-arg]
    t = Translator("zh_CN", settings.tz)
    plan, region = asyncio.run(_plan_and_region(settings))
    out = data_dir / "out"
    out.mkdir(exist_ok=True)
    figures: dict[str, float] = {}
    peaks = ChildPeaks()
    peaks.start()
    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        summary = build_export(
            settings.db_path,
            plan,
            Scope("/", "全国", None),
            NOW,
            settings.due_soon_days,
            t,
            out / "national.xlsx",
        )
    finally:
        peaks.done.set()
        peaks.join()
    figures["export_s"] = time.perf_counter() - t0
    figures["export_cpu_s"] = time.process_time() - cpu0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss of a child started by vfork counts this process's pages it shared until exec:
    # it gives this process's size at the start, not the child's own peak (VmHWM after exec).
    figures["worker_maxrss_mb"] = children.ru_maxrss / 1024
    figures["export_workers_cpu_s"] = children.ru_utime + children.ru_stime
    figures["export_reports"] = summary.reports
    figures["export_audit"] = summary.audit
    figures["export_mb"] = (out / "national.xlsx").stat().st_size / 1e6
    figures["export_total_cpu_s"] = figures["export_cpu_s"] + figures["export_workers_cpu_s"]
    if board:
        t0 = time.perf_counter()
        picture = draw(settings.db_path, plan, region, NOW, 3, None, t, out / "region.png")
        figures["board_300_s"] = time.perf_counter() - t0
        figures["board_300_units"] = _rows(settings, region)
        figures["board_300_height"] = picture.height
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["worker_rss_mb"] = max(peaks.peaks.values(), default=0) / 1024
    # Last, as it holds the workbook's XML in memory: the peaks above are the export's own.
    figures.update(floor(settings.db_path, plan.id, out / "national.xlsx"))
    return figures


class ChildPeaks(threading.Thread):
    """The peak resident memory (VmHWM, kB) of each sheet-rendering process this one starts,
    read from /proc every 50 ms while the export runs; only once the child runs the worker
    (before its exec, a vforked child's status is this process's)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.done = threading.Event()
        self.peaks: dict[int, int] = {}

    def run(self) -> None:
        while not self.done.wait(0.05):
            for pid in _children():
                try:
                    if b"handlers.export_worker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue  # it ended
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        kb = int(line.split()[1])
                        self.peaks[pid] = max(self.peaks.get(pid, 0), kb)


def _children() -> list[int]:
    pids = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


# Every query the export makes (storage/insight.py), for the whole country.
FLOOR_QUERIES = (
    "SELECT id, code, name, short_name, kind, parent_id, region_id, path, sort FROM units"
    " WHERE path LIKE '/%' ORDER BY sort, id",
    "SELECT id, COALESCE(display_name, user_ref) FROM contacts",
    "SELECT report_id, name FROM attachments ORDER BY report_id, id",
    "SELECT r.id, a.unit_id, a.material_id, r.submitted_at, r.contact_id, r.count, r.note,"
    " r.status, r.reviewer_id, r.reviewed_at, r.return_reason FROM reports r CROSS JOIN"
    " assignments a ON a.id = r.assignment_id JOIN units u ON u.id = a.unit_id"
    " WHERE a.plan_id = :plan AND u.path LIKE '/%' ORDER BY r.id",
    "SELECT au.at, au.unit_id, au.actor_id, au.action, au.subject, au.detail FROM audit au"
    " LEFT JOIN units u ON u.id = au.unit_id WHERE au.at >= '2015-12-31T16:00:00.000000Z'"
    " AND (u.path LIKE '/%' OR au.unit_id IS NULL) ORDER BY au.id",
    "SELECT a.unit_id, a.material_id, a.state, a.due_at, a.submitted_at, a.reported_count,"
    " a.na_reason FROM assignments a JOIN units u ON u.id = a.unit_id"
    " WHERE a.plan_id = :plan AND u.path LIKE '/%'",
    "SELECT a.unit_id, SUM(r.status != 'withdrawn'), SUM(r.status = 'returned')"
    " FROM reports r JOIN assignments a ON a.id = r.assignment_id JOIN units u"
    " ON u.id = a.unit_id WHERE a.plan_id = :plan AND u.path LIKE '/%' GROUP BY a.unit_id",
)


def floor(db_path: Path, plan_id: int, workbook: Path) -> dict[str, float]:
    """The least an export can cost: its rows read, its bytes compressed (level 1, as it does)."""
    with zipfile.ZipFile(workbook) as z:
        parts = [z.read(info.filename) for info in z.infolist()]
    t0, cpu0 = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path)
    rows = 0
    for query in FLOOR_QUERIES:
        cur = conn.execute(query, {"plan": plan_id})
        while batch := cur.fetchmany(5000):
            rows += len(batch)
    conn.close()
    read_cpu = time.process_time() - cpu0
    for part in parts:
        packer = zlib.compressobj(1, zlib.DEFLATED, -15)
        packer.compress(part)
        packer.flush()
    return {
        "floor_s": time.perf_counter() - t0,
        "floor_cpu_s": time.process_time() - cpu0,
        "floor_read_cpu_s": read_cpu,
        "floor_rows": rows,
        "floor_xml_mb": sum(map(len, parts)) / 1e6,
    }


def measure_board(data_dir: Path) -> dict[str, float]:
    """Run in a fresh process: the largest board a scope may have, alone, and that process's peak."""
    settings = Settings(BOT_DATA_DIR=data_dir)  # type: ignore[call-arg]
    t = Translator("zh_CN", settings.tz)
    plan, region = asyncio.run(_plan_and_region(settings))
    out = data_dir / "out"
    out.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    picture = draw(settings.db_path, plan, region, NOW, 3, None, t, out / "region.png")
    return {
        "board_300_s": time.perf_counter() - t0,
        "board_300_units": _rows(settings, region),
        "board_300_height": picture.height,
        "board_kb": (out / "region.png").stat().st_size / 1e3,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # FreeType maps the font file once per text size: those pages count in RSS but are the
        # page cache's, shared and reclaimable; the process's own memory is RssAnon.
        **_status("RssAnon", "RssFile"),
    }


def _status(*keys: str) -> dict[str, float]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in keys:
            found[f"{key}_mb"] = int(value.split()[0]) / 1024
    return found


def _rows(settings: Settings, scope: Scope) -> int:
    from storage import insight as snap

    with snap.snapshot(settings.db_path) as conn:
        return len(snap.units_under(conn, scope.path))


async def _plan_and_region(settings: Settings):  # type: ignore[no-untyped-def]
    app = await open_app(settings, ManualClock(NOW), seed_sample=False)
    try:
        async with app.store.read() as db:
            plan = await plans.active(db)
            region = await units.by_code(db, "r0")
    finally:
        await app.store.close()
    assert plan is not None and region is not None
    return plan, Scope(region.path, region.label, region.id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--materials", type=int, default=30)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument(
        "--data", type=Path, default=None, help="keep the built store here, reuse it"
    )
    parser.add_argument("--board", action="store_true", help="time the board alone")
    parser.add_argument("--export-only", action="store_true", help="time the export alone")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes to measure in")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        if args.board:
            print(json.dumps(measure_board(args.measure)))
        else:
            print(json.dumps(measure(args.measure, board=not args.export_only)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data or Path(tmp) / "data"
        if not (data_dir / "bot.sqlite3").exists():
            asyncio.run(build(data_dir, args.units, args.materials, args.reports))
        rounds = []
        for _ in range(args.rounds):
            done = subprocess.run(
                [sys.executable, __file__, "--measure", str(data_dir)]
                + (["--board"] if args.board else [])
                + (["--export-only"] if args.export_only else []),
                check=True,
                capture_output=True,
                text=True,
            )
            rounds.append(json.loads(done.stdout.strip().splitlines()[-1]))
    if args.board:
        figures = rounds[-1]
        print(
            f"board ({figures['board_300_units']:.0f} units, {figures['board_kb']:.0f} kB):"
            f" {_spread(rounds, 'board_300_s')} s  (goal < 1 s), peak memory of the process"
            f" {_spread(rounds, 'peak_rss_mb', 0)} MB  (goal < 120 MB); at the end"
            f" {figures.get('RssAnon_mb', 0):.0f} MB anonymous + {figures.get('RssFile_mb', 0):.0f} MB"
            " file-backed (mapped font and libraries)"
        )
        return
    figures = rounds[-1]
    print(
        f"min/median/max of {len(rounds)} rounds, each in a fresh process; floor: the same rows"
        f" read with sqlite3 ({figures['floor_rows']:,.0f}) + zlib level 1 over the workbook's"
        f" {figures['floor_xml_mb']:.0f} MB of XML, in the same process"
    )
    print(
        f"export (all units, {figures['export_reports']:,.0f} reports, {figures['export_audit']:,.0f}"
        f" audit rows, {figures['export_mb']:.1f} MB): wall {_spread(rounds, 'export_s')} s"
        f"  (goal < 5 s); floor {_spread(rounds, 'floor_s')} s;"
        f" ratio {_ratios(rounds, 'export_s', 'floor_s')}"
    )
    print(
        f"  CPU, all processes: {_spread(rounds, 'export_total_cpu_s')} s"
        f" ({_spread(rounds, 'export_cpu_s')} in the bot's process,"
        f" {_spread(rounds, 'export_workers_cpu_s')} in the sheet-rendering process);"
        f" floor {_spread(rounds, 'floor_cpu_s')} s (SQL read {_spread(rounds, 'floor_read_cpu_s')});"
        f" ratio {_ratios(rounds, 'export_total_cpu_s', 'floor_cpu_s')}  (goal ≤ 2×)"
    )
    if "board_300_s" in figures:
        print(
            f"board ({figures['board_300_units']:.0f} units): {_spread(rounds, 'board_300_s')} s"
            "  (goal < 3 s)"
        )
    for r in rounds:
        r["all_rss_mb"] = r["peak_rss_mb"] + r["worker_rss_mb"]
    print(
        f"peak memory: {_spread(rounds, 'peak_rss_mb', 0)} MB in the bot's process,"
        f" {_spread(rounds, 'worker_rss_mb', 0)} MB in the sheet-rendering process"
        f"  (goal < 300 MB); both at most {_spread(rounds, 'all_rss_mb', 0)} MB"
        "  (goal < 500 MB)"
    )
    print(
        "  (the sheet process's ru_maxrss, which counts this process's pages it shared until"
        f" exec: {_spread(rounds, 'worker_maxrss_mb', 0)} MB)"
    )


def _spread(rounds: list[dict[str, float]], key: str, digits: int = 2) -> str:
    values = [r[key] for r in rounds]
    picks = (min(values), statistics.median(values), max(values))
    return "/".join(f"{v:.{digits}f}" for v in picks)


def _ratios(rounds: list[dict[str, float]], key: str, floor_key: str) -> str:
    ratios = [r[key] / r[floor_key] for r in rounds]
    picks = (min(ratios), statistics.median(ratios), max(ratios))
    return "/".join(f"{v:.2f}" for v in picks) + "×"


if __name__ == "__main__":
    main()
