"""Channel-neutral messages: what a channel hands in, and what the bot hands back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class IncomingFile:
    """An attachment as a channel offers it; its bytes are read only when stored."""

    name: str | None
    mime: str | None
    size: int | None
    read: Callable[[], AsyncIterator[bytes]]


@dataclass(frozen=True)
class Incoming:
    channel: str  # "shell", "telegram", "wecom"
    user_ref: str  # the user's id on that channel
    chat_ref: str  # where the message was said (the user's own chat when private)
    chat_kind: ChatKind = ChatKind.PRIVATE
    text: str = ""
    files: tuple[IncomingFile, ...] = ()
    user_name: str | None = None
    chat_title: str | None = None
    language: str | None = None  # what the platform says the user speaks
    message_key: str | None = None  # unique per delivery; repeats are not re-applied
    via_choice: bool = False  # the text came from a tapped button
    # The channel keeps no journal of its own: record even a delivery that changed nothing,
    # so the network's retry of it is not answered twice (WeCom; Telegram has its journal).
    remember: bool = False
    # The largest file this chat can be sent when no download link can be made (a channel's
    # upload limit without BOT_PUBLIC_URL); None: any size arrives, as a file or a link.
    file_limit: int | None = None


@dataclass(frozen=True)
class Choice:
    """A button: its label, and the command text it sends back when chosen."""

    label: str
    action: str


@dataclass(frozen=True)
class OutgoingFile:
    path: str
    name: str
    mime: str | None = None


@dataclass
class Reply:
    text: str
    choices: list[list[Choice]] = field(default_factory=list)
    files: list[OutgoingFile] = field(default_factory=list)
    private: bool = False  # deliver to the asker in private, even if asked in a group
    replaces_choices: bool = False  # an outcome that should take the tapped buttons' place
    is_error: bool = False  # the request was refused; nothing was changed
    private_notice: bool = False  # "answered you in private": untrue if that answer failed
    expects_answer: bool = False  # a question: the asker's next plain message answers it
