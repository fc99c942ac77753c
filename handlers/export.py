"""`/export`: the Excel workbook of the asker's scope, sent back as a file (also `main.py export`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from domain.messages import OutgoingFile, Reply
from handlers.context import Context
from handlers.export_worker import Job, SheetProcess, Target, audit_since, render_sheet
from handlers.insight_data import Scope, collect_from, download_name, heavy, output_path, scope_of
from handlers.lookup import require_plan
from insight.no_numpy import without_numpy
from insight.xlsx_long import part_path
from locales import Translator
from storage import insight as snap
from storage.models import Plan

if TYPE_CHECKING:
    from insight.xlsx import ExportSummary

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARALLEL_REPORTS = 20_000  # below this, another process costs more than it saves
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
    # Loaded on first use: openpyxl takes a fifth of a second to import (numpy left out).
    without_numpy()
    from insight.xlsx import ExportData, Rendered, write_export

    with snap.snapshot(db_path) as conn, ExitStack() as stack:
        plan_reports = snap.report_count(conn, plan.id)
        kinds = {
            "reports": _report_sheets(conn, plan, scope, plan_reports),
            "audit": _audit_sheets(conn, plan, scope, t),
        }
        jobs = [Job(kind, out.with_name(f"{out.name}.{kind}"), n) for kind, n in kinds.items()]
        for job in jobs:
            for part in range(1, job.max_sheets + 1):
                stack.callback(part_path(job.dest, part).unlink, missing_ok=True)
        if plan_reports >= PARALLEL_REPORTS:
            # The two long sheets render in another process while this one reads the matrix
            # and writes the rest. It reads its own snapshot, a moment later: a report filed
            # in that moment may show in the long sheets (and the scores' count of reports
            # made, counted there) and not yet in the matrix.
            target = Target(db_path, plan.id, plan.year, scope.path, t.locale, t.tz.key, PER_SHEET)
            process = SheetProcess(jobs, target)
            stack.callback(process.close)
            counts = [partial(process.counts, k) for k in range(len(jobs))]
            made = partial(process.made, 0)
        else:
            args = (plan.id, plan.year, scope.path, t)
            done = [
                render_sheet(conn, j.kind, *args, j.dest, PER_SHEET, j.max_sheets) for j in jobs
            ]
            counts = [partial(list, found.rows) for found in done]
            made = partial(dict, done[0].made)
        rendered = [
            [
                Rendered(part_path(job.dest, k + 1), partial(_nth, count, k))
                for k in range(job.max_sheets)
            ]
            for job, count in zip(jobs, counts, strict=True)
        ]
        reports, audit = rendered
        # The scores need each unit's reports made and returned: counted from the reports as
        # they are written (the process's, waited for once the matrix is built).
        data = collect_from(conn, plan, scope.path, now, due_soon_days, made=made)
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
