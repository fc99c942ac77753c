"""`/report_detail ID`: one report in full, with its attachments sent back as files."""

from __future__ import annotations

from domain.messages import OutgoingFile, Reply
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import can_see
from handlers.reporting import parse_id
from storage import contacts, reports, units


def _size(t_bytes: int) -> str:
    if t_bytes >= 1024 * 1024:
        return f"{t_bytes / 1024 / 1024:.1f} MB"
    return f"{max(1, round(t_bytes / 1024))} KB"


async def detail(ctx: Context, args: str) -> Reply:
    """Everything about the report; the files that are still on disk come back attached."""
    report_id = parse_id(args, "insight.detail_usage")
    async with ctx.snapshot() as db:
        found = await reports.get(db, report_id)
        unit = await units.get(db, found.unit_id) if found else None
        reporter = await contacts.get(db, found.contact_id) if found and found.contact_id else None
        reviewer = (
            await contacts.get(db, found.reviewer_id) if found and found.reviewer_id else None
        )
    if found is None or unit is None or not can_see(ctx, unit):
        raise UserError("error.report_unknown", id=report_id)
    t = ctx.t
    lines = [
        t(
            "insight.detail_header",
            id=found.id,
            unit=unit.label,
            code=found.code,
            title=found.title,
        ),
        t(
            "insight.detail_submitted",
            at=t.moment(found.submitted_at),
            who=reporter.label if reporter else t("insight.log_system"),
        ),
        t("insight.detail_status", status=t(f"report_status.{found.status.value}")),
    ]
    if found.count is not None:
        lines.append(t("insight.detail_count", count=found.count))
    if found.note:
        lines.append(t("insight.detail_note", note=clip(found.note, 500)))
    if found.reviewed_at is not None and reviewer is not None:
        lines.append(
            t("insight.detail_reviewed", at=t.moment(found.reviewed_at), who=reviewer.label)
        )
    if found.return_reason:
        lines.append(t("insight.detail_reason", reason=clip(found.return_reason, 500)))
    attached = []
    if found.files:
        lines.append(t("insight.detail_files", count=len(found.files)))
    for f in found.files:
        path = await ctx.app.files.local_path(f.sha256)
        if path is not None:
            attached.append(OutgoingFile(str(path), f.name, f.mime))
            lines.append(f"  · {clip(f.name, 80)} ({_size(f.size)})")
        else:
            lines.append(f"  · {clip(f.name, 80)} — {t('insight.detail_file_missing')}")
    if not found.files:
        lines.append(t("insight.detail_no_files"))
    return Reply("\n".join(lines), files=attached, private=True)
