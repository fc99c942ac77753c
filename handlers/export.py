"""`/export`: the Excel workbook of the asker's scope, sent back as a file (also `main.py export`)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from datetime import datetime
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from domain.messages import OutgoingFile, Reply
from handlers.context import Context
from handlers.export_worker import render_long_sheet, render_sheet
from handlers.insight_data import Scope, collect_from, download_name, heavy, output_path, scope_of
from handlers.lookup import require_plan
from locales import Translator
from storage import insight as snap
from storage.models import Plan

if TYPE_CHECKING:
    from insight.xlsx import ExportSummary

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARALLEL_REPORTS = 20_000  # below this, other processes cost more than they save


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
        parallel = snap.report_count(conn, plan.id) >= PARALLEL_REPORTS
        if parallel:
            # The two long sheets render in two other processes while this one reads the
            # matrix and writes the rest. Each reads its own snapshot, a moment apart: a
            # report filed in that moment may show in one sheet and not yet in another.
            pool = stack.enter_context(
                ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn"))
            )
        rendered = []
        for kind in ("reports", "audit"):
            dest = out.with_name(f"{out.name}.{kind}")
            stack.callback(dest.unlink, missing_ok=True)
            if parallel:
                job = pool.submit(
                    render_long_sheet,
                    kind,
                    db_path,
                    plan.id,
                    plan.year,
                    scope.path,
                    t.locale,
                    t.tz.key,
                    dest,
                )
                rendered.append(Rendered(dest, job.result))
            else:
                written = render_sheet(conn, kind, plan.id, plan.year, scope.path, t, dest)
                rendered.append(Rendered(dest, partial(int, written)))
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


async def export(ctx: Context, args: str) -> Reply:
    """`/export`: progress, reports, targets, overdue, ranking and audit sheets in one workbook."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    settings = ctx.app.settings
    out = output_path(settings, "export", ".xlsx", ctx.now)
    summary = await heavy(
        build_export, settings.db_path, plan, scope, ctx.now, settings.due_soon_days, ctx.t, out
    )
    return Reply(
        ctx.t(
            "insight.export_done",
            scope=scope.label,
            units=summary.units,
            materials=summary.materials,
            reports=summary.reports,
            overdue=summary.overdue,
        ),
        files=[
            OutgoingFile(
                str(out), download_name(ctx.t, "export", scope, ctx.now, ".xlsx"), XLSX_MIME
            )
        ],
        private=True,
    )
