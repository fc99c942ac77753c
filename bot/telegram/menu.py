"""The command menus: everyone's per language, one for groups, and each admin's own chat.

An admin's menu is set on their private chat (BotCommandScopeChat) whenever who they are may
have changed (bind, a move, /lang); someone no longer an admin has theirs deleted, which
brings back everyone's menu."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
from telegram.error import TelegramError

from domain.channels import TELEGRAM
from domain.model import Role
from domain.settings import Settings
from handlers.registry import COMMANDS
from locales import Translator, locale_for
from storage import telegram as store_telegram
from storage.db import Store
from storage.models import Contact

log = logging.getLogger(__name__)

LANGUAGES = {"zh": "zh_CN", "en": "en"}  # Telegram language code → catalog
ADMIN_ROLES = (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN)
# What is said in a work group: the progress everyone sees, reporting, the group's own setup.
GROUP_MENU = ("help", "todo", "tasks", "progress", "report", "status", "overdue", "subscribe")


def commands_for(role: Role, t: Translator) -> list[BotCommand]:
    return [
        BotCommand(command.name, t(f"cmd.{command.name}")[:256])
        for command in COMMANDS
        if command.listed and role in command.roles
    ]


def group_commands(t: Translator) -> list[BotCommand]:
    return [
        BotCommand(command.name, t(f"cmd.{command.name}")[:256])
        for command in COMMANDS
        if command.listed and command.name in GROUP_MENU
    ]


async def install(bot: Bot, store: Store, settings: Settings) -> None:
    """The reporters' menu for everyone and the group menu (default language and each
    catalog), then admins'."""
    groups = BotCommandScopeAllGroupChats()
    try:
        default = Translator(locale_for(configured=settings.locale), settings.tz)
        await bot.set_my_commands(commands_for(Role.REPORTER, default))
        await bot.set_my_commands(group_commands(default), scope=groups)
        for code, locale in LANGUAGES.items():
            t = Translator(locale, settings.tz)
            await bot.set_my_commands(commands_for(Role.REPORTER, t), language_code=code)
            await bot.set_my_commands(group_commands(t), scope=groups, language_code=code)
    except TelegramError as err:
        log.warning("could not set the command menu: %s", err)
        return
    async with store.read() as db:
        admins = await store_telegram.admins(db, TELEGRAM)
    for contact in admins:
        await install_for(bot, contact, settings)


async def install_for(bot: Bot, contact: Contact, settings: Settings) -> None:
    """An admin's private chat gets the admin commands, in their language; anyone else's
    loses a menu of its own (an admin who is no longer one)."""
    if not contact.user_ref.isdigit():
        return
    scope = BotCommandScopeChat(int(contact.user_ref))
    try:
        if contact.role in ADMIN_ROLES:
            t = Translator.for_person(contact, settings.locale, settings.tz)
            await bot.set_my_commands(commands_for(contact.role, t), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramError as err:  # e.g. an admin who never opened the chat
        log.info("no menu change for contact %s: %s", contact.id, err)
