"""A fake Telegram Bot API server on 127.0.0.1: inject updates, read what was sent, inject faults.

Usage (inside a test's event loop)::

    async with FakeTelegram() as fake:
        zz = fake.user(1001, "张伟")
        update = fake.message(zz, "/todo")             # queued for getUpdates (or the webhook)
        reply = await fake.expect(zz["id"], "待报送")    # waits for what the bot sent
        fake.fail(429, methods={"sendMessage"}, retry_after=1)   # the next sendMessage is refused
        fake.fail(500, share=0.2)                       # one call in five, until cleared
        fake.fail(drop=True, methods={"sendMessage"}, times=2)   # connection closed, no answer
        fake.block(zz["id"])                            # 403 "bot was blocked by the user"

Every injected update is validated with `Update.de_json` (unknown fields are errors), and the
server checks what the bot sends as Telegram does: HTML entities, 4,096/1,024 limits, 64-byte
callback data. Methods it does not know answer 400, not 404 (which PTB reads as a bad token).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fake_bot_api import (
    _MESSAGE_KEYS,
    TOKEN,
    BotApiMethods,
    Call,
    Failure,
    Output,
    StoredFile,
    T,
    check_update,
    utf16_len,
)

__all__ = ["Call", "Failure", "FakeTelegram", "Output", "StoredFile", "check_update"]


class FakeTelegram(BotApiMethods):
    """The fake server; its state is plain attributes a test may read."""

    def __init__(
        self,
        token: str = TOKEN,
        username: str = "duban_test_bot",
        bot_id: int = 7_000_001,
        local_dir: Path | None = None,
    ) -> None:
        """`local_dir`: behave like a self-hosted server in --local mode (no size limit,
        getFile answers an absolute path under this directory)."""
        self.token = token
        self.local_dir = local_dir
        self.me = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "督办助手",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.outputs: list[Output] = []
        self.pending: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: dict[int, str] = {}
        self.migrated: dict[int, int] = {}
        self.failures: list[Failure] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.answered: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self.confirmed = 0  # every update id below this was confirmed by an offset
        self.downloads: list[str] = []
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._random = random.Random(0)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._closing = False
        self.port = 0

    # --- lifecycle ---
    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True  # ends long polls still held open
        self._notify()
        await asyncio.sleep(0)
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    # --- people, chats, files ---
    def user(self, user_id: int, name: str = "张伟", language_code: str = "zh-hans") -> dict:
        self.chats[user_id] = {"id": user_id, "type": "private", "first_name": name}
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": language_code}

    def group(self, chat_id: int, title: str, supergroup: bool = False) -> dict:
        chat = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        self.chats[chat_id] = chat
        return chat

    def add_file(self, content: bytes | None = None, *, size: int | None = None, ext: str = "bin"):
        """Register a file the bot may fetch with getFile; `size` alone announces a big one."""
        n = next(self._ids)
        stored = StoredFile(
            file_id=f"FILE-{n:06d}",
            unique_id=f"U{n:06d}",
            size=len(content) if content is not None else int(size or 0),
            content=content,
            path=f"documents/file_{n}.{ext}",
        )
        self.files[stored.file_id] = stored
        return stored

    def document(
        self, name: str, content: bytes | None = None, *, size: int | None = None, mime: str = ""
    ) -> dict:
        stored = self.add_file(content, size=size, ext=name.rpartition(".")[2] or "bin")
        doc = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
        doc |= {"file_name": name, "file_size": stored.size}
        return doc | ({"mime_type": mime} if mime else {})

    def photo(self, content: bytes) -> list[dict]:
        """Three sizes as Telegram sends them, the largest (the original) last."""
        sizes = []
        for side, part in (
            (90, content[:16]),
            (320, content[: len(content) // 2]),
            (1280, content),
        ):
            stored = self.add_file(part or content, ext="jpg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "width": side,
                    "height": side,
                    "file_size": stored.size,
                }
            )
        return sizes

    def media(self, kind: str, content: bytes, name: str | None = None, mime: str = "") -> dict:
        """A video, voice, audio or animation attachment."""
        stored = self.add_file(content, ext={"voice": "oga"}.get(kind, "mp4"))
        item: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": stored.size,
            "duration": 3,
        }
        if kind in ("video", "animation"):
            item |= {"width": 640, "height": 480}
        if name and kind != "voice":
            item["file_name"] = name
        return item | ({"mime_type": mime} if mime else {})

    # --- injecting updates ---
    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue one update (validated); an `update_id` is assigned unless given."""
        update.setdefault("update_id", next(self._update_ids) + 100_000)
        check_update(update)
        self.pending.append(update)
        self._notify()
        return update

    def push_malformed(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update PTB cannot take as it is (not validated), as Telegram may send."""
        update.setdefault("update_id", next(self._update_ids) + 100_000)
        self.pending.append(update)
        self._notify()
        return update

    def redeliver(self, update: dict[str, Any]) -> None:
        """Queue an update again, as Telegram does when a crash kept it from being confirmed."""
        self.confirmed = min(self.confirmed, update["update_id"])
        self.pending.append(update)
        self.pending.sort(key=lambda u: u["update_id"])
        self._notify()

    def message(
        self,
        sender: dict,
        text: str | None = None,
        *,
        chat: dict | None = None,
        reply_to: dict | None = None,
        push: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """A message from `sender` (in their private chat unless `chat`); extra fields as given,
        e.g. caption=, document=, photo=, video=, voice=, audio=, animation=, media_group_id=."""
        where = chat or self.chats[sender["id"]]
        msg: dict[str, Any] = {
            "message_id": self._next_message_id(where["id"]),
            "date": int(time.time()),
            "chat": where,
            "from": sender,
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                word = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        msg |= fields
        self.messages[(where["id"], msg["message_id"])] = msg
        update = {"message": msg}
        return self.push(update) if push else update

    def tap(self, sender: dict, message: dict, data: str) -> dict[str, Any]:
        """The user taps an inline button whose callback data is `data` under `message`."""
        query = {
            "id": f"CQ{next(self._ids)}",
            "from": sender,
            "chat_instance": f"ci{message['chat']['id']}",
            "data": data,
            "message": {k: v for k, v in message.items() if k in _MESSAGE_KEYS},
        }
        return self.push({"callback_query": query})

    def tap_label(self, sender: dict, message: dict, label: str) -> dict[str, Any]:
        """Tap the button whose label contains `label`."""
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"] and "callback_data" in button:
                    return self.tap(sender, message, button["callback_data"])
        raise AssertionError(f"no button {label!r} in {message.get('reply_markup')}")

    # --- faults ---
    def fail(
        self,
        status: int = 500,
        *,
        methods: Collection[str] | None = None,
        chat_id: int | None = None,
        times: int | None = 1,
        share: float | None = None,
        retry_after: int | None = None,
        drop: bool = False,
        description: str | None = None,
    ) -> Failure:
        """Fail matching calls: the next `times` (None: until cleared), or a `share` of them.

        429 carries `retry_after`; `drop` closes the connection without an answer."""
        failure = Failure(
            status=429 if retry_after is not None else status,
            methods=frozenset(m.lower() for m in methods) if methods else None,
            chat_id=str(chat_id) if chat_id is not None else None,
            times=None if share is not None else times,
            share=share,
            retry_after=retry_after,
            drop=drop,
            description=description
            or (
                f"Too Many Requests: retry after {retry_after}"
                if retry_after is not None
                else "Internal Server Error"
            ),
        )
        self.failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        self.failures.clear()

    def block(self, user_id: int, reason: str = "bot was blocked by the user") -> None:
        """Sends to this private chat get 403 (also: "bot can't initiate conversation")."""
        self.blocked[user_id] = f"Forbidden: {reason}"

    def unblock(self, user_id: int) -> None:
        self.blocked.pop(user_id, None)

    def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sends to the old id get ChatMigrated."""
        self.migrated[old_chat_id] = new_chat_id
        self.chats[new_chat_id] = self.chats[old_chat_id] | {
            "id": new_chat_id,
            "type": "supergroup",
        }

    # --- observing ---
    def mark(self) -> int:
        """A position in `outputs`; `expect(after=mark)` looks only at later ones."""
        return len(self.outputs)

    def since(self, mark: int, chat_id: int | None = None) -> list[Output]:
        return [o for o in self.outputs[mark:] if chat_id is None or o.chat_id == chat_id]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method.lower()]

    async def wait_for(self, predicate: Callable[[], T], within: float = 5.0) -> T:
        """Wait until `predicate()` is truthy, re-checking after every request; returns it."""
        async with asyncio.timeout(within):
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
        return result

    async def expect(
        self, chat_id: int, contains: str = "", after: int = 0, within: float = 5.0
    ) -> dict[str, Any]:
        """The first message sent or edited in `chat_id` after `after` whose text contains it."""

        def found() -> dict[str, Any] | None:
            for output in self.outputs[after:]:
                text = output.message.get("text") or output.message.get("caption") or ""
                if output.chat_id == chat_id and contains in text:
                    return output.message
            return None

        try:
            return await self.wait_for(found, within)
        except TimeoutError:
            seen = [(o.chat_id, (o.message.get("text") or "")[:80]) for o in self.outputs[after:]]
            raise AssertionError(f"no message with {contains!r} in {chat_id}; saw {seen}") from None

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(wake())

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)
