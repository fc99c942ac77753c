"""The one table of commands: name, Chinese aliases, who may use it, and its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from domain.model import Role
from handlers import account, groups, invites, reporting, requests, review, status, tasks
from handlers.context import Context
from handlers.messages import Reply

Handler = Callable[[Context, str], Awaitable[Reply | list[Reply]]]

ANYONE: frozenset[Role | None] = frozenset({None, *Role})
MEMBERS: frozenset[Role | None] = frozenset(Role)
ADMINS: frozenset[Role | None] = frozenset({Role.UNIT_ADMIN, Role.PROVINCE_ADMIN})


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    roles: frozenset[Role | None]
    aliases: tuple[str, ...] = ()
    listed: bool = True  # shown in /help (the button-flow steps are not)


async def help_(ctx: Context, args: str) -> Reply:
    """`/help`: only the commands this person may use."""
    lines = [ctx.t("help.header")]
    for command in COMMANDS:
        if command.listed and ctx.role in command.roles:
            alias = (
                f" ({'/'.join(command.aliases)})"
                if command.aliases and ctx.t.locale == "zh_CN"
                else ""
            )
            lines.append(f"/{command.name}{alias} — {ctx.t(f'cmd.{command.name}')}")
    if ctx.role is None:
        lines.append(ctx.t("help.unregistered"))
    return Reply("\n".join(lines))


COMMANDS: list[Command] = [
    Command("start", account.start, ANYONE, ("开始",)),
    Command("bind", account.bind, ANYONE, ("绑定",)),
    Command("help", help_, ANYONE, ("帮助",)),
    Command("lang", account.lang, ANYONE, ("语言",)),
    Command("tasks", tasks.tasks, MEMBERS, ("任务",)),
    Command("todo", tasks.todo, MEMBERS, ("待办",)),
    Command("report", reporting.report, MEMBERS, ("报送",)),
    Command("report_pick", reporting.pick, MEMBERS, listed=False),
    Command("report_done", reporting.done, MEMBERS, ("完成",), listed=False),
    Command("report_confirm", reporting.confirm, MEMBERS, ("确认",), listed=False),
    Command("report_cancel", reporting.cancel, MEMBERS, ("取消",), listed=False),
    Command("history", reporting.history, MEMBERS, ("历史",)),
    Command("withdraw", reporting.withdraw, MEMBERS, ("撤回",)),
    Command("na", requests.not_applicable, MEMBERS, ("不适用",)),
    Command("extend", requests.extend, MEMBERS, ("延期",)),
    Command("status", status.status, ADMINS, ("进度",)),
    Command("overdue", status.overdue, ADMINS, ("逾期",)),
    Command("pending", review.pending, ADMINS, ("待审",)),
    Command("accept", review.accept, ADMINS, ("通过",)),
    Command("return", review.return_, ADMINS, ("退回",)),
    Command("approve", requests.approve, ADMINS, ("批准",)),
    Command("refuse", requests.refuse, ADMINS, ("驳回",)),
    Command("invite", invites.invite, ADMINS, ("邀请",)),
    Command("units", status.units_list, ADMINS, ("单位",)),
    Command("subscribe", groups.subscribe, ADMINS, ("订阅",)),
    Command("unsubscribe", groups.unsubscribe, ADMINS, ("退订",)),
]

BY_WORD: dict[str, Command] = {}
for _command in COMMANDS:
    BY_WORD[_command.name] = _command
    for _alias in _command.aliases:
        BY_WORD[_alias] = _command
