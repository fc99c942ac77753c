"""`main.py units import FILE` and `main.py units list`: the bureau's unit tree, for operators."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import open_app, read_store
from domain.clock import SystemClock
from domain.plan_model import PlanIssue
from domain.settings import Settings
from domain.unit_file import UnitFileError, check_departments, check_tree, read_units
from locales import Translator
from storage import audit, units


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tree = sub.add_parser("units", help="the bureau's unit tree")
    tree_sub = tree.add_subparsers(dest="units_command", required=True)
    imp = tree_sub.add_parser(
        "import", help="add or update units (by code) from a YAML, CSV or XLSX file"
    )
    imp.add_argument("file", type=Path)
    tree_sub.add_parser("list", help="the unit tree in official order, retired units marked")


async def run(settings: Settings, t: Translator, args: argparse.Namespace) -> int:
    if args.units_command == "import":
        return await run_import(settings, t, args.file)
    return await run_list(settings, t)


async def run_import(settings: Settings, t: Translator, file: Path) -> int:
    """Check the whole file against the stored tree, then store all of it or nothing."""
    try:
        parsed = read_units(await asyncio.to_thread(file.read_bytes), file.name)
    except OSError as e:
        problem = PlanIssue(line=0, key="unitfile.unreadable", params={"reason": str(e.strerror)})
        return _refused(t, file, [problem])
    app = await open_app(settings, SystemClock(), seed_sample=False)
    try:
        async with app.store.write() as db:
            linked = {d: u.code for d, u in (await units.wecom_links(db)).items()}
            problems = (
                parsed.problems
                + check_tree(parsed.rows, await units.known(db), written=parsed.written)
                + check_departments(parsed.rows, linked)
            )
            if problems:
                # Nothing written: the transaction rolls back.
                raise UnitFileError(sorted(problems, key=lambda p: p.line))
            done = await units.apply(db, parsed.rows)
            total = len(await units.all_units(db))
            await audit.record(
                db,
                at=app.services.clock.now(),
                actor_id=None,
                action="units_import",
                unit_id=None,
                subject=file.name,
                detail={
                    "added": len(done.added),
                    "renamed": len(done.renamed),
                    "moved": len(done.moved),
                    "linked": len(done.linked) or None,
                },
            )
    except UnitFileError as err:
        return _refused(t, file, err.problems)
    finally:
        await app.store.close()
    print(
        t(
            "unitcli.imported",
            source=file.name,
            added=len(done.added),
            renamed=len(done.renamed),
            moved=len(done.moved),
            unchanged=done.unchanged,
            total=total,
        )
    )
    if done.linked:
        print(t("unitcli.linked", count=len(done.linked)))
    return 0


async def run_list(settings: Settings, t: Translator) -> int:
    """The tree, parents first and siblings in official order, indented by depth."""
    every = await read_store(settings, units.all_units)
    if not every:
        print(t("unitcli.empty"))
        return 0
    retired = sum(1 for u in every if u.retired)
    print(t("unitcli.list_header", count=len(every), retired=retired))
    for unit in every:
        line = t(
            "unitcli.list_line", name=unit.name, code=unit.code, kind=t(f"kind.{unit.kind.value}")
        )
        if unit.retired_at is not None:
            day = t.day(unit.retired_at.astimezone(settings.tz).date(), with_year=True)
            line += " " + t("unitcli.retired_mark", day=day)
        print("  " * max(unit.path.count("/") - 2, 0) + line)
    return 0


def _refused(t: Translator, file: Path, problems: list[PlanIssue]) -> int:
    print(t("unitcli.errors_header", source=file, count=len(problems)), file=sys.stderr)
    for problem in problems:
        message = t(problem.key, **problem.params)
        text = t("unitcli.at_line", line=problem.line, message=message) if problem.line else message
        print(text, file=sys.stderr)
    return 2
