"""Placing the replies to one update: edit the tapped message, reply in the group, go private."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup

from bot.telegram.inbound import Origin
from bot.telegram.render import escape
from bot.telegram.send import TelegramSender
from domain.channels import TELEGRAM
from domain.messages import Reply
from domain.metrics import Metrics
from schedules.delivery import DeliveryError, Unreachable

log = logging.getLogger(__name__)


async def answer(
    sender: TelegramSender,
    origin: Origin,
    replies: list[Reply],
    open_private: Callable[[], Awaitable[tuple[str, InlineKeyboardMarkup]]],
    metrics: Metrics | None = None,
) -> None:
    """Deliver replies in order; a failure to deliver one is logged, the rest still go."""

    def counted(result: str) -> None:
        if metrics is not None:
            metrics.sent(TELEGRAM, "reply", result)

    edited = False
    private_failed = False
    group_reply_to = origin.message_id if origin.group else None
    for reply in replies:
        try:
            if reply.private and origin.group:
                if private_failed:
                    continue
                try:
                    await sender.send_reply(origin.user_id, reply)
                except Unreachable:
                    # Never started the bot (or blocked it): show how to open the private chat.
                    counted("unreachable")
                    private_failed = True
                    text, button = await open_private()
                    await sender.send_text(origin.chat_id, text, button, group_reply_to)
                    continue
                counted("sent")
                continue
            if private_failed and reply.private_notice:
                continue  # "sent to you in private" would not be true
            asks = reply.expects_answer and not reply.choices
            if origin.tapped is not None and reply.replaces_choices and not edited:
                if asks:  # an edit cannot carry a ForceReply: the question is sent anew
                    await sender.drop_buttons(origin.chat_id, origin.tapped)
                    edited = True
                else:
                    edited = await sender.edit_reply(origin.chat_id, origin.tapped, reply)
                    if edited:
                        counted("sent")
                        continue
            await sender.send_reply(origin.chat_id, reply, group_reply_to, _mention(origin, asks))
            counted("sent")
        except DeliveryError as err:
            counted("failed")
            log.warning("a reply to chat %s was not delivered: %s", origin.chat_id, err.detail)


def _mention(origin: Origin, asks: bool) -> str:
    """A question after a tap in a group names the one asked: a selective ForceReply opens
    only the keyboards of those mentioned (the reply goes to the bot's own message)."""
    if not (asks and origin.group and origin.tapped is not None and origin.user_id.isdigit()):
        return ""
    name = escape(origin.user_name or origin.user_id)
    return f'<a href="tg://user?id={origin.user_id}">{name}</a> '
