"""The long export sheets (reports, audit trail) rendered in a separate process.

Imports only what rendering needs, so a spawned process is working within a third of a second.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from insight.xlsx_long import render_audit, render_reports
from locales import Translator
from storage import insight as snap
from storage.insight import AuditRecord


def render_long_sheet(
    kind: str,
    db_path: Path,
    plan_id: int,
    plan_year: int,
    scope_path: str,
    locale: str,
    zone: str,
    dest: Path,
) -> int:
    """Write the rows of the `reports` or `audit` sheet to `dest`; returns how many."""
    t = Translator(locale, ZoneInfo(zone))
    with snap.snapshot(db_path) as conn:
        return render_sheet(conn, kind, plan_id, plan_year, scope_path, t, dest)


def render_sheet(
    conn: sqlite3.Connection,
    kind: str,
    plan_id: int,
    plan_year: int,
    scope_path: str,
    t: Translator,
    dest: Path,
) -> int:
    """Write the rows of the `reports` or `audit` sheet, read from `conn`, to `dest`."""
    units = {u.id: u for u in snap.units_under(conn, scope_path)}
    if kind == "reports":
        materials = {m.id: m for m in snap.materials(conn, plan_id)}
        records = snap.report_records(conn, plan_id, scope_path)
        return render_reports(t, materials, units, records, dest)
    return render_audit(t, units, audit_of(conn, plan_year, scope_path, t), dest)


def audit_of(
    conn: sqlite3.Connection, plan_year: int, scope_path: str, t: Translator
) -> Iterator[AuditRecord]:
    """This plan year's audit trail in scope; a province-wide export adds plan-wide entries."""
    since = datetime(plan_year, 1, 1, tzinfo=t.tz)
    return snap.audit_records(conn, scope_path, with_unitless=scope_path == "/", since=since)
