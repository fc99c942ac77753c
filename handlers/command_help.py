"""`/help` sized for a phone: the commands this person may use grouped by task (报送 / 查询 /
审核 / 通报 / 管理), one line a group; `/help 审核` is one group with what each command does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from domain import screen
from domain.messages import Choice, Reply
from handlers.context import Context

if TYPE_CHECKING:
    from handlers.registry import Command

# Task → its commands, in the order shown; a listed command in no group goes to "manage".
GROUPS: dict[str, tuple[str, ...]] = {
    "report": (
        "todo", "report", "append", "amend", "withdraw", "cancel", "na", "extend", "upload", "template", "ack",
        "remind", "away",
    ),
    "lookup": (
        "tasks", "history", "report_detail", "progress", "status", "overdue", "units", "plans",
        "rank", "board", "export", "log",
    ),
    "review": ("pending", "accept", "return", "approve", "refuse", "undo"),
    "bulletin": (
        "urge", "bulletin", "bulletins", "subscribe", "unsubscribe", "subscribe_webhook",
        "unsubscribe_webhook", "webhooks", "pushes",
    ),
}  # fmt: skip
MANAGE = "manage"
ORDER = (*GROUPS, MANAGE)


def group_of(name: str) -> str:
    return next((group for group, names in GROUPS.items() if name in names), MANAGE)


def _place(command: Command) -> int:
    """Where a command stands in its group (the table's order for those in no group)."""
    names = GROUPS.get(group_of(command.name), ())
    return names.index(command.name) if command.name in names else len(names)


def _usable(ctx: Context, commands: Sequence[Command]) -> list[Command]:
    return [c for c in commands if c.listed and ctx.role in c.roles]


def _wanted(ctx: Context, word: str) -> str | None:
    """A group by its name in either language (`审核`, `review`), or None."""
    word = word.strip().lower()
    for group in ORDER:
        if word in (group, ctx.t(f"help.group.{group}").lower()):
            return group
    return None


def _line(ctx: Context, command: Command) -> str:
    alias = f"({'/'.join(command.aliases)})" if command.aliases and ctx.t.locale == "zh_CN" else ""
    return f"/{command.name}{alias} {ctx.t(f'cmd.{command.name}')}"


async def help_(ctx: Context, args: str, commands: Sequence[Command]) -> Reply:
    usable = _usable(ctx, commands)
    groups = {g: sorted((c for c in usable if group_of(c.name) == g), key=_place) for g in ORDER}
    groups = {g: cs for g, cs in groups.items() if cs}
    if ctx.role is None:  # not bound: the few commands there are, and how to bind
        lines = [ctx.t("help.header"), *(_line(ctx, c) for c in usable)]
        return Reply("\n".join([*lines, ctx.t("help.unregistered")]))
    if args.strip():
        group = _wanted(ctx, args)
        if group is None or group not in groups:
            names = ctx.t.join(ctx.t(f"help.group.{g}") for g in groups)
            return Reply(ctx.t("help.unknown_group", groups=names), is_error=True)
        lines = [ctx.t("help.group_header", group=ctx.t(f"help.group.{group}"))]
        lines += [_line(ctx, c) for c in groups[group]]
        return Reply("\n".join(lines))
    lines = [ctx.t("help.grouped_header")]
    for group, cs in groups.items():
        names = " ".join(f"/{c.name}" for c in cs)
        line = ctx.t("help.group_line", group=ctx.t(f"help.group.{group}"), commands=names)
        lines += screen.wrap(line)
    lines.append(ctx.t("help.more"))
    buttons = [
        Choice(ctx.t(f"help.group.{g}"), f"/help {ctx.t(f'help.group.{g}')}") for g in groups
    ]
    return Reply("\n".join(lines), choices=[buttons[i : i + 3] for i in range(0, len(buttons), 3)])
