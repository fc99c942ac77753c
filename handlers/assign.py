"""`/assign` (交办): an ad-hoc assignment decided in chat, published at once as a one-item plan.

`/assign 报送冬季安全检查情况 12月10日前 全部省辖市 需附件`, with the notice document attached
if there is one (how the words are read: `handlers.assign_words`). What is missing is asked,
one question at a time, with buttons: title, deadline, file required, units. Each answer
re-issues the whole command in its marked form, the part being asked last so that a typed
answer (the prompt) completes it; the last step is a complete command like any typed one.
Units come last so that unit names can be typed as the answer.
"""

from __future__ import annotations

import mimetypes
from datetime import date
from itertools import count

import aiosqlite

from domain.deadlines import Deadline, DeadlineKind, due_instant
from domain.messages import Choice, OutgoingFile, Reply
from domain.model import PlanState, Role
from domain.plan_model import PlanFile, PlanItem, PlanMaterial
from handlers.assign_words import (
    CITIES,
    DEADLINE,
    DIRECT,
    EVERYONE,
    FILE,
    NAMED,
    NO,
    TITLE,
    UNITS,
    YES,
    Draft,
    Notice,
    Scope,
    read,
)
from handlers.context import Context
from handlers.errors import UserError
from handlers.lookup import all_units, require_unit
from handlers.plan_import import write_new
from handlers.plan_life import publish
from handlers.reporting import store_files
from locales import Translator
from schedules.calendar_text import due_day
from storage import assignments, blobs, people, plans, prompts
from storage.models import Plan, StoredFile, Unit

MAX_TITLE = 100
SHORT = "jb"  # 交办: the prefix of an assignment's short code (jb1, jb2 …)

# The deadline buttons: what they send is read by `parse_relative`, whatever the language.
DEADLINE_BUTTONS = (
    ("assign.deadline_workdays_button", "3个工作日内"),
    ("assign.deadline_friday_button", "下周五"),
    ("assign.deadline_month_end_button", "月底前"),
)


async def assign(ctx: Context, args: str) -> Reply:
    """`/assign` (交办): see the module docstring."""
    issuer = require_unit(ctx)
    scope = Scope(await all_units(ctx), issuer, ctx.role is Role.PROVINCE_ADMIN)
    draft = read(ctx, args, scope)
    if draft.title is not None and not draft.title:
        raise UserError("assign.empty_title")
    if draft.title is not None and len(draft.title) > MAX_TITLE:
        raise UserError("assign.title_too_long", limit=MAX_TITLE)
    incoming = await store_files(ctx, ctx.msg.files) if ctx.msg.files else []
    known = {n.sha256 for n in draft.notices}
    for stored in incoming:
        if stored.sha256 not in known:
            draft.notices.append(Notice(stored.sha256, stored.name))
            known.add(stored.sha256)
    if draft.title is None:
        return await _ask(ctx, draft, incoming, TITLE, ctx.t("assign.ask_title"))
    if draft.due is None:
        return await _ask_deadline(ctx, draft, incoming)
    if not draft.unit_words:
        if draft.needs_file is None:
            return await _ask_file(ctx, draft, incoming)
        return await _ask_units(ctx, draft, incoming, scope)
    if not draft.units:
        raise UserError("assign.no_units", words=ctx.t.join(draft.unit_words))
    return await _publish(ctx, draft, incoming, issuer)


def _due_text(t: Translator, day: date) -> str:
    return due_day(t, day)


def _file_text(t: Translator, needs_file: bool) -> str:
    return t("assign.file_required" if needs_file else "assign.file_optional")


# --- the guided steps ---


async def _ask(
    ctx: Context,
    draft: Draft,
    incoming: list[StoredFile],
    asking: str,
    question: str,
    choices: list[list[Choice]] | None = None,
) -> Reply:
    """Ask for one part: a typed answer completes the marked command (a prompt), a button
    sends it whole. Files that came with this message are kept for the last step."""
    minutes = ctx.app.settings.prompt_minutes
    async with ctx.write() as db:
        await blobs.record(db, incoming, ctx.app.files.relative, ctx.now)
        await prompts.ask(db, ctx.contact.id, draft.command(asking), ctx.now)
    lines = [question]
    if draft.notices:
        lines.append(ctx.t("assign.notice_kept", names=ctx.t.join(n.name for n in draft.notices)))
    lines.append(ctx.t("assign.ask_hint", minutes=minutes))
    return Reply("\n".join(lines), choices=choices or [], replaces_choices=ctx.msg.via_choice)


async def _ask_deadline(ctx: Context, draft: Draft, incoming: list[StoredFile]) -> Reply:
    base = draft.words()
    choices = [
        [Choice(ctx.t(label), f"/assign {base} {DEADLINE}: {expr}")]
        for label, expr in DEADLINE_BUTTONS
    ]
    question = ctx.t("assign.ask_deadline", title=draft.title)
    return await _ask(ctx, draft, incoming, DEADLINE, question, choices)


async def _ask_file(ctx: Context, draft: Draft, incoming: list[StoredFile]) -> Reply:
    assert draft.due is not None
    base = draft.words()
    choices = [
        [Choice(ctx.t("assign.file_yes_button"), f"/assign {base} {FILE}: {YES}")],
        [Choice(ctx.t("assign.file_no_button"), f"/assign {base} {FILE}: {NO}")],
    ]
    question = ctx.t("assign.ask_file", title=draft.title, due=_due_text(ctx.t, draft.due))
    return await _ask(ctx, draft, incoming, FILE, question, choices)


async def _ask_units(ctx: Context, draft: Draft, incoming: list[StoredFile], scope: Scope) -> Reply:
    assert draft.due is not None and draft.needs_file is not None
    base = draft.words()
    choices = []
    for word, label in ((CITIES, "cities"), (DIRECT, "direct"), (EVERYONE, "all")):
        found = scope.group(word)
        if found:
            text = ctx.t(f"assign.group_{label}_button", count=len(found))
            choices.append([Choice(text, f"/assign {base} {UNITS}: {word}")])
    question = ctx.t(
        "assign.ask_units",
        title=draft.title,
        due=_due_text(ctx.t, draft.due),
        file=_file_text(ctx.t, draft.needs_file),
    )
    return await _ask(ctx, draft, incoming, UNITS, question, choices)


# --- publishing ---


async def _publish(ctx: Context, draft: Draft, incoming: list[StoredFile], issuer: Unit) -> Reply:
    assert draft.title and draft.due is not None
    due, title = draft.due, draft.title
    needs_file = True if draft.needs_file is None else draft.needs_file
    unit_ids = [u.id for u in draft.units]
    same = await _same_assignment(ctx, title, due, unit_ids)
    if same is not None:
        return Reply(
            ctx.t("assign.duplicate", prefix=same.prefix, title=title, units=len(unit_ids)),
            choices=[[Choice(ctx.t("assign.status_button"), f"/status {same.prefix}")]],
            replaces_choices=ctx.msg.via_choice,
        )
    if incoming:  # on disk before the notices that carry them are queued
        async with ctx.app.store.write() as db:
            await blobs.record(db, incoming, ctx.app.files.relative, ctx.now)
    files = []
    for notice in draft.notices:
        path = await ctx.app.files.local_path(notice.sha256)
        if path is None:
            raise UserError("assign.notice_missing", name=notice.name[:40])
        files.append(OutgoingFile(str(path), notice.name, mimetypes.guess_type(notice.name)[0]))
    tz = ctx.app.settings.tz
    async with ctx.write() as db:
        taken = await plans.shorts_in_use(db)
        short = next(f"{SHORT}{n}" for n in count(1) if f"{SHORT}{n}" not in taken)
        code = await _free_code(ctx, db, due.year)
        plan_file = _plan_file(code, short, title, due, needs_file, ctx.today)
        done = await write_new(db, plan_file, tz, ctx.now)
        await plans.set_origin(
            db, done.plan_id, kind="assignment", issuer_unit_id=issuer.id,
            created_by=ctx.contact.id,
        )  # fmt: skip
        written = await plans.materials(db, done.plan_id)
        await plans.insert_assignments(
            db, done.plan_id, written[0].id, unit_ids, due, due_instant(due, tz)
        )
        plan = await plans.find(db, code, due.year)
        assert plan is not None

        def notice_text(t: Translator) -> str:
            text = t(
                "assign.notice", title=title, issuer=issuer.name, due=_due_text(t, due),
                file=_file_text(t, needs_file), code=f"{short}-1",
            )  # fmt: skip
            if files:
                text += "\n" + t("assign.notice_files", count=len(files))
            return text

        sent = await publish(
            ctx.app, db, plan, ctx.now, ctx.contact.id, notice=notice_text, files=files
        )
        await plans.set_focus(db, ctx.contact.id, plan.id)
        staffed = await people.staffed_units(db)
        await ctx.audit(
            db,
            "assign",
            None,
            subject=f"{code} {due.year}",
            detail={
                "title": title,
                "due": due.isoformat(),
                "units": len(unit_ids),
                "file_required": needs_file,
                "notice": [n.name for n in draft.notices],
            },
        )
    t = ctx.t
    lines = [
        t(
            "assign.done",
            title=title,
            prefix=short,
            due=_due_text(t, due),
            file=_file_text(t, needs_file),
            units=len(unit_ids),
            sent=sent,
        )
    ]
    if draft.notices:
        lines.append(t("assign.done_notice", names=t.join(n.name for n in draft.notices)))
    nobody = [u.label for u in draft.units if u.id not in staffed]
    if nobody:
        lines.append(t("assign.done_nobody", count=len(nobody), names=t.listed(nobody, NAMED)))
    return Reply(
        "\n".join(lines),
        choices=[[Choice(t("assign.status_button"), f"/status {short}")]],
        replaces_choices=ctx.msg.via_choice,
    )


def _plan_file(
    code: str, short: str, title: str, due: date, needs_file: bool, today: date
) -> PlanFile:
    """The one-item plan an assignment is: item 1, material `1`, due on `due`."""
    deadline = Deadline(expr=f"{due.month}月{due.day}日", kind=DeadlineKind.DATE, due=due)
    material = PlanMaterial(
        code="1", item_no=1, seq=1, title=title, deadline=deadline,
        # Owed by exactly the units named (written by the caller), not by every unit of a kind.
        applies_to=frozenset(), text_only=not needs_file,
    )  # fmt: skip
    return PlanFile(
        code=code, short=short, year=due.year, title=title, issued=today, units=[],
        items=[PlanItem(no=1, title=title, applies_to=frozenset(), materials=[material])],
    )  # fmt: skip


async def _free_code(ctx: Context, db: aiosqlite.Connection, year: int) -> str:
    """`jb-YYYYMMDD-N`: the day it was assigned and the first number no plan has."""
    stem = f"{SHORT}-{ctx.today:%Y%m%d}"
    codes = {p.code for p in ctx.plans}
    for n in count(1):
        code = f"{stem}-{n}"
        if code not in codes and not await plans.exists(db, code, year):
            return code
    raise AssertionError("unreachable")


async def _same_assignment(ctx: Context, title: str, due: date, unit_ids: list[int]) -> Plan | None:
    """An open assignment with this title, deadline and units: a second tap of the last
    button, or the same command sent twice, is answered with it instead of a copy."""
    wanted = sorted(unit_ids)
    for plan in ctx.plans:
        if plan.kind != "assignment" or plan.state is not PlanState.PUBLISHED:
            continue
        if plan.title != title:
            continue
        async with ctx.read() as db:
            materials = await plans.materials(db, plan.id)
            addressed = await assignments.addressed_units(db, plan.id)
        if materials and materials[0].due_date == due and sorted(addressed) == wanted:
            return plan
    return None
