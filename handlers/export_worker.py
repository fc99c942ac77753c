"""The long export sheets (reports, audit trail) rendered in a separate process.

Started as `python -m handlers.export_worker ARGS-JSON` rather than by multiprocessing: a
spawned pool process first imports the parent's main module (the whole bot, or a benchmark),
which cost more CPU than the rows. This imports only what rendering needs, writes the rows and
prints how many each sheet holds, as JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.export_records import AuditRecord
from insight.xlsx_long import render_audit, render_reports
from locales import Translator
from storage import insight as snap

ROOT = str(Path(__file__).resolve().parent.parent)


def render_long_sheet(
    kind: str,
    db_path: Path,
    plan_id: int,
    plan_year: int,
    scope_path: str,
    locale: str,
    zone: str,
    dest: Path,
    per_sheet: int,
    max_sheets: int,
) -> list[int]:
    """Write the rows of the `reports` or `audit` sheet to `dest` (`dest.2`… past `per_sheet`
    rows, at most `max_sheets` sheets: the ones laid out); returns how many rows each holds."""
    t = Translator(locale, ZoneInfo(zone))
    with snap.snapshot(db_path) as conn:
        return render_sheet(
            conn, kind, plan_id, plan_year, scope_path, t, dest, per_sheet, max_sheets
        )


def start(
    kind: str,
    db_path: Path,
    plan_id: int,
    plan_year: int,
    scope_path: str,
    locale: str,
    zone: str,
    dest: Path,
    per_sheet: int,
    max_sheets: int,
) -> subprocess.Popen[bytes]:
    """Start rendering one long sheet in a process of its own (`render_long_sheet` there)."""
    args = [kind, str(db_path.resolve()), plan_id, plan_year, scope_path, locale, zone]
    args += [str(dest.resolve()), per_sheet, max_sheets]
    # The bot may run from any directory and need not be installed: find this package anyway.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.getenv("PYTHONPATH")])),
    }
    return subprocess.Popen(
        [sys.executable, "-m", __name__, json.dumps(args)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def result(process: subprocess.Popen[bytes]) -> list[int]:
    """Wait for a process `start` gave; the rows each of its sheets holds."""
    out, err = process.communicate()
    if process.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise RuntimeError(f"export sheet process failed ({process.returncode}): {tail}")
    counts: list[int] = json.loads(out)
    return counts


def render_sheet(
    conn: sqlite3.Connection,
    kind: str,
    plan_id: int,
    plan_year: int,
    scope_path: str,
    t: Translator,
    dest: Path,
    per_sheet: int,
    max_sheets: int,
) -> list[int]:
    """Write the rows of the `reports` or `audit` sheet, read from `conn`, to `dest` (and
    `dest.2`… past `per_sheet` rows); returns how many rows each sheet holds."""
    units = {u.id: u for u in snap.units_under(conn, scope_path)}
    if kind == "reports":
        materials = {m.id: m for m in snap.materials(conn, plan_id)}
        records = snap.report_records(conn, plan_id, scope_path)
        return render_reports(t, materials, units, records, dest, per_sheet, max_sheets)
    return render_audit(
        t, units, audit_of(conn, plan_year, scope_path, t), dest, per_sheet, max_sheets
    )


def audit_since(plan_year: int, t: Translator) -> datetime:
    """An export's audit trail starts with the plan's year."""
    return datetime(plan_year, 1, 1, tzinfo=t.tz)


def audit_of(
    conn: sqlite3.Connection, plan_year: int, scope_path: str, t: Translator
) -> Iterator[AuditRecord]:
    """This plan year's audit trail in scope; a province-wide export adds plan-wide entries."""
    since = audit_since(plan_year, t)
    return snap.audit_records(conn, scope_path, with_unitless=scope_path == "/", since=since)


def main(argv: list[str]) -> None:
    kind, db, plan_id, plan_year, scope_path, locale, zone, dest, per_sheet, max_sheets = (
        json.loads(argv[0])
    )
    counts = render_long_sheet(
        kind, Path(db), plan_id, plan_year, scope_path, locale, zone, Path(dest), per_sheet,
        max_sheets,
    )  # fmt: skip
    sys.stdout.write(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1:])
