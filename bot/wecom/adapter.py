"""The WeCom channel: members get texts, cards, files and links (bot.wecom.member); robots get
texts and pictures; app chats get texts."""

from __future__ import annotations

import logging
from pathlib import Path

import aiofiles
import aiofiles.os
from aiohttp import web

from bot.downloads import Downloads
from bot.wecom import mapping
from bot.wecom.alerts import report_config_problem
from bot.wecom.api import WeComApi, WeComError
from bot.wecom.callback import CallbackRoutes
from bot.wecom.crypto import CallbackCrypto
from bot.wecom.errors import CONFIG_PROBLEMS, delivery_error
from bot.wecom.inbound import Inbox
from bot.wecom.member import MemberSender, is_image
from bot.wecom.pacing import crowded_wait
from bot.wecom.robots import PICTURE_MAX, RobotSender
from domain.channels import WECOM, WECOM_APPCHAT, WECOM_ROBOT
from domain.messages import Reply
from handlers import channel_events, router
from handlers.context import Services
from schedules.delivery import RateLimits, RetryLater, Undeliverable

log = logging.getLogger(__name__)

CHANNEL = WECOM
ROBOT = WECOM_ROBOT
APPCHAT = WECOM_APPCHAT


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
        self.downloads = Downloads(services)
        self.members = MemberSender(services, api, self.downloads)
        self.inbox = Inbox(services, api, self.reply, settings.wecom_report_window_seconds)
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
        return self.callback.routes()  # the download links' route: bot.http_server

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
        """The outbox's way out (pushes, and answers that could not go at once)."""
        await self._send(chat_ref, reply, push=True)

    async def reply(self, chat_ref: str, reply: Reply) -> None:
        """The answer to what a member just sent: never held off :00/:30, nor deduplicated
        (asking twice gets the answer twice)."""
        await self._send(chat_ref, reply, push=False)

    async def _send(self, chat_ref: str, reply: Reply, push: bool) -> None:
        try:
            if chat_ref.startswith(ROBOT):
                await self._to_robot(chat_ref, reply)
            elif chat_ref.startswith(APPCHAT):
                await self._to_appchat(chat_ref, reply)
            else:
                await self.members.send(chat_ref, reply, push=push)
        except WeComError as err:
            if err.code in CONFIG_PROBLEMS:
                await report_config_problem(self.services, err.code)
            raise delivery_error(err) from None

    async def _to_robot(self, chat_ref: str, reply: Reply) -> None:
        number = chat_ref.removeprefix(ROBOT)
        if not number.isdigit():
            raise Undeliverable("not a robot")
        pictures = []
        for file in reply.files:
            path = Path(file.path)
            try:
                if await aiofiles.os.path.getsize(path) > PICTURE_MAX:
                    continue
                async with aiofiles.open(path, "rb") as source:
                    content = await source.read()
            except FileNotFoundError:
                continue
            if is_image(content):  # a robot posts texts and pictures only
                pictures.append(content)
        await self.robots.send(int(number), mapping.split_text(reply.text), pictures)

    async def _to_appchat(self, chat_ref: str, reply: Reply) -> None:
        wait = crowded_wait(self.services.clock.now(), self.services.settings.tz)
        if wait:
            raise RetryLater("wecom app chat: staying off :00/:30", after=wait)
        for part in mapping.split_text(reply.text):
            await self.api.appchat_send_text(chat_ref.removeprefix(APPCHAT), part)

    async def _t(self, user: str, key: str) -> str:
        return (await router.translator_for(self.services, CHANNEL, user))(key)
