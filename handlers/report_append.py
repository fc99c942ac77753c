"""Adding files to a report already filed (`/append N`, 追加到 #N): only to one's own report,
in one's own unit, while it still awaits review."""

from __future__ import annotations

from domain.messages import Choice, Reply
from domain.model import ReportStatus
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import require_unit
from storage import blobs, reports
from storage.models import Draft, Report, StoredFile


def _refusal(ctx: Context, found: Report | None, report_id: int) -> UserError | None:
    unit = require_unit(ctx)
    if found is None or found.unit_id != unit.id:
        return UserError("error.report_unknown", id=report_id)
    if found.contact_id != ctx.contact.id:
        return UserError("report_draft.append_not_yours", id=report_id)
    if found.status is not ReportStatus.PENDING:
        status = ctx.t(f"report_status.{found.status.value}")
        return UserError("report_draft.append_reviewed", id=report_id, status=status)
    return None


async def check(ctx: Context, report_id: int) -> Report:
    """The report, if this person may add files to it now."""
    async with ctx.read() as db:
        found = await reports.get(db, report_id)
    refusal = _refusal(ctx, found, report_id)
    if refusal is not None:
        raise refusal
    assert found is not None
    return found


async def add(ctx: Context, report_id: int, files: list[StoredFile]) -> Reply:
    """The files join the report, checked again in the same transaction (a review may have
    come in between)."""
    async with ctx.write() as db:
        found = await reports.get(db, report_id)
        refusal = _refusal(ctx, found, report_id)
        if refusal is not None:
            raise refusal
        assert found is not None
        await blobs.record(db, files, ctx.app.files.relative, ctx.now)
        await reports.add_files(db, report_id, files)
        await ctx.audit(
            db,
            "append",
            found.unit_id,
            subject=found.code,
            detail={"report": report_id, "files": len(files)},
        )
    text = ctx.t(
        "report_draft.appended",
        id=report_id,
        code=found.code,
        added=len(files),
        files=len(found.files) + len(files),
    )
    return Reply(text)


def summary(ctx: Context, draft: Draft) -> Reply:
    """What `确认` will add, as `/report_done` shows a report's."""
    assert draft.report_id is not None
    if not draft.files:
        raise UserError("report_draft.append_no_files", id=draft.report_id)
    names = "\n".join(f"  · {clip(f.name, 60)}" for f in draft.files)
    text = ctx.t("report_draft.append_summary", id=draft.report_id, files=len(draft.files))
    choices = [
        [
            Choice(ctx.t("report.confirm_button"), "/report_confirm"),
            Choice(ctx.t("report.cancel_button"), "/report_cancel"),
        ]
    ]
    return Reply(f"{text}\n{names}", choices=choices, replaces_choices=True)
