"""The seams stay single: one queue function, one locale rule, channels behind the router."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "handlers", "storage", "schedules", "domain", "locales", "insight")


def _sources(*packages: str) -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text("utf-8")
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imported_modules(source: str) -> set[str]:
    """Every module a file imports, `from storage import outbox` counted as storage.outbox."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _where(pattern: str, packages: tuple[str, ...] = PRODUCT) -> list[str]:
    regex = re.compile(pattern)
    return [
        f"{name}:{number}"
        for name, text in _sources(*packages).items()
        for number, line in enumerate(text.splitlines(), 1)
        if regex.search(line)
    ]


def test_one_function_queues_outbox_rows() -> None:
    places = _where(r"\boutbox\.enqueue\(")
    assert [place.split(":")[0] for place in places] == ["schedules/outbox.py"]


def test_the_outbox_body_is_written_and_read_in_one_module() -> None:
    assert {p.split(":")[0] for p in _where(r"[\"']choices[\"']")} == {"schedules/outbox.py"}


def test_nobody_wakes_the_sender_by_hand() -> None:
    """The sender is woken when a transaction that queued something commits, never by a caller."""
    assert _where(r"\.wake\(\)|outbox_changed|wrote_outbox") == []


def test_one_locale_rule() -> None:
    """Only `locales.locale_for` orders the choices; nobody else falls back by hand."""
    fallbacks = _where(r"DEFAULT_LOCALE|\blocale or\b|or settings\.locale|or DEFAULT")
    assert {p.split(":")[0] for p in fallbacks} <= {"locales/__init__.py"}


SHARED_TABLES = {f"storage.{name}" for name in ("contacts", "chats", "outbox", "processed")}


@pytest.mark.parametrize("name", sorted(_sources("bot")))
def test_channels_never_touch_the_shared_tables(name: str) -> None:
    """Channels ask the router (and `handlers.channel_events`); they keep only their own tables."""
    assert _imported_modules(_sources("bot")[name]) & SHARED_TABLES == set()


def test_whether_a_delivery_was_handled_is_decided_in_one_place() -> None:
    """The router (and the WeCom hold that records it) decide; channels never ask the store."""
    assert _where(r"processed\.(seen|mark)\(") and all(
        place.split(":")[0] in {"handlers/router.py", "handlers/context.py", "storage/wecom.py"}
        for place in _where(r"processed\.(seen|mark)\(")
    )


def test_handlers_and_storage_leave_the_database_thread_before_other_awaits() -> None:
    """A request runs on the database threads between statements (storage/hops.py): work
    handed to another thread goes through `hops.in_thread`, which comes back to the loop
    first; a bare `asyncio.to_thread` there would fail on the database thread."""
    places = _where(r"asyncio\.to_thread\(|run_in_executor\(", ("handlers", "storage"))
    assert [place.split(":")[0] for place in places] == ["storage/db.py", "storage/hops.py"]
