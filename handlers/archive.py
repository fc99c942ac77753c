"""`/archive [ITEM|CODE]`: a ZIP of accepted materials, foldered item/unit/ (also `main.py archive`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from domain.messages import OutgoingFile, Reply
from handlers.context import Context
from handlers.insight_data import (
    Scope,
    download_name,
    heavy,
    materials_named,
    output_path,
    scope_of,
)
from handlers.lookup import require_plan
from locales import Translator
from storage import insight as snap
from storage.models import Plan

if TYPE_CHECKING:
    from insight.zip_archive import ArchiveSummary

ZIP_MIME = "application/zip"

CHAT_LIMIT_BYTES = 50 * 1024 * 1024  # what a bot may send in a chat (Telegram's sendDocument)


def build_archive(
    db_path: Path,
    plan: Plan,
    scope: Scope,
    material_ids: set[int] | None,
    locate: Callable[[str], Path],
    t: Translator,
    out: Path,
) -> ArchiveSummary:
    """Stream the accepted files of one snapshot into `out` (runs in a worker thread)."""
    from insight.zip_archive import write_archive  # loads openpyxl, for the index sheet

    with snap.snapshot(db_path) as conn:
        units = {u.id: u for u in snap.units_under(conn, scope.path)}
        materials = {m.id: m for m in snap.materials(conn, plan.id)}
        chosen = sorted(materials) if material_ids is None else sorted(material_ids)
        files = snap.accepted_files(conn, plan.id, scope.path, chosen)
        return write_archive(files, partial(snap.open_blob, conn, locate), units, materials, t, out)


async def archive(ctx: Context, args: str) -> Reply:
    """`/archive 2` (an item), `/archive 2.1` (a material) or `/archive` (everything in scope)."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    word = args.strip()
    chosen = await materials_named(ctx, word)
    material_ids = {m.id for m in chosen} if chosen is not None else None
    sep = ctx.t("insight.list_sep")
    what = sep.join(m.code for m in chosen) if chosen else ctx.t("insight.archive_everything")
    settings = ctx.app.settings
    out = output_path(settings, "archive", ".zip", ctx.now)
    summary = await heavy(
        build_archive,
        settings.db_path,
        plan,
        scope,
        material_ids,
        ctx.app.files.path_for,
        ctx.t,
        out,
    )
    if summary.files == 0:
        out.unlink(missing_ok=True)
        return Reply(ctx.t("insight.archive_empty", what=what, scope=scope.label), private=True)
    text = ctx.t(
        "insight.archive_done",
        what=what,
        scope=scope.label,
        files=summary.files,
        size=f"{summary.bytes / 1024 / 1024:.1f}",
    )
    if summary.missing:
        text += "\n" + ctx.t("insight.archive_missing_files", count=len(summary.missing))
    if out.stat().st_size > CHAT_LIMIT_BYTES:
        text += "\n" + ctx.t("insight.archive_large", code=word or "all")
    suffix = f"-{word}" if word else ""
    name = download_name(ctx.t, "archive", scope, ctx.now, f"{suffix}.zip")
    return Reply(text, files=[OutgoingFile(str(out), name, ZIP_MIME)], private=True)
