"""The command menu: setMyCommands per language, and a longer list in each admin's chat."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
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


def commands_for(role: Role, t: Translator) -> list[BotCommand]:
    return [
        BotCommand(command.name, t(f"cmd.{command.name}")[:256])
        for command in COMMANDS
        if command.listed and role in command.roles
    ]


async def install(bot: Bot, store: Store, settings: Settings) -> None:
    """The reporters' menu for everyone (default language and each catalog), then admins'."""
    try:
        default = Translator(locale_for(configured=settings.locale), settings.tz)
        await bot.set_my_commands(commands_for(Role.REPORTER, default))
        for code, locale in LANGUAGES.items():
            t = Translator(locale, settings.tz)
            await bot.set_my_commands(commands_for(Role.REPORTER, t), language_code=code)
    except TelegramError as err:
        log.warning("could not set the command menu: %s", err)
        return
    async with store.read() as db:
        admins = await store_telegram.admins(db, TELEGRAM)
    for contact in admins:
        await install_for(bot, contact, settings)


async def install_for(bot: Bot, contact: Contact, settings: Settings) -> None:
    """An admin's private chat gets the admin commands, in their language."""
    if contact.role not in (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN) or not contact.user_ref.isdigit():
        return
    t = Translator.for_person(contact, settings.locale, settings.tz)
    try:
        await bot.set_my_commands(
            commands_for(Role.UNIT_ADMIN, t), scope=BotCommandScopeChat(int(contact.user_ref))
        )
    except TelegramError as err:  # e.g. an admin who never opened the chat
        log.info("no admin menu for contact %s: %s", contact.id, err)
