"""Translation both ways: WeCom callback fields → inbound events; replies → WeCom messages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.messages import Choice
from domain.text import clip

TEXT_BYTES = 2048  # message/send and robots cut text beyond this
CARD_BUTTONS = 6  # button_interaction holds at most six
BUTTON_CHARS = 10  # WeCom advises at most ten; longer labels go on a vote card instead
BUTTON_KEY_BYTES = 1024  # a button's key, as the template-card API allows
CARD_TITLE_CHARS = 36
CARD_SUBTITLE_CHARS = 112
VOTE_OPTIONS = 20  # vote_interaction's checkbox holds at most twenty options
OPTION_CHARS = 17  # an option's text, its number included, as WeCom advises: cut beyond
OPTION_ID_BYTES = 128  # an option's id, which carries the command back
VOTE_DESC_CHARS = 44  # main_title.desc, the vote card's only place for a second line
VOTE_KEY = "choice"  # the vote card's question and submit button
VOTE_SUBMIT = "✔"  # the submit button's text: one mark reads in every language


class Form(StrEnum):
    """How a reply's choices reach a member (see `choice_form`)."""

    BUTTONS = "buttons"
    VOTE = "vote"
    NUMBERED = "numbered"


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
        # A vote card's submit carries the option picked, whose id is the command.
        picked = fields.get("OptionId", "")
        if fields.get("CardType") == "vote_interaction" and not picked:
            return Inbound(key, user, "ignore")
        return Inbound(
            f"{key}:{task}",
            user,
            "choice",
            text=picked or fields.get("EventKey", ""),
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


def unique(choices: list[Choice]) -> list[Choice]:
    """The choices without repeated commands, in order (a card's keys must differ)."""
    seen: set[str] = set()
    found = []
    for c in choices:
        if c.action not in seen:
            seen.add(c.action)
            found.append(c)
    return found


def choice_form(choices: list[Choice]) -> Form:
    """How choices reach a member, decided here alone. Up to six short labels: a button card.
    Up to twenty: a single-choice vote card, its options numbered (typing the number works as
    well) and cut to what a phone shows. More, or commands (which may hold a note typed with
    them) too long for a card: numbered text lines, answered by typing the number."""
    shown = unique(choices)
    if 0 < len(shown) <= CARD_BUTTONS and all(
        len(c.label) <= BUTTON_CHARS and len(c.action.encode("utf-8")) <= BUTTON_KEY_BYTES
        for c in shown
    ):
        return Form.BUTTONS
    if 0 < len(shown) <= VOTE_OPTIONS and all(
        len(c.action.encode("utf-8")) <= OPTION_ID_BYTES for c in shown
    ):
        return Form.VOTE
    return Form.NUMBERED


def _option(number: int, choice: Choice) -> str:
    return f"[{number}] {choice.label}"


def fits_card(choices: list[Choice]) -> bool:
    """Whether the choices go as buttons on a card (see `choice_form`)."""
    return choice_form(choices) is Form.BUTTONS


def card(text: str, choices: list[Choice]) -> dict[str, Any] | None:
    """A card holding the text and the choices (buttons, or a vote card's options), or None
    when the text is too long for one."""
    first, _, rest = text.strip().partition("\n")
    rest = rest.strip()
    if choice_form(choices) is Form.VOTE:
        # A vote card has a title and a short description, no body text.
        if len(first) > CARD_TITLE_CHARS or len(rest) > VOTE_DESC_CHARS:
            return None
        title = {"title": first, **({"desc": rest} if rest else {})}
        return _with_choices({"main_title": title}, choices)
    if len(first) <= CARD_TITLE_CHARS and len(rest) <= CARD_SUBTITLE_CHARS:
        content: dict[str, Any] = {"main_title": {"title": first}}
        if rest:
            content["sub_title_text"] = rest
    elif len(text) <= CARD_SUBTITLE_CHARS:
        content = {"sub_title_text": text.strip()}
    else:
        return None
    return _with_choices(content, choices)


def prompt_card(prompt: str, choices: list[Choice]) -> dict[str, Any]:
    """The choices under a text sent just before, with a short prompt."""
    return _with_choices({"main_title": {"title": prompt}}, choices)


def _with_choices(content: dict[str, Any], choices: list[Choice]) -> dict[str, Any]:
    shown = unique(choices)
    # Unique per app, as WeCom requires; clicks come back with it.
    task = f"t{secrets.token_hex(12)}"
    if choice_form(choices) is Form.VOTE:
        options = [
            {"id": c.action, "text": clip(_option(i, c), OPTION_CHARS), "is_checked": False}
            for i, c in enumerate(shown, 1)
        ]
        return {
            "card_type": "vote_interaction",
            **content,
            "task_id": task,
            "checkbox": {"question_key": VOTE_KEY, "option_list": options, "mode": 0},
            "submit_button": {"text": VOTE_SUBMIT, "key": VOTE_KEY},
        }
    buttons = [
        {"text": c.label, "style": 1 if i == 0 else 2, "key": c.action} for i, c in enumerate(shown)
    ]
    return {"card_type": "button_interaction", **content, "task_id": task, "button_list": buttons}


def numbered(text: str, choices: list[Choice]) -> str:
    """Choices as `[1] label` lines, answered by typing the number (as in the shell)."""
    lines = [_option(i, c) for i, c in enumerate(choices, 1)]
    return text.rstrip() + "\n" + "\n".join(lines)


def replace_name(text: str, limit: int = 20) -> str:
    """The outcome shown in place of a clicked card's buttons: the reply's first line, short."""
    first = text.strip().partition("\n")[0].strip()
    return clip(first, limit)
