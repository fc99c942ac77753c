"""A plan file sent in chat: `/plan import` with the file, `/plan export`, `/plan discard`.

The file is read by the same loader as `main.py plan import` (any format it knows), stored at
once as a draft and previewed; a corrected file with the same code and year replaces that
draft in place, so the admin edits until satisfied, then publishes (handlers.plan_life).
`/plan import` alone takes the file the admin sent just before it (handlers.plan_recent).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import aiosqlite

from domain import plan_export
from domain.messages import Choice, IncomingFile, OutgoingFile, Reply
from domain.model import PlanState, Role
from domain.plan_file import PlanFile, PlanFileError, PlanIssue, load_plan_file
from domain.text import clip
from handlers import plan_link, plan_recent, plan_templates
from handlers.context import Context
from handlers.errors import UserError
from handlers.insight_data import output_path
from handlers.plan_import import PlanExists, import_plan
from handlers.plan_replace import ReplaceRefused, replace_plan
from handlers.plan_scope import named
from handlers.render import deadline_text, plan_issue_text
from locales import Translator
from schedules import policy as reminder_policy
from storage import assignments, audit, holidays, hops, material_templates, plans, units
from storage.files import FileRejected
from storage.material_templates import MaterialTemplate
from storage.models import Plan

MAX_MATERIALS = 10  # materials listed in a preview: a phone screen
MAX_PROBLEMS = 15
MAX_NAMES = 8
TITLE_CHARS = 24
YAML_MIME = "application/yaml"


async def run(ctx: Context, action: str, rest: list[str]) -> Reply:
    """`/plan import|export|discard …` (province admins only)."""
    if ctx.role is not Role.PROVINCE_ADMIN:
        raise UserError("error.forbidden")
    if action == "import":
        return await _import(ctx, rest)
    target = named(ctx, rest[0]) if rest else None
    if target is None:
        raise UserError("plans.unknown", name=(rest[0] if rest else "")[:30])
    if action == "export":
        return await _export(ctx, target)
    return await _discard(ctx, target)


async def _import(ctx: Context, rest: list[str]) -> Reply:
    if len(ctx.msg.files) > 1:
        raise UserError("plan_upload.one_file")
    if not ctx.msg.files and rest[:1] and rest[0].lower() in plan_link.WEB:
        return await plan_link.link(ctx)
    taken = None if ctx.msg.files else await plan_recent.recent(ctx)  # sent just before
    if taken is None and not ctx.msg.files:
        return await plan_link.offer(ctx)  # the upload page's link, where there is one
    incoming = ctx.msg.files[0] if taken is None else plan_recent.incoming(ctx, taken)
    name = Path(incoming.name or "").name
    if name in ("", ".", ".."):
        name = "plan.yaml"
    reply = await import_file(ctx, name, await _read(ctx, incoming, name))
    if taken is not None and not reply.is_error:
        await plan_recent.used(ctx, taken)
    return reply


async def import_file(ctx: Context, name: str, data: bytes) -> Reply:
    """A plan file read, stored as a draft (a draft of the same code and year replaced) and
    previewed; its problems listed with nothing stored. The chat's `/plan import` and the
    upload page (bot.upload.plan, through the same command) both come here."""
    t = ctx.t
    with tempfile.TemporaryDirectory(prefix="plan-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            # 长期坚持 and the like come back as notices; publishing is the admin's confirmation
            plan = load_plan_file(path, on_request=True)
            # A file alone: its forms are those the stored draft already has (plan_templates)
            plan = await plan_templates.read(
                ctx.app.store, ctx.app.settings, plan, path.parent, name
            )
        except PlanFileError as err:
            return _problems(t, name, err.issues)
    bad_reminders = reminder_policy.check(plan.reminders)
    if bad_reminders:
        lines = [t("plan.errors_header", source=name, count=len(bad_reminders))]
        lines += [t("cli.plan_reminders_bad", problem=text) for text in bad_reminders]
        return Reply("\n".join(lines), is_error=True)
    async with ctx.read() as db:
        before = await plans.find(db, plan.code, plan.year)
    if before is not None and before.state is not PlanState.DRAFT:
        state = t(f"plans.state.{before.state.value}")
        raise UserError("plan_upload.not_draft", code=plan.code, year=plan.year, state=state)
    tz = ctx.app.settings.tz
    try:
        if before is None:
            await import_plan(ctx.app.store, plan, tz, ctx.now, files=ctx.app.files)
        else:
            await replace_plan(ctx.app.store, plan, tz, ctx.now, ctx.app.files)
    except PlanFileError as err:  # its units do not fit the bureau's tree
        return _problems(t, name, err.issues)
    except PlanExists as err:  # imported by someone else meanwhile
        raise UserError("plan_upload.not_draft", code=err.code, year=err.year, state="") from err
    except ReplaceRefused as err:
        codes = t.join([b.code for b in err.blocked])
        raise UserError("plan_upload.replace_refused", codes=codes) from err
    async with ctx.read() as db:
        stored = await plans.find(db, plan.code, plan.year)
        assert stored is not None
        return await _preview(ctx, db, stored, plan, replaced=before is not None)


async def _read(ctx: Context, incoming: IncomingFile, name: str) -> bytes:
    """The file's bytes, refused past the store's size limit as any attachment is."""
    limit = ctx.app.files.policy.max_bytes
    ctx.app.files.policy.check_size(name, incoming.size)
    await hops.to_loop()  # the bytes come from the network
    data = bytearray()
    async for chunk in incoming.read():
        data += chunk
        if len(data) > limit:
            raise FileRejected("too_large", name, limit / 1024 / 1024)
    return bytes(data)


def _problems(t: Translator, name: str, issues: list[PlanIssue]) -> Reply:
    lines = [t("plan.errors_header", source=name, count=len(issues))]
    lines += [plan_issue_text(t, issue) for issue in issues[:MAX_PROBLEMS]]
    lines += t.rest(len(issues), MAX_PROBLEMS)
    lines.append(t("plan_upload.nothing_stored"))
    return Reply("\n".join(lines), is_error=True)


def publish_label(loaded: PlanFile) -> str:
    """发布, or 确认并发布 when deadlines naming no date were read as "on request"."""
    confirming = any(n.key == "plan.notice.on_request" for n in loaded.notices)
    return "plan_upload.confirm_publish_button" if confirming else "plan_upload.publish_button"


async def _preview(
    ctx: Context, db: aiosqlite.Connection, plan: Plan, loaded: PlanFile, *, replaced: bool
) -> Reply:
    t = ctx.t
    materials = await plans.materials(db, plan.id)
    items = await plans.items(db, plan.id)
    addressed = await assignments.addressed_units(db, plan.id)
    labels = {u.id: u.label for u in await units.all_units(db)}
    lines = [t("plan_upload.replaced" if replaced else "plan_upload.imported", title=plan.title)]
    head = t("plan_upload.head", year=plan.year, short=plan.prefix)
    if plan.document:
        head = t("plan_upload.head_document", document=plan.document, head=head)
    lines.append(head)
    lines.append(
        t(
            "plan_upload.counts",
            items=len(items),
            materials=len(materials),
            units=len(addressed),
        )
    )
    for m in materials[:MAX_MATERIALS]:
        title = clip(m.title, TITLE_CHARS)
        lines.append(t("plan_upload.material", code=m.code, title=title, due=deadline_text(t, m)))
    lines += t.rest(len(materials), MAX_MATERIALS)
    targets = [
        t(
            "plan_upload.target",
            code=m.code,
            targets=t.join([f"{t(f'kind.{kind}')}{n}" for kind, n in m.targets.items()]),
        )
        for m in materials
        if m.targets
    ]
    if targets:
        lines.append(t("plan_upload.targets", targets=t.listed(targets, MAX_NAMES)))
    names = [labels[u] for u in addressed if u in labels]
    lines.append(t("plan_upload.addressees", names=t.listed(names, MAX_NAMES) or "—"))
    if loaded.notices:
        lines.append(t("plan_upload.notices", count=len(loaded.notices)))
        lines += [plan_issue_text(t, n) for n in loaded.notices[:MAX_PROBLEMS]]
        lines += t.rest(len(loaded.notices), MAX_PROBLEMS)
    else:
        lines.append(t("plan_upload.no_notices"))
    lines.append(t("plan_upload.hint"))
    short = plan.prefix
    choices = [
        [
            Choice(t(publish_label(loaded)), f"/plan publish {short}"),
            Choice(t("plan_upload.edit_button"), f"/plan export {short}"),
            Choice(t("plan_upload.discard_button"), f"/plan discard {short}"),
        ]
    ]
    return Reply("\n".join(lines), choices=choices)


async def plan_file_text(db: aiosqlite.Connection, plan: Plan) -> str:
    """A stored plan as the YAML plan file that re-imports it (chat and `main.py plan
    export`): `addressed_units` written when it was for some units only, its own holiday
    schedules as the store has them now."""
    items = await plans.items(db, plan.id)
    materials = await plans.materials(db, plan.id)
    owing = await plans.owing_units(db, plan.id)
    kinds = {kind for m in materials for kind in m.applies_to}
    # Every unit of its kinds owes it unless the file named some (the issuer among them).
    could = [u for u in await units.all_units(db) if not u.retired and u.kind in kinds]
    some = [u.code for u in could if u.id in owing]
    days = await holidays.days_of(db, plan.holiday_years)
    addressed = some if len(some) < len(could) else ()
    forms = await material_templates.of_plan(db, plan.id)
    paths = {m.code: [t.path for t in forms.get(m.id, [])] for m in materials}
    return plan_export.plan_yaml(plan, items, materials, addressed, days, paths)


async def plan_forms(db: aiosqlite.Connection, plan: Plan) -> list[MaterialTemplate]:
    """The plan's forms once per path, as its exported file names them (to write beside it)."""
    found: dict[str, MaterialTemplate] = {}
    for forms in (await material_templates.of_plan(db, plan.id)).values():
        for form in forms:
            found.setdefault(form.path, form)
    return list(found.values())


async def _export(ctx: Context, plan: Plan) -> Reply:
    """The stored plan as the YAML file that re-imports it, as `main.py plan export` writes."""
    async with ctx.read() as db:
        text = await plan_file_text(db, plan)
        forms = await plan_forms(db, plan)
    out = output_path(ctx.app.settings, "plan", ".yaml", ctx.now)
    out.write_text(text, encoding="utf-8")
    key = "plan_upload.exported_draft" if plan.state is PlanState.DRAFT else "plan_upload.exported"
    files = [OutgoingFile(str(out), f"{plan.code}-{plan.year}.yaml", YAML_MIME)]
    for form in forms:  # the forms go along; sent back without them, the stored ones stay
        path = await ctx.app.files.local_path(form.sha256)
        if path is not None:
            files.append(OutgoingFile(str(path), form.name, form.mime))
    lines = [ctx.t(key, title=plan.title, short=plan.prefix)]
    if forms:
        lines.append(ctx.t("needs.export_forms", count=len(forms)))
    return Reply("\n".join(lines), files=files, private=True)


async def _discard(ctx: Context, plan: Plan) -> Reply:
    if plan.state is not PlanState.DRAFT:
        state = ctx.t(f"plans.state.{plan.state.value}")
        raise UserError("plan_upload.discard_not_draft", title=plan.title, state=state)
    async with ctx.write() as db:
        if not await plans.delete_draft(db, plan.id):
            raise UserError("plan_upload.discard_not_draft", title=plan.title, state="")
        await audit.record(
            db, at=ctx.now, actor_id=ctx.contact.id, action="plan_discard", unit_id=None,
            subject=f"{plan.code} {plan.year}",
        )  # fmt: skip
    return Reply(ctx.t("plan_upload.discarded", title=plan.title), replaces_choices=True)
