"""The channel's own words: a file too big for Telegram, how to open the private chat."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.inbound import Inbound
from domain.messages import Reply
from handlers import router
from handlers.context import Services
from locales import Translator


class Notices:
    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot  # its username is known once initialised

    async def _translator(self, inbound: Inbound) -> Translator:
        msg = inbound.incoming
        return await router.translator_for(self.services, msg.channel, msg.user_ref, msg.language)

    async def too_big(self, inbound: Inbound, name: str, size: int, limit: int) -> Reply:
        """What happened, and the way out: the upload page if it is on, else a bigger server."""
        settings = self.services.settings
        t = await self._translator(inbound)
        what = t(
            "telegram.file_too_big",
            name=name[:60],
            size=f"{size / 1024 / 1024:.1f}",
            limit=f"{limit / 1024 / 1024:g}",
        )
        if settings.public_url:
            way_out = t("telegram.file_too_big_upload", max=f"{settings.max_attachment_mb:g}")
        else:
            way_out = t("telegram.file_too_big_server")
        return Reply(f"{what}\n{way_out}")

    async def open_private(self, inbound: Inbound) -> tuple[str, InlineKeyboardMarkup]:
        """For someone who never started the bot: a button that opens the private chat."""
        t = await self._translator(inbound)
        button = InlineKeyboardButton(
            t("telegram.open_private_button"), url=f"https://t.me/{self.bot.username}"
        )
        text = t("telegram.open_private", name=inbound.incoming.user_name or "")
        return text, InlineKeyboardMarkup([[button]])

    async def button_expired(self, inbound: Inbound) -> list[Reply]:
        return (
            await router.notice(self.services, inbound.incoming, "telegram.button_expired")
        ).replies
