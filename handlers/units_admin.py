"""`/unit add|rename|move|retire|link|unlink` (单位): admins keep the bureau's unit tree in chat.

A province admin manages the whole tree; a unit admin only the units under its own (it may add
a unit under itself, never change its own unit or move one out of its subtree). Every change is
audited. Retiring a unit that still owes something asks first what becomes of it. `link` maps a unit to
a WeCom department (one unit per department), whose members are then bound as its reporters.
"""

from __future__ import annotations

from domain.messages import Choice, Reply
from domain.model import Role, UnitKind
from domain.unit_file import MAX_NAME, UNIT_CODE, UnitRow, parse_kind
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import all_units, can_review, norm, resolve_unit
from storage import contacts, invites, units
from storage.models import Unit

VERBS = {
    **dict.fromkeys(("add", "新增", "添加", "增加"), "add"),
    **dict.fromkeys(("rename", "改名", "更名"), "rename"),
    **dict.fromkeys(("move", "移动", "调整", "迁移"), "move"),
    **dict.fromkeys(("retire", "撤销", "撤并"), "retire"),
    **dict.fromkeys(("link", "关联"), "link"),
    **dict.fromkeys(("unlink", "取消关联"), "unlink"),
}
_RETIRE_CHOICES = {
    **dict.fromkeys(("keep", "保留"), "keep"),
    **dict.fromkeys(("drop", "不适用"), "drop"),
    **dict.fromkeys(("cancel", "取消"), "cancel"),
}
# What a new unit is when not said: the level below its parent.
_CHILD_KIND = {
    UnitKind.PROVINCE: UnitKind.CITY,
    UnitKind.DEPARTMENT: UnitKind.DEPARTMENT,
    UnitKind.CITY: UnitKind.COUNTY,
    UnitKind.COUNTY: UnitKind.COUNTY,
}
MAX_SHORT = 30


async def unit(ctx: Context, args: str) -> Reply:
    """`/unit add|rename|move|retire …`; without arguments, how to use it."""
    words = args.split()
    verb = VERBS.get(words[0].lower()) if words else None
    if verb is None:
        raise UserError("unit.usage")
    rest = words[1:]
    if verb == "add":
        return await _add(ctx, rest)
    if verb == "rename":
        return await _rename(ctx, rest)
    if verb == "move":
        return await _move(ctx, rest)
    if verb == "link":
        return await _link(ctx, rest)
    if verb == "unlink":
        return await _unlink(ctx, rest)
    return await _retire(ctx, rest)


async def _add(ctx: Context, words: list[str]) -> Reply:
    """`/unit add CODE NAME [kind] [parent]`: parent defaults to the admin's own unit (the root
    for a province admin), kind to the level below the parent."""
    if not 2 <= len(words) <= 4:
        raise UserError("unit.usage_add")
    code, name = _code(words[0]), words[1]
    kind: UnitKind | None = None
    parent_query: str | None = None
    for word in words[2:]:
        given = parse_kind(word)
        if given is not None and kind is None:
            kind = given
        elif parent_query is None:
            parent_query = word
        else:
            raise UserError("unit.usage_add")
    _check_name(name)
    parent = await resolve_unit(ctx, parent_query) if parent_query else await _home(ctx)
    if parent.retired:
        raise UserError("unit.parent_retired", parent=parent.label)
    kind = kind or _CHILD_KIND[parent.kind]
    async with ctx.write() as db:
        taken = await units.by_code(db, code)
        if taken is not None:
            raise UserError("unit.code_taken", code=code, unit=taken.label)
        row = UnitRow(0, code, name, None, kind, parent.code, None, None)
        await units.apply(db, [row])
        added = await units.by_code(db, code)
        assert added is not None
        detail = {"name": name, "kind": kind.value, "parent": parent.code}
        await ctx.audit(db, "unit_add", added.id, subject=code, detail=detail)
    kind_label = ctx.t(f"kind.{kind.value}")
    return Reply(ctx.t("unit.added", name=name, code=code, kind=kind_label, parent=parent.label))


async def _rename(ctx: Context, words: list[str]) -> Reply:
    """`/unit rename CODE NEWNAME [SHORT]`: the short name is kept unless a new one is given."""
    if not 2 <= len(words) <= 3:
        raise UserError("unit.usage_rename")
    target = await _manageable(ctx, words[0])
    name = words[1]
    _check_name(name)
    short = words[2] if len(words) == 3 else target.short_name
    if short is not None and len(short) > MAX_SHORT:
        raise UserError("unit.name_too_long", limit=MAX_SHORT)
    if (name, short) == (target.name, target.short_name):
        raise UserError("unit.rename_same", name=name)
    async with ctx.write() as db:
        await units.rename(db, target.id, name, short)
        detail = {"from": target.name, "to": name, "short": short}
        await ctx.audit(db, "unit_rename", target.id, subject=target.code, detail=detail)
    return Reply(
        ctx.t("unit.renamed", code=target.code, before=target.name, name=name, short=short or "-")
    )


async def _move(ctx: Context, words: list[str]) -> Reply:
    """`/unit move CODE NEWPARENT`: the unit and everything under it."""
    if len(words) != 2:
        raise UserError("unit.usage_move")
    target = await _manageable(ctx, words[0])
    _not_root(target)
    if target.retired:
        raise UserError("unit.already_retired", unit=target.label)
    parent = await resolve_unit(ctx, words[1])
    if parent.retired:
        raise UserError("unit.parent_retired", parent=parent.label)
    if parent.path.startswith(target.path):
        raise UserError("unit.move_inside", unit=target.label, parent=parent.label)
    if parent.id == target.parent_id:
        raise UserError("unit.move_same", unit=target.label, parent=parent.label)
    before = next((u for u in await all_units(ctx) if u.id == target.parent_id), None)
    async with ctx.write() as db:
        await units.move(db, target.id, parent.id)
        detail = {"from": before.code if before else None, "to": parent.code}
        await ctx.audit(db, "unit_move", target.id, subject=target.code, detail=detail)
    return Reply(ctx.t("unit.moved", unit=target.label, code=target.code, parent=parent.label))


async def _retire(ctx: Context, words: list[str]) -> Reply:
    """`/unit retire CODE [keep|drop|cancel]`: with work still owed, asks which first."""
    if not 1 <= len(words) <= 2:
        raise UserError("unit.usage_retire")
    choice = _RETIRE_CHOICES.get(words[1].lower()) if len(words) == 2 else None
    if len(words) == 2 and choice is None:
        raise UserError("unit.usage_retire")
    if choice == "cancel":
        return Reply(ctx.t("unit.retire_cancelled"), replaces_choices=ctx.msg.via_choice)
    target = await _manageable(ctx, words[0])
    _not_root(target)
    if target.retired:
        raise UserError("unit.already_retired", unit=target.label)
    async with ctx.read() as db:
        children = await units.active_children(db, target.id)
        owed = await units.open_assignments(db, target.id)
    if children:
        raise UserError("unit.has_children", unit=target.label, count=children)
    if owed and choice is None:
        return _ask(ctx, target, owed)
    async with ctx.write() as db:
        dropped = 0
        if choice == "drop":
            reason = ctx.t("unit.retire_reason")
            dropped = await units.drop_open_assignments(db, target.id, reason)
        await units.retire(db, target.id, ctx.now)
        await invites.expire_for_unit(db, target.id, ctx.now)
        bound = len(await contacts.of_unit(db, target.id))
        detail = {"open": owed, "choice": choice, "dropped": dropped}
        await ctx.audit(db, "unit_retire", target.id, subject=target.code, detail=detail)
    lines = [ctx.t("unit.retired_done", unit=target.label, code=target.code)]
    if dropped:
        lines.append(ctx.t("unit.retired_dropped", count=dropped))
    elif owed:
        lines.append(ctx.t("unit.retired_kept", count=owed))
    if bound:
        lines.append(ctx.t("unit.retired_contacts", count=bound))
    return Reply("\n".join(lines), replaces_choices=ctx.msg.via_choice)


async def _link(ctx: Context, words: list[str]) -> Reply:
    """`/unit link CODE DEPT_ID`: members of the WeCom department who write to the app unbound
    are bound as the unit's reporters. A department already linked to another unit is refused."""
    if len(words) != 2:
        raise UserError("unit.usage_link")
    target = await _manageable(ctx, words[0])
    if target.retired:
        raise UserError("unit.already_retired", unit=target.label)
    department = _department(words[1])
    async with ctx.write() as db:
        owner = await units.by_wecom_department(db, department)
        if owner is not None and owner.id == target.id:
            raise UserError("unit.link_same", unit=target.label, department=department)
        if owner is not None:
            raise UserError(
                "unit.link_taken", department=department, unit=owner.label, code=owner.code
            )
        before = await units.wecom_department(db, target.id)
        await units.link_wecom(db, target.id, department)
        detail = {"department": department, "before": before}
        await ctx.audit(db, "unit_link", target.id, subject=target.code, detail=detail)
    return Reply(ctx.t("unit.linked", unit=target.label, code=target.code, department=department))


async def _unlink(ctx: Context, words: list[str]) -> Reply:
    """`/unit unlink CODE`: new members are bound by invite again; those bound stay bound."""
    if len(words) != 1:
        raise UserError("unit.usage_link")
    target = await _manageable(ctx, words[0])
    async with ctx.write() as db:
        before = await units.wecom_department(db, target.id)
        if before is None:
            raise UserError("unit.link_none", unit=target.label)
        await units.link_wecom(db, target.id, None)
        detail = {"department": before}
        await ctx.audit(db, "unit_unlink", target.id, subject=target.code, detail=detail)
    return Reply(ctx.t("unit.unlinked", unit=target.label, department=before))


def _department(word: str) -> int:
    text = norm(word)
    if not text.isdigit() or not 0 < int(text) < 2**32:
        raise UserError("unit.bad_department", value=word[:20])
    return int(text)


def _ask(ctx: Context, target: Unit, owed: int) -> Reply:
    command = f"/unit retire {target.code}"
    return Reply(
        ctx.t("unit.retire_ask", unit=target.label, code=target.code, count=owed),
        choices=[
            [Choice(ctx.t("unit.retire_keep"), f"{command} keep")],
            [Choice(ctx.t("unit.retire_drop"), f"{command} drop")],
            [Choice(ctx.t("unit.retire_cancel"), f"{command} cancel")],
        ],
    )


async def _manageable(ctx: Context, query: str) -> Unit:
    """The unit named, if the sender may change it: a province admin any, a unit admin only
    those under its own unit (one outside its scope reads as unknown)."""
    found = await resolve_unit(ctx, query)
    if ctx.role is not Role.PROVINCE_ADMIN and not can_review(ctx, found):
        raise UserError("unit.not_own", unit=found.label)
    return found


async def _home(ctx: Context) -> Unit:
    """Where a new unit goes when no parent is named: under the admin's own unit (the root)."""
    if ctx.role is Role.UNIT_ADMIN and ctx.unit is not None:
        return ctx.unit
    root = next((u for u in await all_units(ctx) if u.parent_id is None and not u.retired), None)
    if root is None:
        raise UserError("unit.no_tree")
    return root


def _code(word: str) -> str:
    # Lower-cased: a phone keyboard capitalises the first letter of a word.
    code = norm(word).lower()
    if not UNIT_CODE.fullmatch(code):
        raise UserError("unit.bad_code", code=word[:30])
    return code


def _check_name(name: str) -> None:
    if len(name) > MAX_NAME:
        raise UserError("unit.name_too_long", limit=MAX_NAME)


def _not_root(target: Unit) -> None:
    if target.parent_id is None:
        raise UserError("unit.root", unit=target.label)
