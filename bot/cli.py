"""Command-line entry points: run a channel, import a plan, issue an invite.

A subcommand's own modules are imported in its branch of `main`, so that the shell's start-up
(benchmarks/startup.py) loads only what the shell runs; the parser's modules stay light."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from datetime import timedelta
from pathlib import Path

from bot import holidays_cli, insight_cli, instance, logs, units_cli, wecom_cli
from bot.app import App, open_app
from bot.demo import ShellTime
from bot.shell import OPERATOR, ShellChannel
from domain.clock import OffsetClock, SystemClock
from domain.settings import Settings
from handlers.errors import UserError
from handlers.setup import bootstrap_admins
from locales import Translator, locale_for
from schedules.jobs import JobEnv
from schedules.runtime import ensure_marks, run_due
from schedules.sender import Sender
from storage.failures import StoreUnwritable


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="督办/报送 bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("shell", help="terminal chat with the bot (the default without a token)")
    sub.add_parser("telegram", help="run the Telegram bot (the default with TELEGRAM_BOT_TOKEN)")
    sub.add_parser("serve", help="run every configured channel (Telegram, WeCom…) at once")
    plan = sub.add_parser("plan", help="manage plans")
    plan_sub = plan.add_subparsers(dest="plan_command", required=True)
    imp = plan_sub.add_parser("import", help="validate and load a plan file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--year", type=int, default=None, help="re-base a recurring plan to this year")
    imp.add_argument("--document", help="文号 of this year's plan (else re-based from the file's)")
    imp.add_argument("--issued", help="issue date YYYY-MM-DD (else re-based from the file's)")
    imp.add_argument("--code", help="the plan's code (a notice's own is made up from its 文号)")
    imp.add_argument("--short", help="its short code, the prefix of its codes (fw → fw-2.1)")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="replace the plan with the same code and year, keeping its reports",
    )
    imp.add_argument(
        "--publish", action="store_true", help="publish at once (else it stays a draft)"
    )
    imp.add_argument(
        "--on-request",
        action="store_true",
        help="a notice's deadlines that name no date (长期坚持) become 按要求报送",
    )
    pub = plan_sub.add_parser("publish", help="publish a draft plan: notices go out")
    pub.add_argument("plan", help="the plan's short code (fw) or code (henan-fwxzf[/2016])")
    close = plan_sub.add_parser("close", help="close a plan: no more reminders or reports")
    close.add_argument("plan", help="the plan's short code or code")
    plan_sub.add_parser("list", help="every plan with its state")
    exp = plan_sub.add_parser("export", help="write a stored plan back as its YAML plan file")
    exp.add_argument("plan", help="the plan's short code or code")
    exp.add_argument("file", type=Path)
    inv = sub.add_parser("invite", help="print a single-use invite code for a unit")
    inv.add_argument("unit")
    inv.add_argument("--role", default="reporter", help="reporter | unit_admin | province_admin")
    bak = sub.add_parser("backup", help="consistent online copy of database and attachments")
    bak.add_argument("dir", type=Path)
    res = sub.add_parser("restore", help="put a backup back in place (bot stopped)")
    res.add_argument("backup", type=Path, nargs="?")
    res.add_argument("--force", action="store_true", help="replace existing data (kept renamed)")
    res.add_argument(
        "--from-replica", action="store_true", help="the database as Litestream last replicated it"
    )
    res.add_argument("--to", type=Path, help="with --from-replica: this data folder (a standby)")
    rep = sub.add_parser("replicate", help="Litestream: replicate the store continuously")
    rep.add_argument("--once", action="store_true", help="one sync, then exit")
    doc = sub.add_parser("doctor", help="self-check: config, database integrity, disk space")
    doc.add_argument("--json", action="store_true", help="the checks as JSON (name, ok, message)")
    wecom_cli.add_parsers(sub)
    insight_cli.add_parsers(sub)
    units_cli.add_parsers(sub)
    holidays_cli.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    if args.command is None and settings.telegram_bot_token is not None:
        args.command = "telegram"
    logs.configure(logging.INFO if args.command not in (None, "shell") else logging.WARNING)
    t = Translator(locale_for(configured=settings.locale), settings.tz)
    if args.command == "plan":
        return _plan(settings, t, args)
    if args.command == "invite":
        return asyncio.run(_invite(settings, t, args.unit, args.role))
    if args.command == "units":
        return asyncio.run(units_cli.run(settings, t, args))
    if args.command == "holidays":
        return asyncio.run(holidays_cli.run(settings, t, args))
    if args.command == "telegram" and settings.telegram_bot_token is None:
        print(t("telegram.cli_no_token"), file=sys.stderr)
        return 2
    if args.command in ("telegram", "serve"):
        from bot.runner import configured_channels

        names = ["telegram"] if args.command == "telegram" else configured_channels(settings)
        if not names:
            print(t("telegram.cli_no_channels"), file=sys.stderr)
            return 2
        return _serve(settings, t, names)
    if args.command in ("backup", "replicate", "restore", "doctor"):
        return _ops(settings, t, args)
    if args.command == "wecom":
        if not settings.wecom_configured:
            print(t("wecom.not_configured"), file=sys.stderr)
            return 2
        if args.wecom_task is not None:
            return int(asyncio.run(args.wecom_task(settings, t, args)))
        return _serve(settings, t, ["wecom"])
    if args.command in ("export", "archive"):
        return asyncio.run(insight_cli.run(settings, args))
    return asyncio.run(run_shell(settings))


def _plan(settings: Settings, t: Translator, args: argparse.Namespace) -> int:
    from bot import plan_cli
    from domain.plan_file import Overrides

    if args.plan_command == "import":
        given = Overrides(year=args.year, document=args.document, issued=args.issued)
        return asyncio.run(
            plan_cli.run_import(
                settings,
                t,
                args.file,
                given,
                args.replace,
                args.publish,
                args.code,
                args.short,
                on_request=args.on_request,
            )
        )
    if args.plan_command == "list":
        return asyncio.run(plan_cli.run_list(settings, t))
    if args.plan_command == "export":
        return asyncio.run(plan_cli.run_export(settings, t, args.plan, args.file))
    return asyncio.run(plan_cli.run_state(settings, t, args.plan_command, args.plan))


def _ops(settings: Settings, t: Translator, args: argparse.Namespace) -> int:
    """backup, replicate, restore, doctor."""
    from bot import backup_cli, ops

    if args.command == "backup":
        return asyncio.run(ops.run_backup(settings, t, args.dir))
    if args.command == "replicate":
        return backup_cli.run_replicate(settings, t, args.once)
    if args.command == "restore" and (args.backup is None) == (not args.from_replica):
        print(t("backups.restore_what"), file=sys.stderr)
        return 2
    if args.command == "restore" and args.from_replica:
        with instance.held(args.to or settings.data_dir):  # not under a running bot
            return asyncio.run(
                backup_cli.run_restore_from_replica(settings, t, args.to, args.force)
            )
    if args.command == "restore":
        # Not under a running bot; a folder not made yet has none (and a refused restore
        # leaves nothing in it).
        folder = settings.data_dir
        with instance.held(folder) if folder.is_dir() else contextlib.nullcontext():
            return asyncio.run(ops.run_restore(settings, t, args.backup, args.force))
    return asyncio.run(ops.run_doctor(settings, t, args.json))


def _serve(settings: Settings, t: Translator, names: list[str]) -> int:
    """Run the networked channels; a channel that cannot start is one line and exit 2."""
    from bot.runner import ChannelStartFailed
    from bot.runner import run as run_channels

    try:
        asyncio.run(run_channels(settings, names))
    except ChannelStartFailed as err:
        print(
            t("cli.channel_start_failed", channel=err.channel, detail=err.detail), file=sys.stderr
        )
        return 2
    return 0


async def run_shell(settings: Settings) -> int:
    clock = OffsetClock()
    shell_time = await ShellTime.open(settings, clock)  # an empty store: the demo (bot/demo.py)
    app = shell_time.app
    try:
        await _ensure_operator(app)
        shell = ShellChannel(app.services)
        if shell_time.demo_at is not None:
            shell.demo(shell_time.demo_at)
        sender = Sender(app.store, clock, [shell], tz=settings.tz, locale=settings.locale)
        jobs = JobEnv(app.store, clock, settings.tz, settings.locale)
        await ensure_marks(jobs)
        await run_due(jobs, clock.now(), deliver=sender.drain)  # catch up after downtime

        async def after_line() -> None:
            # `:time` and real time alike: play every job due up to now, then deliver.
            with contextlib.suppress(StoreUnwritable):  # logged by the store; the next line retries
                await shell_time.after_line(shell, jobs)  # `:time now` skips, not plays, years
                await run_due(jobs, clock.now(), simulate=True, deliver=sender.drain)
            await sender.drain()

        shell.after_line = after_line
        await sender.drain()
        await shell.run(sys.stdin)
    finally:
        await app.close()
    return 0


async def _ensure_operator(app: App) -> None:
    await bootstrap_admins(app.services, [f"shell:{OPERATOR}"])


async def _invite(settings: Settings, t: Translator, unit_query: str, role_word: str) -> int:
    from handlers.invites import fits, issue, parse_role, province_unit
    from handlers.lookup import match_units
    from storage import units

    try:
        role = parse_role(role_word)
    except UserError as err:
        print(t(err.key, **err.params), file=sys.stderr)
        return 2
    app = await open_app(settings, SystemClock())
    try:
        async with app.store.read() as db:
            found = match_units([u for u in await units.all_units(db) if not u.retired], unit_query)
        if len(found) != 1:
            key = "error.unit_unknown" if not found else "error.unit_ambiguous"
            names = "、".join(u.label for u in found[:10])
            print(t(key, query=unit_query, names=names), file=sys.stderr)
            return 2
        if not fits(found[0], role):
            async with app.store.read() as db:
                root = await province_unit(db)
            print(
                t("cli.invite_province_on_root", unit=found[0].label, root=root.label),
                file=sys.stderr,
            )
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
    if settings.telegram_bot_token is not None or settings.telegram_bot_username:
        from bot.telegram.client import bot_username  # PTB loads only when Telegram is set up

        username = await bot_username(settings)
        if username:
            link = f"https://t.me/{username}?start={issued.code}"
            print(t("telegram.invite_link", url=link))
    return 0
