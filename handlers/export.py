"""`/export`: the Excel workbook of the asker's scope, sent back as a file (also `main.py export`).

Past what the chat can be sent (`Incoming.file_limit`: a channel's upload limit where no
download link can be made), one workbook per region goes instead (`export_regions`)."""

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
from handlers.export_regions import regions
from handlers.export_worker import Job, SheetProcess, Target, audit_since, render_sheet
from handlers.insight_data import Scope, collect_from, download_name, heavy, output_path, scope_of
from handlers.lookup import all_units, require_plan, resolve_unit
from insight.no_numpy import without_numpy
from insight.xlsx_long import part_path
from locales import Translator
from storage import hops
from storage import insight as snap
from storage.models import Plan, Unit

if TYPE_CHECKING:
    from insight.xlsx import ExportSummary

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARALLEL_REPORTS = 20_000  # below this, another process costs more than it saves
PER_SHEET = 1_048_575  # Excel's 1,048,576 rows per sheet, less the header row
MB = 1024 * 1024
# Files at most when a workbook goes one region a file: neighbouring regions share one past
# that. A phone's screen, and WeCom's 30 messages a minute to a member (more are dropped).
MAX_FILES = 20


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
            target = Target(
                db_path, plan.id, plan.year, scope.path, t.locale, t.tz.key, PER_SHEET,
                scope.more, scope.without,
            )  # fmt: skip
            process = SheetProcess(jobs, target)
            stack.callback(process.close)
            counts = [partial(process.counts, k) for k in range(len(jobs))]
            made = partial(process.made, 0)
        else:
            args = (plan.id, plan.year, scope.where, t)
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
        data = collect_from(conn, plan, scope.where, now, due_soon_days, made=made)
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
    return max(1, -(-snap.report_count_under(conn, plan.id, scope.where) // PER_SHEET))


def _audit_sheets(conn: sqlite3.Connection, plan: Plan, scope: Scope, t: Translator) -> int:
    if snap.audit_last_id(conn) <= PER_SHEET:
        return 1  # the common case, told by one index probe
    since = audit_since(plan.year, t)
    where = scope.where
    rows = snap.audit_count(conn, where, with_unitless=snap.covers_root(where), since=since)
    return max(1, -(-rows // PER_SHEET))


def _nth(counts: Callable[[], list[int]], k: int) -> int:
    found = counts()
    return found[k] if k < len(found) else 0


def _discard(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


async def export(ctx: Context, args: str) -> Reply:
    """`/export`: progress, reports, targets, overdue, ranking and audit sheets in one workbook;
    `/export 郑州市`: one unit's subtree within the asker's scope."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    if args.strip():
        unit = await resolve_unit(ctx, args.strip())
        scope = Scope(unit.path, unit.label, unit.id)
    settings = ctx.app.settings
    out = output_path(settings, "export", ".xlsx", ctx.now)
    summary = await heavy(
        build_export, settings.db_path, plan, scope, ctx.now, settings.due_soon_days, ctx.t, out
    )
    size = summary.size
    text = ctx.t(
        "insight.export_done",
        scope=scope.label,
        units=summary.units,
        materials=summary.materials,
        reports=summary.reports,
        overdue=summary.overdue,
    )
    whole = [_file(ctx, scope, out)]
    limit = ctx.msg.file_limit
    if limit is None or size <= limit:
        return Reply(_sheets_line(ctx.t, text, [summary]), files=whole, private=True)
    several = partial(_group_label, ctx.t)
    parts = regions(await all_units(ctx), scope, MAX_FILES, partial(_own_label, ctx.t), several)
    if not parts:  # one unit: the channel says the file did not come, and why
        return Reply(_sheets_line(ctx.t, text, [summary]), files=whole, private=True)
    files, built, over = [], [], 0
    try:
        for part in parts:
            part_out = output_path(settings, "export", ".xlsx", ctx.now)
            found = await heavy(
                build_export, settings.db_path, plan, part, ctx.now, settings.due_soon_days,
                ctx.t, part_out,
            )  # fmt: skip
            built.append(found)
            files.append(_file(ctx, part, part_out))
            over += found.size > limit
    except BaseException:
        await hops.in_thread(_discard, [Path(f.path) for f in files])
        raise
    finally:
        await hops.in_thread(_discard, [out])  # the whole workbook is not sent
    words = {"size": _mb(size), "limit": _mb(limit), "files": len(files)}
    lines = [text, ctx.t("export_split.split", **words)]
    if over:
        lines.append(ctx.t("export_split.still_over", over=over))
    return Reply(_sheets_line(ctx.t, "\n".join(lines), built), files=files, private=True)


def _mb(size: int) -> str:
    """353, 20, 0.021: megabytes as a phone line shows them."""
    value = size / MB
    return f"{value:.1f}".removesuffix(".0") if value >= 0.1 else f"{value:.2g}"


def _file(ctx: Context, scope: Scope, path: Path) -> OutgoingFile:
    return OutgoingFile(
        str(path), download_name(ctx.t, "export", scope, ctx.now, ".xlsx"), XLSX_MIME
    )


def _own_label(t: Translator, top: Unit, with_children: bool) -> str:
    key = "export_split.own_and_direct" if with_children else "export_split.own"
    return t(key, unit=top.label)


def _group_label(t: Translator, group: list[Unit]) -> str:
    return t("export_split.several", first=group[0].label, count=len(group))


def _sheets_line(t: Translator, text: str, summaries: list[ExportSummary]) -> str:
    """The text, and past Excel's rows per sheet, how many sheets the long ones took."""
    reports = max(s.report_sheets for s in summaries)
    audit = max(s.audit_sheets for s in summaries)
    if reports <= 1 and audit <= 1:
        return text
    split = t("export_scale.split", rows=PER_SHEET, reports=reports, audit=audit)
    return f"{text}\n{split}"
