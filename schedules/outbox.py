"""The one way a message to a person or a chat is queued, and the body format the sender reads.

Everything that tells somebody something outside the reply to their own message — a return,
a reminder, an urging, a bulletin, a retried WeCom answer — goes through `queue`, inside the
transaction of the change that caused it. The sender is woken when that transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import aiosqlite

from domain.messages import Choice, OutgoingFile, Reply
from schedules.policy import ReminderPolicy
from schedules.quiet import deliver_at
from storage import outbox


class Recipient(Protocol):
    """A person a push goes to: any contact row (`Contact`, `Person`) has these."""

    @property
    def id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def user_ref(self) -> str: ...
    @property
    def locale(self) -> str | None: ...
    @property
    def unreachable(self) -> bool: ...


@dataclass(frozen=True)
class Chat:
    """A group chat (or a WeCom robot): nobody's contact, never marked unreachable."""

    channel: str
    chat_ref: str
    key: str  # how the chat appears in idempotency keys


def body(
    text: str, choices: Sequence[Sequence[Choice]] = (), files: Sequence[OutgoingFile] = ()
) -> dict[str, Any]:
    """What an outbox row stores: the reply's text, its buttons and the files it carries (each
    a path the channel reads when it sends, e.g. a stored attachment's `FileStore.local_path`)."""
    stored: dict[str, Any] = {
        "text": text,
        "choices": [[{"label": c.label, "action": c.action} for c in row] for row in choices],
    }
    if files:
        stored["files"] = [{"path": f.path, "name": f.name, "mime": f.mime} for f in files]
    return stored


def reply_from_body(stored: dict[str, Any]) -> Reply:
    """The reply a stored body stands for (the inverse of `body`)."""
    return Reply(
        text=str(stored.get("text", "")),
        choices=[
            [Choice(str(c["label"]), str(c["action"])) for c in row]
            for row in stored.get("choices", [])
        ],
        files=[
            OutgoingFile(str(f["path"]), str(f["name"]), f.get("mime"))
            for f in stored.get("files", [])
        ],
    )


async def queue(
    db: aiosqlite.Connection,
    to: Recipient | Chat,
    *,
    key: str,
    kind: str,
    text: str,
    now: datetime,
    choices: Sequence[Sequence[Choice]] = (),
    quiet: tuple[ReminderPolicy, ZoneInfo] | None = None,
    not_before: datetime | None = None,
    files: Sequence[OutgoingFile] = (),
) -> bool:
    """Queue `text` to `to`, in the caller's transaction; False if skipped or queued before.

    `key` names what happened (``"urge:12"``); the recipient is appended, so running the same
    decision twice queues nothing new. A person marked unreachable is skipped. With `quiet`
    (the plan's policy and zone) a push decided in quiet hours waits for their end on the
    next working day (`schedules.quiet.deliver_at`);
    `not_before` holds it until a given instant instead (a retried answer).
    """
    if isinstance(to, Chat):
        channel, chat_ref, contact_id, who = to.channel, to.chat_ref, None, to.key
    else:
        if to.unreachable:
            return False
        channel, chat_ref, contact_id, who = to.channel, to.user_ref, to.id, str(to.id)
    if not_before is None and quiet is not None:
        not_before = deliver_at(now, *quiet, kind=kind)
    return await outbox.enqueue(
        db,
        idem_key=f"{key}:{who}",
        channel=channel,
        chat_ref=chat_ref,
        contact_id=contact_id,
        kind=kind,
        body=body(text, choices, files),
        now=now,
        not_before=not_before,
    )


async def queue_replies(
    db: aiosqlite.Connection,
    to: Recipient,
    replies: Sequence[Reply],
    *,
    key: str,
    kind: str,
    now: datetime,
) -> None:
    """A command's answers to a person who is not in a chat with the bot just now (a draft
    closed by the timer, an upload page's command), each under `key:N`: through `queue`."""
    for index, reply in enumerate(replies):
        await queue(
            db, to, key=f"{key}:{index}", kind=kind, text=reply.text, choices=reply.choices, now=now
        )
