"""Domain errors: handlers raise them, the router turns them into localized replies."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; `key` is a locale message id."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Choose(Exception):
    """The user must pick: the router replies with `key` and one button per choice."""

    def __init__(self, key: str, choices: list[tuple[str, str]], /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.choices = choices  # (label, command text it sends)
        self.params = params
