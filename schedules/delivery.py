"""What a channel adapter promises the sender, and how it reports a failed delivery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.messages import Reply


@dataclass(frozen=True)
class RateLimits:
    """A network's sending limits; the outbox sender paces each channel by its own."""

    per_second: float | None = None  # all chats together
    per_chat_per_second: float | None = None  # one private chat
    per_group_per_minute: float | None = None  # one group chat


class Channel(Protocol):
    name: str
    limits: RateLimits  # RateLimits() when the channel has none

    def is_group(self, chat_ref: str) -> bool:
        """Whether a chat is a group (group limits apply)."""
        ...

    async def deliver(self, chat_ref: str, reply: Reply) -> None:
        """Send one reply to a chat; raise a DeliveryError subclass when it did not arrive."""
        ...


class DeliveryError(Exception):
    """A send that failed; `detail` is kept on the outbox row (never a secret)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RetryLater(DeliveryError):
    """Flood control or a transient fault: try again after `after` seconds."""

    def __init__(self, detail: str, after: float) -> None:
        super().__init__(detail)
        self.after = after


class ChatBusy(RetryLater):
    """Only this chat must wait (its own message budget, a crowded minute): the message is
    put off without counting an attempt, and the channel's other chats go on."""


class Unreachable(DeliveryError):
    """The user blocked the bot or left: stop sending to them."""


class Undeliverable(DeliveryError):
    """A send that will never succeed as it is (bad request): give up at once."""


class RunningChannel(Channel, Protocol):
    """A channel that listens to a network: started and stopped by the runner."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
