"""The one table of commands: name, Chinese aliases, who may use it, and its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module

from domain.messages import Reply
from domain.model import Role
from handlers import command_help
from handlers.context import Context

Handler = Callable[[Context, str], Awaitable[Reply | list[Reply]]]


@dataclass(frozen=True)
class Later:
    """The handler `name` in handlers/<module>.py, imported when its command first runs: the
    start-up and /help need only this table, not every handler module and what it imports."""

    module: str
    name: str

    def resolve(self) -> Handler:
        handler: Handler = getattr(import_module(f"handlers.{self.module}"), self.name)
        return handler

    async def __call__(self, ctx: Context, args: str) -> Reply | list[Reply]:
        return await self.resolve()(ctx, args)


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
    plan_arg: bool = False  # a leading plan name (`/status fw`) picks the plan


async def help_(ctx: Context, args: str) -> Reply:
    """`/help`: only the commands this person may use, grouped by task (handlers.command_help)."""
    return await command_help.help_(ctx, args, COMMANDS)


COMMANDS: list[Command] = [
    Command("start", Later("account", "start"), ANYONE, ("开始",)),
    Command("bind", Later("account", "bind"), ANYONE, ("绑定",)),
    Command("bind_confirm", Later("invites", "bind_confirm"), MEMBERS, listed=False),
    Command("bind_cancel", Later("invites", "bind_cancel"), MEMBERS, listed=False),
    Command("help", help_, ANYONE, ("帮助",)),
    Command("lang", Later("account", "lang"), ANYONE, ("语言",)),
    Command("tasks", Later("tasks", "tasks"), MEMBERS, ("任务",), plan_arg=True),
    Command("todo", Later("tasks", "todo"), MEMBERS, ("待办",)),
    Command("template", Later("material_needs", "template"), MEMBERS, ("模板",), plan_arg=True),
    Command("report", Later("report_drafts", "report"), MEMBERS, ("报送",)),
    Command("report_pick", Later("reporting", "pick"), MEMBERS, listed=False),
    Command("report_done", Later("report_drafts", "done"), MEMBERS, ("完成",), listed=False),
    Command("report_confirm", Later("report_drafts", "confirm"), MEMBERS, ("确认",), listed=False),
    Command("report_cancel", Later("reporting", "cancel"), MEMBERS, listed=False),
    Command("cancel", Later("report_fix", "cancel"), ANYONE, ("取消",)),
    Command("report_close", Later("report_drafts", "report_close"), ANYONE, listed=False),
    Command("append", Later("report_drafts", "append"), MEMBERS, ("追加到", "追加")),
    Command("history", Later("reporting", "history"), MEMBERS, ("历史",)),
    Command("withdraw", Later("reporting", "withdraw"), MEMBERS, ("撤回",)),
    Command("amend", Later("report_fix", "amend"), MEMBERS, ("修改报送",)),
    Command("na", Later("requests", "not_applicable"), MEMBERS, ("不适用",)),
    Command("extend", Later("requests", "extend"), MEMBERS, ("延期",)),
    Command("status", Later("status", "status"), ADMINS, ("进度",), plan_arg=True),
    Command("progress", Later("progress", "progress"), MEMBERS, plan_arg=True),
    Command("overdue", Later("status", "overdue"), ADMINS, ("逾期",), plan_arg=True),
    Command("pending", Later("review", "pending"), ADMINS, ("待审",), plan_arg=True),
    Command("accept", Later("review", "accept"), ADMINS, ("通过",)),
    Command("return", Later("review", "return_"), ADMINS, ("退回",)),
    Command("approve", Later("requests", "approve"), ADMINS, ("批准",)),
    Command("refuse", Later("requests", "refuse"), ADMINS, ("驳回",)),
    Command("undo", Later("report_fix", "undo"), ADMINS, ("撤销",)),
    Command("invite", Later("invites", "invite"), ADMINS, ("邀请",)),
    Command("units", Later("status", "units_list"), ADMINS, ("单位",), plan_arg=True),
    Command("unit", Later("units_admin", "unit"), ADMINS, ("单位管理",)),
    Command("subscribe", Later("groups", "subscribe"), ADMINS, ("订阅",)),
    Command("unsubscribe", Later("groups", "unsubscribe"), ADMINS, ("退订",)),
    Command("remind", Later("reminders", "remind"), MEMBERS, ("提醒",)),
    Command("away", Later("reminders", "away"), MEMBERS, ("休假",)),
    Command("ack", Later("reminders", "ack"), MEMBERS, ("签收",), plan_arg=True),
    Command("snooze", Later("snooze", "snooze"), MEMBERS, listed=False),
    Command("plans", Later("plan_life", "plans_list"), ADMINS, ("计划",)),
    Command("plan", Later("plan_life", "plan"), ADMINS, ("方案",)),
    Command("assign", Later("assign", "assign"), ADMINS, ("交办",)),
    Command("urge", Later("urging", "urge"), ADMINS, ("催办",), plan_arg=True),
    Command("urge_confirm", Later("urging", "urge_confirm"), ADMINS, listed=False),
    Command("urge_cancel", Later("urging", "urge_cancel"), ADMINS, listed=False),
    Command("deadline", Later("urging", "set_deadline"), ADMINS, ("时限",), plan_arg=True),
    Command("pushes", Later("pushes", "pushes"), ADMINS, ("推送",)),
    Command("board", Later("board", "board"), ADMINS, ("看板",), plan_arg=True),
    Command("export", Later("export", "export"), ADMINS, ("导出",), plan_arg=True),
    Command("archive", Later("archive", "archive"), ADMINS, ("归档",), plan_arg=True),
    Command("bulletin", Later("bulletin", "bulletin"), ADMINS, ("通报",), plan_arg=True),
    Command("bulletins", Later("bulletin", "bulletins_list"), ADMINS, ("通报记录",)),
    Command("rank", Later("rank", "rank"), ADMINS, ("考评", "排名"), plan_arg=True),
    Command("log", Later("audit_log", "log"), ADMINS, ("日志",)),
    Command("report_detail", Later("report_detail", "detail"), MEMBERS, ("详情",)),
    Command("upload", Later("upload", "upload"), MEMBERS, ("上传",)),
    Command("subscribe_webhook", Later("webhooks", "subscribe_webhook"), ADMINS, ("群机器人",)),
    Command(
        "unsubscribe_webhook", Later("webhooks", "unsubscribe_webhook"), ADMINS, ("删除群机器人",)
    ),
    Command("webhooks", Later("webhooks", "list_webhooks"), ADMINS, ("机器人列表",)),
]


def load_all() -> None:
    """Import every command's handler now: a long-running channel pays it at start, not in
    the first reply to each command (the shell and one-shot commands import only what runs)."""
    for command in COMMANDS:
        if isinstance(command.handler, Later):
            command.handler.resolve()


BY_WORD: dict[str, Command] = {}
for _command in COMMANDS:
    BY_WORD[_command.name] = _command
    for _alias in _command.aliases:
        BY_WORD[_alias] = _command
