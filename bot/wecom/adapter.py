"""The WeCom channel: members get texts and template cards; robots and app chats get texts."""

from __future__ import annotations

import logging
from pathlib import Path

import aiofiles.os
from aiohttp import web

from bot.wecom import mapping
from bot.wecom.alerts import report_config_problem
from bot.wecom.api import WeComApi, WeComError
from bot.wecom.callback import CallbackRoutes
from bot.wecom.crypto import CallbackCrypto
from bot.wecom.errors import CONFIG_PROBLEMS, delivery_error
from bot.wecom.inbound import Inbox
from bot.wecom.robots import RobotSender, crowded_wait
from domain.channels import WECOM, WECOM_APPCHAT, WECOM_ROBOT
from domain.messages import OutgoingFile, Reply
from handlers import channel_events, router
from handlers.context import Services
from schedules.delivery import RateLimits, RetryLater, Undeliverable
from storage import wecom

log = logging.getLogger(__name__)

CHANNEL = WECOM
ROBOT = WECOM_ROBOT
APPCHAT = WECOM_APPCHAT
IMAGE_MAX = 10 * 1024 * 1024  # larger pictures go as files


class WeComChannel:
    """One self-built app (自建应用): its callback, its API client and its group robots."""

    name = CHANNEL
    # WeCom: 30 messages a minute to one member; 20 a minute to one group robot.
    limits = RateLimits(per_chat_per_second=0.5, per_group_per_minute=20)

    def __init__(self, services: Services, api: WeComApi, crypto: CallbackCrypto) -> None:
        settings = services.settings
        assert settings.wecom_agent_id is not None
        self.services = services
        self.api = api
        self.robots = RobotSender(api, services.store, services.clock, settings.tz)
        self.inbox = Inbox(services, api, self.deliver, settings.wecom_report_window_seconds)
        self.callback = CallbackRoutes(
            crypto,
            services.clock,
            settings.wecom_agent_id,
            self.inbox.accept,
            max_skew=settings.wecom_callback_skew_seconds,
        )

    @classmethod
    def from_settings(cls, services: Services) -> WeComChannel:
        s = services.settings
        if not s.wecom_configured:
            raise ValueError(
                "WeCom needs WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN and "
                "WECOM_AES_KEY"
            )
        assert s.wecom_corp_id and s.wecom_agent_id and s.wecom_secret
        assert s.wecom_token and s.wecom_aes_key
        api = WeComApi(
            s.wecom_api_base_url,
            s.wecom_corp_id,
            s.wecom_secret.get_secret_value(),
            s.wecom_agent_id,
            services.clock,
        )
        crypto = CallbackCrypto(
            s.wecom_token.get_secret_value(), s.wecom_aes_key.get_secret_value(), s.wecom_corp_id
        )
        return cls(services, api, crypto)

    def web_routes(self) -> list[web.RouteDef]:
        return self.callback.routes()

    async def start(self) -> None:
        settings = self.services.settings
        await channel_events.register_groups(
            self.services, CHANNEL, [APPCHAT + chatid for chatid in settings.wecom_appchat_ids]
        )
        await self.inbox.start()

    async def stop(self) -> None:
        await self.inbox.stop()
        await self.api.close()

    async def settled(self) -> None:
        await self.inbox.settled()

    def is_group(self, chat_ref: str) -> bool:
        return chat_ref.startswith((ROBOT, APPCHAT))

    async def deliver(self, chat_ref: str, reply: Reply) -> None:
        try:
            if chat_ref.startswith(ROBOT):
                await self._to_robot(chat_ref, reply)
            elif chat_ref.startswith(APPCHAT):
                await self._to_appchat(chat_ref, reply)
            else:
                await self._to_member(chat_ref, reply)
        except WeComError as err:
            if err.code in CONFIG_PROBLEMS:
                await report_config_problem(self.services, err.code)
            raise delivery_error(err) from None

    async def _to_robot(self, chat_ref: str, reply: Reply) -> None:
        number = chat_ref.removeprefix(ROBOT)
        if not number.isdigit():
            raise Undeliverable("not a robot")
        await self.robots.send(int(number), mapping.split_text(reply.text))

    async def _to_appchat(self, chat_ref: str, reply: Reply) -> None:
        wait = crowded_wait(self.services.clock.now(), self.services.settings.tz)
        if wait:
            raise RetryLater("wecom app chat: staying off :00/:30", after=wait)
        for part in mapping.split_text(reply.text):
            await self.api.appchat_send_text(chat_ref.removeprefix(APPCHAT), part)

    async def _to_member(self, user: str, reply: Reply) -> None:
        """Choices as a template card (buttons or a vote card) when they fit one, else
        numbered in the text (`mapping.choice_form`)."""
        choices = [c for row in reply.choices for c in row]
        form = mapping.choice_form(choices)
        if choices and form is not mapping.Form.NUMBERED:
            card = mapping.card(reply.text, choices)
            if card is None:
                await self._texts(user, reply.text)
                card = mapping.prompt_card(await self._t(user, "wecom.card_prompt"), choices)
            if form is mapping.Form.VOTE:  # its options are numbered: typing one works too
                async with self.services.store.write() as db:
                    await wecom.set_choices(db, user, [c.action for c in mapping.unique(choices)])
            await self.api.send_card(user, card)
        elif choices:
            async with self.services.store.write() as db:
                await wecom.set_choices(db, user, [c.action for c in choices])
            await self._texts(user, mapping.numbered(reply.text, choices))
        else:
            await self._texts(user, reply.text)
        for file in reply.files:
            await self._file(user, file)

    async def _texts(self, user: str, text: str) -> None:
        for part in mapping.split_text(text):
            await self.api.send_text(user, part)

    async def _file(self, user: str, file: OutgoingFile) -> None:
        path = Path(file.path)
        mime = file.mime or "application/octet-stream"
        size = await aiofiles.os.path.getsize(path)
        kind = "image" if mime.startswith("image/") and size <= IMAGE_MAX else "file"
        media_id = await self.api.upload_media(kind, file.name, path, mime)
        await self.api.send_media(user, kind, media_id)

    async def _t(self, user: str, key: str) -> str:
        return (await router.translator_for(self.services, CHANNEL, user))(key)
