"""Every button and every binding word resolves to a registered command (a typo is a dead tap)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.telegram.adapter import BINDING_WORDS
from handlers.registry import BY_WORD
from handlers.router import split_command

ROOT = Path(__file__).resolve().parent.parent


def _button_actions() -> list[tuple[str, str]]:
    """(where, the command word) of every `Choice(label, action)` written in the product."""
    found = []
    for package in ("bot", "handlers", "schedules", "insight"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Choice"):
                    continue
                action = node.args[1] if len(node.args) > 1 else None
                head = action.values[0] if isinstance(action, ast.JoinedStr) else action
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append((where, head.value.split()[0]))
    return found


ACTIONS = _button_actions()


def test_the_buttons_are_found() -> None:
    words = {word for _, word in ACTIONS}
    assert {"/accept", "/report_pick", "/ack", "/pending", "/urge_confirm"} <= words


@pytest.mark.parametrize(("where", "word"), ACTIONS)
def test_every_button_action_is_a_registered_command(where: str, word: str) -> None:
    command, _, typed = split_command(f"{word} x")
    assert command is not None, f"{where}: {word!r} is no command"
    assert typed == word


@pytest.mark.parametrize("word", BINDING_WORDS)
def test_every_binding_word_is_the_start_or_bind_command(word: str) -> None:
    command = BY_WORD.get(word.lstrip("/"))
    assert command is not None and command.name in {"start", "bind"}
