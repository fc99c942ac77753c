"""The long export sheets (reports, audit trail) rendered in a separate process.

Imports only what rendering needs, so a spawned process is working within a third of a second.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.export_records import AuditRecord
from insight.xlsx_long import render_audit, render_reports
from locales import Translator
from storage import insight as snap


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
