"""Callbacks run after a write transaction commits: how a queued push wakes its sender."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

Listener = Callable[[], None]


@dataclass
class Signals:
    """One store's listeners by topic (e.g. "outbox" → the sender's `wake`)."""

    listeners: dict[str, list[Listener]] = field(default_factory=dict)

    def subscribe(self, topic: str, listener: Listener) -> None:
        self.listeners.setdefault(topic, []).append(listener)


@dataclass
class _Pending:
    signals: Signals
    topics: set[str] = field(default_factory=set)


_current: ContextVar[_Pending | None] = ContextVar("pending_signals", default=None)


def emit(topic: str) -> None:
    """Say `topic` changed; its listeners run once the current transaction commits."""
    pending = _current.get()
    if pending is not None:
        pending.topics.add(topic)


@contextmanager
def collecting(signals: Signals) -> Iterator[_Pending]:
    """Collect what one transaction emits; the caller fires it after COMMIT (never on rollback)."""
    pending = _Pending(signals)
    token = _current.set(pending)
    try:
        yield pending
    finally:
        _current.reset(token)


def fire(pending: _Pending) -> None:
    for topic in sorted(pending.topics):
        for listener in pending.signals.listeners.get(topic, ()):
            listener()
