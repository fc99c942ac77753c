"""Replies and pushes to one member, as WeCom takes them.

A long answer is a summary plus the whole text as a file (never twenty messages); a file over
20 MB is a signed download link; media are uploaded once and their id reused while it lives.
Every message draws on the member's budget (30 a minute, 1,000 an hour, shared by replies and
pushes). Pushes (what the outbox sends) stay off :00 and :30 and go with duplicate_check, and
a retry of one builds the byte-identical request, so WeCom drops it if the first arrived.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiofiles
import aiofiles.os

from bot.downloads import Downloads
from bot.wecom import mapping
from bot.wecom.api import DUPLICATE_WINDOW, WeComApi
from bot.wecom.pacing import MemberBudget, crowded_wait
from domain.channels import WECOM
from domain.messages import Choice, OutgoingFile, Reply
from domain.pictures import sniff
from handlers import router
from handlers.context import Services
from locales import Translator
from schedules.delivery import ChatBusy, Undeliverable
from storage import wecom, wecom_sends

COMPACT_OVER = 2  # a text needing more messages goes as a summary and a file
FILE_MAX = 20 * 1024 * 1024  # media/upload's limit for a file
IMAGE_MAX = 10 * 1024 * 1024  # and for a picture (PNG or JPEG only): larger ones go as files
IMAGE_MIN = 5  # media/upload refuses a file of 5 bytes or less
# media/upload ids live three days; an hour's margin so none expires between lookup and use.
MEDIA_LIFETIME = timedelta(days=3) - timedelta(hours=1)
SAFE_KINDS = frozenset({"text", "image", "file"})

Message = dict[str, Any]


class MemberSender:
    def __init__(self, services: Services, api: WeComApi, downloads: Downloads) -> None:
        self.services = services
        self.api = api
        self.downloads = downloads
        self.budget = MemberBudget()

    async def send(self, user: str, reply: Reply, *, push: bool) -> None:
        """Send `reply` to `user`, or raise ChatBusy when it cannot all go now."""
        settings = self.services.settings
        now = self.services.clock.now()
        if push:
            wait = crowded_wait(now, settings.tz, spread_key=user)
            if wait:
                raise ChatBusy("wecom: staying off :00/:30", after=wait)
        t = await router.translator_for(self.services, WECOM, user)
        messages = await self._messages(user, reply, t, push)
        wait = self.budget.free_in(user, now, len(messages))
        if wait:
            raise ChatBusy(f"wecom: message budget of {user} reached", after=wait)
        for message in messages:
            self.budget.spend(user, now)
            await self.api.send(user, message, duplicate_check=push)

    async def _messages(self, user: str, reply: Reply, t: Translator, push: bool) -> list[Message]:
        choices = [c for row in reply.choices for c in row]
        parts = mapping.split_text(reply.text)
        compact = len(parts) > COMPACT_OVER
        messages = await self._compacted(reply.text, t) if compact else []
        form = mapping.choice_form(choices)
        if choices and form is not mapping.Form.NUMBERED:
            card = None if compact else mapping.card(reply.text, choices)
            if card is None:
                if not compact:
                    messages += self._texts(parts)
                card = mapping.prompt_card(t("wecom.card_prompt"), choices)
            if form is mapping.Form.VOTE:  # its options are numbered: typing one works too
                async with self.services.store.write() as db:
                    await wecom.set_choices(db, user, [c.action for c in mapping.unique(choices)])
            if push:
                card = await self._stable_task(user, card)
            messages.append({"msgtype": "template_card", "template_card": card})
        elif choices:
            messages += await self._numbered(
                user, t("wecom.card_prompt") if compact else reply.text, choices
            )
        elif not compact:
            messages += self._texts(parts)
        for file in reply.files:
            messages.append(await self._file(file, t))
        return messages

    def _safe(self, message: Message) -> Message:
        if self.services.settings.wecom_safe and message["msgtype"] in SAFE_KINDS:
            message["safe"] = 1
        return message

    def _texts(self, parts: list[str]) -> list[Message]:
        return [self._safe({"msgtype": "text", "text": {"content": p}}) for p in parts]

    async def _numbered(self, user: str, text: str, choices: list[Choice]) -> list[Message]:
        async with self.services.store.write() as db:
            await wecom.set_choices(db, user, [c.action for c in choices])
        return self._texts(mapping.split_text(mapping.numbered(text, choices)))

    async def _compacted(self, text: str, t: Translator) -> list[Message]:
        """The first lines, saying how much is left out, and the whole text as a file."""
        name = t("wecom_sends.full_text_name")
        lines = text.strip().splitlines()
        longest = t("wecom_sends.compacted", shown=len(lines), lines=len(lines), name=name)
        room = mapping.TEXT_BYTES - len(longest.encode("utf-8")) - 1
        head = mapping.split_text(text.strip(), room)[0].rstrip()
        footer = t(
            "wecom_sends.compacted", shown=len(head.splitlines()), lines=len(lines), name=name
        )
        media = await self._media("file", name, text.encode("utf-8"), "text/plain")
        return [
            *self._texts([f"{head}\n{footer}"]),
            self._safe({"msgtype": "file", "file": {"media_id": media}}),
        ]

    async def _file(self, file: OutgoingFile, t: Translator) -> Message:
        path = Path(file.path)
        mime = file.mime or "application/octet-stream"
        try:
            size = await aiofiles.os.path.getsize(path)
            if size > FILE_MAX:
                return await self._link(file, mime, size, t)
            async with aiofiles.open(path, "rb") as source:
                content = await source.read()
        except FileNotFoundError:
            raise Undeliverable(f"file {file.name!r} is gone") from None
        kind = "image" if is_image(content) else "file"
        media = await self._media(kind, file.name, content, mime)
        return self._safe({"msgtype": kind, kind: {"media_id": media}})

    async def _link(self, file: OutgoingFile, mime: str, size: int, t: Translator) -> Message:
        megabytes = f"{size / 1024 / 1024:.1f}"
        found = await self.downloads.link(file.path, file.name, mime, size)
        if found is None:
            text = t("wecom_sends.big_file_no_link", name=file.name, size=megabytes)
        else:
            url, until = found
            text = t(
                "wecom_sends.big_file_link",
                name=file.name,
                size=megabytes,
                until=t.moment(until),
                url=url,
            )
        return self._texts([text])[0]

    async def _media(self, kind: str, name: str, content: bytes, mime: str) -> str:
        """The media id of this content under this name: uploaded once, reused for three days."""
        digest = hashlib.sha256(name.encode("utf-8") + b"\0" + content).hexdigest()
        now = self.services.clock.now()
        async with self.services.store.read() as db:
            found = await wecom_sends.media_id(db, digest, kind, now)
        if found is not None:
            return found
        media = await self.api.upload_bytes(kind, name, content, mime)
        async with self.services.store.write() as db:
            await wecom_sends.save_media(db, digest, kind, media, now, now + MEDIA_LIFETIME)
        return media

    async def _stable_task(self, user: str, card: dict[str, Any]) -> dict[str, Any]:
        """The card with the task id it was sent with before, if sent within the duplicate
        window: a retry is then the identical request (a task id is random otherwise)."""
        content = {k: v for k, v in card.items() if k != "task_id"}
        digest = hashlib.sha256(
            json.dumps([user, content], ensure_ascii=False, sort_keys=True).encode("utf-8")
        ).hexdigest()
        now = self.services.clock.now()
        fresh = str(card.get("task_id") or f"t{secrets.token_hex(12)}")
        async with self.services.store.write() as db:
            task = await wecom_sends.card_task(db, digest, fresh, now, now + DUPLICATE_WINDOW)
        return {**card, "task_id": task}


def is_image(content: bytes) -> bool:
    """Whether a file goes to a member as an image message (shown in the chat) rather than as
    a file: what WeCom takes as an image, PNG or JPEG by its bytes, within the image limit."""
    return IMAGE_MIN < len(content) <= IMAGE_MAX and sniff(content) is not None
