"""A fake WeCom server API on 127.0.0.1: tokens, messages, cards, media, app chats, robots.

It keeps what it was sent, enforces the rules the bot must honour (valid access token, 20
messages a minute per group robot) and can be told to fail: `fail(path, errcode)`,
`expire_token()`, `invalid_users`. Its `Date` header is its clock plus `date_offset`; agent/get
answers the app's visible range (`visible_users`, `visible_parties`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import ssl
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from aiohttp import web

CORP_ID = "ww0123456789abcdef"
SECRET = "app-secret-for-tests"
AGENT_ID = 1000002
ROBOT_LIMIT = 20
ROBOT_PICTURE_MAX = 2 * 1024 * 1024  # a robot's image message, decoded
IMAGE_MAX = 10 * 1024 * 1024  # media/upload: an image (JPG or PNG)
FILE_MAX = 20 * 1024 * 1024  # and any file
DUPLICATE_WINDOW_MAX = 4 * 3600  # duplicate_check_interval: at most four hours
SERVER_IP = "203.0.113.7"  # the bot's outgoing IP, as WeCom would name it
# WeCom's own wording, where the bot reads it.
ERRMSGS = {
    60020: f"not allow to access from your ip, hint: [1700000000_45_f00d], from ip: {SERVER_IP}, "
    "more info at https://open.work.weixin.qq.com/devtool/query?e=60020",
}


@dataclass
class Sent:
    """One message the bot sent, as WeCom received it."""

    to: str  # userid, "robot:<key>" or "appchat:<chatid>"
    body: dict[str, Any]
    at: datetime
    response_code: str | None = None  # for template cards: what a click would carry back

    @property
    def kind(self) -> str:
        return str(self.body.get("msgtype", ""))

    @property
    def text(self) -> str:
        """What the user reads: the text, or a card's titles and buttons."""
        if self.kind in ("text", "markdown"):
            return str(self.body[self.kind]["content"])
        if self.kind == "template_card":
            card = self.body["template_card"]
            options = card.get("checkbox", {}).get("option_list", [])
            parts = [
                card.get("main_title", {}).get("title", ""),
                card.get("main_title", {}).get("desc", ""),
                card.get("sub_title_text", ""),
                "\n".join(str(o["text"]) for o in options),  # a vote card's options
                "  ".join(f"[{b['text']}]" for b in card.get("button_list", [])),
            ]
            return "\n".join(p for p in parts if p)
        return f"<{self.kind}>"

    @property
    def picture(self) -> bytes | None:
        """A robot's picture, decoded."""
        image = self.body.get("image", {}) if self.kind == "image" else {}
        return base64.b64decode(image["base64"]) if "base64" in image else None


def _vote_card_ok(card: dict[str, Any]) -> bool:
    """A vote card as WeCom takes it: 1-20 options with distinct ids of at most 128 bytes, a
    question key and a submit button with a key."""
    box = card.get("checkbox", {})
    ids = [str(o.get("id", "")) for o in box.get("option_list", [])]
    return (
        1 <= len(ids) <= 20
        and len(set(ids)) == len(ids)
        and all(0 < len(i.encode()) <= 128 for i in ids)
        and bool(box.get("question_key"))
        and bool(card.get("submit_button", {}).get("key"))
    )


@dataclass
class FakeWeCom:
    now: Callable[[], datetime]
    corp_id: str = CORP_ID
    agent_id: int = AGENT_ID
    sent: list[Sent] = field(default_factory=list)
    card_updates: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)  # menu/create bodies, as sent
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    upload_types: dict[str, str] = field(default_factory=dict)  # media id -> image, file, …
    appchats: dict[str, dict[str, Any]] = field(default_factory=dict)
    agent_name: str = "督办助手"
    visible_users: list[str] = field(default_factory=list)  # agent/get's allow_userinfos
    visible_parties: list[int] = field(default_factory=lambda: [1])  # the whole corp
    date_offset: timedelta = timedelta(0)  # the Date header: `now()` plus this
    robot_keys: set[str] = field(default_factory=set)
    # The corp's directory. A member not listed answers user/get as a new self-built app sees
    # anyone since 2022: the userid in place of the name, in the root department.
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # userid → name, department…
    departments: list[dict[str, Any]] = field(default_factory=list)  # id, parentid, order, name
    hide_department_names: bool = False  # department/list refuses (no directory permission)
    invalid_users: set[str] = field(default_factory=set)
    token_calls: int = 0
    media_asked: asyncio.Event = field(default_factory=asyncio.Event)
    hold_media: asyncio.Event | None = None  # set: media/get waits for it (a slow download)
    hold_sends: asyncio.Event | None = None  # set: message/send waits for it (a stalled API)
    send_asked: asyncio.Event = field(default_factory=asyncio.Event)
    # set: message/send takes the message, then waits for it before answering (a bot killed
    # there has sent it without learning so); `send_taken` is set when one was taken.
    hold_answers: asyncio.Event | None = None
    send_taken: asyncio.Event = field(default_factory=asyncio.Event)
    # enable_duplicate_check: a request whose JSON equals one taken within its interval is
    # answered ok and not delivered; kept here instead of in `sent`.
    duplicates: list[Sent] = field(default_factory=list)
    _taken: dict[tuple[str, str], datetime] = field(default_factory=dict)
    rejected: list[tuple[str, int]] = field(default_factory=list)  # (path, errcode) answered
    _tokens: dict[str, bool] = field(default_factory=dict)  # token → still valid
    _failures: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    _robot_sends: dict[str, deque[datetime]] = field(default_factory=lambda: defaultdict(deque))
    _runner: web.AppRunner | None = None
    base_url: str = ""

    # --- control ---
    def fail(self, path: str, errcode: int, times: int = 1) -> None:
        """The next `times` calls to `path` answer `errcode`."""
        self._failures[path].extend([errcode] * times)

    def expire_token(self) -> None:
        for token in self._tokens:
            self._tokens[token] = False

    def add_media(self, data: bytes, mime: str = "image/jpeg") -> str:
        media_id = "M" + secrets.token_hex(12)
        self.media[media_id] = (data, mime)
        return media_id

    def new_robot(self) -> str:
        key = secrets.token_hex(4) + "-" + secrets.token_hex(2) + "-" + secrets.token_hex(6)
        self.robot_keys.add(key)
        return key

    def add_person(self, userid: str, name: str, *departments: int) -> None:
        """A member of the corp's directory (their first department is the main one)."""
        listed = list(departments) or [1]
        self.people[userid] = {"name": name, "department": listed, "main_department": listed[0]}

    def to(self, who: str) -> list[Sent]:
        return [s for s in self.sent if s.to == who]

    # --- server ---
    async def start(self, ssl_context: ssl.SSLContext | None = None) -> None:
        """Serve on a free port; over HTTPS with `ssl_context` (a private deployment's own CA)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(
            [
                web.get("/cgi-bin/gettoken", self._gettoken),
                web.post("/cgi-bin/message/send", self._message_send),
                web.post("/cgi-bin/message/update_template_card", self._update_card),
                web.post("/cgi-bin/media/upload", self._media_upload),
                web.get("/cgi-bin/media/get", self._media_get),
                web.post("/cgi-bin/appchat/create", self._appchat_create),
                web.get("/cgi-bin/agent/get", self._agent_get),
                web.post("/cgi-bin/appchat/send", self._appchat_send),
                web.post("/cgi-bin/webhook/send", self._webhook_send),
                web.get("/cgi-bin/user/get", self._user_get),
                web.get("/cgi-bin/department/simplelist", self._department_simplelist),
                web.get("/cgi-bin/department/list", self._department_list),
                web.post("/cgi-bin/menu/create", self._menu_create),
            ]
        )
        app.on_response_prepare.append(self._date)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- helpers ---
    async def _date(self, request: web.Request, response: web.StreamResponse) -> None:
        when = (self.now() + self.date_offset).astimezone(UTC)
        response.headers["Date"] = format_datetime(when, usegmt=True)

    def _error(self, path: str, code: int, message: str = "error") -> web.Response:
        self.rejected.append((path, code))
        return web.json_response({"errcode": code, "errmsg": message})

    def _check(self, request: web.Request) -> web.Response | None:
        """Token and injected failures, as WeCom checks them before anything else."""
        path = request.path
        token = request.query.get("access_token", "")
        if token not in self._tokens:
            return self._error(path, 40014, "invalid access_token")
        if not self._tokens[token]:
            return self._error(path, 42001, "access_token expired")
        if self._failures[path]:
            code = self._failures[path].popleft()
            return self._error(path, code, ERRMSGS.get(code, "error"))
        return None

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        return json.loads(await request.read())

    # --- endpoints ---
    async def _gettoken(self, request: web.Request) -> web.Response:
        self.token_calls += 1
        if request.query.get("corpid") != self.corp_id:
            return self._error(request.path, 40013, "invalid corpid")
        if request.query.get("corpsecret") != SECRET:
            return self._error(request.path, 40001, "invalid secret")
        token = "T" + secrets.token_hex(16)
        self._tokens[token] = True
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    async def _message_send(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        self.send_asked.set()
        if self.hold_sends is not None:
            await self.hold_sends.wait()
        body = await self._json(request)
        if body.get("agentid") != self.agent_id:
            return self._error(request.path, 40056, "invalid agentid")
        kind = body.get("msgtype")
        if kind in ("text", "markdown"):
            content = body[kind]["content"]
            if not content:
                return self._error(request.path, 44004, "empty content")
            if len(content.encode("utf-8")) > 2048:
                return self._error(request.path, 45002, "content size out of limit")
        if kind == "template_card":
            card = body["template_card"]
            if not card.get("task_id") or not (
                _vote_card_ok(card)
                if card.get("card_type") == "vote_interaction"
                else 1 <= len(card.get("button_list", [])) <= 6
            ):
                return self._error(request.path, 40058, "bad card")
        user = str(body.get("touser", ""))
        if user in self.invalid_users:
            return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": user})
        interval = int(body.get("duplicate_check_interval", 1800))
        if not 0 < interval <= DUPLICATE_WINDOW_MAX:
            return self._error(request.path, 40058, "invalid duplicate_check_interval")
        same = (user, json.dumps(body, ensure_ascii=False, sort_keys=True))
        before = self._taken.get(same)
        now = self.now()
        self._taken[same] = now
        if body.get("enable_duplicate_check") == 1 and before is not None:
            if now - before < timedelta(seconds=interval):
                self.duplicates.append(Sent(user, body, now))
                return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": ""})
        code = "R" + secrets.token_hex(8) if kind == "template_card" else None
        self.sent.append(Sent(user, body, now, code))
        self.send_taken.set()
        if self.hold_answers is not None:
            await self.hold_answers.wait()
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": secrets.token_hex(8)})

    async def _update_card(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        body = await self._json(request)
        codes = {s.response_code for s in self.sent if s.response_code}
        used = {u["response_code"] for u in self.card_updates}
        if body.get("response_code") not in codes or body["response_code"] in used:
            return self._error(request.path, 40098, "invalid response_code")
        self.card_updates.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _media_upload(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        form = await request.post()
        media = form.get("media")
        if not isinstance(media, web.FileField):
            return self._error(request.path, 41004, "media missing")
        content = media.file.read()
        kind = request.query.get("type", "")
        if kind == "image" and not content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
            return self._error(request.path, 40005, "invalid file type")  # JPG and PNG only
        if len(content) > (IMAGE_MAX if kind == "image" else FILE_MAX):
            return self._error(request.path, 40006, "invalid file size")
        media_id = "U" + secrets.token_hex(12)
        self.uploads[media_id] = (media.filename, content)
        self.upload_types[media_id] = kind
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "type": request.query.get("type"), "media_id": media_id}
        )

    async def _media_get(self, request: web.Request) -> web.StreamResponse:
        refused = self._check(request)
        if refused is not None:
            return refused
        self.media_asked.set()
        if self.hold_media is not None:
            await self.hold_media.wait()
        found = self.media.get(request.query.get("media_id", ""))
        if found is None:
            return self._error(request.path, 40007, "invalid media_id")
        data, mime = found
        return web.Response(
            body=data,
            content_type=mime,
            headers={"Content-Disposition": 'attachment; filename="media.bin"'},
        )

    async def _appchat_create(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        body = await self._json(request)
        chatid = body.get("chatid") or secrets.token_hex(8)
        self.appchats[chatid] = body
        return web.json_response({"errcode": 0, "errmsg": "ok", "chatid": chatid})

    async def _agent_get(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        if request.query.get("agentid") != str(self.agent_id):
            return self._error(request.path, 40056, "invalid agentid")
        return web.json_response(
            {
                "errcode": 0,
                "errmsg": "ok",
                "agentid": self.agent_id,
                "name": self.agent_name,
                "allow_userinfos": {"user": [{"userid": u} for u in self.visible_users]},
                "allow_partys": {"partyid": list(self.visible_parties)},
                "allow_tags": {"tagid": []},
                "close": 0,
            }
        )

    async def _appchat_send(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        body = await self._json(request)
        if body.get("chatid") not in self.appchats:
            return self._error(request.path, 86003, "chat not found")
        self.sent.append(Sent(f"appchat:{body['chatid']}", body, self.now()))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _webhook_send(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        if key not in self.robot_keys:
            return self._error(request.path, 93000, "invalid webhook url")
        if self._failures[request.path]:
            return self._error(request.path, self._failures[request.path].popleft())
        now = self.now()
        window = self._robot_sends[key]
        while window and now - window[0] >= timedelta(minutes=1):
            window.popleft()
        if len(window) >= ROBOT_LIMIT:
            return self._error(request.path, 45009, "api freq out of limit")
        body = await self._json(request)
        if body.get("msgtype") == "image":
            picture = base64.b64decode(body["image"]["base64"])
            if len(picture) > ROBOT_PICTURE_MAX:
                return self._error(request.path, 40009, "invalid image size")
            if hashlib.md5(picture).hexdigest() != body["image"]["md5"]:
                return self._error(request.path, 40008, "image md5 mismatch")
        window.append(now)
        self.sent.append(Sent(f"robot:{key}", body, now))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _menu_create(self, request: web.Request) -> web.Response:
        """An app's menu: 1-3 items of at most 16 bytes, 1-5 sub-items of at most 40, keys of
        at most 128 bytes (WeCom's documented limits)."""
        refused = self._check(request)
        if refused is not None:
            return refused
        if request.query.get("agentid") != str(self.agent_id):
            return self._error(request.path, 40056, "invalid agentid")
        body = await self._json(request)
        top = body.get("button", [])

        def fits(item: dict[str, Any], limit: int) -> bool:
            name = str(item.get("name", ""))
            key = str(item.get("key", ""))
            return 0 < len(name.encode()) <= limit and len(key.encode()) <= 128

        subs = [sub for item in top for sub in item.get("sub_button", [])]
        if (
            not 1 <= len(top) <= 3
            or not all(fits(item, 16) for item in top)
            or not all(fits(sub, 40) for sub in subs)
            or any(len(item.get("sub_button", [None])) > 5 for item in top)
        ):
            return self._error(request.path, 40058, "invalid menu")
        self.menus.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _user_get(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        userid = request.query.get("userid", "")
        if not userid:
            return self._error(request.path, 41009, "missing userid")
        person = self.people.get(userid, {"name": userid, "department": [1], "main_department": 1})
        return web.json_response({"errcode": 0, "errmsg": "ok", "userid": userid, **person})

    async def _department_simplelist(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        listed = [
            {"id": d["id"], "parentid": d["parentid"], "order": d.get("order", 0)}
            for d in self.departments
        ]
        return web.json_response({"errcode": 0, "errmsg": "ok", "department_id": listed})

    async def _department_list(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        if self.hide_department_names:
            return self._error(request.path, 48002, "api forbidden")
        return web.json_response({"errcode": 0, "errmsg": "ok", "department": self.departments})
