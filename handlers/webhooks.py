"""WeCom group robots: `/subscribe_webhook URL [name]`, `/unsubscribe_webhook ID`, `/webhooks`.

The webhook URL is a secret (anyone holding it can post to the group): only its key is kept,
and no reply, log line or audit record ever repeats it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from domain.channels import WECOM, WECOM_ROBOT
from domain.messages import Reply
from domain.text import clip
from handlers.context import Context
from handlers.errors import UserError
from storage import chats, wecom

ROBOT_PREFIX = WECOM_ROBOT
_KEY = re.compile(r"^[0-9A-Za-z-]{8,64}$")
_HOSTS = {"qyapi.weixin.qq.com"}
MAX_TITLE = 40


def robot_chat(robot_id: int) -> str:
    return f"{ROBOT_PREFIX}{robot_id}"


def webhook_key(url: str, api_base: str) -> str | None:
    """The key of a WeCom group-robot webhook URL, or None if it is not one."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    hosts = _HOSTS | {urlsplit(api_base).netloc}
    if parts.scheme not in ("https", "http") or parts.netloc not in hosts:
        return None
    if parts.scheme == "http" and parts.netloc in _HOSTS:
        return None
    if not parts.path.endswith("/cgi-bin/webhook/send"):
        return None
    keys = parse_qs(parts.query).get("key", [])
    if len(keys) != 1 or not _KEY.match(keys[0]):
        return None
    return keys[0]


async def subscribe_webhook(ctx: Context, args: str) -> Reply:
    """Register a group robot for the weekly progress bulletin (`events` adds each submission)."""
    url, _, rest = args.strip().partition(" ")
    if not url:
        raise UserError("webhook.usage")
    key = webhook_key(url, ctx.app.settings.wecom_api_base_url)
    if key is None:
        raise UserError("webhook.bad_url")
    words = rest.split()
    events = bool(words) and words[-1].lower() in {"events", "all", "动态", "全部"}
    if events:
        words = words[:-1]
    title = clip(" ".join(words), MAX_TITLE) or None
    async with ctx.write() as db:
        robot_id = await wecom.add_robot(db, key, title, ctx.contact.id, ctx.now)
        await chats.set_subscribed(
            db, WECOM, robot_chat(robot_id), title, True, ctx.contact.id, events
        )
        await ctx.audit(
            db,
            "subscribe_webhook",
            ctx.contact.unit_id,
            subject=title or robot_chat(robot_id),
            detail={"robot": robot_id, "events": events},
        )
    key_name = "webhook.subscribed_events" if events else "webhook.subscribed"
    return Reply(ctx.t(key_name, id=robot_id, name=title or ctx.t("webhook.unnamed")))


async def unsubscribe_webhook(ctx: Context, args: str) -> Reply:
    """Stop broadcasts to a robot and forget its key."""
    word = args.strip().lstrip("#＃")
    if not word.isdigit() or len(word) > 9:
        raise UserError("webhook.unsubscribe_usage")
    robot_id = int(word)
    async with ctx.write() as db:
        if not await wecom.remove_robot(db, robot_id):
            raise UserError("webhook.unknown", id=robot_id)
        await chats.set_subscribed(
            db, WECOM, robot_chat(robot_id), None, False, ctx.contact.id, False
        )
        await ctx.audit(
            db,
            "unsubscribe_webhook",
            ctx.contact.unit_id,
            subject=robot_chat(robot_id),
            detail={"robot": robot_id},
        )
    return Reply(ctx.t("webhook.unsubscribed", id=robot_id))


async def list_webhooks(ctx: Context, args: str) -> Reply:
    """The registered robots by number and name (never their URLs)."""
    async with ctx.read() as db:
        found = await wecom.robots(db)
    if not found:
        return Reply(ctx.t("webhook.none"))
    lines = [ctx.t("webhook.header", count=len(found))]
    for robot in found:
        lines.append(
            ctx.t("webhook.line", id=robot.id, name=robot.title or ctx.t("webhook.unnamed"))
        )
    return Reply("\n".join(lines))
