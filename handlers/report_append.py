"""Adding files to a report already filed (`/append N`, 追加到 #N): only to one's own report,
in one's own unit, while it still awaits review (`/amend N`: to any of the unit's, as
`/withdraw` takes any of them back)."""

from __future__ import annotations

from domain.messages import Reply
from domain.model import ReportStatus
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import require_unit
from storage import blobs, reports
from storage.models import Report, StoredFile


def _refusal(ctx: Context, found: Report | None, report_id: int, anyone: bool) -> UserError | None:
    unit = require_unit(ctx)
    if found is None or found.unit_id != unit.id:
        return UserError("error.report_unknown", id=report_id)
    if not anyone and found.contact_id != ctx.contact.id:
        return UserError("report_draft.append_not_yours", id=report_id)
    if found.status is not ReportStatus.PENDING:
        status = ctx.t(f"report_status.{found.status.value}")
        return UserError("report_draft.append_reviewed", id=report_id, status=status)
    return None


async def check(ctx: Context, report_id: int, anyone: bool = False) -> Report:
    """The report, if this person may add files to it now (`anyone`: of its unit)."""
    async with ctx.read() as db:
        found = await reports.get(db, report_id)
    refusal = _refusal(ctx, found, report_id, anyone)
    if refusal is not None:
        raise refusal
    assert found is not None
    return found


async def add(ctx: Context, report_id: int, files: list[StoredFile], anyone: bool = False) -> Reply:
    """The files join the report, checked again in the same transaction (a review may have
    come in between)."""
    async with ctx.write() as db:
        found = await reports.get(db, report_id)
        refusal = _refusal(ctx, found, report_id, anyone)
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
