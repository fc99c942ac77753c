"""What a material needs: `/tasks CODE` (its deadline, 报送要求 and forms) and `/template CODE`
(its blank forms sent as documents, to whoever owes it and to admins)."""

from __future__ import annotations

from domain.messages import Choice, OutgoingFile, Reply
from domain.model import Role
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import (
    find_material,
    material_named,
    materials_of,
    require_unit,
    shown_code,
)
from handlers.render import deadline_text
from storage import material_templates
from storage.models import Material

_ADMINS = (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN)
REQUIREMENT_SHOWN = 500  # the whole of it: the plan file allows no more (plan_checks)
NAME_CHARS = 40


async def _material(ctx: Context, code: str, action: str) -> tuple[Material, str]:
    """The material a code names and the code as it is typed back (`fw-2.1` when the plan
    was named)."""
    if ctx.plan is not None and ctx.plan_named:
        material = find_material(await materials_of(ctx, ctx.plan), code)
    else:
        material = await material_named(ctx, code, action)  # makes its plan the command's
    several = sum(p.is_open for p in ctx.plans) > 1
    return material, shown_code(ctx.plan, material.code, several) if ctx.plan else material.code


async def detail(ctx: Context, args: str) -> Reply:
    """`/tasks 2.1`: one material whole — item, deadline, what it must be, its forms."""
    t = ctx.t
    material, code = await _material(ctx, args.split()[0], "/tasks {code}")
    async with ctx.read() as db:
        forms = await material_templates.of_material(db, material.id)
    lines = [
        t("needs.title", code=code, title=material.title),
        t("needs.item", no=material.item_no, title=material.item_title),
        t("needs.due", due=deadline_text(t, material, written=True)),
    ]
    if material.requirement:
        lines.append(t("needs.requirement", text=clip(material.requirement, REQUIREMENT_SHOWN)))
    elif material.text_only:
        lines.append(t("needs.text_only"))
    else:
        lines.append(t("needs.no_requirement"))
    choices = [Choice(t("needs.report_button", code=code), f"/report_pick {code}")]
    if forms:
        names = t.join([clip(f.name, NAME_CHARS) for f in forms])
        lines.append(t("needs.forms", count=len(forms), names=names, code=code))
        choices.append(Choice(t("needs.forms_button"), f"/template {code}"))
    return Reply("\n".join(lines), choices=[choices])


async def template(ctx: Context, args: str) -> Reply:
    """`/template 2.1` (模板): the material's forms as documents; for admins and the units
    that owe it."""
    if not args.split():
        raise UserError("needs.template_usage")
    material, code = await _material(ctx, args.split()[0], "/template {code}")
    async with ctx.read() as db:
        allowed = ctx.role in _ADMINS or await material_templates.owes(
            db, material.id, require_unit(ctx).id
        )
        forms = await material_templates.of_material(db, material.id)
    if not allowed:
        raise UserError("needs.template_not_yours", code=code)
    if not forms:
        raise UserError("needs.no_forms", code=code, title=clip(material.title, 30))
    files = []
    for form in forms:
        path = await ctx.app.files.local_path(form.sha256)
        if path is not None:
            files.append(OutgoingFile(str(path), form.name, form.mime))
    if not files:
        raise UserError("needs.forms_missing", code=code)
    text = ctx.t("needs.forms_sent", code=code, title=clip(material.title, 30), count=len(files))
    return Reply(text, files=files, private=True)
