"""`python main.py wecom [TASK …]`: without a task, run the app; with one, a set-up task
against WeCom's API (menu, departments, app chats …).

Each task is a module with `add_parser(tasks)` (its subparser, `set_defaults(wecom_task=run)`)
and `async def run(settings, t, args) -> int`; it is listed in TASKS.
"""

from __future__ import annotations

import argparse
from types import ModuleType

from bot.wecom import appchat, departments, menu

# Modules of `wecom` tasks, each with add_parser and run.
TASKS: list[ModuleType] = [menu, departments, appchat]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wecom = sub.add_parser(
        "wecom",
        help="run the WeCom (企业微信) app: callback, upload page, sender; or a set-up task",
    )
    wecom.set_defaults(wecom_task=None)
    if TASKS:
        tasks = wecom.add_subparsers(dest="wecom_command")
        for task in TASKS:
            task.add_parser(tasks)
