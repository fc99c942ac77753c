"""The Bot API side of the fake Telegram server: HTTP routing, methods, checks as Telegram does."""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from PIL import Image
from telegram import TelegramObject, Update

T = TypeVar("T")
TOKEN = "123456:TEST-fake-token"
DOWNLOAD_LIMIT = 20 * 1024 * 1024
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
PHOTO_LIMIT = 10 * 1024 * 1024  # sendPhoto: 10 MB, width + height <= 10000, ratio <= 20
PHOTO_SIDES = 10_000
PHOTO_RATIO = 20
MEDIA_GROUP_MIN, MEDIA_GROUP_MAX = 2, 10
_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "reply_parameters",
    "link_preview_options",
    "entities",
    "caption_entities",
    "media",
}
_TAG = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|span|tg-spoiler|blockquote)(\s[^<>]*)?>"
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class ApiError(Exception):
    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Call:
    """One request the bot made: method, decoded parameters, uploaded files, when, outcome."""

    method: str
    params: dict[str, Any]
    uploads: dict[str, tuple[str, bytes]]
    at: float
    status: int = 200


@dataclass
class Failure:
    status: int
    methods: frozenset[str] | None
    chat_id: str | None
    times: int | None
    share: float | None
    retry_after: int | None
    drop: bool
    description: str
    hits: int = 0


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    size: int
    content: bytes | None  # None: announced only (too big to keep)
    path: str


@dataclass
class Output:
    """Something the bot made visible: a new message or an edit of one."""

    kind: str  # "send" | "edit"
    chat_id: int
    message: dict[str, Any]


def visible_text(raw: str, parse_mode: str | None) -> str:
    """What the user sees; raises ApiError like Telegram on malformed HTML."""
    if parse_mode != "HTML":
        return raw
    stripped = _TAG.sub("", raw)
    leftover = _ENTITY.sub("", stripped)
    if "<" in leftover or ">" in leftover or "&" in leftover:
        raise ApiError(400, "Bad Request: can't parse entities: unsupported start tag or entity")
    return html.unescape(stripped)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_update(data: dict[str, Any]) -> Update:
    """Parse like PTB does; any field PTB does not know is a mistake in the test."""
    update = Update.de_json(json.loads(json.dumps(data)), None)
    assert update is not None, data

    def walk(obj: object, where: str) -> None:
        if isinstance(obj, TelegramObject):
            assert not obj.api_kwargs, f"unknown fields at {where}: {dict(obj.api_kwargs)}"
            for name, value in obj._get_attrs(recursive=False).items():
                walk(value, f"{where}.{name}")
        elif isinstance(obj, list | tuple):
            for i, item in enumerate(obj):
                walk(item, f"{where}[{i}]")

    walk(update, "update")
    return update


class BotApiMethods:
    """Bot API methods over the state a `FakeTelegram` keeps (a mixin: it has no state).

    `FakeTelegram` also provides `add_file`, `wait_for`, `_notify` and `_next_message_id`."""

    token: str
    me: dict[str, Any]
    calls: list[Call]
    outputs: list[Output]
    pending: list[dict[str, Any]]
    messages: dict[tuple[int, int], dict[str, Any]]
    files: dict[str, StoredFile]
    chats: dict[int, dict[str, Any]]
    blocked: dict[int, str]
    migrated: dict[int, int]
    failures: list[Failure]
    commands: dict[str, list[dict[str, Any]]]
    answered: dict[str, dict[str, Any]]
    webhook: dict[str, Any] | None
    confirmed: int
    downloads: list[str]
    local_dir: Path | None
    _closing: bool
    _webhook_task: asyncio.Task[None] | None
    _random: Any

    # --- the HTTP side ---
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"].lower()
        params, uploads = await _read_params(request)
        call = Call(method, params, uploads, time.monotonic())
        self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            failure = self._failure_for(method, params)
            if failure is not None and failure.drop:
                call.status = 0
                assert request.transport is not None
                request.transport.close()  # the answer below is never written
                return web.Response(status=500)
            if failure is not None:
                extra = {"retry_after": failure.retry_after} if failure.retry_after else {}
                raise ApiError(failure.status, failure.description, **extra)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(400, f"Bad Request: method {method} not found")
            result = await handler(params, uploads)
            body: dict[str, Any] = {"ok": True, "result": result}
        except ApiError as err:
            call.status = err.status
            body = {"ok": False, "error_code": err.status, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
        finally:
            self._notify()
        return web.json_response(body, status=call.status)

    def _failure_for(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures:
            if failure.methods is not None and method not in failure.methods:
                continue
            if failure.chat_id is not None and str(params.get("chat_id")) != failure.chat_id:
                continue
            if failure.share is not None and self._random.random() >= failure.share:
                continue
            if failure.times is not None:
                if failure.times <= 0:
                    continue
                failure.times -= 1
            failure.hits += 1
            return failure
        return None

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.path == path), None)
        if stored is None or stored.content is None:
            return web.Response(status=404)
        self.downloads.append(stored.file_id)
        self._notify()
        return web.Response(body=stored.content)

    # --- methods ---
    async def _m_getme(self, params: dict, uploads: dict) -> dict:
        return self.me

    async def _m_getupdates(self, params: dict, uploads: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.confirmed = max(self.confirmed, offset)
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

        def ready() -> bool:
            return self._closing or any(u["update_id"] >= offset for u in self.pending)

        with contextlib.suppress(TimeoutError):
            await self.wait_for(ready, timeout)
        return [u for u in self.pending if u["update_id"] >= offset][:limit]

    async def _m_deletewebhook(self, params: dict, uploads: dict) -> bool:
        self.webhook = None
        if str(params.get("drop_pending_updates")).lower() == "true":
            self.pending.clear()
        return True

    async def _m_setwebhook(self, params: dict, uploads: dict) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        if self._webhook_task is None:
            self._webhook_task = asyncio.get_running_loop().create_task(self._post_webhooks())
        return True

    async def _m_getwebhookinfo(self, params: dict, uploads: dict) -> dict:
        hook = self.webhook or {}
        return {"url": hook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.pending)}  # fmt: skip

    async def _m_setmycommands(self, params: dict, uploads: dict) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code', '')}"
        for command in params["commands"]:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]), command
            if not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        self.commands[key] = params["commands"]
        return True

    async def _m_deletemycommands(self, params: dict, uploads: dict) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop(
            f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code', '')}", None
        )
        return True

    async def _m_answercallbackquery(self, params: dict, uploads: dict) -> bool:
        self.answered[str(params["callback_query_id"])] = params
        return True

    async def _m_sendmessage(self, params: dict, uploads: dict) -> dict:
        chat = self._target(params)
        text = visible_text(str(params.get("text", "")), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._record(chat, params, {"text": text})

    async def _m_senddocument(self, params: dict, uploads: dict) -> dict:
        return self._send_file("document", params, uploads)

    async def _m_sendphoto(self, params: dict, uploads: dict) -> dict:
        return self._send_file("photo", params, uploads)

    async def _m_sendmediagroup(self, params: dict, uploads: dict) -> list[dict]:
        """An album: 2-10 photos/videos, or documents only; files come as attach://name."""
        chat = self._target(params)
        media = params.get("media") or []
        if not MEDIA_GROUP_MIN <= len(media) <= MEDIA_GROUP_MAX:
            raise ApiError(400, "Bad Request: MEDIA_GROUP_INVALID")
        kinds = {item.get("type") for item in media}
        if not (kinds <= {"photo", "video"} or kinds == {"document"} or kinds == {"audio"}):
            raise ApiError(400, "Bad Request: MEDIA_GROUP_INVALID")
        attached = []
        for item in media:
            ref = str(item.get("media", ""))
            if not ref.startswith("attach://") or ref.removeprefix("attach://") not in uploads:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            name, content = uploads[ref.removeprefix("attach://")]
            attached.append(self._attachment(item["type"], name, content, item))
        group_id = f"{len(self.calls)}{int(time.time())}"
        plain = {k: v for k, v in params.items() if k != "reply_markup"}  # albums take no buttons
        return [self._record(chat, plain, a | {"media_group_id": group_id}) for a in attached]

    async def _m_editmessagetext(self, params: dict, uploads: dict) -> dict:
        msg = self._editable(params)
        text = visible_text(str(params.get("text", "")), params.get("parse_mode"))
        if utf16_len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._markup(params)
        if "text" not in msg:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if msg.get("text") == text and msg.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        msg["text"] = text
        msg.pop("reply_markup", None)
        if markup:
            msg["reply_markup"] = markup
        msg["edit_date"] = int(time.time())
        self.outputs.append(Output("edit", msg["chat"]["id"], msg))
        return msg

    async def _m_editmessagereplymarkup(self, params: dict, uploads: dict) -> dict:
        msg = self._editable(params)
        markup = self._markup(params)
        msg.pop("reply_markup", None)
        if markup:
            msg["reply_markup"] = markup
        self.outputs.append(Output("edit", msg["chat"]["id"], msg))
        return msg

    async def _m_getfile(self, params: dict, uploads: dict) -> dict:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if self.local_dir is not None and stored.content is not None:
            local = self.local_dir / stored.path
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(stored.content)
            return {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                    "file_size": stored.size, "file_path": str(local)}  # fmt: skip
        if stored.size > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": stored.size,
            "file_path": stored.path,
        }

    # --- helpers for methods ---
    def _target(self, params: dict) -> dict:
        chat_id = int(params.get("chat_id", 0))
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )
        if chat_id in self.blocked:
            raise ApiError(403, self.blocked[chat_id])
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _markup(self, params: dict) -> dict | None:
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup or None

    def _record(self, chat: dict, params: dict, content: dict) -> dict:
        msg: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            **content,
        }
        markup = self._markup(params)
        if markup and "inline_keyboard" in markup:  # a ForceReply is not part of the message
            msg["reply_markup"] = markup
        reply = params.get("reply_parameters") or {}
        if reply.get("message_id"):
            original = self.messages.get((chat["id"], int(reply["message_id"])))
            if original is not None:
                msg["reply_to_message"] = {k: v for k, v in original.items() if k in _MESSAGE_KEYS}
        self.messages[(chat["id"], msg["message_id"])] = msg
        self.outputs.append(Output("send", chat["id"], msg))
        return msg

    def _send_file(self, kind: str, params: dict, uploads: dict) -> dict:
        chat = self._target(params)
        if kind not in uploads:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        name, content = uploads[kind]
        return self._record(chat, params, self._attachment(kind, name, content, params))

    def _attachment(self, kind: str, name: str, content: bytes, params: dict) -> dict[str, Any]:
        """The message content of a sent file (with its caption), checked as Telegram does."""
        caption = visible_text(str(params.get("caption", "")), params.get("parse_mode"))
        if utf16_len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        width = height = 1280
        if kind == "photo":
            width, height = _photo_size(content)
        stored = self.add_file(content, ext=name.rpartition(".")[2] or "bin")
        item = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
        item["file_size"] = stored.size
        attached: dict[str, Any] = (
            {"document": item | {"file_name": name}}
            if kind == "document"
            else {kind: [item | {"width": width, "height": height}]}
        )
        if caption:
            attached["caption"] = caption
        return attached

    def _editable(self, params: dict) -> dict:
        chat_id = int(params.get("chat_id", 0))
        msg = self.messages.get((chat_id, int(params.get("message_id", 0))))
        if msg is None or msg["from"]["id"] != self.me["id"]:
            raise ApiError(400, "Bad Request: message to edit not found")
        return msg

    async def _post_webhooks(self) -> None:
        """Deliver queued updates to the webhook like Telegram: one at a time, retrying."""
        async with aiohttp.ClientSession() as session:
            while True:
                await self.wait_for(lambda: self.webhook is not None and self.pending, 3600)
                if self.webhook is None:
                    continue
                update = self.pending[0]
                headers = {"Content-Type": "application/json"}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                try:
                    async with session.post(
                        self.webhook["url"], data=json.dumps(update), headers=headers
                    ) as response:
                        delivered = response.status == 200
                except aiohttp.ClientError:
                    delivered = False
                if delivered and self.pending and self.pending[0] is update:
                    self.pending.pop(0)
                    self._notify()
                elif not delivered:
                    await asyncio.sleep(0.05)  # Telegram too waits before retrying a webhook


def _photo_size(content: bytes) -> tuple[int, int]:
    """A photo's size in pixels; what Telegram refuses as a photo raises its error."""
    if len(content) > PHOTO_LIMIT:
        raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
    try:
        with Image.open(io.BytesIO(content)) as picture:
            width, height = picture.size
    except (OSError, ValueError):
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from None
    if width + height > PHOTO_SIDES or max(width, height) > PHOTO_RATIO * min(width, height):
        raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    return width, height


_MESSAGE_KEYS = {"message_id", "date", "chat", "from", "text", "caption", "reply_markup"}


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict]:
    """PTB posts form fields (JSON-encoded when not strings) or multipart with files."""
    params: dict[str, Any] = {}
    uploads: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        params = await request.json() if request.can_read_body else {}
        return params, uploads
    form = await request.post() if request.can_read_body else {}
    for key, value in {**request.query, **form}.items():
        if isinstance(value, web.FileField):
            uploads[key] = (value.filename, value.file.read())
        elif key in _JSON_FIELDS:
            params[key] = json.loads(value)
        else:
            params[key] = value
    return params, uploads
