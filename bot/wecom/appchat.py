"""`python main.py wecom appchat create NAME USERS…`: an app group chat (appchat/create) for
bulletins, its owner the first user; the admin then lists its chatid in WECOM_APPCHAT_IDS."""

from __future__ import annotations

import argparse
import secrets
import sys

from bot.wecom.api_error import WeComError
from bot.wecom.departments import api_for
from domain.settings import Settings
from locales import Translator

NAME_CHARS = 50  # WeCom cuts longer names; refuse instead
MIN_USERS = 2  # WeCom's floor for a group chat
MAX_USERS = 2000


def add_parser(tasks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    appchat = tasks.add_parser("appchat", help="the app's group chats (应用群聊) for bulletins")
    actions = appchat.add_subparsers(dest="appchat_action", required=True)
    create = actions.add_parser(
        "create", help="make a group chat with these members (the first is its owner)"
    )
    create.add_argument("name", help="the chat's name (at most 50 characters)")
    create.add_argument("users", nargs="+", help="WeCom userids; the first owns the chat")
    create.set_defaults(wecom_task=run)


def problem(t: Translator, name: str, users: list[str]) -> str | None:
    """Why WeCom would refuse this chat, said before asking it; None when it looks right."""
    if not name.strip() or len(name) > NAME_CHARS:
        return t("wecom_appchat.bad_name", limit=NAME_CHARS)
    if not MIN_USERS <= len(users) <= MAX_USERS:
        return t("wecom_appchat.bad_users", count=len(users), low=MIN_USERS, high=MAX_USERS)
    return None


async def run(settings: Settings, t: Translator, args: argparse.Namespace) -> int:
    name = str(args.name).strip()
    users = list(dict.fromkeys(u.strip() for u in args.users if u.strip()))  # once each, in order
    wrong = problem(t, name, users)
    if wrong is not None:
        print(wrong, file=sys.stderr)
        return 2
    api = api_for(settings)
    try:
        # Ours rather than WeCom's random one: letters and digits, at most 32, as it requires.
        chatid = await api.appchat_create(name, users[0], users, "duban" + secrets.token_hex(8))
    except WeComError as err:
        print(t("wecom_appchat.failed", code=err.code, message=err.message), file=sys.stderr)
        return 1
    finally:
        await api.close()
    ids = ",".join([*settings.wecom_appchat_ids, chatid])
    print(t("wecom_appchat.created", name=name, owner=users[0], count=len(users), chatid=chatid))
    print(t("wecom_appchat.configure", ids=ids))
    return 0
