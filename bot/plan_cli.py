"""`main.py plan import`: check a plan file, load or replace it, and say what happened."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import yaml

from bot import holidays_cli
from bot.app import App, open_app, read_store
from domain.clock import SystemClock
from domain.model import PlanState
from domain.plan_checks import renamed
from domain.plan_file import Overrides, PlanFile, PlanFileError, load_plan_file
from domain.settings import Settings
from handlers import plan_life, plan_templates
from handlers.plan_import import Imported, PlanExists, import_plan
from handlers.plan_replace import Changes, ReplaceRefused, replace_plan
from handlers.plan_scope import plan_named
from handlers.plan_upload import plan_file_text, plan_forms
from handlers.render import plan_issue_text
from locales import Translator
from schedules import policy as reminder_policy
from storage import plans
from storage.models import Plan

_NAMES_SHOWN = 10


async def run_import(
    settings: Settings,
    t: Translator,
    file: Path,
    given: Overrides,
    replace: bool,
    publish: bool = False,
    code: str | None = None,
    short: str | None = None,
    *,
    on_request: bool = False,
) -> int:
    try:
        loaded = load_plan_file(file, given=given, on_request=on_request)
        plan = renamed(loaded, code, short, str(file))
    except PlanFileError as err:
        _fail(t("plan.errors_header", source=err.source, count=len(err.issues)))
        for problem in err.issues:
            _fail(plan_issue_text(t, problem))
        return 2
    reminder_problems = reminder_policy.check(plan.reminders)
    if reminder_problems:
        _fail(t("plan.errors_header", source=file, count=len(reminder_problems)))
        for text in reminder_problems:
            _fail(t("cli.plan_reminders_bad", problem=text))
        return 2
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        now = app.services.clock.now()
        # the forms its materials name, beside the file (handlers.plan_templates)
        plan = await plan_templates.read(app.store, settings, plan, file.parent, str(file))
        if replace:
            changes = await replace_plan(app.store, plan, settings.tz, now, app.services.files)
        else:
            done = await import_plan(app.store, plan, settings.tz, now, files=app.services.files)
    except PlanFileError as err:  # its units do not fit the bureau's tree
        _fail(t("plan.errors_header", source=file, count=len(err.issues)))
        for problem in err.issues:
            _fail(plan_issue_text(t, problem))
        return 2
    except PlanExists as err:
        _fail(t("cli.plan_exists", code=err.code, year=err.year))
        _fail(t("plan.replace.hint"))
        return 2
    except ReplaceRefused as err:
        _fail(t("plan.replace.refused", code=plan.code, year=plan.year))
        for b in err.blocked:
            _fail(
                t("plan.replace.refused_line", code=b.code, title=b.title, units=_names(t, b.units))
            )
        return 2
    else:
        if not replace and publish:
            found = await _find(app, plan.code, plan.year)
            if found is not None:
                async with app.store.write() as db:
                    await plan_life.publish(app.services, db, found, now, None)
    finally:
        await app.store.close()
    if not replace:
        _imported(t, plan, done)
        if publish:
            print(t("cli.plan_published", title=plan.title, prefix=done.short))
        else:
            print(t("cli.plan_draft", prefix=done.short))
    elif changes.new is not None:
        print(t("plan.replace.none_before", code=plan.code, year=plan.year))
        _imported(t, plan, changes.new)
    else:
        _replaced(t, plan, changes)
    for notice in plan.notices:
        print(plan_issue_text(t, notice))
    warning = holidays_cli.plan_warning(t, plan)  # not silently Monday–Friday
    if warning:
        print(warning)
    return 0


async def _find(app: App, code: str, year: int) -> Plan | None:
    async with app.store.read() as db:
        return await plans.find(db, code, year)


async def run_state(settings: Settings, t: Translator, action: str, name: str) -> int:
    """`plan publish NAME` / `plan close NAME`, as the chat commands do them."""
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        async with app.store.read() as db:
            every = await plans.every(db)
        plan = plan_named(every, name)
        if plan is None:
            _fail(t("plans.unknown", name=name[:30]))
            return 2
        wanted = PlanState.PUBLISHED if action == "publish" else PlanState.CLOSED
        if plan.state is wanted or plan.state is PlanState.CLOSED:
            _fail(t(f"plans.already_{plan.state.value}", title=plan.title))
            return 2
        now = app.services.clock.now()
        async with app.store.write() as db:
            if wanted is PlanState.PUBLISHED:
                sent = await plan_life.publish(app.services, db, plan, now, None)
            else:
                await plan_life.close(db, plan, now, None)
    finally:
        await app.store.close()
    if wanted is PlanState.PUBLISHED:
        print(t("plans.published", title=plan.title, prefix=plan.prefix, sent=sent))
    else:
        print(t("plans.closed", title=plan.title))
    return 0


async def run_list(settings: Settings, t: Translator) -> int:
    """`plan list`: every plan, newest first, with its short code and state."""
    every = await read_store(settings, plans.every)
    if not every:
        print(t("plans.none"))
    for plan in every:
        state = t(f"plans.state.{plan.state.value}")
        print(t("cli.plan_list_line", prefix=plan.prefix, code=plan.code, year=plan.year,
                state=state, title=plan.title))  # fmt: skip
    return 0


async def run_export(settings: Settings, t: Translator, name: str, file: Path) -> int:
    """`plan export CODE FILE.yaml`: the stored plan as the plan file that re-imports it."""
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        async with app.store.read() as db:
            plan = plan_named(await plans.every(db), name)
            if plan is None:
                _fail(t("plans.unknown", name=name[:30]))
                return 2
            text = await plan_file_text(db, plan)
            forms = await plan_forms(db, plan)
        failed = _write(file, text)
        for form in [] if failed else forms:  # beside the file, where its `templates:` say
            data = b"".join([c async for c in app.services.files.chunks(form.sha256)])
            failed = _write_bytes(file.parent / form.path, data)
            if failed:
                break
    finally:
        await app.store.close()
    document = yaml.safe_load(text)
    if failed:
        _fail(t("plan_export.unwritable", file=file, reason=failed))
        return 2
    written = sum(len(item["materials"]) for item in document["items"])
    print(t("plan_export.done", title=plan.title, code=plan.code, year=plan.year, file=file,
            items=len(document["items"]), materials=written))  # fmt: skip
    if forms:
        print(t("needs.export_forms_written", count=len(forms), folder=file.parent))
    return 0


def _write_bytes(file: Path, data: bytes) -> str | None:
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
    except OSError as e:
        return f"{file}: {e.strerror or e}"
    return None


def _write(file: Path, text: str) -> str | None:
    """Write the file; the reason it could not be written, else None."""
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as e:
        return e.strerror or str(e)
    return None


def _imported(t: Translator, plan: PlanFile, done: Imported) -> None:
    print(
        t(
            "cli.plan_imported",
            title=plan.title,
            year=plan.year,
            items=done.items,
            materials=done.materials,
            units=done.units,
            assignments=done.assignments,
        )
    )


def _replaced(t: Translator, plan: PlanFile, changes: Changes) -> None:
    print(t("plan.replace.done", title=plan.title, year=plan.year, reports=changes.reports_kept))
    if changes.nothing:
        print(t("plan.replace.nothing"))
    for material in changes.added:
        when = _when(t, material.deadline.expr, material.deadline.due)
        print(t("plan.replace.added", code=material.code, title=material.title, deadline=when))
    for old in changes.removed:
        print(t("plan.replace.removed", code=old.code, title=old.title))
    for old, material in changes.deadlines:
        before = _when(t, old.deadline_expr, old.due_date)
        after = _when(t, material.deadline.expr, material.deadline.due)
        print(t("plan.replace.deadline", code=material.code, before=before, after=after))
    for material in changes.retitled:
        print(t("plan.replace.retitled", code=material.code, title=material.title))
    for material in changes.requirements:
        print(t("plan.replace.requirement", code=material.code))
    for material in changes.templates:
        print(t("plan.replace.templates", code=material.code, count=len(material.templates)))
    if changes.units_added:
        print(t("plan.replace.units_added", names=_names(t, changes.units_added)))
    if changes.units_removed:
        print(t("plan.replace.units_removed", names=_names(t, changes.units_removed)))
    if changes.assignments_added or changes.assignments_removed:
        added, removed = changes.assignments_added, changes.assignments_removed
        print(t("plan.replace.assignments", added=added, removed=removed))
    if changes.own_dates_kept:
        print(t("plan.replace.own_dates", count=changes.own_dates_kept))
    if changes.drafts_dropped:
        print(t("plan.replace.drafts", count=changes.drafts_dropped))


def _when(t: Translator, expr: str, due: date | None) -> str:
    return t("plan.replace.when", expr=expr, day=due) if due is not None else expr


def _names(t: Translator, names: list[str]) -> str:
    shown = t.join(names[:_NAMES_SHOWN])
    if len(names) <= _NAMES_SHOWN:
        return shown
    return t("plan.replace.and_more", names=shown, count=len(names))


def _fail(text: str) -> None:
    print(text, file=sys.stderr)
