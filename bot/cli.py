"""Command-line entry points: run a channel, import a plan, issue an invite."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path

from bot import logs, ops
from bot.app import App, bootstrap_admins, open_app
from bot.config import Settings
from bot.sender import Sender
from bot.shell import OPERATOR, ShellChannel
from domain.clock import OffsetClock, SystemClock
from domain.plan_file import PlanFileError, load_plan_file
from handlers.errors import UserError
from handlers.invites import issue, parse_role
from handlers.lookup import match_units
from handlers.plan_import import PlanExists, import_plan
from locales import Translator
from storage import units


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="督办/报送 bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("shell", help="terminal chat with the bot (the default without a token)")
    plan = sub.add_parser("plan", help="manage plans")
    plan_sub = plan.add_subparsers(dest="plan_command", required=True)
    imp = plan_sub.add_parser("import", help="validate and load a plan file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--year", type=int, default=None, help="re-base a recurring plan to this year")
    inv = sub.add_parser("invite", help="print a single-use invite code for a unit")
    inv.add_argument("unit")
    inv.add_argument("--role", default="reporter", help="reporter | unit_admin | province_admin")
    bak = sub.add_parser("backup", help="consistent online copy of database and attachments")
    bak.add_argument("dir", type=Path)
    res = sub.add_parser("restore", help="put a backup back in place (bot stopped)")
    res.add_argument("backup", type=Path)
    res.add_argument("--force", action="store_true", help="replace existing data (kept renamed)")
    sub.add_parser("doctor", help="self-check: config, database integrity, disk space")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    logs.configure(logging.INFO if args.command not in (None, "shell") else logging.WARNING)
    t = Translator(settings.locale, settings.tz)
    if args.command == "plan":
        return asyncio.run(_plan_import(settings, t, args.file, args.year))
    if args.command == "invite":
        return asyncio.run(_invite(settings, t, args.unit, args.role))
    if args.command == "backup":
        return asyncio.run(ops.run_backup(settings, t, args.dir))
    if args.command == "restore":
        return asyncio.run(ops.run_restore(settings, t, args.backup, args.force))
    if args.command == "doctor":
        return asyncio.run(ops.run_doctor(settings, t))
    return asyncio.run(run_shell(settings))


async def run_shell(settings: Settings) -> int:
    clock = OffsetClock()
    app = await open_app(settings, clock)
    try:
        await _ensure_operator(app)
        shell = ShellChannel(app.services)
        sender = Sender(app.store, clock, [shell])
        app.services.outbox_changed = sender.wake
        shell.after_line = sender.drain
        await sender.drain()
        await shell.run(sys.stdin)
    finally:
        await app.store.close()
    return 0


async def _ensure_operator(app: App) -> None:
    await bootstrap_admins(app.services, [f"shell:{OPERATOR}"])


async def _plan_import(settings: Settings, t: Translator, file: Path, year: int | None) -> int:
    try:
        plan = load_plan_file(file, year=year)
    except PlanFileError as err:
        print(t("plan.errors_header", source=err.source, count=len(err.issues)), file=sys.stderr)
        for problem in err.issues:
            print(
                t("plan.at_line", line=problem.line, message=t(problem.key, **problem.params)),
                file=sys.stderr,
            )
        return 2
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        done = await import_plan(app.store, plan, settings.tz, app.services.clock.now())
    except PlanExists as err:
        print(t("cli.plan_exists", code=err.code, year=err.year), file=sys.stderr)
        return 2
    finally:
        await app.store.close()
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
    return 0


async def _invite(settings: Settings, t: Translator, unit_query: str, role_word: str) -> int:
    try:
        role = parse_role(role_word)
    except UserError as err:
        print(t(err.key, **err.params), file=sys.stderr)
        return 2
    app = await open_app(settings, SystemClock())
    try:
        async with app.store.read() as db:
            found = match_units(await units.all_units(db), unit_query)
        if len(found) != 1:
            key = "error.unit_unknown" if not found else "error.unit_ambiguous"
            names = "、".join(u.label for u in found[:10])
            print(t(key, query=unit_query, names=names), file=sys.stderr)
            return 2
        now = app.services.clock.now()
        async with app.store.write() as db:
            issued = await issue(
                db, found[0], role, None, now, timedelta(hours=settings.invite_ttl_hours)
            )
    finally:
        await app.store.close()
    print(
        t(
            "cli.invite",
            unit=issued.unit.name,
            role=t(f"role.{issued.role.value}"),
            code=issued.code,
            expires=t.moment(issued.expires_at),
        )
    )
    return 0
