"""Translation both ways: WeCom callback fields → inbound events; replies → WeCom messages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from domain.messages import Choice
from domain.text import clip

TEXT_BYTES = 2048  # message/send and robots cut text beyond this
CARD_BUTTONS = 6  # button_interaction holds at most six
BUTTON_CHARS = 12  # longer labels are cut on phones: number them in text instead
BUTTON_KEY_BYTES = 1024  # a button's key, as the template-card API allows
CARD_TITLE_CHARS = 36
CARD_SUBTITLE_CHARS = 112

MEDIA = {
    # msgtype: (file name stem, extension, mime)
    "image": ("image", "jpg", "image/jpeg"),
    "voice": ("voice", "amr", "audio/amr"),
    "video": ("video", "mp4", "video/mp4"),
}


@dataclass(frozen=True)
class Inbound:
    """One callback, reduced to what the bot acts on."""

    key: str  # MsgId, or user + time + event for events: the dedupe key
    user: str
    kind: str  # text | media | choice | enter (opened the app) | unsupported | ignore
    text: str = ""
    media_id: str | None = None
    file_name: str | None = None
    mime: str | None = None
    response_code: str | None = None


def parse(fields: dict[str, str]) -> Inbound | None:
    """The inbound event of a decrypted callback; None when it names no sender."""
    user = fields.get("FromUserName", "")
    msgtype = fields.get("MsgType", "")
    if not user or not msgtype:
        return None
    if msgtype == "event":
        return _event(fields, user)
    msg_id = fields.get("MsgId") or f"{user}:{fields.get('CreateTime', '')}:{msgtype}"
    key = f"msg:{msg_id}"
    if msgtype == "text":
        return Inbound(key, user, "text", text=fields.get("Content", ""))
    if msgtype in MEDIA and fields.get("MediaId"):
        stem, ext, mime = MEDIA[msgtype]
        if msgtype == "voice":
            ext = (fields.get("Format") or ext).lower()
        name = f"{stem}-{msg_id[-12:]}.{ext}"
        return Inbound(key, user, "media", media_id=fields["MediaId"], file_name=name, mime=mime)
    return Inbound(key, user, "unsupported")


def _event(fields: dict[str, str], user: str) -> Inbound:
    event = fields.get("Event", "")
    key = f"event:{user}:{fields.get('CreateTime', '')}:{event}"
    if event == "click":
        # A menu item: its key is the command, run as if typed.
        command = fields.get("EventKey", "")
        return Inbound(f"{key}:{command}", user, "text", text=command)
    if event == "enter_agent":
        return Inbound(key, user, "enter")
    if event == "template_card_event":
        task = fields.get("TaskId", "")
        return Inbound(
            f"{key}:{task}",
            user,
            "choice",
            text=fields.get("EventKey", ""),
            response_code=fields.get("ResponseCode") or None,
        )
    return Inbound(key, user, "ignore")


def split_text(text: str, limit: int = TEXT_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    if not text.strip():
        return []
    if len(text.encode("utf-8")) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len((current + line).encode("utf-8")) <= limit:
            current += line
            continue
        if current:
            parts.append(current)
        while len(line.encode("utf-8")) > limit:
            head = _prefix(line, limit)
            parts.append(head)
            line = line[len(head) :]
        current = line
    if current:
        parts.append(current)
    return [p.rstrip("\n") for p in parts if p.strip()]


def _prefix(text: str, budget: int) -> str:
    """The longest prefix of `text` within `budget` bytes, never cutting a character."""
    return text.encode("utf-8")[: max(budget, 0)].decode("utf-8", errors="ignore")


def fits_card(choices: list[Choice]) -> bool:
    """Whether a card can carry the choices: its buttons, their labels, and their keys (the
    command each sends back, which may hold a note typed with it)."""
    return 0 < len(choices) <= CARD_BUTTONS and all(
        len(c.label) <= BUTTON_CHARS and len(c.action.encode("utf-8")) <= BUTTON_KEY_BYTES
        for c in choices
    )


def card(text: str, choices: list[Choice]) -> dict[str, Any] | None:
    """A button_interaction card holding the text, or None when the text is too long for one."""
    first, _, rest = text.strip().partition("\n")
    rest = rest.strip()
    if len(first) <= CARD_TITLE_CHARS and len(rest) <= CARD_SUBTITLE_CHARS:
        content: dict[str, Any] = {"main_title": {"title": first}}
        if rest:
            content["sub_title_text"] = rest
    elif len(text) <= CARD_SUBTITLE_CHARS:
        content = {"sub_title_text": text.strip()}
    else:
        return None
    return _with_buttons(content, choices)


def prompt_card(prompt: str, choices: list[Choice]) -> dict[str, Any]:
    """The buttons under a text sent just before, with a short prompt."""
    return _with_buttons({"main_title": {"title": prompt}}, choices)


def _with_buttons(content: dict[str, Any], choices: list[Choice]) -> dict[str, Any]:
    seen: set[str] = set()
    buttons: list[dict[str, Any]] = []
    for c in choices:
        if c.action in seen:
            continue
        seen.add(c.action)
        buttons.append({"text": c.label, "style": 1 if not buttons else 2, "key": c.action})
    return {
        "card_type": "button_interaction",
        **content,
        # Unique per app, as WeCom requires; clicks come back with it.
        "task_id": f"t{secrets.token_hex(12)}",
        "button_list": buttons,
    }


def numbered(text: str, choices: list[Choice]) -> str:
    """Choices as `[1] label` lines, answered by typing the number (as in the shell)."""
    lines = [f"[{i}] {c.label}" for i, c in enumerate(choices, 1)]
    return text.rstrip() + "\n" + "\n".join(lines)


def replace_name(text: str, limit: int = 20) -> str:
    """The outcome shown in place of a clicked card's buttons: the reply's first line, short."""
    first = text.strip().partition("\n")[0].strip()
    return clip(first, limit)
