"""The one table of commands: name, Chinese aliases, who may use it, and its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from domain.messages import Reply
from domain.model import Role
from handlers import (
    account,
    archive,
    assign,
    audit_log,
    board,
    bulletin,
    command_help,
    export,
    groups,
    invites,
    material_needs,
    plan_life,
    progress,
    pushes,
    rank,
    reminders,
    report_detail,
    report_drafts,
    report_fix,
    reporting,
    requests,
    review,
    snooze,
    status,
    tasks,
    units_admin,
    upload,
    urging,
    webhooks,
)
from handlers.context import Context

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
    plan_arg: bool = False  # a leading plan name (`/status fw`) picks the plan


async def help_(ctx: Context, args: str) -> Reply:
    """`/help`: only the commands this person may use, grouped by task (handlers.command_help)."""
    return await command_help.help_(ctx, args, COMMANDS)


COMMANDS: list[Command] = [
    Command("start", account.start, ANYONE, ("开始",)),
    Command("bind", account.bind, ANYONE, ("绑定",)),
    Command("bind_confirm", invites.bind_confirm, MEMBERS, listed=False),
    Command("bind_cancel", invites.bind_cancel, MEMBERS, listed=False),
    Command("help", help_, ANYONE, ("帮助",)),
    Command("lang", account.lang, ANYONE, ("语言",)),
    Command("tasks", tasks.tasks, MEMBERS, ("任务",), plan_arg=True),
    Command("todo", tasks.todo, MEMBERS, ("待办",)),
    Command("template", material_needs.template, MEMBERS, ("模板",), plan_arg=True),
    Command("report", report_drafts.report, MEMBERS, ("报送",)),
    Command("report_pick", reporting.pick, MEMBERS, listed=False),
    Command("report_done", report_drafts.done, MEMBERS, ("完成",), listed=False),
    Command("report_confirm", report_drafts.confirm, MEMBERS, ("确认",), listed=False),
    Command("report_cancel", reporting.cancel, MEMBERS, listed=False),
    Command("cancel", report_fix.cancel, ANYONE, ("取消",)),
    Command("report_close", report_drafts.report_close, ANYONE, listed=False),
    Command("append", report_drafts.append, MEMBERS, ("追加到", "追加")),
    Command("history", reporting.history, MEMBERS, ("历史",)),
    Command("withdraw", reporting.withdraw, MEMBERS, ("撤回",)),
    Command("amend", report_fix.amend, MEMBERS, ("修改报送",)),
    Command("na", requests.not_applicable, MEMBERS, ("不适用",)),
    Command("extend", requests.extend, MEMBERS, ("延期",)),
    Command("status", status.status, ADMINS, ("进度",), plan_arg=True),
    Command("progress", progress.progress, MEMBERS, plan_arg=True),
    Command("overdue", status.overdue, ADMINS, ("逾期",), plan_arg=True),
    Command("pending", review.pending, ADMINS, ("待审",), plan_arg=True),
    Command("accept", review.accept, ADMINS, ("通过",)),
    Command("return", review.return_, ADMINS, ("退回",)),
    Command("approve", requests.approve, ADMINS, ("批准",)),
    Command("refuse", requests.refuse, ADMINS, ("驳回",)),
    Command("undo", report_fix.undo, ADMINS, ("撤销",)),
    Command("invite", invites.invite, ADMINS, ("邀请",)),
    Command("units", status.units_list, ADMINS, ("单位",), plan_arg=True),
    Command("unit", units_admin.unit, ADMINS, ("单位管理",)),
    Command("subscribe", groups.subscribe, ADMINS, ("订阅",)),
    Command("unsubscribe", groups.unsubscribe, ADMINS, ("退订",)),
    Command("remind", reminders.remind, MEMBERS, ("提醒",)),
    Command("away", reminders.away, MEMBERS, ("休假",)),
    Command("ack", reminders.ack, MEMBERS, ("签收",), plan_arg=True),
    Command("snooze", snooze.snooze, MEMBERS, listed=False),
    Command("plans", plan_life.plans_list, ADMINS, ("计划",)),
    Command("plan", plan_life.plan, ADMINS, ("方案",)),
    Command("assign", assign.assign, ADMINS, ("交办",)),
    Command("urge", urging.urge, ADMINS, ("催办",), plan_arg=True),
    Command("urge_confirm", urging.urge_confirm, ADMINS, listed=False),
    Command("urge_cancel", urging.urge_cancel, ADMINS, listed=False),
    Command("deadline", urging.set_deadline, ADMINS, ("时限",), plan_arg=True),
    Command("pushes", pushes.pushes, ADMINS, ("推送",)),
    Command("board", board.board, ADMINS, ("看板",), plan_arg=True),
    Command("export", export.export, ADMINS, ("导出",), plan_arg=True),
    Command("archive", archive.archive, ADMINS, ("归档",), plan_arg=True),
    Command("bulletin", bulletin.bulletin, ADMINS, ("通报",), plan_arg=True),
    Command("bulletins", bulletin.bulletins_list, ADMINS, ("通报记录",)),
    Command("rank", rank.rank, ADMINS, ("考评", "排名"), plan_arg=True),
    Command("log", audit_log.log, ADMINS, ("日志",)),
    Command("report_detail", report_detail.detail, MEMBERS, ("详情",)),
    Command("upload", upload.upload, MEMBERS, ("上传",)),
    Command("subscribe_webhook", webhooks.subscribe_webhook, ADMINS, ("群机器人",)),
    Command("unsubscribe_webhook", webhooks.unsubscribe_webhook, ADMINS, ("删除群机器人",)),
    Command("webhooks", webhooks.list_webhooks, ADMINS, ("机器人列表",)),
]

BY_WORD: dict[str, Command] = {}
for _command in COMMANDS:
    BY_WORD[_command.name] = _command
    for _alias in _command.aliases:
        BY_WORD[_alias] = _command
