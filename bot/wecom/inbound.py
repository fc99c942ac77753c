"""Incoming WeCom messages: deduplicated, one user at a time, batched, routed and answered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from bot.wecom.api import WeComApi, WeComError
from bot.wecom.batch import CHANNEL, ReportWindow, starts_report
from bot.wecom.directory import Directory
from bot.wecom.journal import Journal
from bot.wecom.mapping import Inbound, replace_name
from bot.wecom.member import FILE_MAX
from domain.messages import Incoming, Reply
from handlers import greeting, router
from handlers.context import Services
from schedules.delivery import DeliveryError, RetryLater, Undeliverable, Unreachable
from schedules.outbox import Chat, queue
from storage import wecom
from storage.files import FileRejected

log = logging.getLogger(__name__)

Deliver = Callable[[str, Reply], Awaitable[None]]


class Inbox:
    """Writes callbacks down, then handles them in background tasks, in order per user."""

    def __init__(self, services: Services, api: WeComApi, deliver: Deliver, window: float) -> None:
        self.services = services
        self.api = api
        self.deliver = deliver
        self.window = ReportWindow(services.store, services.files, window, self._due)
        self.journal = Journal(services.store, services.clock)
        self.directory = Directory(services, api)
        self._inflight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    # --- the callback side ---
    async def accept(self, inbound: Inbound) -> None:
        """Write a callback down (before WeCom is answered: it never resends after a 200) and
        start handling it. One being handled now is dropped here, one handled before is
        recognised by the router (or the report window) from the store."""
        if inbound.kind == "ignore":
            return
        await self.journal.save(inbound)
        self._begin(inbound)

    def _begin(self, inbound: Inbound) -> None:
        if inbound.key in self._inflight:
            return
        self._inflight.add(inbound.key)
        self._spawn(self._process(inbound))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _due(self, user: str) -> None:
        self._spawn(self._flush_when_free(user))

    async def start(self) -> None:
        """Handle what a crash interrupted: callbacks written down but not handled, in arrival
        order (so each user's come first in their lane), then the batches held."""
        for inbound in await self.journal.pending():
            self._begin(inbound)
        for user in await self.window.users():
            self._spawn(self._flush_when_free(user))

    async def stop(self) -> None:
        self.window.stop()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)

    async def settled(self, within: float = 20.0, batches: bool = True) -> None:
        """Wait until every accepted message is handled (and, with `batches`, handed on)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._tasks or (batches and self.window.waiting):
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError("wecom inbox did not settle")
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=left)
            else:
                await asyncio.sleep(0.01)

    # --- handling, one user at a time ---
    def _lock(self, user: str) -> asyncio.Lock:
        return self._locks.setdefault(user, asyncio.Lock())

    async def _process(self, inbound: Inbound) -> None:
        try:
            async with self._lock(inbound.user):
                await self._introduce(inbound)
                await self._route(inbound)
        except Exception:
            log.exception("wecom message %s failed", inbound.key)
        finally:
            # Out of flight before crossed off: a resend arriving in between is handled again
            # (a repeat, so nothing happens) rather than left in the inbox.
            self._inflight.discard(inbound.key)
            try:
                await self.journal.done(inbound.key)
            except Exception:
                log.exception("wecom message %s not crossed off", inbound.key)

    async def _introduce(self, m: Inbound) -> None:
        """The directory's word on the sender first: their name, a binding by department."""
        try:
            replies = await self.directory.seen(m.user)
        except Exception:
            log.exception("wecom directory lookup failed")  # the message is handled all the same
            return
        await self._answer(m.user, f"{m.key}:directory", replies)

    async def _route(self, m: Inbound) -> None:
        if m.kind == "media":
            await self._media(m)
        elif m.kind == "text":
            action = await self._numbered_choice(m)
            if action is not None:
                await self._flush(m.user)
                await self._dispatch(m, action, via_choice=True)
            elif starts_report(m.text):
                if await self.window.holds_text(m.user):
                    await self._flush(m.user)
                await self.window.hold(m.user, m.key, m.text, None, self.services.clock.now())
            else:
                await self._flush(m.user)
                await self._dispatch(m, m.text)
        elif m.kind == "choice":
            await self._flush(m.user)
            await self._dispatch(m, m.text, via_choice=True)
        elif m.kind == "enter":
            await self._greet(m)
        elif m.kind == "unsupported":
            await self._notice(m, "wecom.unsupported")

    async def _media(self, m: Inbound) -> None:
        """Download at once (media ids expire in three days) and hold for the report window."""
        assert m.media_id is not None
        async with self.services.store.read() as db:
            if await wecom.handled(db, m.key):
                return  # a replay of a picture already held: no second download
        try:
            stored = await self.services.files.save(
                m.file_name, m.mime, self.api.media_chunks(m.media_id)
            )
        except FileRejected as err:
            limit = f"{err.limit_mb:g}"
            await self._notice(m, f"file.{err.reason}", name=err.name[:60], limit=limit)
            return
        except WeComError as err:
            log.warning("wecom media download failed: %s", err)
            await self._notice(m, "wecom.media_failed")
            return
        await self.window.hold(m.user, m.key, None, stored, self.services.clock.now())

    async def _numbered_choice(self, m: Inbound) -> str | None:
        number = m.text.strip()
        if not number.isdigit() or len(number) > 3:
            return None
        async with self.services.store.read() as db:
            return await wecom.choice(db, m.user, int(number))

    def _incoming(self, m: Inbound, text: str = "", via_choice: bool = False) -> Incoming:
        return Incoming(
            channel=CHANNEL,
            user_ref=m.user,
            chat_ref=m.user,
            text=text,
            message_key=m.key,
            via_choice=via_choice,
            remember=True,
            file_limit=None if self.services.settings.public_url else FILE_MAX,
        )

    async def _dispatch(self, m: Inbound, text: str, via_choice: bool = False) -> None:
        outcome = await router.route(self.services, self._incoming(m, text, via_choice))
        await self._answer(m.user, m.key, outcome.replies, m.response_code)

    async def _greet(self, m: Inbound) -> None:
        """Opening the app: the day's one-line greeting; any held report stays held."""
        await self._answer(m.user, m.key, await greeting.greet(self.services, self._incoming(m)))

    async def _notice(self, m: Inbound, key: str, **params: object) -> None:
        outcome = await router.notice(self.services, self._incoming(m), key, **params)
        await self._answer(m.user, m.key, outcome.replies)

    async def _flush_when_free(self, user: str) -> None:
        try:
            async with self._lock(user):
                await self._flush(user)
        except Exception:
            log.exception("wecom report batch failed")

    async def _flush(self, user: str) -> None:
        """Hand the user's held report command and media to the router as one message."""
        taken = await self.window.take(user)
        if taken is None:
            return
        msg, last_id = taken
        replies = (await router.route(self.services, msg)).replies
        assert msg.message_key is not None
        await self.window.release(user, last_id, msg.message_key, self.services.clock.now())
        await self._answer(user, msg.message_key, replies, None)

    # --- answering ---
    async def _answer(
        self, user: str, key: str, replies: list[Reply], response_code: str | None = None
    ) -> None:
        """Send replies now; what fails for a passing reason goes to the outbox to be retried."""
        replaced = False
        for index, reply in enumerate(replies):
            if response_code and reply.replaces_choices and not replaced:
                replaced = True
                outcome = replace_name(reply.text)
                try:
                    await self.api.update_card_buttons(user, response_code, outcome)
                except WeComError as err:
                    log.warning("wecom card update failed: %s", err)
                else:
                    if outcome == reply.text.strip() and not reply.choices and not reply.files:
                        continue
            try:
                await self.deliver(user, reply)
            except (Unreachable, Undeliverable) as err:
                log.warning("wecom reply not delivered: %s", err.detail)
            except DeliveryError as err:
                await self._queue(user, f"wecom-reply:{key}:{index}", reply, err)

    async def _queue(self, user: str, idem_key: str, reply: Reply, err: DeliveryError) -> None:
        now = self.services.clock.now()
        after = err.after if isinstance(err, RetryLater) else 5.0
        async with self.services.store.write() as db:
            await queue(
                db,
                Chat(CHANNEL, user, user),
                key=idem_key,
                kind="reply",
                text=reply.text,
                choices=reply.choices,
                files=reply.files,
                now=now,
                not_before=now + timedelta(seconds=after),
            )
