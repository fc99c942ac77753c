"""`main.py export FILE.xlsx` and `main.py archive CODE OUT.zip`: the admin outputs from a terminal,
of the plan `--plan` names (the only open one by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app import open_app
from domain.clock import SystemClock
from domain.model import PlanState
from domain.settings import Settings
from handlers.errors import UserError
from handlers.plan_scope import plan_named
from locales import Translator, locale_for
from storage import plans, units
from storage.models import Plan


def add_parsers(sub: argparse._SubParsersAction) -> None:
    plan_help = (
        "the plan: its short code (fw) or code (henan-fwxzf[/2016]);"
        " needed when several plans are open"
    )
    exp = sub.add_parser("export", help="write the progress workbook (Excel) of a plan")
    exp.add_argument("file", type=Path)
    exp.add_argument("--plan", default=None, help=plan_help)
    exp.add_argument("--unit", default=None, help="only this unit's subtree (unit code)")
    exp.add_argument("--lang", default=None, help="zh or en (default: BOT_LOCALE)")
    arc = sub.add_parser(
        "archive", help="ZIP of accepted materials: item (2), material (2.1) or all"
    )
    arc.add_argument("code")
    arc.add_argument("file", type=Path)
    arc.add_argument("--plan", default=None, help=plan_help)
    arc.add_argument("--unit", default=None, help="only this unit's subtree (unit code)")
    arc.add_argument("--lang", default=None, help="zh or en (default: BOT_LOCALE)")


def _plan(t: Translator, every: list[Plan], name: str | None) -> Plan:
    """The plan `--plan` names (any state: a closed plan is still exported and archived), or
    the only published one."""
    if name is not None:
        plan = plan_named(every, name)
        if plan is None:
            raise UserError("plans.unknown", name=name[:30])
        return plan
    published = [p for p in every if p.state is PlanState.PUBLISHED]
    if len(published) == 1:
        return published[0]
    if not every:
        raise UserError("error.no_plan")
    listed = published or every
    choices = [t("insight.cli_plan_choice", prefix=p.prefix, title=p.title) for p in listed]
    raise UserError("insight.cli_plan_needed", plans=t.join(choices))


def _translator(settings: Settings, lang: str | None) -> Translator:
    return Translator(locale_for(lang, None, settings.locale), settings.tz)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run `export` or `archive`; 0 on success, 2 with a message on stderr otherwise."""
    # Imported here: the builders bring worker processes and the XLSX writers, which the
    # shell and the other commands (they import this module for its parser) never use.
    from handlers.archive import build_archive
    from handlers.export import build_export
    from handlers.insight_data import Scope, heavy, pick_materials

    t = _translator(settings, args.lang)
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        async with app.store.read() as db:
            every = await plans.every(db)
            roots = [u for u in await units.all_units(db) if u.parent_id is None]
            chosen = await units.by_code(db, args.unit) if args.unit else None
        plan = _plan(t, every, args.plan)
        if not roots:
            raise UserError("error.no_plan")
        async with app.store.read() as db:
            materials = await plans.materials(db, plan.id)
        if args.unit and chosen is None:
            raise UserError("error.unit_unknown", query=args.unit)
        scope = (
            Scope(chosen.path, chosen.label, chosen.id)
            if chosen
            else Scope("/", t("insight.scope_all"), roots[0].id)
        )
        now = app.services.clock.now()
        out = args.file.expanduser().resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        if args.command == "export":
            summary = await heavy(
                build_export, settings.db_path, plan, scope, now, settings.due_soon_days, t, out
            )
            print(
                t(
                    "insight.cli_exported",
                    path=out,
                    units=summary.units,
                    materials=summary.materials,
                    reports=summary.reports,
                    audit=summary.audit,
                )
            )
            return 0
        wanted = None
        if args.code.lower() not in {"all", "全部"}:
            wanted = {m.id for m in pick_materials(materials, args.code)}
        made = await heavy(
            build_archive,
            settings.db_path,
            plan,
            scope,
            wanted,
            app.services.files.path_for,
            t,
            out,
        )
        print(
            t(
                "insight.cli_archived",
                path=out,
                files=made.files,
                size=f"{made.bytes / 1024 / 1024:.1f}",
                missing=len(made.missing),
            )
        )
        return 0
    except UserError as err:
        print(t(err.key, **err.params), file=sys.stderr)
        return 2
    finally:
        await app.store.close()
