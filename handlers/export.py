"""`/export`: the Excel workbook of the asker's scope, sent back as a file (also `main.py export`)."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from domain.messages import OutgoingFile, Reply
from handlers import export_worker
from handlers.context import Context
from handlers.export_worker import audit_since, render_sheet
from handlers.insight_data import Scope, collect_from, download_name, heavy, output_path, scope_of
from handlers.lookup import require_plan
from insight.xlsx_long import part_path
from locales import Translator
from storage import insight as snap
from storage.models import Plan

if TYPE_CHECKING:
    from insight.xlsx import ExportSummary, Rendered

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARALLEL_REPORTS = 20_000  # below this, other processes cost more than they save
PER_SHEET = 1_048_575  # Excel's 1,048,576 rows per sheet, less the header row


def build_export(
    db_path: Path,
    plan: Plan,
    scope: Scope,
    now: datetime,
    due_soon_days: int,
    t: Translator,
    out: Path,
) -> ExportSummary:
    """Read one snapshot and write the workbook (runs in a worker thread)."""
    # Loaded on first use: openpyxl takes a fifth of a second to import.
    from insight.xlsx import ExportData, Rendered, write_export

    with snap.snapshot(db_path) as conn, ExitStack() as stack:
        plan_reports = snap.report_count(conn, plan.id)
        # Past this, the two long sheets render in two other processes while this one reads
        # the matrix and writes the rest. Each reads its own snapshot, a moment apart: a
        # report filed in that moment may show in one sheet and not yet in another.
        parallel = plan_reports >= PARALLEL_REPORTS
        rendered: list[list[Rendered]] = []
        counts: Callable[[], list[int]]
        for kind, sheets in (
            ("reports", _report_sheets(conn, plan, scope, plan_reports)),
            ("audit", _audit_sheets(conn, plan, scope, t)),
        ):
            dest = out.with_name(f"{out.name}.{kind}")
            for part in range(1, sheets + 1):
                stack.callback(part_path(dest, part).unlink, missing_ok=True)
            args = (kind, plan.id, plan.year, scope.path)
            if parallel:
                process = export_worker.start(
                    kind, db_path, *args[1:], t.locale, t.tz.key, dest, PER_SHEET, sheets
                )
                stack.callback(_stop, process)
                counts = cache(partial(export_worker.result, process))  # one wait, several parts
            else:
                counts = partial(list, render_sheet(conn, *args, t, dest, PER_SHEET, sheets))
            rendered.append(
                [Rendered(part_path(dest, k + 1), partial(_nth, counts, k)) for k in range(sheets)]
            )
        reports, audit = rendered
        data = collect_from(conn, plan, scope.path, now, due_soon_days)
        export = ExportData(
            progress=data.progress,
            scores=data.scores,
            units=data.units,
            reports=reports,
            audit=audit,
            title=plan.title,
            scope=scope.label,
        )
        return write_export(export, t, out)


def _report_sheets(conn: sqlite3.Connection, plan: Plan, scope: Scope, plan_reports: int) -> int:
    """Sheets the reports take: past Excel's rows per sheet, they go on in a second one…"""
    if plan_reports <= PER_SHEET:
        return 1
    return max(1, -(-snap.report_count_under(conn, plan.id, scope.path) // PER_SHEET))


def _audit_sheets(conn: sqlite3.Connection, plan: Plan, scope: Scope, t: Translator) -> int:
    if snap.audit_last_id(conn) <= PER_SHEET:
        return 1  # the common case, told by one index probe
    since = audit_since(plan.year, t)
    rows = snap.audit_count(conn, scope.path, with_unitless=scope.path == "/", since=since)
    return max(1, -(-rows // PER_SHEET))


def _stop(process: subprocess.Popen[bytes]) -> None:
    """A sheet process still running when the export ends (it failed) is not left behind."""
    if process.poll() is None:
        process.kill()
        process.communicate()


def _nth(counts: Callable[[], list[int]], k: int) -> int:
    found = counts()
    return found[k] if k < len(found) else 0


async def export(ctx: Context, args: str) -> Reply:
    """`/export`: progress, reports, targets, overdue, ranking and audit sheets in one workbook."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    settings = ctx.app.settings
    out = output_path(settings, "export", ".xlsx", ctx.now)
    summary = await heavy(
        build_export, settings.db_path, plan, scope, ctx.now, settings.due_soon_days, ctx.t, out
    )
    text = ctx.t(
        "insight.export_done",
        scope=scope.label,
        units=summary.units,
        materials=summary.materials,
        reports=summary.reports,
        overdue=summary.overdue,
    )
    if summary.report_sheets > 1 or summary.audit_sheets > 1:
        split = ctx.t(
            "export_scale.split",
            rows=PER_SHEET,
            reports=summary.report_sheets,
            audit=summary.audit_sheets,
        )
        text = f"{text}\n{split}"
    return Reply(
        text,
        files=[
            OutgoingFile(
                str(out), download_name(ctx.t, "export", scope, ctx.now, ".xlsx"), XLSX_MIME
            )
        ],
        private=True,
    )
